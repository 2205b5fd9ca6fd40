#include "eval/dataset.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "core/json_file.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;

// MMOCR's img_path is relative to a data root; when that layout is gone, the file may sit
// beside the annotation file.
fs::path resolve_image(const fs::path& base, const std::string& relative) {
  const fs::path direct = base / relative;
  if (fs::exists(direct)) return direct;
  const fs::path beside = base / fs::path(relative).filename();
  if (fs::exists(beside)) return beside;
  throw Error(ErrorKind::not_found, direct.string() + ": image named by the annotations not found");
}

Polygon polygon_from(const Json& flat, const std::string& where) {
  if (!flat.is_array() || flat.size() < 6 || flat.size() % 2) {
    throw Error(ErrorKind::bad_input, where + ": \"polygon\" must be a list of at least 3 x, y pairs");
  }
  Polygon polygon;
  for (size_t i = 0; i < flat.size(); i += 2) polygon.push_back({flat[i].get<float>(), flat[i + 1].get<float>()});
  return polygon;
}

const Json& data_list(const Json& json, const fs::path& file) {
  if (!json.contains("data_list") || !json["data_list"].is_array()) {
    throw Error(ErrorKind::bad_input, file.string() + ": missing \"data_list\" (expected MMOCR 1.x annotations)");
  }
  return json["data_list"];
}

// ICDAR folders come two ways: gt_<stem>.txt beside the images, or images/ (imgs/) beside
// gt/ (annotations/), as the data sets' own archives and ../shared/data/dev lay them out.
std::pair<fs::path, fs::path> icdar_folders(const fs::path& root) {
  fs::path images = root, ground_truth = root;
  for (const char* name : {"images", "imgs"}) {
    if (fs::is_directory(root / name)) {
      images = root / name;
      break;
    }
  }
  for (const char* name : {"gt", "annotations"}) {
    if (fs::is_directory(root / name)) {
      ground_truth = root / name;
      break;
    }
  }
  return {images, ground_truth};
}

// Splits a text line on tabs.
std::vector<std::string> tab_fields(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) fields.push_back(line.substr(start, tab - start));
  fields.push_back(line.substr(start));
  return fields;
}

std::ifstream open_list(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorKind::not_found, path.string() + ": dataset not found");
  return in;
}

std::vector<DetectionSample> read_transcription_list(const fs::path& path) {
  std::ifstream in = open_list(path);
  const fs::path base = fs::is_directory(path.parent_path() / "images") ? path.parent_path() / "images" : path.parent_path();
  std::map<fs::path, DetectionSample> by_image;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;  // comments
    const std::string where = path.string() + ": line " + std::to_string(number);
    const std::vector<std::string> fields = tab_fields(line);
    if (fields.size() < 2) throw Error(ErrorKind::bad_input, where + ": expected image<TAB>text");
    if (!fs::exists(base / fields[0]) && !fs::exists(base / fs::path(fields[0]).filename())) {
      throw Error(ErrorKind::not_found, where + ": no image \"" + fields[0] + "\" in " + base.string() +
                                            (number == 1 ? " (a header line? the list holds image<TAB>text<TAB>text… lines only)"
                                                         : ""));
    }
    const fs::path image = resolve_image(base, fields[0]);
    DetectionSample& sample = by_image[image];
    sample.image = image;
    sample.has_text = true;
    sample.has_boxes = false;
    for (size_t i = 1; i < fields.size(); ++i) {
      if (!fields[i].empty()) sample.regions.push_back({{}, fields[i], fields[i] == "###"});
    }
  }
  if (by_image.empty()) throw Error(ErrorKind::bad_input, path.string() + ": no image<TAB>text lines");
  std::vector<DetectionSample> samples;
  for (auto& [image, sample] : by_image) samples.push_back(std::move(sample));
  return samples;
}

}  // namespace

