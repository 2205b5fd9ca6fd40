// What `ocrserve infer` reads and writes, without models: input lists, pages of PDFs and TIFFs,
// EXIF orientation, the output formats, output names, and the progress bar.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli/input_list.hpp"
#include "cli/output_formats.hpp"
#include "cli/pdf_document.hpp"
#include "cli/progress.hpp"
#include "core/image.hpp"
#include "ocrserve/error.hpp"
#include "support/pdf_writer.hpp"
#include "support/scratch_dir.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

// A picture that tells its pages apart: `shade` everywhere, and a black bar as wide as `bar`.
cv::Mat page_image(int width, int height, int shade, int bar) {
  cv::Mat image(height, width, CV_8UC3, cv::Scalar(shade, shade, shade));
  cv::rectangle(image, cv::Rect(0, 0, bar, height), cv::Scalar(0, 0, 0), cv::FILLED);
  return image;
}

ErrorKind kind_of(const std::function<void()>& action, std::string* message = nullptr) {
  try {
    action();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.kind();
  }
  return ErrorKind::internal;
}

// --- inputs ---

TEST(InferInputs, FoldersAreSearchedRecursivelySortedAndFiltered) {
  test::ScratchDir dir;
  const fs::path root = dir.path() / "scans";
  fs::create_directories(root / "b" / "deeper");
  fs::create_directories(root / ".hidden");
  for (const char* name : {"b/deeper/z.PNG", "b/a.jpg", "c.pdf", "a.tiff", "notes.txt", ".hidden/x.jpg", ".y.jpg",
                           "b/README"}) {
    std::ofstream(root / name) << "x";
  }
  const auto inputs = expand_inputs({root.string()});
  std::vector<std::string> names;
  for (const auto& input : inputs) {
    EXPECT_TRUE(input.listed);
    EXPECT_FALSE(input.error);
    EXPECT_EQ(fs::path(input.path), root / input.output_name);
    names.push_back(input.output_name.string());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"a.tiff", "b/a.jpg", "b/deeper/z.PNG", "c.pdf"}));

  fs::create_directories(dir.path() / "empty");
  const auto empty = expand_inputs({(dir.path() / "empty").string()});
  ASSERT_EQ(empty.size(), 1u);
  ASSERT_TRUE(empty[0].error);
  EXPECT_EQ(empty[0].error->kind(), ErrorKind::not_found);
  EXPECT_NE(std::string(empty[0].error->what()).find("no image or PDF files"), std::string::npos);
}

TEST(InferInputs, PatternsExpandWhenTheShellDidNot) {
  test::ScratchDir dir;
  fs::create_directories(dir.path() / "d1");
  fs::create_directories(dir.path() / "d2");
  for (const char* name : {"d1/p1.jpg", "d1/p2.jpg", "d1/q.jpg", "d2/p1.jpg", "d2/p3.png"}) std::ofstream(dir.path() / name) << "x";
  const std::string base = dir.path().string();
  const auto inputs = expand_inputs({base + "/d*/p[12].jpg", base + "/d2/p?.png", base + "/nothing*.jpg", "-"});
  ASSERT_EQ(inputs.size(), 6u);
  EXPECT_EQ(inputs[0].output_name, "d1/p1.jpg");  // named relative to the pattern's folder
  EXPECT_EQ(inputs[1].output_name, "d1/p2.jpg");
  EXPECT_EQ(inputs[2].output_name, "d2/p1.jpg");
  EXPECT_EQ(inputs[3].path, base + "/d2/p3.png");
  EXPECT_EQ(inputs[3].output_name, "p3.png");
  ASSERT_TRUE(inputs[4].error);
  EXPECT_EQ(inputs[4].error->kind(), ErrorKind::not_found);
  EXPECT_NE(std::string(inputs[4].error->what()).find("no file matches"), std::string::npos);
  EXPECT_EQ(inputs[5].path, "-");
  EXPECT_EQ(inputs[5].name, "stdin");
  EXPECT_FALSE(inputs[5].listed);

  // A file that exists under a name holding wildcards is that file; a plain missing file fails when read.
  std::ofstream(dir.path() / "odd[1].jpg") << "x";
  const auto literal = expand_inputs({base + "/odd[1].jpg", base + "/missing.jpg"});
  ASSERT_EQ(literal.size(), 2u);
  EXPECT_EQ(literal[0].path, base + "/odd[1].jpg");
  EXPECT_FALSE(literal[1].error);
  EXPECT_EQ(kind_of([&] { read_input_bytes(literal[1]); }), ErrorKind::not_found);
}

