// Per-stage latency and throughput of detection, recognition and end-to-end OCR on the shared
// images, with 1 and 2 inference threads. Usage: pipeline_bench [ITERATIONS] [DATA_DIR] [MODELS_DIR]
// Prints a Markdown table (docs/benchmarks.md records one).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "backend/session_cache.hpp"
#include "core/image.hpp"
#include "core/process_memory.hpp"
#include "ocrserve/ocr.hpp"

namespace fs = std::filesystem;
using namespace ocrserve;
using Clock = std::chrono::steady_clock;

namespace {

struct Input {
  std::vector<uint8_t> bytes;
  std::string name;
};

std::vector<Input> load_files(const fs::path& dir, const std::string& prefix) {
  std::vector<Input> inputs;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    if (entry.path().extension() == ".jpg" && name.rfind(prefix, 0) == 0 && name != "broken.jpg") {
      inputs.push_back({read_file_bytes(entry.path()), name});
    }
  }
  std::sort(inputs.begin(), inputs.end(), [](const Input& a, const Input& b) { return a.name < b.name; });
  return inputs;
}

struct Row {
  std::string stage;
  int threads;
  size_t images;
  StageTimes times;
  StageTimes::Duration decode{0};
  StageTimes::Duration wall{0};
};

// Runs `work` on every decoded input `iterations` times after one warm-up pass.
Row measure(const std::string& stage, int threads, const std::vector<Input>& inputs, int iterations,
            const std::function<void(const cv::Mat&, StageTimes*)>& work) {
  for (const auto& input : inputs) work(decode_image(input.bytes, input.name), nullptr);
  Row row{stage, threads, 0, {}, {}, {}};
  const auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) {
    for (const auto& input : inputs) {
      cv::Mat image;
      {
        StageTimer timer(&row.decode);
        image = decode_image(input.bytes, input.name);
      }
      work(image, &row.times);
      ++row.images;
    }
  }
  row.wall = Clock::now() - start;
  return row;
}

void print(const Row& row) {
  const double n = static_cast<double>(row.images);
  const double pre = row.times.preprocess.count() / n, inf = row.times.inference.count() / n,
               post = row.times.postprocess.count() / n, dec = row.decode.count() / n;
  const double total = row.wall.count() / n;
  std::printf("| %-11s | %d | %7.2f | %7.2f | %8.2f | %8.2f | %8.2f | %6.1f%% | %7.2f |\n", row.stage.c_str(),
              row.threads, dec, pre, inf, post, total, 100.0 * (pre + post) / total, 1000.0 / total);
}

}  // namespace

int main(int argc, char** argv) {
  keep_freed_memory_for_reuse();  // as the ocrserve binary does
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 3;
  const fs::path data = argc > 2 ? fs::path(argv[2]) : fs::path(OCRSERVE_DATA_DIR);
  const fs::path models = argc > 3 ? fs::path(argv[3]) : fs::path(OCRSERVE_MODELS_DIR);
  const auto scenes = load_files(data / "mmocr/det_toy", "img_");
  const auto words = load_files(data / "mmocr/rec_toy", "");
  auto demos = load_files(data / "mmocr/demo", "demo_");
  std::printf("%zu scene images (det_toy), %zu word crops (rec_toy), %zu demo images; %d iterations\n\n",
              scenes.size(), words.size(), demos.size(), iterations);
  std::printf("| stage       | threads | decode ms | preprocess ms | inference ms | postprocess ms | total ms/image "
              "| pre+post share | images/s |\n|---|---|---|---|---|---|---|---|---|\n");
  for (int threads : {1, 2}) {
    const BackendOptions backend{threads, true, default_session_cache_dir()};
    Detector detector(models / "ppocr-det", backend);
    print(measure("detection", threads, scenes, iterations,
                  [&](const cv::Mat& image, StageTimes* times) { detector.detect({image}, times); }));
    Recognizer recognizer(models / "ppocr-rec", backend);
    print(measure("recognition", threads, words, iterations,
                  [&](const cv::Mat& image, StageTimes* times) { recognizer.recognize({image}, times); }));
    // The same word crops recognised 8 at a time (grouped by width, padded to the widest).
    Recognizer batched(models / "ppocr-rec", backend, 8);
    std::vector<cv::Mat> all_words;
    for (const auto& word : words) all_words.push_back(decode_image(word.bytes, word.name));
    Row batch_row{"recognition×8", threads, 0, {}, {}, {}};
    batched.recognize(all_words);
    const auto batch_start = Clock::now();
    for (int i = 0; i < iterations; ++i) {
      batched.recognize(all_words, &batch_row.times);
      batch_row.images += all_words.size();
    }
    batch_row.wall = Clock::now() - batch_start;
    print(batch_row);
    OcrOptions options;
    options.detector = models / "ppocr-det";
    options.recognizer = models / "ppocr-rec";
    options.classifier = models / "ppocr-cls";
    options.backend = backend;
    Ocr ocr(options);
    std::vector<Input> ocr_inputs = scenes;
    ocr_inputs.insert(ocr_inputs.end(), demos.begin(), demos.end());
    print(measure("ocr", threads, ocr_inputs, iterations,
                  [&](const cv::Mat& image, StageTimes* times) { ocr.run({image}, times); }));
  }
  return 0;
}
