// KServe v2 tensors for OCR: images from BYTES inputs, results as named outputs.
#include <gtest/gtest.h>

#include "frontend/kserve/v2_tensors.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve::kserve {
namespace {

Polygon square(float x, float y, float side) { return {{x, y}, {x + side, y}, {x + side, y + side}, {x, y + side}}; }

TEST(V2Tensors, ImagesAreEveryElementOfTheBytesInputs) {
  const std::vector<Tensor> inputs{{"a", "BYTES", {2}, {"png1", "png2"}, {}, {}}, {"b", "BYTES", {1, 1}, {"jpg"}, {}, {}}};
  EXPECT_EQ(input_images(inputs), (std::vector<std::string>{"png1", "png2", "jpg"}));
}

TEST(V2Tensors, InputsThatCarryNoImagesAreRefused) {
  const auto refused = [](const std::vector<Tensor>& inputs, const std::string& says) {
    try {
      input_images(inputs);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_input);
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused({{"x", "FP32", {3}, {}, {1, 2, 3}, {}}}, "is FP32");
  refused({{"x", "BYTES", {2}, {"one"}, {}, {}}}, "does not match its shape");
  refused({{"x", "BYTES", {-1}, {"one"}, {}, {}}}, "does not match its shape");
  refused({{"x", "BYTES", {1LL << 40, 1LL << 40, 1LL << 40}, {"one"}, {}, {}}}, "does not match its shape");
  refused({}, "no image");
}

TEST(V2Tensors, OcrLinesOfEveryImageFollowEachOtherWithTheirImageIndex) {
  const OcrResult first{{square(0, 0, 10), 0.9f, "TOTAL", 0.8f}, {square(0, 20, 5), 0.7f, "12.00", 0.95f}};
  const OcrResult second{{square(4, 4, 2), 0.6f, "x", 0.5f}};
  const auto outputs = output_tensors(PipelineKind::ocr, {first, OcrResult{}, second});
  ASSERT_EQ(outputs.size(), 5u);
  EXPECT_EQ(outputs[0].name, "texts");
  EXPECT_EQ(outputs[0].bytes, (std::vector<std::string>{"TOTAL", "12.00", "x"}));
  EXPECT_EQ(outputs[1].fp32, (std::vector<float>{0.8f, 0.95f, 0.5f}));
  EXPECT_EQ(outputs[2].fp32, (std::vector<float>{0.9f, 0.7f, 0.6f}));
  EXPECT_EQ(outputs[3].name, "boxes");
  EXPECT_EQ(outputs[3].shape, (std::vector<int64_t>{3, 8}));
  EXPECT_EQ(std::vector<float>(outputs[3].fp32.begin() + 8, outputs[3].fp32.begin() + 16),
            (std::vector<float>{0, 20, 5, 20, 5, 25, 0, 25}));
  EXPECT_EQ(outputs[4].int32, (std::vector<int32_t>{0, 0, 2}));
}

TEST(V2Tensors, RequestedOutputsAreKeptInTheirOrderAndUnknownOnesRefused) {
  const DetectionResult regions{{square(1, 1, 3), 0.75f}};
  const auto outputs = output_tensors(PipelineKind::detection, {regions}, {"scores", "boxes"});
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[0].name, "scores");
  EXPECT_EQ(outputs[0].fp32, (std::vector<float>{0.75f}));
  EXPECT_EQ(outputs[1].shape, (std::vector<int64_t>{1, 8}));
  EXPECT_THROW(output_tensors(PipelineKind::detection, {regions}, {"texts"}), Error);
}

TEST(V2Tensors, RawDataIsLittleEndianWithLengthPrefixedBytes) {
  const Tensor texts{"texts", "BYTES", {2}, {"ab", ""}, {}, {}};
  EXPECT_EQ(raw_data(texts), std::string("\x02\0\0\0ab\0\0\0\0", 10));
  EXPECT_EQ(raw_data(Tensor{"i", "INT32", {1}, {}, {}, {258}}), std::string("\x02\x01\0\0", 4));
  EXPECT_EQ(raw_bytes_elements(raw_data(texts), "x"), texts.bytes);
  EXPECT_THROW(raw_bytes_elements(std::string("\x05\0\0\0abc", 7), "x"), Error);  // a length past the data
  EXPECT_THROW(raw_bytes_elements(std::string("\x01\0", 2), "x"), Error);           // data ends inside a length
}

TEST(V2Tensors, MetadataNamesEveryOutputWithVariableRows) {
  const auto outputs = output_metadata(PipelineKind::recognition);
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[0].name, "texts");
  EXPECT_EQ(outputs[0].datatype, "BYTES");
  EXPECT_EQ(outputs[0].shape, (std::vector<int64_t>{-1}));
  EXPECT_EQ(output_metadata(PipelineKind::ocr)[3].shape, (std::vector<int64_t>{-1, 8}));
  EXPECT_EQ(input_metadata()[0].datatype, "BYTES");
}

}  // namespace
}  // namespace ocrserve::kserve