TEST(InferInputs, OutputNamesNeverCollide) {
  OutputNames names;
  EXPECT_EQ(names.claim("a"), "a");
  EXPECT_EQ(names.claim("a"), "a-2");
  EXPECT_EQ(names.claim("sub/a"), "sub/a");
  EXPECT_EQ(names.claim("a"), "a-3");
  EXPECT_EQ(names.claim("sub/a"), "sub/a-2");
  EXPECT_EQ(names.claim("a-2"), "a-2-2");
}

// --- pages ---

TEST(InferPages, MultiPageTiffDecodesEveryPageWithItsOwnSize) {
  test::ScratchDir dir;
  const std::vector<cv::Mat> pages = {page_image(60, 40, 200, 10), page_image(30, 50, 120, 20), page_image(80, 20, 60, 5)};
  ASSERT_TRUE(cv::imwrite((dir.path() / "three.tiff").string(), pages));
  InputDocument document(read_file_bytes(dir.path() / "three.tiff"), "three.tiff", 200);
  ASSERT_EQ(document.size(), 3u);
  EXPECT_TRUE(document.paged());
  EXPECT_FALSE(document.is_pdf());
  for (size_t i = 0; i < pages.size(); ++i) {
    const cv::Mat page = document.read(i, "three.tiff#page=" + std::to_string(i + 1));
    ASSERT_EQ(page.size(), pages[i].size()) << i;
    EXPECT_LT(cv::norm(page, pages[i], cv::NORM_INF), 2) << i;
  }
  // Reading a page again, or out of order, gives the same pixels.
  EXPECT_EQ(cv::norm(document.read(0, "p1"), pages[0], cv::NORM_INF), 0);

  // Each page's own header is checked against the limits before its pixels are decoded.
  DecodeLimits small;
  small.max_pixels = 2000;  // page 1 (2400) and page 3 (1600): the first is over
  ImagePages limited(read_file_bytes(dir.path() / "three.tiff"), "three.tiff", small);
  std::string message;
  EXPECT_EQ(kind_of([&] { limited.decode(0, "three.tiff#page=1"); }, &message), ErrorKind::bad_input);
  EXPECT_NE(message.find("three.tiff#page=1: image of 60x40 pixels exceeds the limit"), std::string::npos) << message;
  EXPECT_EQ(limited.decode(2, "three.tiff#page=3").size(), cv::Size(80, 20));

  DecodeLimits two_pages;
  two_pages.max_pages = 2;
  EXPECT_EQ(kind_of([&] { ImagePages(read_file_bytes(dir.path() / "three.tiff"), "three.tiff", two_pages); }, &message),
            ErrorKind::bad_input);
  EXPECT_NE(message.find("more than 2 pages"), std::string::npos) << message;

  // One-page images are one page, not paged.
  std::vector<uint8_t> png;
  cv::imencode(".png", pages[0], png);
  InputDocument single(png, "one.png", 200);
  EXPECT_EQ(single.size(), 1u);
  EXPECT_FALSE(single.paged());
}

TEST(InferPages, TiffDirectoryLoopsEndThePageList) {
  test::ScratchDir dir;
  ASSERT_TRUE(cv::imwrite((dir.path() / "two.tiff").string(), std::vector<cv::Mat>{page_image(8, 8, 255, 1),
                                                                                   page_image(8, 8, 0, 1)}));
  auto bytes = read_file_bytes(dir.path() / "two.tiff");
  ASSERT_EQ(ImagePages(bytes, "two.tiff").size(), 2u);
  // Point the second directory's "next" back at the first: two pages, not endless ones.
  const uint32_t first = bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24);
  ASSERT_EQ(bytes[0], 'I');
  const uint32_t entries = bytes[first] | (bytes[first + 1] << 8);
  const size_t next_field = first + 2 + 12 * entries;
  const uint32_t second = bytes[next_field] | (bytes[next_field + 1] << 8) | (bytes[next_field + 2] << 16) |
                          (bytes[next_field + 3] << 24);
  const uint32_t second_entries = bytes[second] | (bytes[second + 1] << 8);
  const size_t second_next = second + 2 + 12 * second_entries;
  for (int i = 0; i < 4; ++i) bytes[second_next + i] = static_cast<uint8_t>(first >> (8 * i));
  EXPECT_EQ(ImagePages(bytes, "loop.tiff").size(), 2u);
}

