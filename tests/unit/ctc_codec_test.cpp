// CTC decoding, dictionaries and the angle decoder, on crafted score matrices and on the real
// PaddleOCR dictionary.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "codec/codec.hpp"
#include "codec/dictionary.hpp"
#include "codec/latin_forms.hpp"
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

namespace fs = std::filesystem;

const CodecContext kContext{"test codec", {}};

Tensor scores(const std::vector<int>& best, const std::vector<float>& score, int classes) {
  return Tensor{"output", {1, static_cast<int64_t>(best.size()), classes}, rows(best, score, classes)};
}

// MMOCR CRNN layout: a b c <PAD>, the padding token is the CTC blank (class 3).
const Json kAbc = {{"dict_list", {"a", "b", "c"}}, {"with_padding", true}};
constexpr int A = 0, B = 1, C = 2, PAD = 3;

// ---------------------------------------------------------------------------------------------
// CTC greedy decoding

TEST(Ctc, CollapsesRepeatsKeepsBlankSeparatedRepeatsAndDropsBlanks) {
  auto codec = make_recognition_codec("CTCConvertor", kAbc, kContext);
  // PAD PAD | a a | PAD | a | b b b | PAD | c | PAD PAD  →  "aabc"
  const Tensor t = scores({PAD, PAD, A, A, PAD, A, B, B, B, PAD, C, PAD, PAD},
                          {0.9f, 0.8f, 0.7f, 0.95f, 0.9f, 0.6f, 0.5f, 0.99f, 0.8f, 0.9f, 0.4f, 0.9f, 0.9f}, 4);
  const RecognizedText r = codec->decode({t}, 0);
  EXPECT_EQ(r.text, "aabc");
  // Each character scores the step that starts its run (0.7, not the run's best 0.95).
  ASSERT_EQ(r.char_scores.size(), 4u);
  EXPECT_FLOAT_EQ(r.char_scores[0], 0.7f);
  EXPECT_FLOAT_EQ(r.char_scores[1], 0.6f);
  EXPECT_FLOAT_EQ(r.char_scores[2], 0.5f);
  EXPECT_FLOAT_EQ(r.char_scores[3], 0.4f);
  EXPECT_NEAR(r.score, (0.7 + 0.6 + 0.5 + 0.4) / 4, 1e-6);
}

TEST(Ctc, LeadingCharacterWithoutBlankAndTrailingRun) {
  auto codec = make_recognition_codec("CTCPostProcessor", kAbc, kContext);
  // c c a — no blank anywhere: the first step starts a character, the last run ends the text.
  const RecognizedText r = codec->decode({scores({C, C, A}, {0.5f, 0.9f, 0.75f}, 4)}, 0);
  EXPECT_EQ(r.text, "ca");
  ASSERT_EQ(r.char_scores.size(), 2u);
  EXPECT_FLOAT_EQ(r.char_scores[0], 0.5f);
  EXPECT_FLOAT_EQ(r.char_scores[1], 0.75f);
  EXPECT_FLOAT_EQ(r.score, 0.625f);
}

TEST(Ctc, AllBlankOrNoStepsIsEmptyWithScoreZero) {
  auto codec = make_recognition_codec("CTCPostProcessor", kAbc, kContext);
  const RecognizedText blank = codec->decode({scores({PAD, PAD, PAD}, {0.9f, 0.9f, 0.9f}, 4)}, 0);
  EXPECT_EQ(blank.text, "");
  EXPECT_TRUE(blank.char_scores.empty());
  EXPECT_EQ(blank.score, 0.0f);
  const RecognizedText none = codec->decode({Tensor{"output", {1, 0, 4}, {}}}, 0);
  EXPECT_EQ(none.text, "");
  EXPECT_EQ(none.score, 0.0f);
}

TEST(Ctc, DecodesTheRequestedBatchItem) {
  auto codec = make_recognition_codec("CTCConvertor", kAbc, kContext);
  Tensor t{"output", {2, 3, 4}, rows({A, PAD, B}, {0.9f, 0.9f, 0.9f}, 4)};
  const std::vector<float> second = rows({C, C, PAD}, {0.8f, 0.8f, 0.8f}, 4);
  t.data.insert(t.data.end(), second.begin(), second.end());
  EXPECT_EQ(codec->decode({t}, 0).text, "ab");
  EXPECT_EQ(codec->decode({t}, 1).text, "c");
  EXPECT_THROW(codec->decode({t}, 2), Error);
}

