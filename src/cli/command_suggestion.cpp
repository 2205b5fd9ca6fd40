#include "cli/command_suggestion.hpp"

#include <algorithm>

#include "eval/metrics.hpp"

namespace ocrserve {

std::optional<std::string> closest_command(const std::string& typed, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t best_distance = 3;  // more than 2 edits away is not a typo
  for (const std::string& name : candidates) {
    size_t distance = edit_distance(typed, name);
    if (typed.size() >= 2 && (name.rfind(typed, 0) == 0 || typed.rfind(name, 0) == 0)) distance = std::min<size_t>(distance, 1);
    if (distance < best_distance) {
      best_distance = distance;
      best = name;
    }
  }
  return best;
}

}  // namespace ocrserve
