#include "core/package_path.hpp"

#include <algorithm>

#include "ocrserve/error.hpp"

namespace ocrserve {

namespace fs = std::filesystem;

fs::path path_inside(const fs::path& dir, const std::string& name, const std::string& where) {
  if (name.empty()) throw Error(ErrorKind::bad_input, where + ": names an empty file name");
  std::error_code error;
  const fs::path base = fs::weakly_canonical(fs::absolute(dir, error), error);
  if (error) throw Error(ErrorKind::not_found, where + ": cannot resolve " + dir.string() + ": " + error.message());
  // weakly_canonical follows every link that exists, so the check sees where a read would go.
  const fs::path target = fs::weakly_canonical(base / fs::path(name), error);
  const bool inside = !error && fs::path(name).is_relative() &&
                      std::mismatch(base.begin(), base.end(), target.begin(), target.end()).first == base.end();
  if (!inside) {
    throw Error(ErrorKind::bad_input, where + ": \"" + name + "\" is outside the package directory; "
                                              "a package may only name its own files");
  }
  return target;
}

}  // namespace ocrserve
