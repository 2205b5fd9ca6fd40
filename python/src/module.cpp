// ocrserve._ocrserve: the Python binding of the C++ SDK (include/ocrserve/ocrserve.hpp).
//
// The classes take and return what mmdeploy's Python API (mmdeploy_runtime) does: images as
// numpy uint8 arrays, BGR, HxWx3 (HxW and HxWx1 grayscale are converted); a detector returns an
// (N, 9) float32 array per image, 4 corners (x, y) clockwise from the top-left then the score; a
// recogniser returns (text, character scores). The GIL is released while a network runs, and a
// mutex keeps one object to one inference at a time (the C++ pipelines are not thread-safe).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "ocrserve/ocrserve.hpp"

namespace py = pybind11;

namespace ocrserve::python {
namespace {

// ---------------------------------------------------------------------------------------------
// Images

// A cv::Mat over a numpy array's memory, with the array kept alive beside it.
struct Image {
  py::object owner;  // the array (or the contiguous copy) that `mat` points into
  cv::Mat mat;
};

std::string shape_text(const py::array& array) {
  std::string text = "(";
  for (py::ssize_t i = 0; i < array.ndim(); ++i) {
    if (i) text += ", ";
    text += std::to_string(array.shape(i));
  }
  if (array.ndim() == 1) text += ",";
  return text + ")";
}

// BGR uint8 HxWx3 is used in place when its pixels are packed; other layouts are copied once,
// grayscale (HxW, HxWx1) is converted to BGR. ValueError for anything else.
Image to_image(const py::object& object, const char* what = "image") {
  if (!py::isinstance<py::array>(object)) {
    throw py::value_error(std::string(what) + ": expected a numpy.ndarray (uint8, HxWx3 BGR), got " +
                          std::string(py::str(py::type::of(object).attr("__name__"))));
  }
  auto array = py::reinterpret_borrow<py::array>(object);
  if (!(array.dtype().kind() == 'u' && array.dtype().itemsize() == 1)) {
    throw py::value_error(std::string(what) + ": expected dtype uint8 (8-bit BGR), got " +
                          std::string(py::str(array.dtype())));
  }
  const py::ssize_t ndim = array.ndim();
  const py::ssize_t channels = ndim == 3 ? array.shape(2) : 1;
  if (!(ndim == 2 || (ndim == 3 && (channels == 3 || channels == 1)))) {
    throw py::value_error(std::string(what) + ": expected shape (H, W, 3) BGR or (H, W) grayscale, got " +
                          shape_text(array));
  }
  if (array.shape(0) == 0 || array.shape(1) == 0) {
    throw py::value_error(std::string(what) + ": empty image, shape " + shape_text(array));
  }
  if (array.shape(0) > std::numeric_limits<int>::max() || array.shape(1) > std::numeric_limits<int>::max()) {
    throw py::value_error(std::string(what) + ": image too large, shape " + shape_text(array));
  }
  // Rows may be apart (a crop of a larger array); the pixels of a row must be packed.
  const bool packed = array.strides(1) == channels && (ndim == 2 || array.strides(2) == 1) && array.strides(0) > 0 &&
                      array.strides(0) >= array.shape(1) * channels;
  if (!packed) {
    array = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>::ensure(array);
    if (!array) throw py::error_already_set();
  }
  const int rows = static_cast<int>(array.shape(0));
  const int cols = static_cast<int>(array.shape(1));
  const auto step = static_cast<size_t>(array.strides(0));
  auto* data = const_cast<void*>(array.data());
  if (channels == 3) return {std::move(array), cv::Mat(rows, cols, CV_8UC3, data, step)};
  const cv::Mat gray(rows, cols, CV_8UC1, data, step);
  cv::Mat bgr;
  cv::merge(std::vector<cv::Mat>{gray, gray, gray}, bgr);
  return {py::none(), std::move(bgr)};
}

std::vector<Image> to_images(const py::object& sequence) {
  if (py::isinstance<py::array>(sequence) || py::isinstance<py::str>(sequence) ||
      !py::isinstance<py::sequence>(sequence)) {
    throw py::value_error("expected a list of images (numpy uint8 arrays)");
  }
  std::vector<Image> images;
  size_t index = 0;
  for (const py::handle item : sequence) {
    const std::string what = "images[" + std::to_string(index++) + "]";
    images.push_back(to_image(py::reinterpret_borrow<py::object>(item), what.c_str()));
  }
  return images;
}

std::vector<cv::Mat> mats_of(const std::vector<Image>& images) {
  std::vector<cv::Mat> mats;
  mats.reserve(images.size());
  for (const auto& image : images) mats.push_back(image.mat);
  return mats;
}

// A list or tuple is a batch (mmdeploy's older API called the model on a list); anything else
// is one image.
bool is_batch(const py::object& object) { return py::isinstance<py::list>(object) || py::isinstance<py::tuple>(object); }

// ---------------------------------------------------------------------------------------------
// Options

BackendOptions backend_options(const std::string& device_name, int device_id) {
  if (device_id < 0) throw py::value_error("device_id must be 0 or more, got " + std::to_string(device_id));
  BackendOptions options;
  options.intra_op_threads = default_inference_threads();  // what the CLI uses: same results
  if (device_name == "cpu") {
    options.device = "cpu";
  } else if (device_name == "cuda") {
    options.device = "cuda:" + std::to_string(device_id);
  } else {
    // Whatever else (e.g. "cuda:1") goes as given: the backend names what it cannot run.
    options.device = device_name;
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Results

py::array_t<float> detections_array(const DetectionResult& result) {
  py::array_t<float> array({static_cast<py::ssize_t>(result.size()), py::ssize_t{9}});
  auto out = array.mutable_unchecked<2>();
  for (size_t i = 0; i < result.size(); ++i) {
    const auto corners = quadrilateral(result[i].polygon);
    for (int k = 0; k < 4; ++k) {
      out(i, 2 * k) = corners[k].x;
      out(i, 2 * k + 1) = corners[k].y;
    }
    out(i, 8) = result[i].score;
  }
  return array;
}

py::tuple recognition_tuple(const RecognizedText& result) {
  return py::make_tuple(py::str(result.text), py::cast(result.char_scores));
}

py::list flat_polygon(const Polygon& polygon) {
  py::list points;
  for (const auto& p : polygon) {
    points.append(p.x);
    points.append(p.y);
  }
  return points;
}

// Like `ocrserve infer --json`: one dict per line, in reading order.
py::list ocr_list(const OcrResult& result) {
  py::list lines;
  for (const auto& item : result) {
    py::dict line;
    line["polygon"] = flat_polygon(item.polygon);
    line["det_score"] = item.det_score;
    line["text"] = py::str(item.text);
    line["score"] = item.score;
    lines.append(std::move(line));
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Boxes for the recogniser

// mmdeploy passes `dets.flatten().tolist()`: 9 numbers per box (4 corners, then a score, which
// is ignored). Also accepted: an array of shape (N, 8) or (N, 9), or a flat sequence of them.
std::vector<Polygon> to_regions(const py::object& bboxes) {
  // ensure() converts what numpy can (lists, tuples, arrays of any number type) and returns null
  // for the rest.
  const auto array = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(bboxes);
  if (!array) {
    throw py::value_error("bboxes: expected numbers, 9 per box (x0, y0, ..., x3, y3, score)");
  }
  size_t count = 0;
  size_t width = 9;
  if (array.ndim() == 1) {
    if (array.shape(0) % 9 != 0) {
      throw py::value_error("bboxes: expected 9 numbers per box (x0, y0, ..., x3, y3, score), got " +
                            std::to_string(array.shape(0)) + " numbers");
    }
    count = static_cast<size_t>(array.shape(0) / 9);
  } else if (array.ndim() == 2 && (array.shape(1) == 8 || array.shape(1) == 9)) {
    count = static_cast<size_t>(array.shape(0));
    width = static_cast<size_t>(array.shape(1));
  } else {
    throw py::value_error("bboxes: expected a flat list of 9 numbers per box, or an array of shape (N, 8) or (N, 9), "
                          "got shape " + shape_text(array));
  }
  const float* data = array.data();
  std::vector<Polygon> regions(count);
  for (size_t i = 0; i < count; ++i) {
    const float* box = data + i * width;
    for (size_t k = 0; k < 8; ++k) {
      if (!std::isfinite(box[k])) throw py::value_error("bboxes: box " + std::to_string(i) + " has a non-finite coordinate");
    }
    for (size_t k = 0; k < 4; ++k) regions[i].push_back({box[2 * k], box[2 * k + 1]});
  }
  return regions;
}

// ---------------------------------------------------------------------------------------------
// The classes

class PyTextDetector {
 public:
  PyTextDetector(const std::filesystem::path& model_path, const std::string& device_name, int device_id)
      : detector_(load(model_path, device_name, device_id)) {}

  py::object call(const py::object& input) {
    if (is_batch(input)) return batch(input);
    const Image image = to_image(input);
    return detections_array(run({image.mat}).front());
  }

  py::list batch(const py::object& inputs) {
    const std::vector<Image> images = to_images(inputs);
    py::list out;
    for (const auto& result : run(mats_of(images))) out.append(detections_array(result));
    return out;
  }

 private:
  static Detector load(const std::filesystem::path& path, const std::string& device_name, int device_id) {
    const BackendOptions options = backend_options(device_name, device_id);
    py::gil_scoped_release release;
    return Detector(path, options);
  }

  std::vector<DetectionResult> run(const std::vector<cv::Mat>& mats) {
    if (mats.empty()) return {};
    py::gil_scoped_release release;
    std::lock_guard lock(mutex_);
    return detector_.detect(mats);
  }

  std::mutex mutex_;
  Detector detector_;
};

class PyTextRecognizer {
 public:
  PyTextRecognizer(const std::filesystem::path& model_path, const std::string& device_name, int device_id)
      : recognizer_(load(model_path, device_name, device_id)) {}

  // (img) -> (text, scores): the whole image is one text line. A list of images -> a list.
  py::object call(const py::object& input) {
    if (is_batch(input)) return batch(input);
    const Image image = to_image(input);
    std::vector<RecognizedText> results;
    {
      py::gil_scoped_release release;
      std::lock_guard lock(mutex_);
      results = recognizer_.recognize(std::vector<cv::Mat>{image.mat});
    }
    return recognition_tuple(results.front());
  }

  // (img, bboxes) -> [(text, scores), ...]: each box cut out of the image as end-to-end OCR does.
  py::list call_boxes(const py::object& input, const py::object& bboxes) {
    const Image image = to_image(input);
    const std::vector<Polygon> regions = to_regions(bboxes);
    std::vector<RecognizedText> results;
    if (!regions.empty()) {
      py::gil_scoped_release release;
      std::lock_guard lock(mutex_);
      results = recognizer_.recognize(image.mat, regions);
    }
    return tuples(results);
  }

  py::list batch(const py::object& inputs) {
    const std::vector<Image> images = to_images(inputs);
    std::vector<RecognizedText> results;
    if (!images.empty()) {
      const std::vector<cv::Mat> mats = mats_of(images);
      py::gil_scoped_release release;
      std::lock_guard lock(mutex_);
      results = recognizer_.recognize(mats);
    }
    return tuples(results);
  }

 private:
  static Recognizer load(const std::filesystem::path& path, const std::string& device_name, int device_id) {
    const BackendOptions options = backend_options(device_name, device_id);
    py::gil_scoped_release release;
    return Recognizer(path, options);
  }

  static py::list tuples(const std::vector<RecognizedText>& results) {
    py::list out;
    for (const auto& result : results) out.append(recognition_tuple(result));
    return out;
  }

  std::mutex mutex_;
  Recognizer recognizer_;
};

class PyOcr {
 public:
  PyOcr(const std::optional<std::filesystem::path>& det_model_path,
        const std::optional<std::filesystem::path>& rec_model_path,
        const std::optional<std::filesystem::path>& cls_model_path, const std::string& device_name, int device_id,
        size_t batch_size, float min_text_score)
      : ocr_(load(options(det_model_path, rec_model_path, cls_model_path, device_name, device_id, batch_size,
                          min_text_score))) {}

  py::object call(const py::object& input) {
    if (is_batch(input)) return batch(input);
    const Image image = to_image(input);
    return ocr_list(run({image.mat}).front());
  }

  py::list batch(const py::object& inputs) {
    const std::vector<Image> images = to_images(inputs);
    py::list out;
    for (const auto& result : run(mats_of(images))) out.append(ocr_list(result));
    return out;
  }

 private:
  static OcrOptions options(const std::optional<std::filesystem::path>& det,
                            const std::optional<std::filesystem::path>& rec,
                            const std::optional<std::filesystem::path>& cls, const std::string& device_name,
                            int device_id, size_t batch_size, float min_text_score) {
    if (batch_size < 1) throw py::value_error("batch_size must be 1 or more");
    if (!(min_text_score >= 0.0f && min_text_score <= 1.0f)) {
      throw py::value_error("min_text_score must be between 0 and 1");
    }
    // The default packages are looked for only when one is needed.
    OcrOptions options = det && rec ? OcrOptions{} : OcrOptions::with_default_models();
    if (det) options.detector = *det;
    if (rec) options.recognizer = *rec;
    if (cls) options.classifier = *cls;
    options.backend = backend_options(device_name, device_id);
    options.batch_size = batch_size;
    options.min_text_score = min_text_score;
    return options;
  }

  static Ocr load(const OcrOptions& options) {
    py::gil_scoped_release release;
    return Ocr(options);
  }

  std::vector<OcrResult> run(const std::vector<cv::Mat>& mats) {
    if (mats.empty()) return {};
    py::gil_scoped_release release;
    std::lock_guard lock(mutex_);
    return ocr_.run(mats);
  }

  std::mutex mutex_;
  Ocr ocr_;
};

}  // namespace
}  // namespace ocrserve::python

PYBIND11_MODULE(_ocrserve, m) {
  using namespace ocrserve;
  using namespace ocrserve::python;
  m.doc() = "ocrserve: text detection, recognition and end-to-end OCR (binding of the C++ SDK)";

  // ocrserve::Error -> the built-in exception its kind corresponds to, with its message.
  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const Error& e) {
      switch (e.kind()) {
        case ErrorKind::bad_input:
          PyErr_SetString(PyExc_ValueError, e.what());
          return;
        case ErrorKind::not_found:
          PyErr_SetString(PyExc_FileNotFoundError, e.what());
          return;
        case ErrorKind::unsupported:
          PyErr_SetString(PyExc_NotImplementedError, e.what());
          return;
        default:
          PyErr_SetString(PyExc_RuntimeError, e.what());
          return;
      }
    }
  });