TEST(Ctc, PaddleOcrLayoutBlankFirst) {
  // <BLK> x y " ": the blank is class 0, the characters start at 1.
  auto codec = make_recognition_codec(
      "CTCConvertor", {{"dict_list", {"x", "y"}}, {"blank_first", true}, {"with_space", true}}, kContext);
  const RecognizedText r =
      codec->decode({scores({0, 1, 1, 0, 1, 3, 2, 0}, {0.9f, 0.8f, 0.9f, 0.9f, 0.7f, 0.6f, 0.5f, 0.9f}, 4)}, 0);
  EXPECT_EQ(r.text, "xx y");
  ASSERT_EQ(r.char_scores.size(), 4u);
  EXPECT_FLOAT_EQ(r.char_scores[0], 0.8f);
  EXPECT_FLOAT_EQ(r.char_scores[1], 0.7f);
  EXPECT_FLOAT_EQ(r.char_scores[2], 0.6f);
  EXPECT_FLOAT_EQ(r.char_scores[3], 0.5f);
}

TEST(Ctc, SoftmaxOfLogitsGivesTheSameTextAndTheProbabilities) {
  const Tensor probs = scores({PAD, B, B, PAD, C, C, A}, {0.9f, 0.8f, 0.7f, 0.9f, 0.6f, 0.9f, 0.55f}, 4);
  Tensor logits = probs;
  for (float& v : logits.data) v = std::log(v) + 3.0f;  // softmax(log p + k) == p

  Json with_softmax = kAbc;
  with_softmax["apply_softmax"] = true;
  const RecognizedText from_probs = make_recognition_codec("CTCConvertor", kAbc, kContext)->decode({probs}, 0);
  const RecognizedText from_logits =
      make_recognition_codec("CTCConvertor", with_softmax, kContext)->decode({logits}, 0);
  EXPECT_EQ(from_probs.text, "bca");
  EXPECT_EQ(from_logits.text, from_probs.text);
  ASSERT_EQ(from_logits.char_scores.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(from_logits.char_scores[i], from_probs.char_scores[i], 1e-5);
  EXPECT_NEAR(from_logits.score, from_probs.score, 1e-5);
}

TEST(Ctc, SoftmaxNeverChangesTheTextOnRandomLogits) {
  Json with_softmax = kAbc;
  with_softmax["apply_softmax"] = true;
  auto raw = make_recognition_codec("CTCConvertor", kAbc, kContext);
  auto soft = make_recognition_codec("CTCConvertor", with_softmax, kContext);
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 4.0f);
  for (int trial = 0; trial < 50; ++trial) {
    Tensor t{"output", {1, 30, 4}, std::vector<float>(120)};
    for (float& v : t.data) v = normal(rng);
    const RecognizedText a = raw->decode({t}, 0);
    const RecognizedText b = soft->decode({t}, 0);
    EXPECT_EQ(a.text, b.text);
    for (float s : b.char_scores) {
      EXPECT_GT(s, 0.25f);  // the best of 4 classes
      EXPECT_LE(s, 1.0f);
    }
  }
}

TEST(Ctc, UnknownTokenIsKeptByDefaultAndDroppedWhenIgnored) {
  // a b <PAD> <UKN>: MMOCR's default ignore_chars is ["padding"] only.
  const Json params = {{"dict_list", {"a", "b"}}, {"with_padding", true}, {"with_unknown", true}};
  constexpr int kPad = 2, kUkn = 3;
  const Tensor t = scores({A, kUkn, A, kPad, kUkn, B}, {0.9f, 0.8f, 0.7f, 0.9f, 0.6f, 0.5f}, 4);

  EXPECT_EQ(make_recognition_codec("CTCConvertor", params, kContext)->decode({t}, 0).text, "a<UKN>a<UKN>b");

  Json ignoring = params;
  ignoring["ignore_chars"] = {"padding", "unknown"};
  const RecognizedText r = make_recognition_codec("CTCConvertor", ignoring, kContext)->decode({t}, 0);
  // An ignored token still separates repeats, as in MMOCR (prev_idx follows every step).
  EXPECT_EQ(r.text, "aab");
  ASSERT_EQ(r.char_scores.size(), 3u);
  EXPECT_FLOAT_EQ(r.char_scores[1], 0.7f);
}

