#pragma once
// multipart/form-data bodies (curl -F data=@img.jpg): the parts with their field names.
#include <optional>
#include <string>
#include <vector>

namespace ocrserve {

struct FormPart {
  std::string name;          // the form field
  std::string filename;      // empty for plain fields
  std::string content_type;
  std::string body;
};

// The boundary parameter of a multipart/form-data Content-Type, if it is one.
std::optional<std::string> multipart_boundary(const std::string& content_type);
// Error(bad_input) for a malformed body.
std::vector<FormPart> parse_multipart(const std::string& body, const std::string& boundary);

}  // namespace ocrserve