// A JPEG whose EXIF says "rotate 90° clockwise to view" (orientation 6) is decoded upright.
TEST(InferPages, JpegExifOrientationIsApplied) {
  const cv::Mat image = page_image(100, 40, 255, 20);  // black bar on the left
  std::vector<uint8_t> jpeg;
  cv::imencode(".jpg", image, jpeg);
  // An APP1 segment: "Exif\0\0", a big-endian TIFF header and one IFD entry, Orientation = 6.
  const std::string tiff = std::string("MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0", 26);
  const std::string app1 = std::string("Exif\0\0", 6) + tiff;
  std::string segment = "\xFF\xE1";
  segment += static_cast<char>((app1.size() + 2) >> 8);
  segment += static_cast<char>((app1.size() + 2) & 0xFF);
  segment += app1;
  const std::string plain(jpeg.begin(), jpeg.end());
  const cv::Mat upright = decode_image(bytes_of(plain.substr(0, 2) + segment + plain.substr(2)), "rotated.jpg");
  ASSERT_EQ(upright.size(), cv::Size(40, 100));
  // Turned clockwise, the bar that was on the left is now along the top.
  EXPECT_LT(cv::mean(upright(cv::Rect(0, 0, 40, 15)))[0], 40);
  EXPECT_GT(cv::mean(upright(cv::Rect(0, 30, 40, 60)))[0], 200);
  // The same bytes without the EXIF segment keep their stored orientation.
  EXPECT_EQ(decode_image(jpeg, "plain.jpg").size(), cv::Size(100, 40));
}

TEST(InferPages, PdfPagesRenderAtTheirDpi) {
  const std::vector<cv::Mat> pages = {page_image(400, 200, 230, 100), page_image(200, 300, 160, 50)};
  const std::string pdf = test::make_pdf(pages);
  EXPECT_TRUE(is_pdf(bytes_of(pdf)));
  EXPECT_FALSE(is_pdf(bytes_of("%PDX-1.4")));
  InputDocument document(bytes_of(pdf), "two.pdf", 200);
  ASSERT_EQ(document.size(), 2u);
  EXPECT_TRUE(document.is_pdf());
  EXPECT_TRUE(document.paged());
  EXPECT_EQ(document.dpi(), 200);
  for (size_t i = 0; i < pages.size(); ++i) {
    const cv::Mat page = document.read(i, "two.pdf#page=" + std::to_string(i + 1));
    ASSERT_EQ(page.type(), CV_8UC3);
    EXPECT_NEAR(page.cols, pages[i].cols, 1) << i;
    EXPECT_NEAR(page.rows, pages[i].rows, 1) << i;
    cv::Mat resized;
    cv::resize(page, resized, pages[i].size());
    EXPECT_LT(cv::norm(resized, pages[i], cv::NORM_L1) / pages[i].total() / 3, 8) << i;
  }
  // At 100 dpi, half the pixels a side.
  InputDocument half(bytes_of(pdf), "two.pdf", 100);
  EXPECT_NEAR(half.read(0, "p").cols, 200, 1);
}

