#include "model/archive.hpp"

#include <sys/stat.h>
#include <zip.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <fstream>
#include <memory>
#include <set>

#include "model/model_package.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;

constexpr const char* kManifestPath = "MAR-INF/MANIFEST.json";

struct ZipCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
using ZipHandle = std::unique_ptr<zip_t, ZipCloser>;

std::string zip_error_text(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string text = zip_error_strerror(&error);
  zip_error_fini(&error);
  return text;
}

void add_file(zip_t* archive, const fs::path& file, const std::string& entry) {
  zip_source_t* source = zip_source_file(archive, file.c_str(), 0, -1);
  if (!source || zip_file_add(archive, entry.c_str(), source, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) < 0) {
    if (source) zip_source_free(source);
    throw Error(ErrorKind::bad_input, file.string() + ": cannot add to the archive: " + zip_strerror(archive));
  }
}

// Adds the regular files of a package directory under `prefix`.
void add_package(zip_t* archive, const fs::path& dir, const std::string& prefix) {
  ModelPackage::load(dir);  // only loadable packages are archived
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = fs::relative(entry.path(), dir).generic_string();
    if (name.front() == '.') continue;
    add_file(archive, entry.path(), prefix + name);
  }
}

std::string handler_for(const ArchiveSource& source) {
  if (!source.recognizer_dir.empty()) return "ocrserve:ocr";
  const ModelPackage package = ModelPackage::load(source.model_dir);
  return package.task == "TextRecognizer" ? "ocrserve:recognition" : "ocrserve:detection";
}

std::string now_ddmmyyyy() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char text[32];
  std::strftime(text, sizeof text, "%d/%m/%Y %H:%M:%S", &local);
  return text;
}

// A safe relative entry name, or an explanation of why not.
std::string unsafe_reason(const std::string& name) {
  if (name.empty()) return "empty name";
  if (name.find('\0') != std::string::npos) return "NUL in the name";
  if (name.find('\\') != std::string::npos) return "backslash in the name";
  if (name.front() == '/') return "absolute path";
  if (name.size() > 1 && name[1] == ':') return "drive letter";
  size_t start = 0;
  while (start <= name.size()) {
    const size_t end = name.find('/', start);
    const std::string part = name.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part == "..") return "\"..\" in the path";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

}  // namespace

bool valid_model_name(const std::string& name) {
  // Checked by hand: std::regex recurses once per character and a long name overflows the stack.
  const auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (name.empty() || name.size() > kMaxModelNameLength || !alnum(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '_' || c == '-' || c == '.'; });
}

Error invalid_model_name(const std::string& name) {
  const std::string shown = name.size() > 64 ? name.substr(0, 64) + "… (" + std::to_string(name.size()) + " characters)" : name;
  return Error(ErrorKind::bad_input, "model name \"" + shown + "\" must match ^[A-Za-z0-9][A-Za-z0-9_\\-.]*$ and have at most " +
                                         std::to_string(kMaxModelNameLength) + " characters");
}

fs::path write_archive(const ArchiveSource& source, const std::string& name, const std::string& version,
                       const fs::path& folder, bool force) {
  if (!valid_model_name(name)) throw invalid_model_name(name);
  const fs::path target = fs::absolute(folder) / (name + ".mar");
  if (fs::exists(target) && !force) {
    throw Error(ErrorKind::bad_input, target.string() + ": already exists (use --force to overwrite)");
  }
  std::error_code error;
  fs::create_directories(target.parent_path(), error);
  if (error) throw Error(ErrorKind::bad_input, target.parent_path().string() + ": cannot create: " + error.message());

  // Written beside the target and renamed, so a failure never leaves half an archive.
  const fs::path partial = target.string() + ".partial";
  int code = 0;
  ZipHandle archive(zip_open(partial.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code));
  if (!archive) throw Error(ErrorKind::bad_input, partial.string() + ": cannot create: " + zip_error_text(code));

  Manifest manifest;
  manifest.model_name = name;
  manifest.model_version = version;
  manifest.handler = handler_for(source);
  if (source.recognizer_dir.empty()) {
    add_package(archive.get(), source.model_dir, "");
  } else {
    add_package(archive.get(), source.model_dir, "det/");
    add_package(archive.get(), source.recognizer_dir, "rec/");
    if (!source.classifier_dir.empty()) add_package(archive.get(), source.classifier_dir, "cls/");
  }
  manifest.json = {{"createdOn", now_ddmmyyyy()},
                   {"runtime", manifest.runtime},
                   {"model", {{"modelName", name}, {"handler", manifest.handler}, {"modelVersion", version}}},
                   {"archiverVersion", "ocrserve 0.1.0"}};
  const std::string text = manifest.json.dump(2) + "\n";
  zip_source_t* manifest_source = zip_source_buffer(archive.get(), text.data(), text.size(), 0);
  if (!manifest_source || zip_file_add(archive.get(), kManifestPath, manifest_source, ZIP_FL_OVERWRITE) < 0) {
    if (manifest_source) zip_source_free(manifest_source);
    throw Error(ErrorKind::internal, "cannot add the manifest: " + std::string(zip_strerror(archive.get())));
  }
  if (zip_close(archive.get()) < 0) {
    const std::string reason = zip_strerror(archive.get());
    fs::remove(partial, error);
    throw Error(ErrorKind::bad_input, partial.string() + ": cannot write: " + reason);
  }
  archive.release();  // zip_close freed it
  fs::rename(partial, target, error);
  if (error) throw Error(ErrorKind::bad_input, target.string() + ": cannot write: " + error.message());
  return target;
}