TEST(Ctc, IgnoreCharsNamesOrdinaryCharactersToo) {
  Json params = kAbc;
  params["ignore_chars"] = {"padding", "b", "not-in-the-dictionary"};
  const RecognizedText r = make_recognition_codec("CTCConvertor", params, kContext)
                               ->decode({scores({A, B, C}, {0.9f, 0.9f, 0.9f}, 4)}, 0);
  EXPECT_EQ(r.text, "ac");
}

// Decided (docs/model-package.md): the CTC blank is never text. MMOCR's CTCPostProcessor with
// "ignore_chars": [] would write its padding token wherever a blank follows a character
// ("a<PAD>a"); ocrserve drops the blank whatever ignore_chars says. Other classes follow the
// list: nothing else is ignored, so the unknown token is text.
TEST(Ctc, TheBlankIsDroppedEvenIfIgnoreCharsOmitsPadding) {
  Json params = kAbc;
  params["ignore_chars"] = Json::array();
  const RecognizedText r = make_recognition_codec("CTCConvertor", params, kContext)
                               ->decode({scores({A, PAD, A, PAD, PAD, B}, {0.9f, 0.9f, 0.8f, 0.9f, 0.9f, 0.7f}, 4)}, 0);
  EXPECT_EQ(r.text, "aab");
  ASSERT_EQ(r.char_scores.size(), 3u);
  EXPECT_FLOAT_EQ(r.char_scores[1], 0.8f);
  const Json unknown = {{"dict_list", {"a", "b"}}, {"with_padding", true}, {"with_unknown", true},
                        {"ignore_chars", Json::array()}};
  EXPECT_EQ(make_recognition_codec("CTCConvertor", unknown, kContext)->decode({scores({A, 3, 2, B}, {0.9f, 0.9f, 0.9f, 0.9f}, 4)}, 0).text,
            "a<UKN>b");
}

// Decided: a NaN score never wins a step (torch.max, which MMOCR uses, would return the NaN and
// its class, and the text's score would be NaN, which JSON cannot carry); a step whose scores
// are all NaN reads as the blank, so it separates repeats.
TEST(Ctc, NanScoresNeverWinAndAllNanStepsAreBlanks) {
  auto codec = make_recognition_codec("CTCConvertor", kAbc, kContext);
  Tensor t = scores({A, B, B, PAD, C}, {0.9f, 0.8f, 0.7f, 0.9f, 0.6f}, 4);
  const float nan = std::nanf("");
  t.data[0 * 4 + C] = nan;                                 // step 0: a NaN beside a's 0.9
  t.data[1 * 4 + A] = nan;                                 // step 1: and before b's 0.8
  std::fill(t.data.begin() + 2 * 4, t.data.begin() + 3 * 4, nan);  // step 2: nothing but NaN
  t.data[4 * 4 + A] = nan;                                 // step 4: c still wins
  const RecognizedText r = codec->decode({t}, 0);
  EXPECT_EQ(r.text, "abc");
  ASSERT_EQ(r.char_scores.size(), 3u);
  EXPECT_FLOAT_EQ(r.char_scores[0], 0.9f);
  EXPECT_FLOAT_EQ(r.char_scores[1], 0.8f);
  EXPECT_FLOAT_EQ(r.char_scores[2], 0.6f);
  EXPECT_NEAR(r.score, (0.9 + 0.8 + 0.6) / 3, 1e-6);
  // The all-NaN step between two b's separates them, as a blank does.
  Tensor split = scores({B, B, B}, {0.9f, 0.9f, 0.7f}, 4);
  std::fill(split.data.begin() + 4, split.data.begin() + 8, nan);
  EXPECT_EQ(codec->decode({split}, 0).text, "bb");
  // A NaN in the first class: the maximum is still found (it used to stop the search there).
  Tensor first = scores({C}, {0.9f}, 4);
  first.data[0] = nan;
  EXPECT_EQ(codec->decode({first}, 0).text, "c");
  // Every step NaN: no text, a score JSON can carry.
  Tensor all = scores({A, B}, {0.9f, 0.9f}, 4);
  std::fill(all.data.begin(), all.data.end(), nan);
  const RecognizedText none = codec->decode({all}, 0);
  EXPECT_EQ(none.text, "");
  EXPECT_EQ(none.score, 0.0f);
  // With apply_softmax the NaN is left out of the sum: softmax over the other three logits.
  Json softmax = kAbc;
  softmax["apply_softmax"] = true;
  Tensor logits{"output", {1, 1, 4}, {2.0f, nan, 0.0f, 0.0f}};
  const RecognizedText s = make_recognition_codec("CTCConvertor", softmax, kContext)->decode({logits}, 0);
  EXPECT_EQ(s.text, "a");
  ASSERT_EQ(s.char_scores.size(), 1u);
  EXPECT_NEAR(s.char_scores[0], std::exp(2.0) / (std::exp(2.0) + 2.0), 1e-6);
}