TEST(InferPages, BadPdfsAreRefusedWithAReason) {
  std::string message;
  EXPECT_EQ(kind_of([&] { PdfDocument(bytes_of("%PDF-1.4\nnothing else"), "junk.pdf", 200); }, &message),
            ErrorKind::bad_input);
  EXPECT_NE(message.find("junk.pdf: corrupt or truncated PDF"), std::string::npos) << message;

  const auto locked = bytes_of(test::make_pdf({page_image(50, 50, 255, 5)}, {200, true}));
  EXPECT_EQ(kind_of([&] { PdfDocument(locked, "locked.pdf", 200); }, &message), ErrorKind::bad_input);
  EXPECT_NE(message.find("locked.pdf: PDF is encrypted with a password"), std::string::npos) << message;

  const auto three = bytes_of(test::make_pdf({page_image(50, 50, 255, 5), page_image(50, 50, 255, 5),
                                              page_image(50, 50, 255, 5)}));
  DecodeLimits two_pages;
  two_pages.max_pages = 2;
  EXPECT_EQ(kind_of([&] { PdfDocument(three, "long.pdf", 200, two_pages); }, &message), ErrorKind::bad_input);
  EXPECT_NE(message.find("long.pdf: PDF of 3 pages exceeds the limit (2 pages)"), std::string::npos) << message;

  // The page size at the rendering resolution is checked before any pixel is rendered.
  DecodeLimits small;
  small.max_pixels = 1000;
  const PdfDocument big(three, "big.pdf", 200, small);
  EXPECT_EQ(kind_of([&] { big.render(1, "big.pdf#page=2"); }, &message), ErrorKind::bad_input);
  EXPECT_NE(message.find("big.pdf#page=2: page of 50x50 pixels at 200 dpi exceeds the limit"), std::string::npos)
      << message;
  EXPECT_NE(message.find("--pdf-dpi"), std::string::npos) << message;
}

// --- output formats ---

PageResult ocr_page() {
  PageResult page;
  page.image = "dir/scan.pdf";
  page.page = 2;
  page.size = {400, 300};
  page.dpi = 200;
  page.lines = {{{{10.26f, 20.04f}, {110.7f, 20.04f}, {110.7f, 40.9f}, {10.26f, 40.9f}}, "Octavia Hill", 0.9954321f},
                {{{20, 50}, {80, 50}, {80, 70}, {20, 70}}, "a<b & \"c\"", 0.5f}};
  page.result = Json::array();
  for (const auto& line : page.lines) {
    Json polygon = Json::array();
    for (const auto& p : line.polygon) polygon.push_back(p.x), polygon.push_back(p.y);
    page.result.push_back({{"polygon", polygon}, {"det_score", 0.912345678f}, {"text", line.text}, {"score", line.score}});
  }
  return page;
}

std::string written(Format format, const std::vector<PageResult>& pages, WriterOptions options = {}) {
  std::ostringstream out;
  auto writer = make_writer(format, out, options);
  for (const auto& page : pages) writer->page(page);
  writer->finish();
  return out.str();
}

std::vector<std::vector<std::string>> tsv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      fields.push_back(line.substr(start, tab - start));
    }
    fields.push_back(line.substr(start));
    rows.push_back(fields);
  }
  return rows;
}

