// Attention-decoder decoding (SAR, SATRN) on crafted score matrices, with MMOCR's real
// english_digits_symbols.txt dictionary laid out as its SAR/SATRN configs do.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "codec/codec.hpp"
#include "codec/dictionary.hpp"
#include "ocrserve/error.hpp"
#include "support/class_scores.hpp"
#include "support/errors.hpp"
#include "support/scratch_dir.hpp"

namespace ocrserve {
namespace {

using test::error_of;
using test::rows;
using test::contains;
using test::ScratchDir;

const CodecContext kContext{"test codec", {}};

// MMOCR's dicts/english_digits_symbols.txt (the same 90 characters as mmdeploy's DICT90), one a line.
const std::string kDict90 =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]_`~";

std::string dict_file_content() {
  std::string content;
  for (char c : kDict90) content += std::string(1, c) + "\n";
  return content;
}

// With MMOCR's SAR/SATRN flags the special tokens follow the 90 characters.
constexpr int kEos = 90, kPad = 91, kUkn = 92, kClasses = 93;

// The class of an ordinary character.
int cls(char c) { return static_cast<int>(kDict90.find(c)); }

Tensor scores(const std::vector<int>& best, const std::vector<float>& score, int classes = kClasses) {
  return Tensor{"output", {1, static_cast<int64_t>(best.size()), classes}, rows(best, score, classes)};
}

// The same score for every step.
Tensor scores(const std::vector<int>& best, float score, int classes = kClasses) {
  return scores(best, std::vector<float>(best.size(), score), classes);
}

// MMOCR 1.x's dictionary config of SAR and SATRN.
Json sar_params() {
  return {{"dict_file", "english_digits_symbols.txt"}, {"with_start", true}, {"with_end", true},
          {"same_start_end", true},                    {"with_padding", true}, {"with_unknown", true}};
}

// A package directory holding the dictionary file, and a codec built from it.
class Attention : public ::testing::Test {
 protected:
  Attention() { dir_.write("english_digits_symbols.txt", dict_file_content()); }
  CodecContext context() const { return {"test codec", dir_.path()}; }
  std::unique_ptr<RecognitionCodec> codec(const Json& params = sar_params(),
                                          const std::string& name = "AttnConvertor") const {
    return make_recognition_codec(name, params, context());
  }

  ScratchDir dir_;
};

TEST_F(Attention, TheSarSatrnDictionaryHas93Classes) {
  const Dictionary d(sar_params(), context());
  ASSERT_EQ(d.size(), 93u);
  EXPECT_EQ(d.token(0), "0");
  EXPECT_EQ(d.token(10), "a");
  EXPECT_EQ(d.token(36), "A");
  EXPECT_EQ(d.token(89), "~");
  EXPECT_EQ(d.token(kEos), "<BOS/EOS>");
  EXPECT_EQ(d.token(kPad), "<PAD>");
  EXPECT_EQ(d.token(kUkn), "<UKN>");
  EXPECT_EQ(d.start_index(), 90u);
  EXPECT_EQ(d.end_index(), 90u);
  EXPECT_EQ(d.padding_index(), 91u);
  EXPECT_EQ(d.unknown_index(), 92u);
}

TEST_F(Attention, StopsAtTheEndTokenAndKeepsRepeats) {
  // h e l l o <EOS>, then what the decoder makes up after the end: ignored.
  std::vector<int> best = {cls('h'), cls('e'), cls('l'), cls('l'), cls('o'), kEos, cls('x'), cls('y'), kPad};
  std::vector<float> score = {0.9f, 0.8f, 0.7f, 0.95f, 0.6f, 0.99f, 0.9f, 0.9f, 0.9f};
  best.resize(30, cls('z'));  // SAR's max_seq_len
  score.resize(30, 0.5f);
  const RecognizedText r = codec()->decode({scores(best, score)}, 0);
  EXPECT_EQ(r.text, "hello");
  ASSERT_EQ(r.char_scores.size(), 5u);
  EXPECT_FLOAT_EQ(r.char_scores[0], 0.9f);
  EXPECT_FLOAT_EQ(r.char_scores[1], 0.8f);
  EXPECT_FLOAT_EQ(r.char_scores[2], 0.7f);
  EXPECT_FLOAT_EQ(r.char_scores[3], 0.95f);  // a repeat is a second character, unlike CTC
  EXPECT_FLOAT_EQ(r.char_scores[4], 0.6f);
  EXPECT_NEAR(r.score, (0.9 + 0.8 + 0.7 + 0.95 + 0.6) / 5, 1e-6);
}

TEST_F(Attention, EndAtTheFirstStepIsEmptyWithScoreZero) {
  const RecognizedText r =
      codec(sar_params(), "AttentionPostprocessor")->decode({scores({kEos, cls('a'), cls('b')}, 0.9f)}, 0);
  EXPECT_EQ(r.text, "");
  EXPECT_TRUE(r.char_scores.empty());
  EXPECT_EQ(r.score, 0.0f);
  const RecognizedText none = codec()->decode({Tensor{"output", {1, 0, kClasses}, {}}}, 0);
  EXPECT_EQ(none.text, "");
  EXPECT_EQ(none.score, 0.0f);
}

TEST_F(Attention, PaddingStepsAreSkipped) {
  const RecognizedText r =
      codec()->decode({scores({kPad, cls('H'), kPad, kPad, cls('i'), cls('!'), kEos}, {0.9f, 0.8f, 0.9f, 0.9f, 0.7f,
                                                                                        0.6f, 0.9f})},
                      0);
  EXPECT_EQ(r.text, "Hi!");
  ASSERT_EQ(r.char_scores.size(), 3u);
  EXPECT_FLOAT_EQ(r.char_scores[0], 0.8f);
  EXPECT_FLOAT_EQ(r.char_scores[1], 0.7f);
  EXPECT_FLOAT_EQ(r.char_scores[2], 0.6f);
}

TEST_F(Attention, UnknownTokenIsKeptByDefaultAndDroppedWhenIgnored) {
  const Tensor t = scores({cls('a'), kUkn, cls('b'), kEos}, {0.9f, 0.5f, 0.7f, 0.9f});
  const RecognizedText kept = codec()->decode({t}, 0);
  EXPECT_EQ(kept.text, "a<UKN>b");
  ASSERT_EQ(kept.char_scores.size(), 3u);  // one score per token, "<UKN>" included
  EXPECT_FLOAT_EQ(kept.char_scores[1], 0.5f);

  Json params = sar_params();
  params["ignore_chars"] = {"padding", "unknown"};
  const RecognizedText dropped = codec(params)->decode({t}, 0);
  EXPECT_EQ(dropped.text, "ab");
  ASSERT_EQ(dropped.char_scores.size(), 2u);
  EXPECT_FLOAT_EQ(dropped.score, 0.8f);
}

TEST_F(Attention, IgnoreCharsLiteralsFollowMmocr) {
  Json params = sar_params();
  // "l" is dropped; the literal "<UKN>" does not ignore the unknown token (only the keyword
  // does, in MMOCR and mmdeploy); a name the dictionary lacks is skipped; without "padding"
  // the padding token is text.
  params["ignore_chars"] = {"l", "<UKN>", "not-in-the-dictionary"};
  const RecognizedText r =
      codec(params)->decode({scores({cls('h'), cls('e'), cls('l'), cls('l'), kUkn, kPad, cls('o'), kEos}, 0.9f)}, 0);
  EXPECT_EQ(r.text, "he<UKN><PAD>o");
}

// As MMOCR's AttentionPostprocessor: a step's class is looked up in ignore_chars before it is
// compared with the end token, so listing "end" decodes past it (mmdeploy's SDK stops at the
// end token whatever the list says; with the default list the two agree).
TEST_F(Attention, ListingEndInIgnoreCharsDecodesPastTheEndToken) {
  const Tensor t = scores({cls('o'), cls('k'), kEos, cls('x'), kPad, kEos}, {0.9f, 0.8f, 0.9f, 0.7f, 0.9f, 0.9f});
  Json params = sar_params();
  params["ignore_chars"] = {"padding", "end"};
  const RecognizedText past = codec(params)->decode({t}, 0);
  EXPECT_EQ(past.text, "okx");
  ASSERT_EQ(past.char_scores.size(), 3u);
  EXPECT_FLOAT_EQ(past.char_scores[2], 0.7f);
  EXPECT_EQ(codec()->decode({t}, 0).text, "ok");  // the default ["padding"] stops there
}

// "ignore_chars": [] ignores nothing, as in MMOCR: a predicted padding token is text.
TEST_F(Attention, EmptyIgnoreCharsIgnoresNothing) {
  Json params = sar_params();
  params["ignore_chars"] = Json::array();
  const RecognizedText r = codec(params)->decode({scores({cls('o'), kPad, cls('k'), kEos, cls('x')}, 0.9f)}, 0);
  EXPECT_EQ(r.text, "o<PAD>k");
  EXPECT_EQ(r.char_scores.size(), 3u);
}

// Decided: a NaN score never wins a step and a step of NaN only is passed over; the scores
// stay numbers (MMOCR's torch.max would pick the NaN, and the mean would be NaN).
TEST_F(Attention, NanScoresNeverWinAndAllNanStepsArePassedOver) {
  Tensor t = scores({cls('o'), cls('k'), cls('x'), kEos}, {0.9f, 0.8f, 0.7f, 0.9f});
  const float nan = std::nanf("");
  t.data[0 * kClasses + cls('z')] = nan;
  t.data[1 * kClasses + 0] = nan;  // the first class: the search goes on past it
  std::fill(t.data.begin() + 2 * kClasses, t.data.begin() + 3 * kClasses, nan);
  t.data[3 * kClasses + kPad] = nan;
  const RecognizedText r = codec()->decode({t}, 0);
  EXPECT_EQ(r.text, "ok");
  ASSERT_EQ(r.char_scores.size(), 2u);
  EXPECT_FLOAT_EQ(r.char_scores[0], 0.9f);
  EXPECT_FLOAT_EQ(r.char_scores[1], 0.8f);
  EXPECT_NEAR(r.score, 0.85, 1e-6);
  EXPECT_FALSE(std::isnan(r.score));
}

TEST_F(Attention, WithoutAnEndTokenAllStepsAreDecoded) {
  // SATRN: 25 steps, none of them the end token.
  const std::string expected = "SATRNdecodesall25steps0K~";
  ASSERT_EQ(expected.size(), 25u);
  std::vector<int> best;
  std::vector<float> score;
  for (size_t i = 0; i < expected.size(); ++i) {
    best.push_back(cls(expected[i]));
    score.push_back(0.5f + 0.02f * static_cast<float>(i));
  }
  const RecognizedText r = codec()->decode({scores(best, score)}, 0);
  EXPECT_EQ(r.text, expected);
  ASSERT_EQ(r.char_scores.size(), 25u);
  EXPECT_FLOAT_EQ(r.char_scores[24], 0.98f);
  EXPECT_NEAR(r.score, 0.74, 1e-6);  // mean of 0.5 .. 0.98
}

TEST_F(Attention, DecodesTheRequestedBatchItem) {
  Tensor t{"output", {2, 4, kClasses}, rows({cls('a'), cls('b'), kEos, cls('c')}, {0.9f, 0.9f, 0.9f, 0.9f}, kClasses)};
  const std::vector<float> second = rows({cls('Z'), kPad, cls('9'), cls('8')}, {0.6f, 0.9f, 0.8f, 0.7f}, kClasses);
  t.data.insert(t.data.end(), second.begin(), second.end());
  auto attn = codec();
  EXPECT_EQ(attn->decode({t}, 0).text, "ab");
  const RecognizedText r = attn->decode({t}, 1);
  EXPECT_EQ(r.text, "Z98");  // no end token in item 1: item 0's does not stop it
  ASSERT_EQ(r.char_scores.size(), 3u);
  EXPECT_FLOAT_EQ(r.char_scores[0], 0.6f);
  EXPECT_FLOAT_EQ(r.char_scores[2], 0.7f);
  EXPECT_THROW(attn->decode({t}, 2), Error);
}

TEST_F(Attention, SeparateStartTokenIsNeverText) {
  // with_start and with_end without same_start_end: <BOS> 90, <EOS> 91, <PAD> 92.
  Json params = sar_params();
  params["same_start_end"] = false;
  params["with_unknown"] = false;
  const RecognizedText r = codec(params)->decode({scores({90, cls('g'), 90, cls('o'), 91, cls('x')}, 0.9f)}, 0);
  EXPECT_EQ(r.text, "go");
}

TEST_F(Attention, SoftmaxOfLogitsGivesTheSameTextAndTheProbabilities) {
  const Tensor probs = scores({cls('c'), kPad, cls('a'), cls('t'), kEos}, {0.9f, 0.8f, 0.7f, 0.6f, 0.9f});
  Tensor logits = probs;
  for (float& v : logits.data) v = std::log(v) - 2.0f;  // softmax(log p + k) == p
  Json params = sar_params();
  params["apply_softmax"] = true;
  const RecognizedText from_probs = codec()->decode({probs}, 0);
  const RecognizedText from_logits = codec(params)->decode({logits}, 0);
  EXPECT_EQ(from_probs.text, "cat");
  EXPECT_EQ(from_logits.text, "cat");
  ASSERT_EQ(from_logits.char_scores.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(from_logits.char_scores[i], from_probs.char_scores[i], 1e-5);
  EXPECT_NEAR(from_logits.score, from_probs.score, 1e-5);
}

TEST_F(Attention, ClassCountMustMatchTheDictionary) {
  auto attn = codec();
  const Error more = error_of([&] { attn->decode({scores({0, 1}, 0.9f, 94)}, 0); });
  EXPECT_EQ(more.kind(), ErrorKind::bad_input);
  EXPECT_TRUE(contains(more.what(), "network has 94 classes, dictionary has 93")) << more.what();
  EXPECT_TRUE(contains(more.what(), "test codec")) << more.what();
  // MMOCR 1.x's layout puts <UKN> after <PAD>: leaving out one class is not a layout we know.
  const Error fewer = error_of([&] { attn->decode({scores({0, 1}, 0.9f, 92)}, 0); });
  EXPECT_EQ(fewer.kind(), ErrorKind::bad_input);
  EXPECT_TRUE(contains(fewer.what(), "network has 92 classes, dictionary has 93")) << fewer.what();
}

TEST_F(Attention, NetworkWithoutTheTrailingPaddingClass) {
  // MMOCR 0.x's SAR: DICT90, <UKN>, <BOS/EOS>, <PAD>, and the decoder predicts all but <PAD>.
  Json chars = Json::array();
  for (char c : kDict90) chars.push_back(std::string(1, c));
  chars.push_back("<UKN>");
  const Json params = {{"dict_list", chars},    {"with_start", true},  {"with_end", true},
                       {"same_start_end", true}, {"with_padding", true}};
  auto attn = make_recognition_codec("AttnConvertor", params, kContext);
  constexpr int kOldUkn = 90, kOldEos = 91;
  const RecognizedText r = attn->decode({scores({cls('o'), kOldUkn, cls('k'), kOldEos, cls('x')}, 0.8f, 92)}, 0);
  EXPECT_EQ(r.text, "o<UKN>k");
  EXPECT_FLOAT_EQ(r.score, 0.8f);
  // The full width works too, and other widths are refused.
  EXPECT_EQ(attn->decode({scores({cls('o'), kOldEos}, 0.8f, 93)}, 0).text, "o");
  EXPECT_EQ(error_of([&] { attn->decode({scores({0}, 0.8f, 91)}, 0); }).kind(), ErrorKind::bad_input);
}

TEST_F(Attention, RefusesADictionaryWithoutEndToken) {
  Json params = sar_params();
  params["with_end"] = false;  // start, padding and unknown only
  const Error e = error_of([&] { codec(params); });
  EXPECT_EQ(e.kind(), ErrorKind::bad_input);
  EXPECT_TRUE(contains(e.what(), "end token")) << e.what();
  EXPECT_TRUE(contains(e.what(), "test codec")) << e.what();
}

TEST_F(Attention, MalformedOutputsAndParamsAreErrorsNotCrashes) {
  auto attn = codec();
  EXPECT_THROW(attn->decode({}, 0), Error);
  EXPECT_THROW(attn->decode({Tensor{"output", {2, kClasses}, std::vector<float>(2 * kClasses)}}, 0), Error);
  EXPECT_THROW(attn->decode({Tensor{"output", {1, 3, kClasses}, std::vector<float>(kClasses)}}, 0), Error);
  Json params = sar_params();
  params["apply_softmax"] = "yes";
  EXPECT_EQ(error_of([&] { codec(params); }).kind(), ErrorKind::bad_input);
  params = sar_params();
  params["ignore_chars"] = "padding";
  EXPECT_EQ(error_of([&] { codec(params); }).kind(), ErrorKind::bad_input);
}

TEST(AttentionRegistration, RegisteredUnderMmdeployAndMmocrNames) {
  EXPECT_EQ(codec_task("AttnConvertor", "test"), CodecTask::recognition);
  EXPECT_EQ(codec_task("AttentionPostprocessor", "test"), CodecTask::recognition);
}

}  // namespace
}  // namespace ocrserve