TEST(Ctc, ClassCountMustMatchTheDictionary) {
  auto codec = make_recognition_codec("CTCConvertor", kAbc, kContext);
  const Error e = error_of([&] { codec->decode({scores({0, 1}, {0.9f, 0.9f}, 5)}, 0); });
  EXPECT_EQ(e.kind(), ErrorKind::bad_input);
  EXPECT_TRUE(contains(e.what(), "network has 5 classes, dictionary has 4")) << e.what();
  EXPECT_TRUE(contains(e.what(), "test codec")) << e.what();
}

TEST(Ctc, MalformedOutputsAreErrorsNotCrashes) {
  auto codec = make_recognition_codec("CTCConvertor", kAbc, kContext);
  EXPECT_THROW(codec->decode({}, 0), Error);
  EXPECT_THROW(codec->decode({Tensor{"output", {2, 4}, std::vector<float>(8)}}, 0), Error);
  EXPECT_THROW(codec->decode({Tensor{"output", {1, 3, 4}, std::vector<float>(5)}}, 0), Error);  // short data
}

TEST(Ctc, RefusesADictionaryWithoutBlank) {
  const Error e = error_of([] { make_recognition_codec("CTCConvertor", {{"dict_list", {"a"}}}, kContext); });
  EXPECT_EQ(e.kind(), ErrorKind::bad_input);
  EXPECT_TRUE(contains(e.what(), "blank")) << e.what();
}

TEST(Ctc, BadParamTypesAreBadInput) {
  Json params = kAbc;
  params["apply_softmax"] = "yes";
  EXPECT_EQ(error_of([&] { make_recognition_codec("CTCConvertor", params, kContext); }).kind(), ErrorKind::bad_input);
  params = kAbc;
  params["ignore_chars"] = "padding";
  EXPECT_EQ(error_of([&] { make_recognition_codec("CTCConvertor", params, kContext); }).kind(), ErrorKind::bad_input);
}

TEST(Ctc, RegisteredUnderMmdeployAndMmocrNames) {
  EXPECT_EQ(codec_task("CTCConvertor", "test"), CodecTask::recognition);
  EXPECT_EQ(codec_task("CTCPostProcessor", "test"), CodecTask::recognition);
  EXPECT_EQ(codec_task("AngleClassifier", "test"), CodecTask::classification);
}

// ---------------------------------------------------------------------------------------------
// Dictionary

const fs::path kAssets = fs::path(OCRSERVE_SOURCE_DIR) / "third_party/ocr-models/assets";

