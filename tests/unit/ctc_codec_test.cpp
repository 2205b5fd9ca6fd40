// CTC decoding, dictionaries and the angle decoder on crafted score matrices.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "codec/codec.hpp"
#include "codec/dictionary.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

// [1, T, C] with `best[t]` scoring `scores[t]` and the rest sharing what is left.
Tensor steps(const std::vector<int>& best, const std::vector<float>& scores, int classes) {
  Tensor tensor;
  tensor.shape = {1, static_cast<int64_t>(best.size()), classes};
  tensor.data.assign(best.size() * classes, 0.0f);
  for (size_t t = 0; t < best.size(); ++t) {
    for (int c = 0; c < classes; ++c) tensor.data[t * classes + c] = (1.0f - scores[t]) / (classes - 1);
    tensor.data[t * classes + best[t]] = scores[t];
  }
  return tensor;
}

const Json kAbc = {{"dict_list", {"a", "b", "c"}}, {"with_padding", true}};  // a b c <PAD>: blank 3

TEST(Ctc, CollapsesRepeatsAndDropsTheBlank) {
  auto codec = make_recognition_codec("CTCConvertor", kAbc, {"test", {}});
  // PAD a a PAD a b b PAD c → "aabc": a repeat split by the blank counts twice.
  const Tensor scores = steps({3, 0, 0, 3, 0, 1, 1, 3, 2}, {0.9f, 0.8f, 0.7f, 0.9f, 0.6f, 0.5f, 0.9f, 0.9f, 0.4f}, 4);
  const auto result = codec->decode({scores}, 0);
  EXPECT_EQ(result.text, "aabc");
  ASSERT_EQ(result.char_scores.size(), 4u);
  EXPECT_FLOAT_EQ(result.char_scores[0], 0.8f);  // the first step of a run
  EXPECT_FLOAT_EQ(result.char_scores[1], 0.6f);
  EXPECT_FLOAT_EQ(result.char_scores[2], 0.5f);
  EXPECT_FLOAT_EQ(result.char_scores[3], 0.4f);
  EXPECT_NEAR(result.score, (0.8 + 0.6 + 0.5 + 0.4) / 4, 1e-6);
}

TEST(Ctc, AllBlankIsEmptyWithScoreZero) {
  auto codec = make_recognition_codec("CTCPostProcessor", kAbc, {"test", {}});
  const auto result = codec->decode({steps({3, 3, 3}, {0.9f, 0.9f, 0.9f}, 4)}, 0);
  EXPECT_EQ(result.text, "");
  EXPECT_EQ(result.score, 0.0f);
}

TEST(Ctc, SoftmaxOfLogitsGivesTheSameText) {
  const Tensor probs = steps({3, 1, 1, 3, 2}, {0.9f, 0.8f, 0.7f, 0.9f, 0.6f}, 4);
  Tensor logits = probs;
  for (auto& v : logits.data) v = std::log(v) + 3.0f;
  Json params = kAbc;
  params["apply_softmax"] = true;
  const auto from_logits = make_recognition_codec("CTCConvertor", params, {"test", {}})->decode({logits}, 0);
  EXPECT_EQ(from_logits.text, "bc");
  EXPECT_NEAR(from_logits.char_scores[0], 0.8f, 1e-5);
}

TEST(Ctc, ClassCountMustMatchTheDictionary) {
  auto codec = make_recognition_codec("CTCConvertor", kAbc, {"test", {}});
  try {
    codec->decode({steps({0, 1}, {0.9f, 0.9f}, 5)}, 0);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find("5 classes"), std::string::npos) << e.what();
  }
}

TEST(Dictionary, PaddleOcrKeysWithBlankFirstAndSpace) {
  const std::filesystem::path assets = std::filesystem::path(OCRSERVE_SOURCE_DIR) / "third_party/ocr-models/assets";
  const Dictionary dictionary({{"dict_file", "ppocr_keys_v1.txt"}, {"blank_first", true}, {"with_space", true}},
                              {"test", assets});
  EXPECT_EQ(dictionary.size(), 6625u);  // the recogniser's output width
  EXPECT_EQ(dictionary.blank_index(), 0u);
  std::ifstream keys(assets / "ppocr_keys_v1.txt");
  std::string first;
  std::getline(keys, first);
  EXPECT_EQ(dictionary.token(1), first);
  EXPECT_EQ(dictionary.token(6624), " ");
}

TEST(Dictionary, MmocrSpecialTokensInMmocrsOrder) {
  const Json chars = {"0", "1", "2", "a", "b"};
  const Dictionary attention({{"dict_list", chars}, {"with_start", true}, {"with_end", true}, {"same_start_end", true},
                              {"with_padding", true}, {"with_unknown", true}},
                             {"test", {}});
  EXPECT_EQ(attention.size(), 8u);
  EXPECT_EQ(attention.token(5), "<BOS/EOS>");
  EXPECT_EQ(attention.start_index(), 5u);
  EXPECT_EQ(attention.end_index(), 5u);
  EXPECT_EQ(attention.padding_index(), 6u);
  EXPECT_EQ(attention.unknown_index(), 7u);
  const Dictionary separate({{"dict_list", chars}, {"with_start", true}, {"with_end", true}}, {"test", {}});
  EXPECT_EQ(separate.token(5), "<BOS>");
  EXPECT_EQ(separate.token(6), "<EOS>");
}

TEST(Dictionary, MissingOrEmptyDictionariesAreClearErrors) {
  try {
    Dictionary({{"dict_file", "nowhere.txt"}}, {"test", "/tmp"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found);
    EXPECT_NE(std::string(e.what()).find("nowhere.txt"), std::string::npos);
  }
  EXPECT_THROW(Dictionary({{"dict_list", Json::array()}}, {"test", {}}), Error);
  EXPECT_THROW(make_recognition_codec("CTCConvertor", {{"dict_list", {"a"}}}, {"test", {}}), Error);  // no blank
}

TEST(Angle, FlipsOnlyWhenSure) {
  auto codec = make_classification_codec("AngleClassifier", {{"labels", {0, 180}}, {"threshold", 0.9}}, {"test", {}});
  Tensor probs;
  probs.shape = {2, 2};
  probs.data = {0.05f, 0.95f, 0.3f, 0.7f};
  const auto sure = codec->decode({probs}, 0);
  EXPECT_EQ(sure.angle, 180);
  EXPECT_FLOAT_EQ(sure.score, 0.95f);
  EXPECT_EQ(codec->decode({probs}, 1).angle, 0);
}

}  // namespace
}  // namespace ocrserve
