#pragma once
// JSON file reading and typed field access whose errors name the file and the field.
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ocrserve {

// Insertion-ordered, so JSON we write keeps the field order of the formats we mimic.
using Json = nlohmann::ordered_json;

// Deeper nesting than this is refused before parsing: the parser recurses once per level, and
// 100,000 levels of "[" overflow a thread's stack. Real configuration files nest under 10.
constexpr size_t kMaxJsonDepth = 256;

// Parses JSON text; Error(bad_input) "what: malformed JSON: …" if malformed or nested too deep.
Json parse_json(std::string_view text, const std::string& what);

// Parses a JSON file; Error(not_found) if missing, Error(bad_input) "file: line L: …" if malformed.
Json read_json_file(const std::filesystem::path& path);

// Writes JSON indented by 4, as mmdeploy writes its SDK files; Error(bad_input) if it cannot.
void write_json_file(const std::filesystem::path& path, const Json& json);

// Field access for configuration objects: `where` names the object in messages
// (e.g. "pipeline.json: tasks[0].transforms[2] (Resize)").
template <typename T>
T required_field(const Json& object, const char* key, const std::string& where);
template <typename T>
T optional_field(const Json& object, const char* key, const T& fallback, const std::string& where);

}  // namespace ocrserve

#include "core/json_file_inl.hpp"
