#pragma once
// .mar model archives: a zip of one model package (or, for end-to-end OCR, of det/, rec/ and
// cls/ packages) plus MAR-INF/MANIFEST.json with TorchServe's manifest fields. Reading an
// archive is safe against hostile files: see ArchiveLimits.
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/json_file.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {

struct Manifest {
  std::string model_name;
  std::string model_version = "1.0";
  std::string handler;  // "ocrserve:detection", "ocrserve:recognition" or "ocrserve:ocr"
  std::string runtime = "ocrserve";
  Json json;            // the whole manifest as read or written
};

// ^[A-Za-z0-9][A-Za-z0-9_\-.]*$ as torch-model-archiver requires, and at most
// kMaxModelNameLength characters (the name becomes a file name).
constexpr size_t kMaxModelNameLength = 255;
bool valid_model_name(const std::string& name);
// The error for a name valid_model_name refuses (a long name is shortened in the message).
Error invalid_model_name(const std::string& name);

struct ArchiveSource {
  std::filesystem::path model_dir;       // a detection or recognition package
  std::filesystem::path recognizer_dir;  // with model_dir a detector: an OCR archive
  std::filesystem::path classifier_dir;  // optional, OCR only
};

// Writes folder/NAME.mar; Error(bad_input) if it exists and !force. Returns the path written.
std::filesystem::path write_archive(const ArchiveSource& source, const std::string& name, const std::string& version,
                                    const std::filesystem::path& folder, bool force);

struct ArchiveLimits {
  uint64_t max_entries = 1000;
  uint64_t max_total_bytes = 1ULL << 30;  // uncompressed: 1 GiB, several times the largest MMOCR model
  uint64_t max_ratio = 1000;              // uncompressed / compressed, for entries over 1 MiB
};

// Extracts an archive into `destination` (a fresh directory it creates with mode 0700) and
// returns its manifest. Refuses, with Error(bad_input) naming the entry: absolute names, ".."
// components, backslashes, symbolic links and other non-regular files, duplicate names, more
// entries or bytes than the limits, suspicious compression ratios, a missing or invalid manifest.
Manifest extract_archive(const std::filesystem::path& archive, const std::filesystem::path& destination,
                         const ArchiveLimits& limits = {});

}  // namespace ocrserve