TEST(Dictionary, PaddleOcrKeysWithBlankFirstAndSpace) {
  const Dictionary d({{"dict_file", "ppocr_keys_v1.txt"}, {"blank_first", true}, {"with_space", true}},
                     {"test", kAssets});
  EXPECT_EQ(d.size(), 6625u);  // the PP-OCRv4 recogniser's output width
  EXPECT_EQ(d.blank_index(), 0u);
  EXPECT_FALSE(d.padding_index());
  EXPECT_FALSE(d.unknown_index());

  std::ifstream keys(kAssets / "ppocr_keys_v1.txt", std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(keys, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 6623u);
  EXPECT_EQ(d.token(1), lines.front());
  EXPECT_EQ(d.token(1), "'");
  EXPECT_EQ(d.token(6623), lines.back());
  EXPECT_EQ(d.token(6624), " ");
  EXPECT_THROW(d.token(6625), std::out_of_range);
}

TEST(Dictionary, PaddleOcrKeysDecodeThroughTheCodec) {
  const Json params = {{"dict_file", "ppocr_keys_v1.txt"}, {"blank_first", true}, {"with_space", true},
                       {"apply_softmax", false}};
  auto codec = make_recognition_codec("CTCConvertor", params, {"test", kAssets});
  const Dictionary d(params, {"test", kAssets});
  const int classes = 6625;
  // Some characters of the file, a space, and a doubled character split by the blank.
  const int i = 100, j = 2000, space = 6624;
  const RecognizedText r = codec->decode(
      {scores({0, i, i, 0, j, space, j, 0, j, 0}, {0.9f, 0.8f, 0.8f, 0.9f, 0.7f, 0.6f, 0.5f, 0.9f, 0.4f, 0.9f},
              classes)},
      0);
  EXPECT_EQ(r.text, d.token(i) + d.token(j) + " " + d.token(j) + d.token(j));
  EXPECT_EQ(r.char_scores.size(), 5u);
  EXPECT_NEAR(r.score, (0.8 + 0.7 + 0.6 + 0.5 + 0.4) / 5, 1e-6);
}

TEST(Ctc, LatinFormsTurnFullWidthPunctuationToAsciiOutsideCjkText) {
  EXPECT_EQ(latin_forms_outside_cjk("TOTAL（RM）：１２"), "TOTAL(RM):12");
  EXPECT_EQ(latin_forms_outside_cjk("Qty（s） 2"), "Qty(s) 2");
  EXPECT_EQ(latin_forms_outside_cjk("价格（元）"), "价格（元）");        // inside Chinese: kept
  EXPECT_EQ(latin_forms_outside_cjk("合计：12.00"), "合计：12.00");     // a CJK character on one side is enough
  EXPECT_EQ(latin_forms_outside_cjk("（）"), "()");
  EXPECT_EQ(latin_forms_outside_cjk("a\xff（b"), "a\xff(b");           // invalid UTF-8 passes through
  // Through the codec: one character for one, so the character scores keep their places.
  const Json params = {{"dict_list", {"A", "\xEF\xBC\x88", "\xEF\xBC\x89"}}, {"with_padding", true}, {"latin_forms", true}};
  auto codec = make_recognition_codec("CTCConvertor", params, kContext);
  const RecognizedText r = codec->decode({scores({1, 3, 0, 3, 2}, {0.9f, 0.9f, 0.8f, 0.9f, 0.7f}, 4)}, 0);
  EXPECT_EQ(r.text, "(A)");
  EXPECT_EQ(r.char_scores.size(), 3u);
}

TEST(Ctc, SpaceGapInsertsTheSpacesAWideBlankRunStandsFor) {
  // "ab  ab" with gaps of 1 blank inside the words and 4 between them: median 1, so a space
  // needs max(1 + 3, 2 * 1) = 4 blanks.
  const std::vector<int> steps = {A, PAD, B, PAD, PAD, PAD, PAD, A, PAD, B, PAD, C};
  const std::vector<float> probabilities(steps.size(), 0.9f);
  const Json with_gap = {{"dict_list", {"a", "b", "c"}}, {"with_padding", true}, {"space_gap", 3}};
  const RecognizedText spaced = make_recognition_codec("CTCConvertor", with_gap, kContext)->decode({scores(steps, probabilities, 4)}, 0);
  EXPECT_EQ(spaced.text, "ab abc");
  EXPECT_EQ(spaced.char_scores.size(), 6u);  // the inferred space has a score too
  EXPECT_FLOAT_EQ(spaced.score, 0.9f);
  const RecognizedText plain = make_recognition_codec("CTCConvertor", kAbc, kContext)->decode({scores(steps, probabilities, 4)}, 0);
  EXPECT_EQ(plain.text, "ababc");  // off by default, as MMOCR
  // Chinese is written without spaces: none is inferred next to a CJK character.
  const Json chinese = {{"dict_list", {"中", "b", "c"}}, {"with_padding", true}, {"space_gap", 3}};
  EXPECT_EQ(make_recognition_codec("CTCConvertor", chinese, kContext)->decode({scores(steps, probabilities, 4)}, 0).text,
            "中b中bc");
}

TEST(Dictionary, MmocrLowercaseDigitsWithPaddingAndUnknown) {
  // MMOCR's lower_english_digits.txt with the CRNN-style flags: 36 chars, <PAD> 36, <UKN> 37.
  Json chars = Json::array();
  for (char c = '0'; c <= '9'; ++c) chars.push_back(std::string(1, c));
  for (char c = 'a'; c <= 'z'; ++c) chars.push_back(std::string(1, c));
  const Dictionary d({{"dict_list", chars}, {"with_padding", true}, {"with_unknown", true}}, kContext);
  EXPECT_EQ(d.size(), 38u);
  EXPECT_EQ(d.token(0), "0");
  EXPECT_EQ(d.token(35), "z");
  EXPECT_EQ(d.padding_index(), 36u);
  EXPECT_EQ(d.token(36), "<PAD>");
  EXPECT_EQ(d.unknown_index(), 37u);
  EXPECT_EQ(d.token(37), "<UKN>");
  EXPECT_EQ(d.blank_index(), 36u);  // MMOCR's CTC blank is the padding token
  EXPECT_FALSE(d.start_index());
  EXPECT_FALSE(d.end_index());
  EXPECT_EQ(d.index_of("k"), 20u);
  EXPECT_FALSE(d.index_of("K"));
}

TEST(Dictionary, MmocrSpecialTokensInMmocrsOrder) {
  const Json chars = {"0", "1", "2", "a", "b"};
  // Attention models: one shared <BOS/EOS>, then <PAD>, then <UKN>.
  const Dictionary shared({{"dict_list", chars}, {"with_start", true}, {"with_end", true}, {"same_start_end", true},
                           {"with_padding", true}, {"with_unknown", true}},
                          kContext);
  EXPECT_EQ(shared.size(), 8u);
  EXPECT_EQ(shared.token(5), "<BOS/EOS>");
  EXPECT_EQ(shared.start_index(), 5u);
  EXPECT_EQ(shared.end_index(), 5u);
  EXPECT_EQ(shared.padding_index(), 6u);
  EXPECT_EQ(shared.unknown_index(), 7u);

  // Separate start and end; same_start_end alone does nothing without both.
  const Dictionary separate({{"dict_list", chars}, {"with_start", true}, {"with_end", true}, {"with_padding", true}},
                            kContext);
  EXPECT_EQ(separate.size(), 8u);
  EXPECT_EQ(separate.token(5), "<BOS>");
  EXPECT_EQ(separate.token(6), "<EOS>");
  EXPECT_EQ(separate.token(7), "<PAD>");
  EXPECT_EQ(separate.start_index(), 5u);
  EXPECT_EQ(separate.end_index(), 6u);
  const Dictionary end_only({{"dict_list", chars}, {"with_end", true}, {"same_start_end", true}}, kContext);
  EXPECT_EQ(end_only.size(), 6u);
  EXPECT_EQ(end_only.token(5), "<EOS>");
  EXPECT_FALSE(end_only.start_index());

  // Custom token names; a null unknown_token means no unknown class (MMOCR).
  const Dictionary custom({{"dict_list", chars}, {"with_padding", true}, {"padding_token", "<BLANK>"},
                           {"with_unknown", true}, {"unknown_token", nullptr}},
                          kContext);
  EXPECT_EQ(custom.size(), 6u);
  EXPECT_EQ(custom.token(5), "<BLANK>");
  EXPECT_FALSE(custom.unknown_index());
}

TEST(Dictionary, PaddleSpaceComesBeforeMmocrSpecialTokens) {
  const Dictionary d({{"dict_list", {"a"}}, {"blank_first", true}, {"with_space", true}, {"with_unknown", true}},
                     kContext);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d.token(0), "<BLK>");
  EXPECT_EQ(d.token(1), "a");
  EXPECT_EQ(d.token(2), " ");
  EXPECT_EQ(d.token(3), "<UKN>");
  EXPECT_EQ(d.unknown_index(), 3u);
}

