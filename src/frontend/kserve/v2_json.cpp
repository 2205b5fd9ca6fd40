#include "frontend/kserve/v2_json.hpp"

#include <algorithm>
#include <string_view>

#include "core/base64.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve::kserve {
namespace {

// More elements than any request within max_request_size can carry; keeps shape products small.
constexpr int64_t kMaxElements = int64_t{1} << 32;

[[noreturn]] void bad(const std::string& message) { throw Error(ErrorKind::bad_input, message); }

const Json* member(const Json& object, const char* key) {
  const auto found = object.find(key);
  return found == object.end() ? nullptr : &*found;
}

bool bool_parameter(const Json& object, const char* key, const std::string& where) {
  const Json* parameters = member(object, "parameters");
  if (!parameters) return false;
  if (!parameters->is_object()) bad(where + ".parameters: expected an object");
  const Json* value = member(*parameters, key);
  if (!value) return false;
  if (!value->is_boolean()) bad(where + ".parameters." + key + ": expected true or false");
  return value->get<bool>();
}

std::optional<size_t> binary_size(const Json& input, const std::string& where) {
  const Json* parameters = member(input, "parameters");
  if (!parameters) return std::nullopt;
  if (!parameters->is_object()) bad(where + ".parameters: expected an object");
  const Json* size = member(*parameters, "binary_data_size");
  if (!size) return std::nullopt;
  if (!size->is_number_unsigned()) bad(where + ".parameters.binary_data_size: expected a byte count");
  return size->get<size_t>();
}

std::string string_field(const Json& object, const char* key, const std::string& where) {
  const Json* value = member(object, key);
  if (!value || !value->is_string()) bad(where + "." + key + ": expected a string");
  return value->get<std::string>();
}

std::vector<int64_t> shape_field(const Json& input, const std::string& where) {
  const Json* shape = member(input, "shape");
  if (!shape || !shape->is_array()) bad(where + ".shape: expected an array of dimensions");
  std::vector<int64_t> dimensions;
  int64_t elements = 1;
  for (const Json& dimension : *shape) {
    if (!dimension.is_number_integer() || dimension.get<int64_t>() < 0) {
      bad(where + ".shape: dimensions are whole numbers ≥ 0");
    }
    const int64_t value = dimension.get<int64_t>();
    if (value > kMaxElements || (value > 0 && elements > kMaxElements / value)) bad(where + ".shape: too many elements");
    elements *= value;
    dimensions.push_back(value);
  }
  return dimensions;
}

// Row-major nested arrays are flattened, as the protocol allows.
void flatten_strings(const Json& data, std::vector<std::string>& out, const std::string& where) {
  if (data.is_array()) {
    for (const Json& element : data) flatten_strings(element, out, where);
    return;
  }
  if (!data.is_string()) bad(where + ".data: BYTES elements are base64 strings, not " + std::string(data.type_name()));
  auto bytes = base64_decode(data.get_ref<const std::string&>());
  if (!bytes) bad(where + ".data[" + std::to_string(out.size()) + "]: not base64 text");
  out.push_back(std::move(*bytes));
}

Json shape_json(const std::vector<int64_t>& shape) { return Json(shape); }

}  // namespace

