#pragma once
// Parameter helpers shared by the transforms: MMCV accepts a scalar or a pair for sizes
// and a scalar or per-channel list for values.
#include <algorithm>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/json_file.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {

// [w, h] or a single number for both; `key` must be present.
inline cv::Size size_param(const Json& params, const char* key, const std::string& where) {
  const Json& value = params.at(key);
  auto positive = [&](const Json& v) {
    if (!v.is_number() || v.get<double>() <= 0) {
      throw Error(ErrorKind::bad_input, where + ": field \"" + key + "\" must be a positive number or a pair of them, got " + value.dump());
    }
    return static_cast<int>(v.get<double>());
  };
  if (value.is_array() && value.size() == 2) return {positive(value[0]), positive(value[1])};
  if (value.is_number()) return {positive(value), positive(value)};
  return {positive(Json()), 0};  // throws with the message above
}

// A per-channel list of three numbers (or one number for all channels).
inline cv::Scalar channel_param(const Json& params, const char* key, double fallback, const std::string& where) {
  if (!params.contains(key) || params.at(key).is_null()) return cv::Scalar::all(fallback);
  const Json& value = params.at(key);
  if (value.is_number()) return cv::Scalar::all(value.get<double>());
  if (value.is_array() && (value.size() == 3 || value.size() == 1) &&
      std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_number(); })) {
    if (value.size() == 1) return cv::Scalar::all(value[0].get<double>());
    return cv::Scalar(value[0].get<double>(), value[1].get<double>(), value[2].get<double>());
  }
  throw Error(ErrorKind::bad_input, where + ": field \"" + key + "\" must be a number or a list of 3 numbers, got " + value.dump());
}

}  // namespace ocrserve