TEST(Dictionary, NestedDictionaryObjectAsInMmocrConfigs) {
  const Dictionary d({{"type", "CTCPostProcessor"},
                      {"dictionary", {{"type", "Dictionary"}, {"dict_list", {"a", "b"}}, {"with_padding", true}}}},
                     kContext);
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.padding_index(), 2u);
}

TEST(Dictionary, FileLinesFollowMmocr) {
  ScratchDir dir;
  // BOM, CRLF endings, an empty line (skipped), a single space (kept), a multi-character line
  // (one token, as mmdeploy reads it), a two-byte and a four-byte character, no final newline.
  dir.write("dict.txt", "\xEF\xBB\xBF" "a\r\nb\r\n\r\n \r\n<sep>\n\xC3\xA9\n\xF0\x9F\x98\x80\n\nz");
  const Dictionary d({{"dict_file", "dict.txt"}, {"with_padding", true}}, {"test", dir.path()});
  ASSERT_EQ(d.size(), 8u);
  EXPECT_EQ(d.token(0), "a");
  EXPECT_EQ(d.token(1), "b");
  EXPECT_EQ(d.token(2), " ");
  EXPECT_EQ(d.token(3), "<sep>");
  EXPECT_EQ(d.token(4), "\xC3\xA9");
  EXPECT_EQ(d.token(5), "\xF0\x9F\x98\x80");
  EXPECT_EQ(d.token(6), "z");
  EXPECT_EQ(d.token(7), "<PAD>");
}

