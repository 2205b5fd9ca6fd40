#include "frontend/torchserve/prediction_answer.hpp"

#include "core/base64.hpp"
#include "core/image_header.hpp"
#include "frontend/torchserve/api_error.hpp"
#include "frontend/results/result_json.hpp"

namespace ocrserve {
namespace {

Json item_error(const Error& error) {
  const HttpResponse response = error_response(error);
  return Json::parse(response.body);
}

}  // namespace

std::string maybe_base64(std::string bytes) {
  const auto is_image = [](const std::string& data) {
    return read_image_header(reinterpret_cast<const uint8_t*>(data.data()), data.size()).has_value();
  };
  if (bytes.empty() || is_image(bytes)) return bytes;
  auto decoded = base64_decode(bytes);
  return decoded && is_image(*decoded) ? std::move(*decoded) : bytes;  // else the decoder says what is wrong
}

HttpResponse answer_error(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const TooLargeError& e) {
    return error_response(413, "RequestEntityTooLargeException", e.what());
  } catch (const Error& e) {
    return e.kind() == ErrorKind::not_found ? model_not_found(e) : error_response(e);
  } catch (const std::exception& e) {
    return error_response(500, "InternalServerException", e.what());
  }
}

HttpResponse prediction_response(const InferenceAnswer& answer, size_t max_response) {
  HttpResponse response;
  if (answer.error) {
    response = answer_error(answer.error);
  } else if (answer.outcomes.size() == 1) {
    const ItemOutcome& outcome = answer.outcomes[0];
    response = outcome.error ? error_response(*outcome.error) : json_response(200, result_json(outcome.result));
  } else {
    // Several images in one request: one result (or error object) per image, in order.
    Json results = Json::array();
    for (const auto& outcome : answer.outcomes) {
      results.push_back(outcome.error ? item_error(*outcome.error) : result_json(outcome.result));
    }
    response = json_response(200, results);
  }
  if (response.body.size() > max_response) {
    response = error_response(500, "InternalServerException", "response of " + std::to_string(response.body.size()) +
                                                                   " bytes exceeds max_response_size");
  }
  return response;
}

}  // namespace ocrserve