TEST(InferFormats, JsonIsRoundedAndReadable) {
  const PageResult page = ocr_page();
  const Json rounded = rounded_result(page.result);
  EXPECT_EQ(rounded[0]["polygon"][0].get<double>(), 10.26);
  EXPECT_EQ(rounded[0]["polygon"][5].get<double>(), 40.9);
  EXPECT_EQ(rounded[0]["det_score"].get<double>(), 0.91235);
  EXPECT_EQ(rounded[0]["score"].get<double>(), 0.99543);
  const Json boundaries = rounded_result(Json::parse(R"({"boundary_result": [[1.23456, 2.5, 3.0, 4.0, 0.987654321]]})"));
  EXPECT_EQ(boundaries["boundary_result"][0], Json::parse("[1.235, 2.5, 3.0, 4.0, 0.98765]"));

  // One line per OCR line, whole.
  const std::string bare = written(Format::json, {page}, {true, false});
  EXPECT_EQ(bare.substr(0, 2), "[\n");
  EXPECT_EQ(std::count(bare.begin(), bare.end(), '\n'), 4) << bare;
  EXPECT_NE(bare.find(R"(  {"polygon": [10.26, 20.04, 110.7, 20.04, 110.7, 40.9, 10.26, 40.9], "det_score": 0.91235, "text": "Octavia Hill", "score": 0.99543},)"),
            std::string::npos)
      << bare;
  EXPECT_EQ(Json::parse(bare), rounded);

  PageResult failed;
  failed.image = "broken.jpg";
  failed.error = Error(ErrorKind::bad_input, "broken.jpg: corrupt");
  const std::string listed = written(Format::json, {page, failed});
  const Json list = Json::parse(listed);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["image"], "dir/scan.pdf");
  EXPECT_EQ(list[0]["page"], 2);
  EXPECT_EQ(list[0]["result"], rounded);
  EXPECT_FALSE(list[1].contains("page"));
  EXPECT_EQ(list[1]["error"], Json::parse(R"({"type": "bad_input", "message": "broken.jpg: corrupt"})"));
  EXPECT_NE(listed.find(R"(  {"image": "broken.jpg", "error": {"type": "bad_input", "message": "broken.jpg: corrupt"}})"),
            std::string::npos)
      << listed;

  // A lone failed image: nothing on standard output, its entry in a --json file.
  EXPECT_EQ(written(Format::json, {failed}, {true, false}), "");
  EXPECT_EQ(Json::parse(written(Format::json, {failed}, {true, true}))["error"]["type"], "bad_input");
  EXPECT_EQ(written(Format::json, {}), "[]\n");

  const std::string lines = written(Format::jsonl, {page, failed});
  ASSERT_EQ(std::count(lines.begin(), lines.end(), '\n'), 2);
  EXPECT_EQ(Json::parse(lines.substr(0, lines.find('\n'))), list[0]);
  EXPECT_EQ(Json::parse(lines.substr(lines.find('\n') + 1)), list[1]);
}

TEST(InferFormats, TextHasOneLinePerLineAndAFormFeedBetweenPages) {
  PageResult failed;
  failed.error = Error(ErrorKind::bad_input, "x");
  EXPECT_EQ(written(Format::text, {ocr_page(), failed, ocr_page()}),
            "Octavia Hill\na<b & \"c\"\n\f\fOctavia Hill\na<b & \"c\"\n");
  EXPECT_EQ(written(Format::text, {ocr_page()}), "Octavia Hill\na<b & \"c\"\n");
}

TEST(InferFormats, TsvHasTesseractsColumnsAndLevels) {
  PageResult failed;
  failed.error = Error(ErrorKind::bad_input, "x");
  const auto rows = tsv_rows(written(Format::tsv, {ocr_page(), failed, ocr_page()}));
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0], (std::vector<std::string>{"level", "page_num", "block_num", "par_num", "line_num", "word_num",
                                               "left", "top", "width", "height", "conf", "text"}));
  for (const auto& row : rows) ASSERT_EQ(row.size(), 12u);
  // Page 1: page, block, paragraph, line 1 with 2 words, line 2 with 4 words; page 2 failed; page 3 again.
  ASSERT_EQ(rows.size(), 1u + 2 * (3 + 1 + 2 + 1 + 3));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "1", "0", "0", "0", "0", "0", "0", "400", "300", "-1", ""}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"2", "1", "1", "0", "0", "0", "10", "20", "101", "50", "-1", ""}));
  EXPECT_EQ(rows[4], (std::vector<std::string>{"4", "1", "1", "1", "1", "0", "10", "20", "101", "21", "-1", ""}));
  // "Octavia Hill": 12 characters over 101 pixels; "Octavia" takes 7 of them, "Hill" the last 4.
  char conf[32];
  std::snprintf(conf, sizeof conf, "%.6f", 0.9954321f * 100.0);
  EXPECT_EQ(rows[5], (std::vector<std::string>{"5", "1", "1", "1", "1", "1", "10", "20", "59", "21", conf, "Octavia"}));
  EXPECT_EQ(rows[6], (std::vector<std::string>{"5", "1", "1", "1", "1", "2", "77", "20", "34", "21", conf, "Hill"}));
  EXPECT_EQ(rows[8][11], "a<b");
  EXPECT_EQ(rows[8][10], "50.000000");
  EXPECT_EQ(rows[10][11], "\"c\"");
  EXPECT_EQ(rows[11][0], "1");
  EXPECT_EQ(rows[11][1], "3");  // the failed page keeps its number
}

