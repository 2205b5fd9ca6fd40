#include "sdk/c_support.hpp"

#include <cstring>
#include <new>
#include <string>

#include <opencv2/imgproc.hpp>

#include "ocrserve/error.hpp"

namespace ocrserve::c_api {

namespace {

thread_local std::string last_error;

int status_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::bad_input: return OCRSERVE_E_INVALID_ARG;
    case ErrorKind::not_found: return OCRSERVE_E_FILE_NOT_EXIST;
    case ErrorKind::unsupported: return OCRSERVE_E_NOT_SUPPORTED;
    case ErrorKind::overloaded:
    case ErrorKind::internal: return OCRSERVE_E_FAIL;
  }
  return OCRSERVE_E_FAIL;
}

int channels_of(int format) {
  switch (format) {
    case OCRSERVE_PIXEL_FORMAT_BGR:
    case OCRSERVE_PIXEL_FORMAT_RGB: return 3;
    case OCRSERVE_PIXEL_FORMAT_BGRA: return 4;
    case OCRSERVE_PIXEL_FORMAT_GRAYSCALE:
    case OCRSERVE_PIXEL_FORMAT_NV12:
    case OCRSERVE_PIXEL_FORMAT_NV21: return 1;
    default: return 0;
  }
}

cv::Mat to_bgr(const ocrserve_mat_t& mat, int index) {
  const std::string which = "image " + std::to_string(index) + ": ";
  // A caller may put any number in the enum's place: read it as the int it is stored as.
  int format = 0, type = 0;
  std::memcpy(&format, &mat.format, sizeof format);
  std::memcpy(&type, &mat.type, sizeof type);
  if (!mat.data) throw Error(ErrorKind::bad_input, which + "data is NULL");
  if (mat.height <= 0 || mat.width <= 0) {
    throw Error(ErrorKind::bad_input, which + "height and width must be positive (got " +
                                          std::to_string(mat.height) + "x" + std::to_string(mat.width) + ")");
  }
  if (type != OCRSERVE_DATA_TYPE_UINT8) throw Error(ErrorKind::unsupported, which + "only UINT8 pixels are supported");
  const int channels = channels_of(format);
  if (channels == 0) throw Error(ErrorKind::unsupported, which + "unknown pixel format " + std::to_string(format));
  if (mat.channel != channels) {
    throw Error(ErrorKind::bad_input, which + "pixel format " + std::to_string(format) + " has " +
                                          std::to_string(channels) + " channel(s), not " + std::to_string(mat.channel));
  }
  const bool yuv = format == OCRSERVE_PIXEL_FORMAT_NV12 || format == OCRSERVE_PIXEL_FORMAT_NV21;
  if (yuv && (mat.height % 2 || mat.width % 2)) throw Error(ErrorKind::bad_input, which + "NV12/NV21 sizes must be even");
  const cv::Mat wrapped(yuv ? mat.height * 3 / 2 : mat.height, mat.width, CV_8UC(channels), mat.data);
  cv::Mat bgr;
  switch (format) {
    case OCRSERVE_PIXEL_FORMAT_BGR: return wrapped;
    case OCRSERVE_PIXEL_FORMAT_RGB: cv::cvtColor(wrapped, bgr, cv::COLOR_RGB2BGR); break;
    case OCRSERVE_PIXEL_FORMAT_GRAYSCALE: cv::cvtColor(wrapped, bgr, cv::COLOR_GRAY2BGR); break;
    case OCRSERVE_PIXEL_FORMAT_BGRA: cv::cvtColor(wrapped, bgr, cv::COLOR_BGRA2BGR); break;
    case OCRSERVE_PIXEL_FORMAT_NV12: cv::cvtColor(wrapped, bgr, cv::COLOR_YUV2BGR_NV12); break;
    case OCRSERVE_PIXEL_FORMAT_NV21: cv::cvtColor(wrapped, bgr, cv::COLOR_YUV2BGR_NV21); break;
    default: break;
  }
  return bgr;
}

}  // namespace

int fail(int status, const char* message) noexcept {
  try {
    last_error = message;
  } catch (...) {
  }
  return status;
}

void clear_error() noexcept { last_error.clear(); }

const char* last_error_message() noexcept { return last_error.c_str(); }

int status_of_current_exception() noexcept {
  try {
    throw;
  } catch (const Error& error) {
    return fail(status_of(error.kind()), error.what());
  } catch (const std::bad_alloc&) {
    return fail(OCRSERVE_E_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& error) {
    return fail(OCRSERVE_E_FAIL, error.what());
  } catch (...) {
    return fail(OCRSERVE_E_FAIL, "unknown error");
  }
}

std::vector<cv::Mat> to_bgr(const ocrserve_mat_t* mats, int count) {
  if (!mats || count <= 0) throw Error(ErrorKind::bad_input, "no images (mats NULL or count not positive)");
  std::vector<cv::Mat> images;
  images.reserve(count);
  for (int i = 0; i < count; ++i) images.push_back(to_bgr(mats[i], i));
  return images;
}

BackendOptions backend_options(const char* device_name, int device_id) {
  if (!device_name) throw Error(ErrorKind::bad_input, "device_name is NULL (use \"cpu\")");
  BackendOptions options;
  options.intra_op_threads = default_inference_threads();
  options.device = device_name;
  if (options.device == "cuda") options.device += ":" + std::to_string(device_id);
  return options;
}

void to_bbox(const Polygon& polygon, ocrserve_point_t bbox[4]) {
  const Polygon corners = quadrilateral(polygon);
  for (int i = 0; i < 4; ++i) bbox[i] = {corners[i].x, corners[i].y};
}

Polygon to_polygon(const ocrserve_point_t bbox[4]) {
  Polygon polygon;
  for (int i = 0; i < 4; ++i) polygon.push_back({bbox[i].x, bbox[i].y});
  return polygon;
}

char* copy_string(const std::string& text) {
  char* copy = new char[text.size() + 1];
  std::memcpy(copy, text.c_str(), text.size() + 1);
  return copy;
}

}  // namespace ocrserve::c_api
