// Image decoding: real files, crafted headers, and hostile bytes.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include <opencv2/imgcodecs.hpp>

#include "core/image.hpp"
#include "core/image_header.hpp"
#include "ocrserve/error.hpp"
#include "support/ground_truth.hpp"

namespace ocrserve {
namespace {

using test::kData;

std::vector<uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

ErrorKind kind_of(const std::vector<uint8_t>& bytes, std::string* message = nullptr) {
  try {
    decode_image(bytes, "input");
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.kind();
  }
  return ErrorKind::internal;  // decoded: not what these tests expect
}

TEST(Image, RealFilesDecodeToTheirHeaderSize) {
  for (const char* name : {"demo/demo_text_ocr.jpg", "demo/demo_text_det.jpg", "demo/demo_text_recog.jpg", "det_toy/img_1.jpg"}) {
    const auto bytes = read_file_bytes(kData / name);
    const auto header = read_image_header(bytes.data(), bytes.size());
    ASSERT_TRUE(header) << name;
    EXPECT_EQ(header->format, "jpeg");
    const cv::Mat image = decode_image(bytes, name);
    EXPECT_EQ(static_cast<uint32_t>(image.cols), header->width) << name;
    EXPECT_EQ(static_cast<uint32_t>(image.rows), header->height) << name;
    EXPECT_EQ(image.channels(), 3);
  }
  const cv::Mat ocr = read_image(kData / "demo/demo_text_ocr.jpg");
  EXPECT_EQ(ocr.cols, 727);
  EXPECT_EQ(ocr.rows, 610);
}

TEST(Image, EncodedFormatsRoundTrip) {
  const cv::Mat one(1, 1, CV_8UC3, cv::Scalar(10, 20, 30));
  for (const char* extension : {".png", ".bmp", ".jpg", ".webp", ".tiff"}) {
    std::vector<uint8_t> encoded;
    ASSERT_TRUE(cv::imencode(extension, one, encoded)) << extension;
    const cv::Mat decoded = decode_image(encoded, extension);
    EXPECT_EQ(decoded.size(), cv::Size(1, 1)) << extension;
  }
}

TEST(Image, BrokenInputsAreBadInputWithAReason) {
  std::string message;
  EXPECT_EQ(kind_of({}, &message), ErrorKind::bad_input);
  EXPECT_NE(message.find("empty"), std::string::npos);
  EXPECT_EQ(kind_of(bytes_of("hello, this is text\n"), &message), ErrorKind::bad_input);
  EXPECT_NE(message.find("not an image"), std::string::npos);
  EXPECT_EQ(kind_of(read_file_bytes(kData / "demo/broken.jpg"), &message), ErrorKind::bad_input);
  auto truncated = read_file_bytes(kData / "demo/demo_text_det.jpg");
  truncated.resize(truncated.size() / 2);
  EXPECT_EQ(kind_of(truncated, &message), ErrorKind::bad_input);
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  try {
    read_file_bytes(kData / "demo/missing.jpg");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found);
    EXPECT_NE(std::string(e.what()).find("missing.jpg"), std::string::npos);
  }
  EXPECT_THROW(read_file_bytes(kData / "demo"), Error);
}

TEST(Image, HugeHeadersAreRefusedBeforeDecoding) {
  // PNG IHDR, JPEG SOF0 and BMP headers claiming 30000 x 30000 pixels, with no pixel data.
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                              0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 2, 0, 0, 0, 0, 0, 0, 0};
  std::vector<uint8_t> jpeg = {0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 17, 8, 0x75, 0x30, 0x75, 0x30, 3,
                               1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9};
  std::vector<uint8_t> bmp(54, 0);
  bmp[0] = 'B', bmp[1] = 'M', bmp[14] = 40;
  bmp[18] = 0x30, bmp[19] = 0x75, bmp[22] = 0x30, bmp[23] = 0x75;
  for (const auto& bytes : {png, jpeg, bmp}) {
    const auto start = std::chrono::steady_clock::now();
    std::string message;
    EXPECT_EQ(kind_of(bytes, &message), ErrorKind::bad_input);
    EXPECT_NE(message.find("30000x30000"), std::string::npos) << message;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  }
  EXPECT_EQ(read_image_header(png.data(), png.size())->width, 30000u);
  EXPECT_EQ(read_image_header(jpeg.data(), jpeg.size())->height, 30000u);
}