TEST(InferFormats, HocrIsTesseractsStructureAndValidXml) {
  PageResult failed;
  failed.error = Error(ErrorKind::bad_input, "x");
  const std::string hocr = written(Format::hocr, {ocr_page(), failed, ocr_page()});
  for (const char* part : {"<meta name='ocr-system' content='ocrserve ",
                           "<meta name='ocr-capabilities' content='ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf'/>",
                           "<div class='ocr_page' id='page_1' title='image \"dir/scan.pdf\"; bbox 0 0 400 300; ppageno 0; scan_res 200 200'>",
                           "<div class='ocr_page' id='page_3' title='image \"dir/scan.pdf\"; bbox 0 0 400 300; ppageno 2;",
                           "<div class='ocr_carea' id='block_1_1' title=\"bbox 10 20 111 70\">",
                           "<p class='ocr_par' id='par_1_1' title=\"bbox 10 20 111 70\">",
                           "<span class='ocr_line' id='line_1_1' title=\"bbox 10 20 111 41\">",
                           "<span class='ocrx_word' id='word_1_1' title='bbox 10 20 69 41; x_wconf 100'>Octavia</span>",
                           "<span class='ocrx_word' id='word_1_3' title='bbox 20 50 40 70; x_wconf 50'>a&lt;b</span>",
                           "<span class='ocrx_word' id='word_1_5' title='bbox 60 50 80 70; x_wconf 50'>&quot;c&quot;</span>"}) {
    EXPECT_NE(hocr.find(part), std::string::npos) << part << "\n" << hocr;
  }
  EXPECT_EQ(hocr.find("page_2"), std::string::npos);
  EXPECT_EQ(hocr.substr(hocr.size() - 17), " </body>\n</html>\n");
}

// --- progress ---

// The longest line the terminal shows: what is between carriage returns and newlines, less the
// "erase line" sequences.
size_t longest_drawn_line(const std::string& drawn) {
  size_t longest = 0, current = 0;
  for (size_t i = 0; i < drawn.size(); ++i) {
    if (drawn.compare(i, 3, "\033[K") == 0) {
      i += 2;
    } else if (drawn[i] == '\r' || drawn[i] == '\n') {
      current = 0;
    } else {
      longest = std::max(longest, ++current);
    }
  }
  return longest;
}

TEST(InferProgress, DrawsCountRateAndTimeLeftOnlyWhenEnabled) {
  double now = 100;
  std::ostringstream out;
  {
    Progress progress(4, "images", out, true, 80, [&] { return now; });
    EXPECT_EQ(progress.line(), "0/4 images  ETA --:-- [........................................]");
    now += 2;
    progress.advance();
    EXPECT_TRUE(progress.line().starts_with("1/4 images  0.5 images/s  ETA 0:06 [##########.")) << progress.line();
    progress.print("ocrserve: error: x\n");
    progress.add_total(2);
    now += 1;
    progress.advance(5);
    EXPECT_EQ(progress.line(), "6/6 images  2.0 images/s  in 0:03 [" + std::string(40, '#') + "]");
  }
  const std::string drawn = out.str();
  EXPECT_NE(drawn.find("\r\033[Kocrserve: error: x\n\r\033[K1/4 images"), std::string::npos) << drawn;
  EXPECT_EQ(drawn.substr(drawn.size() - 1), "\n");
  EXPECT_NE(drawn.rfind("6/6 images"), std::string::npos);
  EXPECT_EQ(longest_drawn_line(drawn), 77u);  // inside 80 columns, one to spare

  std::ostringstream quiet;
  {
    Progress progress(4, "images", quiet, false, 80, [&] { return now; });
    progress.advance();
    progress.print("message\n");
  }
  EXPECT_EQ(quiet.str(), "message\n");  // messages still go out, the bar does not
  std::ostringstream single;
  {
    Progress progress(1, "images", single, true, 80, [&] { return now; });
    progress.advance();
  }
  EXPECT_EQ(single.str(), "");  // one image: nothing to show progress of
}

}  // namespace
}  // namespace ocrserve