TEST(Dictionary, DictFileWinsOverDictList) {
  ScratchDir dir;
  dir.write("dict.txt", "x\ny\n");
  const Dictionary d({{"dict_file", "dict.txt"}, {"dict_list", {"a", "b", "c"}}}, {"test", dir.path()});
  EXPECT_EQ(d.size(), 2u);
  EXPECT_EQ(d.token(0), "x");
}

TEST(Dictionary, MissingDictFileIsNotFoundNamingThePath) {
  ScratchDir dir;
  const Error e = error_of([&] { Dictionary({{"dict_file", "nowhere.txt"}}, {"test", dir.path()}); });
  EXPECT_EQ(e.kind(), ErrorKind::not_found);
  EXPECT_TRUE(contains(e.what(), (dir.path() / "nowhere.txt").string())) << e.what();
  // The same through the codec factory.
  const Error via_codec = error_of([&] {
    make_recognition_codec("CTCConvertor", {{"dict_file", "nowhere.txt"}, {"with_padding", true}},
                           {"test", dir.path()});
  });
  EXPECT_EQ(via_codec.kind(), ErrorKind::not_found);
}

TEST(Dictionary, EmptyOrMalformedDictionariesAreBadInput) {
  ScratchDir dir;
  dir.write("empty.txt", "");
  dir.write("blank_lines.txt", "\n\r\n\n");
  dir.write("latin1.txt", "a\n\xE9\n");
  const CodecContext here{"test", dir.path()};
  EXPECT_EQ(error_of([&] { Dictionary({{"dict_list", Json::array()}}, here); }).kind(), ErrorKind::bad_input);
  EXPECT_EQ(error_of([&] { Dictionary({{"dict_file", "empty.txt"}}, here); }).kind(), ErrorKind::bad_input);
  // Special tokens alone do not make a dictionary.
  EXPECT_EQ(error_of([&] { Dictionary({{"dict_file", "blank_lines.txt"}, {"with_padding", true}}, here); }).kind(),
            ErrorKind::bad_input);
  const Error latin1 = error_of([&] { Dictionary({{"dict_file", "latin1.txt"}}, here); });
  EXPECT_EQ(latin1.kind(), ErrorKind::bad_input);
  EXPECT_TRUE(contains(latin1.what(), "line 2")) << latin1.what();
  EXPECT_EQ(error_of([&] { Dictionary(Json::object(), here); }).kind(), ErrorKind::bad_input);
  EXPECT_EQ(error_of([&] { Dictionary({{"dict_list", {"a", 1}}}, here); }).kind(), ErrorKind::bad_input);
  EXPECT_EQ(error_of([&] { Dictionary({{"dict_list", {"a"}}, {"with_padding", 1}}, here); }).kind(),
            ErrorKind::bad_input);
  EXPECT_EQ(error_of([&] { Dictionary({{"dict_file", "."}}, here); }).kind(), ErrorKind::bad_input);  // a directory
}

