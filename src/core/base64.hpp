#pragma once
// Base64 (RFC 4648): images sent as text (MMOCR's handler, KServe's JSON tensors) and CSP hashes.
#include <optional>
#include <string>
#include <string_view>

namespace ocrserve {

// The standard alphabet, with padding.
std::string base64_encode(std::string_view bytes);

// Accepts the standard and the URL-safe alphabets, with or without padding, and ignores line
// breaks and spaces; nothing when `text` holds any other character.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace ocrserve
