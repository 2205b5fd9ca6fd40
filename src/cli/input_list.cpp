#include "cli/input_list.hpp"

#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <variant>

#include "cli/pdf_document.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool hidden(const fs::path& name) {
  const std::string text = name.filename().string();
  return !text.empty() && text[0] == '.' && text != "." && text != "..";
}

// A name for files written for `path`: relative to `base` when below it, else the file name.
fs::path output_name(const fs::path& path, const fs::path& base) {
  const fs::path relative = path.lexically_normal().lexically_relative(base.lexically_normal());
  if (relative.empty() || *relative.begin() == ".." || relative == ".") return path.filename();
  return relative;
}

// The image and PDF files below `folder`, sorted; named relative to `base`.
void add_folder(const fs::path& folder, const fs::path& base, std::vector<InputFile>& inputs) {
  std::vector<fs::path> found;
  try {
    fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied), end;
    for (; it != end; ++it) {
      if (hidden(it->path())) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file() && input_extensions().count(lower(it->path().extension().string()))) {
        found.push_back(it->path());
      }
    }
  } catch (const fs::filesystem_error& e) {
    inputs.push_back({folder.string(), folder.string(), folder.filename(), false,
                      Error(ErrorKind::bad_input, folder.string() + ": cannot list the folder: " + e.code().message())});
    return;
  }
  if (found.empty()) {
    inputs.push_back({folder.string(), folder.string(), folder.filename(), false,
                      Error(ErrorKind::not_found, folder.string() +
                                                      ": no image or PDF files in this folder (looked for .jpg, .jpeg, "
                                                      ".png, .bmp, .webp, .tif, .tiff, .gif, .pdf)")});
    return;
  }
  std::sort(found.begin(), found.end());
  for (const auto& path : found) inputs.push_back({path.string(), path.string(), output_name(path, base), true, {}});
}

bool has_pattern(const std::string& text) { return text.find_first_of("*?[") != std::string::npos; }

// The folder a pattern's matches are named relative to: its leading components without wildcards.
fs::path pattern_base(const std::string& pattern) {
  fs::path base;
  for (const auto& part : fs::path(pattern).parent_path()) {
    if (has_pattern(part.string())) break;
    base /= part;
  }
  return base.empty() ? fs::path(".") : base;
}

void add_pattern(const std::string& pattern, std::vector<InputFile>& inputs) {
  glob_t matches{};
  const int status = glob(pattern.c_str(), 0, nullptr, &matches);
  std::vector<std::string> paths(matches.gl_pathv, matches.gl_pathv + (status == 0 ? matches.gl_pathc : 0));
  globfree(&matches);
  if (paths.empty()) {
    inputs.push_back({pattern, pattern, fs::path(pattern).filename(), false,
                      Error(ErrorKind::not_found, pattern + ": no file matches this pattern")});
    return;
  }
  const fs::path base = pattern_base(pattern);
  for (const auto& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      add_folder(path, base, inputs);
    } else {
      inputs.push_back({path, path, output_name(path, base), true, {}});
    }
  }
}

}  // namespace

const std::set<std::string>& input_extensions() {
  static const std::set<std::string> extensions = {".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".webp",
                                                   ".tif", ".tiff", ".gif", ".pdf"};
  return extensions;
}

std::vector<InputFile> expand_inputs(const std::vector<std::string>& arguments) {
  std::vector<InputFile> inputs;
  for (const auto& argument : arguments) {
    std::error_code error;
    if (argument == "-") {
      inputs.push_back({"-", "stdin", "stdin", false, {}});
    } else if (fs::is_directory(argument, error)) {
      add_folder(argument, argument, inputs);
    } else if (!fs::exists(argument, error) && has_pattern(argument)) {
      add_pattern(argument, inputs);
    } else {
      inputs.push_back({argument, argument, fs::path(argument).filename(), false, {}});
    }
  }
  return inputs;
}

std::vector<uint8_t> read_input_bytes(const InputFile& input) {
  if (input.path != "-") return read_file_bytes(input.path);
  std::vector<uint8_t> bytes;
  uint8_t buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorKind::bad_input, "stdin: read error: " + std::string(std::strerror(errno)));
    }
    bytes.insert(bytes.end(), buffer, buffer + got);
    if (bytes.size() > static_cast<size_t>(INT_MAX)) {
      throw Error(ErrorKind::bad_input, "stdin: more than 2 GiB, which the decoders cannot read");
    }
  }
  return bytes;
}

struct InputDocument::Impl {
  std::variant<ImagePages, PdfDocument> pages;
  int dpi = 0;
};

InputDocument::InputDocument(std::vector<uint8_t> bytes, const std::string& name, int pdf_dpi,
                             const DecodeLimits& limits) {
  if (ocrserve::is_pdf(bytes)) {
    impl_.reset(new Impl{PdfDocument(std::move(bytes), name, pdf_dpi, limits), pdf_dpi});
  } else {
    impl_.reset(new Impl{ImagePages(std::move(bytes), name, limits), 0});
  }
}

InputDocument::~InputDocument() = default;
InputDocument::InputDocument(InputDocument&&) noexcept = default;

size_t InputDocument::size() const {
  return std::visit([](const auto& pages) { return pages.size(); }, impl_->pages);
}

bool InputDocument::is_pdf() const { return std::holds_alternative<PdfDocument>(impl_->pages); }

int InputDocument::dpi() const { return impl_->dpi; }

cv::Mat InputDocument::read(size_t index, const std::string& what) {
  if (auto* pdf = std::get_if<PdfDocument>(&impl_->pages)) return pdf->render(index, what);
  return std::get<ImagePages>(impl_->pages).decode(index, what);
}

fs::path OutputNames::claim(const fs::path& name) {
  fs::path candidate = name;
  for (int n = 2; !taken_.insert(candidate.string()).second; ++n) {
    candidate = name;
    candidate.replace_filename(name.filename().string() + "-" + std::to_string(n));
  }
  return candidate;
}

}  // namespace ocrserve
