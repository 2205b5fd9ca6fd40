#pragma once
// Where ONNX Runtime keeps optimised graphs between runs. Optimising a graph is most of a
// session's creation; the result is saved once in ORT format and later sessions map it instead.
// An entry is named after what the optimisation depends on: the model's bytes, the runtime's
// version, the optimisation level and the CPU (kernels and layouts are chosen for it).
#include <filesystem>
#include <string>

namespace ocrserve {

// OCRSERVE_CACHE_DIR ("" or "off": no cache), else $XDG_CACHE_HOME/ocrserve, else
// $HOME/.cache/ocrserve; empty when none of them is set.
std::filesystem::path default_session_cache_dir();

// The entry for `model` under `dir`, "<key>.ort", where the key hashes the model file's bytes
// with `runtime` (the runtime's version and settings) and this CPU's identity. Empty when the
// model cannot be read: it is then loaded without the cache, and that load says what is wrong.
std::filesystem::path session_cache_entry(const std::filesystem::path& dir, const std::filesystem::path& model,
                                          const std::string& runtime);

// A name beside `entry` that no other thread or process writes to: save there, then publish.
std::filesystem::path session_cache_staging(const std::filesystem::path& entry);

// Moves a saved entry into place atomically (readers see the old file, none, or the new one).
// Returns false, leaving no staging file behind, when that fails.
bool publish_session_cache_entry(const std::filesystem::path& staging, const std::filesystem::path& entry);

}  // namespace ocrserve