// ---------------------------------------------------------------------------------------------
// Angle classifier

Tensor probabilities(const std::vector<std::vector<float>>& batch) {
  Tensor t{"output", {static_cast<int64_t>(batch.size()), static_cast<int64_t>(batch.front().size())}, {}};
  for (const auto& row : batch) t.data.insert(t.data.end(), row.begin(), row.end());
  return t;
}

TEST(Angle, FlipsOnlyWhenSure) {
  auto codec = make_classification_codec("AngleClassifier", {{"labels", {0, 180}}, {"threshold", 0.9}}, kContext);
  const Tensor t = probabilities({{0.05f, 0.95f}, {0.3f, 0.7f}, {0.97f, 0.03f}});
  const AngleResult sure = codec->decode({t}, 0);
  EXPECT_EQ(sure.angle, 180);
  EXPECT_FLOAT_EQ(sure.score, 0.95f);
  const AngleResult unsure = codec->decode({t}, 1);
  EXPECT_EQ(unsure.angle, 0);  // 180 was likelier, but below the threshold
  EXPECT_FLOAT_EQ(unsure.score, 0.7f);
  const AngleResult upright = codec->decode({t}, 2);
  EXPECT_EQ(upright.angle, 0);
  EXPECT_FLOAT_EQ(upright.score, 0.97f);
}

TEST(Angle, DefaultsAreLabels0And180AndThreshold09) {
  auto codec = make_classification_codec("AngleClassifier", Json::object(), kContext);
  const Tensor t = probabilities({{0.05f, 0.95f}, {0.12f, 0.88f}});
  EXPECT_EQ(codec->decode({t}, 0).angle, 180);
  EXPECT_EQ(codec->decode({t}, 1).angle, 0);
}

TEST(Angle, OtherLabelSets) {
  auto codec = make_classification_codec("AngleClassifier", {{"labels", {0, 90, 180, 270}}, {"threshold", 0.5}},
                                         kContext);
  const Tensor t = probabilities({{0.1f, 0.6f, 0.2f, 0.1f}, {0.3f, 0.2f, 0.1f, 0.4f}});
  EXPECT_EQ(codec->decode({t}, 0).angle, 90);
  EXPECT_EQ(codec->decode({t}, 1).angle, 0);
}

TEST(Angle, ErrorsAreReportedNotCrashes) {
  auto codec = make_classification_codec("AngleClassifier", Json::object(), kContext);
  const Error mismatch = error_of([&] { codec->decode({probabilities({{0.2f, 0.3f, 0.5f}})}, 0); });
  EXPECT_EQ(mismatch.kind(), ErrorKind::bad_input);
  EXPECT_TRUE(contains(mismatch.what(), "network has 3 classes")) << mismatch.what();
  EXPECT_THROW(codec->decode({probabilities({{0.2f, 0.8f}})}, 1), Error);                   // index >= N
  EXPECT_THROW(codec->decode({Tensor{"output", {1, 2}, {0.5f}}}, 0), Error);                // short data
  EXPECT_THROW(codec->decode({Tensor{"output", {1, 1, 2}, {0.5f, 0.5f}}}, 0), Error);      // rank 3
  EXPECT_THROW(codec->decode({}, 0), Error);
  EXPECT_EQ(error_of([] { make_classification_codec("AngleClassifier", {{"labels", Json::array()}}, kContext); })
                .kind(),
            ErrorKind::bad_input);
  EXPECT_EQ(error_of([] { make_classification_codec("AngleClassifier", {{"threshold", "high"}}, kContext); }).kind(),
            ErrorKind::bad_input);
}

}  // namespace
}  // namespace ocrserve