  py::class_<PyTextDetector>(m, "TextDetector", R"doc(
Text detection with a model package (an mmdeploy SDK model directory, e.g. models/ppocr-det).

    detector = TextDetector(model_path, device_name="cpu", device_id=0)
    dets = detector(img)         # numpy float32 (N, 9): x0, y0, ..., x3, y3, score
    dets_list = detector.batch([img1, img2])

img: numpy uint8, HxWx3 BGR (as cv2.imread gives) or HxW grayscale. The 4 corners run
clockwise from the top-left. FileNotFoundError for a missing package, ValueError for a
malformed one or a bad image, NotImplementedError for a device this build cannot run.)doc")
      .def(py::init<const std::filesystem::path&, const std::string&, int>(), py::arg("model_path"),
           py::arg("device_name") = "cpu", py::arg("device_id") = 0)
      .def("__call__", &PyTextDetector::call, py::arg("img"),
           "Detects text in one image: numpy float32 (N, 9). A list of images gives a list, as batch().")
      .def("batch", &PyTextDetector::batch, py::arg("imgs"), "One (N, 9) array per image.");

  py::class_<PyTextRecognizer>(m, "TextRecognizer", R"doc(
Text recognition with a model package (e.g. models/ppocr-rec).

    recognizer = TextRecognizer(model_path, device_name="cpu", device_id=0)
    text, scores = recognizer(line_img)          # the whole image is one text line
    results = recognizer(img, bboxes)            # [(text, scores), ...], one per box
    results = recognizer.batch([line1, line2])   # [(text, scores), ...]

scores holds one confidence per character. bboxes is mmdeploy's flat list, 9 numbers per box
(x0, y0, ..., x3, y3, score; e.g. TextDetector(...)(img).flatten().tolist()) or an array of
shape (N, 8) or (N, 9); each box is cut out upright as end-to-end OCR does.)doc")
      .def(py::init<const std::filesystem::path&, const std::string&, int>(), py::arg("model_path"),
           py::arg("device_name") = "cpu", py::arg("device_id") = 0)
      .def("__call__", &PyTextRecognizer::call_boxes, py::arg("img"), py::arg("bboxes"),
           "Recognises each box of the image: [(text, scores), ...].")
      .def("__call__", &PyTextRecognizer::call, py::arg("img"),
           "Recognises the image as one text line: (text, scores). A list of images gives a list, as batch().")
      .def("batch", &PyTextRecognizer::batch, py::arg("imgs"), "One (text, scores) per image.");

