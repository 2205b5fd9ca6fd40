#include "cli/output_formats.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>

#include "core/utf8.hpp"
#include "ocrserve/version.hpp"

namespace ocrserve {
namespace {

constexpr int kCoordinateDecimals = 3;
constexpr int kScoreDecimals = 5;

double round_to(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  const double rounded = std::round(value * scale) / scale;
  return rounded == 0 ? 0.0 : rounded;  // no "-0.0"
}

Json rounded_numbers(const Json& json, int decimals) {
  if (json.is_number_float()) return round_to(json.get<double>(), decimals);
  if (!json.is_array()) return json;
  Json out = Json::array();
  for (const auto& element : json) out.push_back(rounded_numbers(element, decimals));
  return out;
}

std::string dump(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

bool scalar(const Json& json) { return !json.is_structured(); }

// Holds nothing but scalars, lists of scalars and objects of those: one line.
bool flat(const Json& json) {
  if (scalar(json)) return true;
  if (json.is_array()) return std::all_of(json.begin(), json.end(), scalar);
  return std::all_of(json.begin(), json.end(), [](const Json& value) { return flat(value); });
}

// --- boxes and words for TSV and hOCR ---

struct Box {
  int left = 0, top = 0, right = 0, bottom = 0;  // right and bottom exclusive
  int width() const { return right - left; }
  int height() const { return bottom - top; }
  void add(const Box& other) {
    left = std::min(left, other.left);
    top = std::min(top, other.top);
    right = std::max(right, other.right);
    bottom = std::max(bottom, other.bottom);
  }
};

// The polygon's axis-aligned bounding box in whole pixels, inside the page.
Box bounding_box(const Polygon& polygon, cv::Size size) {
  if (polygon.empty()) return {0, 0, size.width, size.height};
  float x0 = polygon[0].x, y0 = polygon[0].y, x1 = x0, y1 = y0;
  for (const auto& p : polygon) {
    x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
  }
  const auto clamp = [](float v, int high) { return std::clamp(static_cast<int>(v), 0, std::max(high, 0)); };
  Box box{clamp(std::floor(x0), size.width), clamp(std::floor(y0), size.height), clamp(std::ceil(x1), size.width),
          clamp(std::ceil(y1), size.height)};
  box.right = std::max(box.right, box.left + 1);
  box.bottom = std::max(box.bottom, box.top + 1);
  return box;
}

struct Word {
  std::string text;
  Box box;
};

// The line's space-separated words, each with a share of the line's box in proportion to its
// characters (spaces counted): along the box's longer side, as the text runs.
std::vector<Word> words_of(const std::string& text, const Box& line) {
  const auto chars = utf8_chars(text);
  const double n = static_cast<double>(chars.size());
  const bool across = line.width() >= line.height();
  const int start = across ? line.left : line.top, length = across ? line.width() : line.height();
  std::vector<Word> words;
  for (size_t i = 0; i < chars.size();) {
    if (chars[i].point == ' ' || chars[i].point == '\t') {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < chars.size() && chars[end].point != ' ' && chars[end].point != '\t') ++end;
    Word word;
    word.text = text.substr(chars[i].offset, chars[end - 1].offset + chars[end - 1].length - chars[i].offset);
    const int from = start + static_cast<int>(std::lround(length * (i / n)));
    const int to = std::max(from + 1, start + static_cast<int>(std::lround(length * (end / n))));
    word.box = line;
    (across ? word.box.left : word.box.top) = from;
    (across ? word.box.right : word.box.bottom) = to;
    words.push_back(std::move(word));
    i = end;
  }
  return words;
}

struct PageLayout {
  Box page;
  Box block;
  std::vector<std::pair<Box, std::vector<Word>>> lines;  // lines with at least one word
  std::vector<float> scores;
};

PageLayout layout_page(const PageResult& result) {
  PageLayout layout;
  layout.page = {0, 0, result.size.width, result.size.height};
  for (const auto& line : result.lines) {
    const Box box = bounding_box(line.polygon, result.size);
    auto words = words_of(line.text, box);
    if (words.empty()) continue;
    if (layout.lines.empty()) layout.block = box;
    layout.block.add(box);
    layout.lines.emplace_back(box, std::move(words));
    layout.scores.push_back(line.score);
  }
  return layout;
}

// Text inside a TSV field: no tabs or line breaks.
std::string tsv_field(std::string text) {
  for (char& c : text) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// UTF-8 as written: invalid bytes become U+FFFD, so that an XML parser accepts the page.
std::string valid_utf8(const std::string& text) {
  std::string out;
  for (const auto& c : utf8_chars(text)) append_utf8(out, c.point);
  return out;
}

std::string bbox(const Box& box) {
  return "bbox " + std::to_string(box.left) + " " + std::to_string(box.top) + " " + std::to_string(box.right) + " " +
         std::to_string(box.bottom);
}

// --- writers ---

class JsonWriter : public ResultWriter {
 public:
  JsonWriter(std::ostream& out, const WriterOptions& options) : out_(out), options_(options) {}
  void page(const PageResult& page) override {
    if (options_.bare) {
      if (!page.error) {
        out_ << layout_json(rounded_result(page.result)) << "\n";
      } else if (options_.bare_errors) {
        out_ << layout_json(page_entry(page)) << "\n";
      }
    } else {
      out_ << (entries_++ == 0 ? "[\n  " : ",\n  ") << layout_json(page_entry(page), 2);
    }
    out_.flush();
  }
  void finish() override {
    if (!options_.bare) out_ << (entries_ == 0 ? "[]\n" : "\n]\n");
    out_.flush();
  }

 private:
  std::ostream& out_;
  WriterOptions options_;
  size_t entries_ = 0;
};

class JsonLinesWriter : public ResultWriter {
 public:
  explicit JsonLinesWriter(std::ostream& out) : out_(out) {}
  void page(const PageResult& page) override { out_ << one_line_json(page_entry(page)) << "\n" << std::flush; }
  void finish() override { out_.flush(); }

 private:
  std::ostream& out_;
};

// Each page's lines, one a line; a form feed between pages (and between images), as Tesseract
// ends its pages, so that splitting at form feeds gives one text per page.
class TextWriter : public ResultWriter {
 public:
  explicit TextWriter(std::ostream& out) : out_(out) {}
  void page(const PageResult& page) override {
    if (pages_++ > 0) out_ << '\f';
    for (const auto& line : page.lines) out_ << line.text << "\n";
    out_.flush();
  }
  void finish() override { out_.flush(); }

 private:
  std::ostream& out_;
  size_t pages_ = 0;
};

// Tesseract's TSV: levels page (1), block (2), paragraph (3), line (4) and word (5). Each page
// is one block of one paragraph holding its lines in reading order.
class TsvWriter : public ResultWriter {
 public:
  explicit TsvWriter(std::ostream& out) : out_(out) {
    out_ << "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n";
  }
  void page(const PageResult& page) override {
    const int number = ++pages_;
    if (page.error) return;
    const PageLayout layout = layout_page(page);
    row(1, number, 0, 0, 0, 0, layout.page, -1, "");
    if (!layout.lines.empty()) {
      row(2, number, 1, 0, 0, 0, layout.block, -1, "");
      row(3, number, 1, 1, 0, 0, layout.block, -1, "");
    }
    for (size_t l = 0; l < layout.lines.size(); ++l) {
      const auto& [box, words] = layout.lines[l];
      row(4, number, 1, 1, static_cast<int>(l + 1), 0, box, -1, "");
      for (size_t w = 0; w < words.size(); ++w) {
        row(5, number, 1, 1, static_cast<int>(l + 1), static_cast<int>(w + 1), words[w].box, layout.scores[l] * 100.0,
            words[w].text);
      }
    }
    out_.flush();
  }
  void finish() override { out_.flush(); }

 private:
  void row(int level, int page, int block, int par, int line, int word, const Box& box, double conf,
           const std::string& text) {
    char confidence[32];
    if (conf < 0) {
      std::snprintf(confidence, sizeof confidence, "-1");
    } else {
      std::snprintf(confidence, sizeof confidence, "%.6f", conf);
    }
    out_ << level << '\t' << page << '\t' << block << '\t' << par << '\t' << line << '\t' << word << '\t' << box.left
         << '\t' << box.top << '\t' << box.width() << '\t' << box.height() << '\t' << confidence << '\t'
         << tsv_field(text) << '\n';
  }

  std::ostream& out_;
  int pages_ = 0;
};

// hOCR as Tesseract writes it: an XHTML document with one ocr_page per page, holding an
// ocr_carea, an ocr_par, ocr_line spans and ocrx_word spans with bbox and x_wconf.
class HocrWriter : public ResultWriter {
 public:
  explicit HocrWriter(std::ostream& out) : out_(out) {
    out_ << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n"
            "    \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
            "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n"
            " <head>\n"
            "  <title></title>\n"
            "  <meta http-equiv=\"Content-Type\" content=\"text/html;charset=utf-8\"/>\n"
            "  <meta name='ocr-system' content='ocrserve " OCRSERVE_VERSION_STRING "' />\n"
            "  <meta name='ocr-capabilities' content='ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf'/>\n"
            " </head>\n"
            " <body>\n";
  }
  void page(const PageResult& page) override {
    const int number = ++pages_;
    if (page.error) return;
    const PageLayout layout = layout_page(page);
    const std::string p = std::to_string(number);
    out_ << "  <div class='ocr_page' id='page_" << p << "' title='image \""
         << xml_escape(valid_utf8(page.image)) << "\"; " << bbox(layout.page) << "; ppageno " << number - 1;
    if (page.dpi > 0) out_ << "; scan_res " << page.dpi << " " << page.dpi;
    out_ << "'>\n";
    if (!layout.lines.empty()) {
      out_ << "   <div class='ocr_carea' id='block_" << p << "_1' title=\"" << bbox(layout.block) << "\">\n"
           << "    <p class='ocr_par' id='par_" << p << "_1' title=\"" << bbox(layout.block) << "\">\n";
      int word_id = 0;
      for (size_t l = 0; l < layout.lines.size(); ++l) {
        const auto& [box, words] = layout.lines[l];
        out_ << "     <span class='ocr_line' id='line_" << p << "_" << l + 1 << "' title=\"" << bbox(box) << "\">\n";
        const long confidence = std::lround(layout.scores[l] * 100.0);
        for (const auto& word : words) {
          out_ << "      <span class='ocrx_word' id='word_" << p << "_" << ++word_id << "' title='" << bbox(word.box)
               << "; x_wconf " << confidence << "'>" << xml_escape(valid_utf8(word.text)) << "</span>\n";
        }
        out_ << "     </span>\n";
      }
      out_ << "    </p>\n   </div>\n";
    }
    out_ << "  </div>\n";
    out_.flush();
  }
  void finish() override {
    out_ << " </body>\n</html>\n";
    out_.flush();
  }

 private:
  std::ostream& out_;
  int pages_ = 0;
};

}  // namespace

const std::vector<std::string>& format_names() {
  static const std::vector<std::string> names = {"json", "jsonl", "text", "tsv", "hocr"};
  return names;
}

Format parse_format(const std::string& name) {
  if (name == "jsonl") return Format::jsonl;
  if (name == "text") return Format::text;
  if (name == "tsv") return Format::tsv;
  if (name == "hocr") return Format::hocr;
  return Format::json;
}

const char* format_extension(Format format) {
  switch (format) {
    case Format::json: return ".json";
    case Format::jsonl: return ".jsonl";
    case Format::text: return ".txt";
    case Format::tsv: return ".tsv";
    case Format::hocr: return ".hocr";
  }
  return "";
}

bool needs_text(Format format) { return format == Format::text || format == Format::tsv || format == Format::hocr; }

std::string PageResult::label() const { return page > 0 ? image + "#page=" + std::to_string(page) : image; }

Json rounded_result(const Json& result) {
  if (result.is_number_float()) return round_to(result.get<double>(), kScoreDecimals);
  if (result.is_array()) {
    Json out = Json::array();
    for (const auto& element : result) out.push_back(rounded_result(element));
    return out;
  }
  if (!result.is_object()) return result;
  Json out = Json::object();
  for (const auto& [key, value] : result.items()) {
    if (key == "polygon") {
      out[key] = rounded_numbers(value, kCoordinateDecimals);
    } else if (key == "boundary_result" && value.is_array()) {
      // [x1, y1, …, xn, yn, score]
      Json boundaries = Json::array();
      for (const auto& boundary : value) {
        Json row = rounded_numbers(boundary, kCoordinateDecimals);
        if (!boundary.empty() && boundary.back().is_number_float()) {
          row.back() = round_to(boundary.back().get<double>(), kScoreDecimals);
        }
        boundaries.push_back(std::move(row));
      }
      out[key] = std::move(boundaries);
    } else {
      out[key] = rounded_result(value);
    }
  }
  return out;
}

std::string one_line_json(const Json& json) {
  if (scalar(json)) return dump(json);
  std::string out = json.is_array() ? "[" : "{";
  bool first = true;
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (!first) out += ", ";
    first = false;
    if (json.is_object()) out += dump(Json(it.key())) + ": ";
    out += one_line_json(*it);
  }
  return out + (json.is_array() ? "]" : "}");
}

std::string layout_json(const Json& json, int indent) {
  if (flat(json) || json.empty()) return one_line_json(json);
  const std::string inner(indent + 2, ' ');
  std::string out = json.is_array() ? "[\n" : "{\n";
  bool first = true;
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (!first) out += ",\n";
    first = false;
    out += inner;
    if (json.is_object()) out += dump(Json(it.key())) + ": ";
    out += layout_json(*it, indent + 2);
  }
  return out + "\n" + std::string(indent, ' ') + (json.is_array() ? "]" : "}");
}

Json page_entry(const PageResult& page) {
  Json entry = {{"image", page.image}};
  if (page.page > 0) entry["page"] = page.page;
  if (page.error) {
    entry["error"] = {{"type", to_string(page.error->kind())}, {"message", page.error->what()}};
  } else {
    entry["result"] = rounded_result(page.result);
  }
  return entry;
}

std::unique_ptr<ResultWriter> make_writer(Format format, std::ostream& out, const WriterOptions& options) {
  switch (format) {
    case Format::json: return std::make_unique<JsonWriter>(out, options);
    case Format::jsonl: return std::make_unique<JsonLinesWriter>(out);
    case Format::text: return std::make_unique<TextWriter>(out);
    case Format::tsv: return std::make_unique<TsvWriter>(out);
    case Format::hocr: return std::make_unique<HocrWriter>(out);
  }
  return nullptr;
}

}  // namespace ocrserve
