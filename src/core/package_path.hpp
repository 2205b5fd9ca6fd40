#pragma once
// Files a package names (its network, its dictionary) must be the package's own: a hostile
// pipeline.json naming "/etc/passwd" or "../../key_file.json" would otherwise be read and
// returned as recognised text.
#include <filesystem>
#include <string>

namespace ocrserve {

// `dir / name` with symbolic links resolved, or Error(bad_input) naming `where` when that lies
// outside `dir` (absolute names, "..", links that point away) or `name` is empty.
std::filesystem::path path_inside(const std::filesystem::path& dir, const std::string& name, const std::string& where);

}  // namespace ocrserve