TEST(Image, TiffSizeIsReadFromTheFirstDirectory) {
  std::vector<uint8_t> encoded;
  ASSERT_TRUE(cv::imencode(".tiff", cv::Mat(3, 5, CV_8UC3, cv::Scalar(1, 2, 3)), encoded));
  const auto header = read_image_header(encoded.data(), encoded.size());
  ASSERT_TRUE(header);
  EXPECT_EQ(header->format, "tiff");
  EXPECT_EQ(header->width, 5u);
  EXPECT_EQ(header->height, 3u);
  // Little- and big-endian files claiming 30000 x 30000 (LONG and SHORT tags), no pixels.
  const std::vector<uint8_t> little = {'I', 'I', 42, 0, 8, 0, 0, 0, 2, 0, 0, 1, 4, 0, 1, 0, 0, 0, 0x30, 0x75, 0, 0,
                                       1, 1, 4, 0, 1, 0, 0, 0, 0x30, 0x75, 0, 0, 0, 0, 0, 0};
  const std::vector<uint8_t> big = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 2, 1, 0, 0, 3, 0, 0, 0, 1, 0x75, 0x30, 0, 0,
                                    1, 1, 0, 3, 0, 0, 0, 1, 0x75, 0x30, 0, 0, 0, 0, 0, 0};
  for (const auto& bytes : {little, big}) {
    std::string message;
    EXPECT_EQ(kind_of(bytes, &message), ErrorKind::bad_input);
    EXPECT_NE(message.find("30000x30000"), std::string::npos) << message;
  }
  // ImageLength given twice, small then huge: the larger one is what is checked.
  const std::vector<uint8_t> twice = {'I', 'I', 42, 0, 8, 0, 0, 0, 3, 0, 0, 1, 3, 0, 1, 0, 0, 0, 16, 0, 0, 0,
                                      1, 1, 3, 0, 1, 0, 0, 0, 16, 0, 0, 0, 1, 1, 4, 0, 1, 0, 0, 0, 0x30, 0x75, 0, 0,
                                      0, 0, 0, 0};
  EXPECT_EQ(read_image_header(twice.data(), twice.size())->height, 30000u);
  // A directory that points past the end is not an image.
  std::vector<uint8_t> dangling = little;
  dangling[4] = 200;
  EXPECT_FALSE(read_image_header(dangling.data(), dangling.size()));
}

TEST(Image, JpegScansAreCountedAndBounded) {
  std::vector<uint8_t> progressive;
  const cv::Mat picture(64, 64, CV_8UC3, cv::Scalar(40, 90, 200));
  ASSERT_TRUE(cv::imencode(".jpg", picture, progressive, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
  const size_t scans = count_jpeg_scans(progressive.data(), progressive.size(), 100);
  EXPECT_GT(scans, 1u);
  EXPECT_LT(scans, 20u);
  EXPECT_EQ(decode_image(progressive, "progressive").cols, 64);
  std::vector<uint8_t> baseline;
  ASSERT_TRUE(cv::imencode(".jpg", picture, baseline));
  EXPECT_EQ(count_jpeg_scans(baseline.data(), baseline.size(), 100), 1u);

  // 150 empty scans: each would be a pass over the picture.
  std::vector<uint8_t> many = {0xFF, 0xD8, 0xFF, 0xC2, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0};
  for (int i = 0; i < 150; ++i) many.insert(many.end(), {0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0});
  many.insert(many.end(), {0xFF, 0xD9});
  EXPECT_EQ(count_jpeg_scans(many.data(), many.size(), 100), 101u);  // stops counting past the limit
  std::string message;
  EXPECT_EQ(kind_of(many, &message), ErrorKind::bad_input);
  EXPECT_NE(message.find("more than 100 scans"), std::string::npos) << message;
}

TEST(Image, GifIsRefusedAsUnsupported) {
  const auto gif = bytes_of(std::string("GIF89a\x10\0\x10\0\0\0\0;", 14));
  std::string message;
  EXPECT_EQ(kind_of(gif, &message), ErrorKind::unsupported);
  EXPECT_NE(message.find("convert it to PNG"), std::string::npos) << message;
}

TEST(Image, GarbageNeverCrashes) {
  std::mt19937 random(42);
  const auto real = read_file_bytes(kData / "demo/demo_text_recog.jpg");
  std::vector<uint8_t> png;
  cv::imencode(".png", cv::Mat(8, 8, CV_8UC3, cv::Scalar(1, 2, 3)), png);
  for (int i = 0; i < 1500; ++i) {
    std::vector<uint8_t> bytes;
    if (i % 3 == 0) {
      bytes.resize(random() % 256);
      for (auto& b : bytes) b = static_cast<uint8_t>(random());
    } else {
      bytes = i % 3 == 1 ? real : png;
      bytes.resize(random() % bytes.size());
      if (!bytes.empty()) bytes[random() % bytes.size()] ^= static_cast<uint8_t>(random());
    }
    read_image_header(bytes.data(), bytes.size());
    try {
      decode_image(bytes, "fuzz");
    } catch (const Error& e) {
      EXPECT_TRUE(e.kind() == ErrorKind::bad_input || e.kind() == ErrorKind::unsupported);
    }
  }
}

}  // namespace
}  // namespace ocrserve