  py::class_<PyOcr>(m, "Ocr", R"doc(
End-to-end OCR: detection, upright crops, optional angle classification, recognition.

    ocr = Ocr()                  # the default packages (ppocr-det, ppocr-rec)
    lines = ocr(img)             # [{"polygon": [x0, y0, ...], "det_score", "text", "score"}, ...]
    pages = ocr.batch([img1, img2])

Lines come in reading order; lines recognised with a score under min_text_score are dropped.
The output is what `ocrserve infer --json` writes. A model path left None is the default
package (see default_models_dir()); cls_model_path None means no angle classifier.)doc")
      .def(py::init<const std::optional<std::filesystem::path>&, const std::optional<std::filesystem::path>&,
                    const std::optional<std::filesystem::path>&, const std::string&, int, size_t, float>(),
           py::arg("det_model_path") = py::none(), py::arg("rec_model_path") = py::none(),
           py::arg("cls_model_path") = py::none(), py::arg("device_name") = "cpu", py::arg("device_id") = 0,
           py::kw_only(), py::arg("batch_size") = 1, py::arg("min_text_score") = 0.5f)
      .def("__call__", &PyOcr::call, py::arg("img"),
           "Reads one image: a list of dicts. A list of images gives a list of those, as batch().")
      .def("batch", &PyOcr::batch, py::arg("imgs"), "One list of lines per image.");

  m.def("default_models_dir", &default_models_dir,
        "Where the default packages live: $OCRSERVE_MODELS, else the install's share/ocrserve/models.");
  m.def("default_inference_threads", &default_inference_threads, "The threads each model uses: the cores, at most 8.");

  // For the tests: the 4 corners the detector arrays give for a polygon of any size.
  m.def("_quadrilateral", [](const std::vector<std::pair<float, float>>& points) {
    Polygon polygon;
    for (const auto& [x, y] : points) polygon.push_back({x, y});
    std::vector<std::pair<float, float>> corners;
    for (const auto& p : quadrilateral(polygon)) corners.emplace_back(p.x, p.y);
    return corners;
  });

#ifdef OCRSERVE_PY_VERSION
  m.attr("__version__") = OCRSERVE_PY_VERSION;
#endif
}
