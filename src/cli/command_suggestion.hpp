#pragma once
// "Did you mean …?" for a mistyped subcommand: the closest known name by edit distance.
#include <optional>
#include <string>
#include <vector>

namespace ocrserve {

// The candidate within 2 edits of `typed` (or one that `typed` starts, or that starts `typed`),
// the closest first; nothing when no candidate is close.
std::optional<std::string> closest_command(const std::string& typed, const std::vector<std::string>& candidates);

}  // namespace ocrserve