Manifest extract_archive(const fs::path& archive_path, const fs::path& destination, const ArchiveLimits& limits) {
  const std::string where = archive_path.filename().string();
  if (!fs::is_regular_file(archive_path)) throw Error(ErrorKind::not_found, archive_path.string() + ": archive not found");
  int code = 0;
  ZipHandle archive(zip_open(archive_path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code));
  if (!archive) throw Error(ErrorKind::bad_input, where + ": not a valid .mar (zip) archive: " + zip_error_text(code));

  const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  if (count < 0 || static_cast<uint64_t>(count) > limits.max_entries) {
    throw Error(ErrorKind::bad_input, where + ": too many entries (" + std::to_string(count) + ", limit " +
                                          std::to_string(limits.max_entries) + ")");
  }
  // Check every entry before writing anything.
  std::set<std::string> names;
  uint64_t declared_total = 0, compressed_total = 0;
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t stat;
    if (zip_stat_index(archive.get(), i, 0, &stat) < 0) throw Error(ErrorKind::bad_input, where + ": unreadable entry");
    const std::string name = stat.name ? stat.name : "";
    if (const std::string reason = unsafe_reason(name); !reason.empty()) {
      throw Error(ErrorKind::bad_input, where + ": refused entry \"" + name + "\": " + reason);
    }
    zip_uint8_t system = 0;
    zip_uint32_t attributes = 0;
    if (zip_file_get_external_attributes(archive.get(), i, 0, &system, &attributes) == 0 && system == ZIP_OPSYS_UNIX) {
      // Only the file-type bits matter: Python's zipfile.writestr stores permissions alone
      // (0600, no type), which is an ordinary file.
      const mode_t type = (attributes >> 16) & S_IFMT;
      if (type != 0 && type != S_IFREG && type != S_IFDIR) {
        throw Error(ErrorKind::bad_input, where + ": refused entry \"" + name + "\": not a regular file (link or device)");
      }
    }
    if (!names.insert(name).second) throw Error(ErrorKind::bad_input, where + ": duplicate entry \"" + name + "\"");
    declared_total += stat.size;
    compressed_total += stat.comp_size;
    if (stat.size > (1 << 20) && stat.comp_size > 0 && stat.size / stat.comp_size > limits.max_ratio) {
      throw Error(ErrorKind::bad_input, where + ": refused entry \"" + name + "\": compression ratio over " +
                                            std::to_string(limits.max_ratio) + " (zip bomb?)");
    }
  }
  if (declared_total > (1 << 20) && declared_total / std::max<uint64_t>(compressed_total, 1) > limits.max_ratio) {
    throw Error(ErrorKind::bad_input, where + ": refused: the entries inflate more than " + std::to_string(limits.max_ratio) +
                                          " times their compressed size (zip bomb?)");
  }
  if (declared_total > limits.max_total_bytes) {
    throw Error(ErrorKind::bad_input, where + ": uncompressed size " + std::to_string(declared_total) +
                                          " bytes exceeds the limit of " + std::to_string(limits.max_total_bytes));
  }
  if (!names.count(kManifestPath)) throw Error(ErrorKind::bad_input, where + ": missing " + std::string(kManifestPath));

  std::error_code error;
  fs::create_directories(destination.parent_path(), error);
  if (!fs::create_directory(destination, error) || error) {
    throw Error(ErrorKind::internal, destination.string() + ": cannot create the extraction directory");
  }
  fs::permissions(destination, fs::perms::owner_all, error);

  uint64_t written_total = 0;
  std::vector<char> buffer(1 << 16);
  for (zip_int64_t i = 0; i < count; ++i) {
    const std::string name = zip_get_name(archive.get(), i, 0);
    const fs::path target = destination / name;
    if (name.back() == '/') {
      fs::create_directories(target, error);
      continue;
    }
    fs::create_directories(target.parent_path(), error);
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(zip_fopen_index(archive.get(), i, 0), zip_fclose);
    if (!file) throw Error(ErrorKind::bad_input, where + ": cannot read entry \"" + name + "\"");
    zip_stat_t stat;
    zip_stat_index(archive.get(), i, 0, &stat);
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    uint64_t written = 0;
    while (true) {
      const zip_int64_t n = zip_fread(file.get(), buffer.data(), buffer.size());
      if (n < 0) throw Error(ErrorKind::bad_input, where + ": corrupt entry \"" + name + "\"");
      if (n == 0) break;
      // Sizes in the header can lie; count what is really inflated, per entry and in all.
      written += static_cast<uint64_t>(n);
      written_total += static_cast<uint64_t>(n);
      if (written > stat.size) {
        throw Error(ErrorKind::bad_input, where + ": entry \"" + name + "\" inflates past its declared size of " +
                                              std::to_string(stat.size) + " bytes");
      }
      if (written_total > limits.max_total_bytes) {
        throw Error(ErrorKind::bad_input, where + ": inflates past the limit of " + std::to_string(limits.max_total_bytes) + " bytes");
      }
      out.write(buffer.data(), n);
    }
    if (!out) throw Error(ErrorKind::internal, target.string() + ": cannot write");
  }

  Manifest manifest;
  try {
    manifest.json = read_json_file(destination / kManifestPath);
  } catch (const Error& e) {
    throw Error(ErrorKind::bad_input, where + ": invalid " + kManifestPath + ": " + e.what());
  }
  const std::string manifest_where = where + ": " + kManifestPath;
  const Json model = required_field<Json>(manifest.json, "model", manifest_where);
  manifest.model_name = required_field<std::string>(model, "modelName", manifest_where + ": model");
  manifest.model_version = optional_field<std::string>(model, "modelVersion", "1.0", manifest_where + ": model");
  manifest.handler = optional_field<std::string>(model, "handler", "", manifest_where + ": model");
  manifest.runtime = optional_field<std::string>(manifest.json, "runtime", "python", manifest_where);
  return manifest;
}

}  // namespace ocrserve