std::vector<TruthRegion> read_icdar_ground_truth(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorKind::not_found, file.string() + ": ground truth not found");
  std::vector<TruthRegion> regions;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::stringstream fields(line);
    TruthRegion region;
    std::string value;
    for (int i = 0; i < 8; ++i) {
      if (!std::getline(fields, value, ',')) {
        throw Error(ErrorKind::bad_input, file.string() + ": line " + std::to_string(number) + ": expected 8 coordinates");
      }
      try {
        (i % 2 ? region.polygon.back().y : (region.polygon.emplace_back(), region.polygon.back().x)) = std::stof(value);
      } catch (const std::exception&) {
        throw Error(ErrorKind::bad_input, file.string() + ": line " + std::to_string(number) + ": bad coordinate \"" + value + "\"");
      }
    }
    std::getline(fields, region.text);  // the transcription may contain commas
    region.ignore = region.text == "###";
    regions.push_back(std::move(region));
  }
  return regions;
}

std::vector<DetectionSample> load_detection_dataset(const fs::path& path) {
  std::vector<DetectionSample> samples;
  if (fs::is_directory(path)) {
    const auto [images, ground_truth] = icdar_folders(path);
    for (const auto& entry : fs::directory_iterator(ground_truth)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("gt_", 0) != 0 || entry.path().extension() != ".txt") continue;
      const std::string stem = entry.path().stem().string().substr(3);
      DetectionSample sample;
      for (const char* extension : {".jpg", ".png", ".jpeg", ".bmp", ".JPG", ".PNG", ".JPEG"}) {
        if (sample.image.empty() && fs::exists(images / (stem + extension))) sample.image = images / (stem + extension);
      }
      if (sample.image.empty()) {
        throw Error(ErrorKind::not_found, entry.path().string() + ": no image " + stem + ".jpg in " + images.string());
      }
      sample.regions = read_icdar_ground_truth(entry.path());
      sample.has_text = true;
      samples.push_back(std::move(sample));
    }
    if (samples.empty()) throw Error(ErrorKind::bad_input, path.string() + ": no gt_*.txt ground-truth files (looked in the folder and in gt/ or annotations/)");
  } else if (path.extension() != ".json") {
    samples = read_transcription_list(path);
  } else {
    const Json json = read_json_file(path);
    for (const auto& item : data_list(json, path)) {
      DetectionSample sample;
      sample.image = resolve_image(path.parent_path(), required_field<std::string>(item, "img_path", path.string()));
      sample.has_text = true;
      for (const auto& instance : optional_field<Json>(item, "instances", Json::array(), path.string())) {
        TruthRegion region;
        region.polygon = polygon_from(instance.value("polygon", Json()), path.string() + ": " + sample.image.filename().string());
        region.ignore = instance.value("ignore", false);
        region.text = instance.value("text", "");
        sample.has_text = sample.has_text && (instance.contains("text") || region.ignore);
        sample.regions.push_back(std::move(region));
      }
      samples.push_back(std::move(sample));
    }
  }
  std::sort(samples.begin(), samples.end(), [](const auto& a, const auto& b) { return a.image < b.image; });
  return samples;
}

std::vector<RecognitionSample> load_recognition_dataset(const fs::path& path) {
  std::vector<RecognitionSample> samples;
  if (path.extension() == ".json") {
    const Json json = read_json_file(path);
    for (const auto& item : data_list(json, path)) {
      const Json instances = optional_field<Json>(item, "instances", Json::array(), path.string());
      if (instances.empty() || !instances[0].contains("text")) {
        throw Error(ErrorKind::bad_input, path.string() + ": an entry has no instances[0].text");
      }
      samples.push_back({resolve_image(path.parent_path(), required_field<std::string>(item, "img_path", path.string())),
                         instances[0]["text"].get<std::string>()});
    }
    return samples;
  }
  std::ifstream in = open_list(path);
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) {
      throw Error(ErrorKind::bad_input, path.string() + ": line " + std::to_string(number) + ": expected image<TAB>text");
    }
    const size_t next_tab = line.find('\t', tab + 1);
    samples.push_back({resolve_image(path.parent_path(), line.substr(0, tab)),
                       line.substr(tab + 1, next_tab == std::string::npos ? std::string::npos : next_tab - tab - 1)});
  }
  return samples;
}

}  // namespace ocrserve