InferRequest parse_infer_request(const std::string& body, std::optional<size_t> json_length) {
  if (json_length && *json_length > body.size()) {
    bad("Inference-Header-Content-Length is " + std::to_string(*json_length) + " but the body has " +
        std::to_string(body.size()) + " bytes");
  }
  const std::string_view text = json_length ? std::string_view(body).substr(0, *json_length) : std::string_view(body);
  std::string_view binary = json_length ? std::string_view(body).substr(*json_length) : std::string_view();
  const Json request = parse_json(text, "inference request");
  if (!request.is_object()) bad("an inference request is a JSON object with \"inputs\"");

  InferRequest parsed;
  if (const Json* id = member(request, "id")) {
    if (!id->is_string()) bad("id: expected a string");
    parsed.id = id->get<std::string>();
  }
  parsed.binary_outputs = bool_parameter(request, "binary_data_output", "request");

  const Json* inputs = member(request, "inputs");
  if (!inputs || !inputs->is_array()) bad("inputs: expected an array of tensors");
  for (size_t i = 0; i < inputs->size(); ++i) {
    const Json& input = (*inputs)[i];
    std::string where = "inputs[" + std::to_string(i) + "]";
    if (!input.is_object()) bad(where + ": expected an object with name, datatype, shape and data");
    Tensor tensor;
    tensor.name = string_field(input, "name", where);
    where += " (\"" + tensor.name + "\")";
    tensor.datatype = string_field(input, "datatype", where);
    tensor.shape = shape_field(input, where);
    const std::optional<size_t> size = binary_size(input, where);
    if (size) {
      if (*size > binary.size()) bad(where + ": binary_data_size " + std::to_string(*size) + " runs past the body");
      if (tensor.datatype == "BYTES") tensor.bytes = raw_bytes_elements(binary.substr(0, *size), where);
      binary.remove_prefix(*size);
    } else if (const Json* data = member(input, "data")) {
      // Only BYTES inputs carry images; input_images() refuses the others by their datatype.
      if (tensor.datatype == "BYTES") flatten_strings(*data, tensor.bytes, where);
    } else {
      bad(where + ": no data (and no parameters.binary_data_size)");
    }
    parsed.inputs.push_back(std::move(tensor));
  }
  if (!binary.empty()) {
    bad(std::to_string(binary.size()) + " bytes of binary data follow the JSON that no input's binary_data_size claims");
  }

  if (const Json* outputs = member(request, "outputs")) {
    if (!outputs->is_array()) bad("outputs: expected an array of {\"name\": …}");
    for (size_t i = 0; i < outputs->size(); ++i) {
      const Json& output = (*outputs)[i];
      const std::string where = "outputs[" + std::to_string(i) + "]";
      if (!output.is_object()) bad(where + ": expected an object with a name");
      const std::string name = string_field(output, "name", where);
      const Json* parameters = member(output, "parameters");
      const bool asked = parameters && parameters->is_object() && member(*parameters, "binary_data");
      parsed.outputs.push_back({name, asked ? bool_parameter(output, "binary_data", where) : parsed.binary_outputs});
    }
  }
  return parsed;
}

EncodedResponse encode_infer_response(const std::string& model, const std::string& version,
                                      const std::optional<std::string>& id, const std::vector<Tensor>& outputs,
                                      const std::vector<bool>& binary) {
  Json response = {{"model_name", model}, {"model_version", version}};
  if (id) response["id"] = *id;
  Json tensors = Json::array();
  std::string data;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& output = outputs[i];
    Json tensor = {{"name", output.name}, {"datatype", output.datatype}, {"shape", shape_json(output.shape)}};
    if (i < binary.size() && binary[i]) {
      const std::string raw = raw_data(output);
      data += raw;
      tensor["parameters"] = {{"binary_data_size", raw.size()}};
    } else if (output.datatype == "BYTES") {
      tensor["data"] = output.bytes;  // texts: UTF-8 strings as they are
    } else if (output.datatype == "INT32") {
      tensor["data"] = output.int32;
    } else {
      tensor["data"] = output.fp32;
    }
    tensors.push_back(std::move(tensor));
  }
  response["outputs"] = std::move(tensors);
  EncodedResponse encoded{response.dump(), std::nullopt};
  const bool any_binary = std::find(binary.begin(), binary.end(), true) != binary.end();
  if (any_binary) {
    encoded.json_length = encoded.body.size();
    encoded.body += data;
  }
  return encoded;
}

Json metadata_json(const std::vector<TensorMetadata>& tensors) {
  Json list = Json::array();
  for (const TensorMetadata& tensor : tensors) {
    list.push_back({{"name", tensor.name}, {"datatype", tensor.datatype}, {"shape", shape_json(tensor.shape)}});
  }
  return list;
}

}  // namespace ocrserve::kserve
