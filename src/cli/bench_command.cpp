// `ocrserve bench`: speed of a package or the OCR pipeline in-process (per stage, with warm-up),
// or of a running server under C concurrent connections (--url).
#include <algorithm>
#include <cstdio>
#include <deque>
#include <optional>
#include <fstream>
#include <iostream>

#include "backend/session_cache.hpp"
#include "cli/bench_sweep.hpp"
#include "cli/commands.hpp"
#include "cli/pipelines.hpp"
#include "cli/progress.hpp"
#include "core/image.hpp"
#include "core/json_file.hpp"
#include "ocrserve/error.hpp"
#include "client/load_generator.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct BenchOptions {
  PipelineFlags pipeline;
  std::string url, json_out, protocol = "torchserve";
  std::vector<std::string> images;
  int warmup = 1, iterations = 5;
  size_t concurrency = 8, requests = 200;
};

std::vector<fs::path> image_files(const std::vector<std::string>& given) {
  std::vector<fs::path> files;
  for (const auto& item : given) {
    if (fs::is_directory(item)) {
      for (const auto& entry : fs::directory_iterator(item)) {
        const auto extension = entry.path().extension();
        if (extension == ".jpg" || extension == ".jpeg" || extension == ".png" || extension == ".bmp") files.push_back(entry.path());
      }
    } else {
      files.push_back(item);
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error(ErrorKind::bad_input, "no images to benchmark");
  return files;
}

// min / median / p90 of per-image milliseconds.
Json stats(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  auto at = [&](double p) { return values.empty() ? 0.0 : values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))]; };
  return {{"min", values.empty() ? 0.0 : values.front()}, {"median", at(0.5)}, {"p90", at(0.9)}};
}

void print_stats(const char* name, const Json& s) {
  std::printf("  %-12s min %8.2f   median %8.2f   p90 %8.2f ms\n", name, s["min"].get<double>(), s["median"].get<double>(),
              s["p90"].get<double>());
}

Json bench_in_process(const BenchOptions& options) {
  Pipeline pipeline(options.pipeline.spec());
  if (pipeline.classifier()) throw Error(ErrorKind::unsupported, options.pipeline.packages.model + ": bench runs detection, recognition or OCR packages");
  Ocr* ocr = pipeline.ocr();
  Detector* detector = pipeline.detector();
  Recognizer* recognizer = pipeline.recognizer();
  std::vector<std::vector<uint8_t>> encoded;
  for (const auto& file : image_files(options.images)) encoded.push_back(read_file_bytes(file));

  size_t crops = 0;
  std::vector<double> decode, preprocess, inference, postprocess, total;
  auto record_image = [&](double decoded, const StageTimes& times, Clock::time_point begin) {
    decode.push_back(decoded);
    preprocess.push_back(times.preprocess.count());
    inference.push_back(times.inference.count());
    postprocess.push_back(times.postprocess.count());
    total.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
  };
  // On a terminal, a progress bar over the warm-up and measured passes (never drawn into a pipe).
  Progress progress(static_cast<size_t>(options.warmup + options.iterations) * encoded.size());

  // `passes` passes over the images. OCR streams them through Ocr::run_each, in one stream so
  // that overlapped stages never drain between passes; an image's total is then its time from
  // being read to its result, waiting behind others included.
  auto run_passes = [&](int passes, bool measured) {
    if (ocr) {
      const size_t count = static_cast<size_t>(passes) * encoded.size();
      size_t next = 0;
      std::deque<std::pair<Clock::time_point, double>> reads;  // begin and decode time of images in flight
      ocr->run_each(
          [&]() -> std::optional<cv::Mat> {
            if (next == count) return std::nullopt;
            const auto begin = Clock::now();
            reads.emplace_back(begin, 0.0);
            cv::Mat image = decode_image(encoded[next++ % encoded.size()], "image");
            reads.back().second = std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
            return image;
          },
          [&](OcrOutcome&& outcome) {
            if (outcome.error) std::rethrow_exception(outcome.error);
            crops += outcome.result.size();
            if (measured) record_image(reads.front().second, outcome.times, reads.front().first);
            reads.pop_front();
            progress.advance();
          });
      return;
    }
    for (int i = 0; i < passes; ++i) {
      for (const auto& bytes : encoded) {
        const auto begin = Clock::now();
        const cv::Mat image = decode_image(bytes, "image");
        const double decoded = std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
        StageTimes times;
        if (detector) detector->detect({image}, &times);
        else recognizer->recognize({image}, &times);
        if (measured) record_image(decoded, times, begin);
        progress.advance();
      }
    }
  };
  run_passes(options.warmup, false);
  crops = 0;
  const auto start = Clock::now();
  run_passes(options.iterations, true);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  progress.finish();
  const double images = static_cast<double>(total.size());
  Json record = {{"mode", "in-process"},
                 {"pipeline", to_string(pipeline.kind())},
                 {"model", options.pipeline.packages.model.empty() ? "default OCR packages" : options.pipeline.packages.model},
                 {"images", encoded.size()},
                 {"iterations", options.iterations},
                 {"threads", options.pipeline.threads},
                 {"batch_size", options.pipeline.batch_size},
                 {"overlap", ocr && ocr->overlapped()},
                 {"images_per_second", images / seconds},
                 {"decode_ms", stats(decode)},
                 {"preprocess_ms", stats(preprocess)},
                 {"inference_ms", stats(inference)},
                 {"postprocess_ms", stats(postprocess)},
                 {"total_ms", stats(total)}};
  if (ocr) record["crops_per_second"] = crops / seconds;
  std::printf("%s, %zu images x %d iterations, %d thread(s)%s: %.2f images/s", record["pipeline"].get<std::string>().c_str(),
              encoded.size(), options.iterations, options.pipeline.threads,
              ocr ? (ocr->overlapped() ? ", overlapped stages" : ", stages in turn") : "", images / seconds);
  if (ocr) std::printf(", %.1f crops/s", crops / seconds);
  std::printf("\n");
  for (const char* stage : {"decode_ms", "preprocess_ms", "inference_ms", "postprocess_ms", "total_ms"}) {
    print_stats(std::string(stage).substr(0, std::string(stage).size() - 3).c_str(), record[stage]);
  }
  return record;
}

Json bench_server(const BenchOptions& options) {
  const RequestProtocol protocol = parse_request_protocol(options.protocol);
  std::vector<PostBody> bodies;
  for (const auto& file : image_files(options.images)) {
    const auto bytes = read_file_bytes(file);
    bodies.push_back(request_body(protocol, std::string(bytes.begin(), bytes.end())));
  }
  const LoadSummary summary = http_load(options.url, bodies, options.concurrency, options.requests);
  Json record = summary.json();
  record["mode"] = "server";
  record["url"] = options.url;
  record["protocol"] = options.protocol;
  record["concurrency"] = options.concurrency;
  std::printf("%s, %zu connections, %zu requests: %.2f requests/s, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, %zu errors\n",
              options.url.c_str(), options.concurrency, summary.requests, summary.throughput(), summary.percentile(0.5),
              summary.percentile(0.9), summary.percentile(0.99), summary.errors);
  if (summary.errors == summary.requests) throw Error(ErrorKind::not_found, options.url + ": every request failed; is the server running?");
  return record;
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* command = app.add_subcommand("bench", "Measure speed in-process (per stage) or of a running server (--url)");
  command->footer("In-process: warm-up passes, then ITERATIONS passes over the images; per-image min / median / p90 of each "
                  "stage and images/s (crops/s for OCR; with overlapped stages an image's total runs from reading it to its "
                  "result). Without --model the default OCR pipeline runs. With --url: C "
                  "keep-alive connections POST the images round-robin; throughput, p50/p90/p99 and errors. With --sweep: no images; "
                  "OCR on synthetic pages of growing size and line count, with the fitted growth (docs/benchmarks.md). "
                  "--json writes the record.");
  command->add_option("images", options->images, "Image files or folders (not with --sweep)");
  options->pipeline.add_to(command, "Package (a detector with --rec: end-to-end OCR)");
  command->add_option("--warmup", options->warmup, "Warm-up passes")->default_val(1)->check(CLI::Range(0, 1000));
  command->add_option("-n,--iterations", options->iterations, "Measured passes")->default_val(5)->check(CLI::Range(1, 100000));
  command->add_option("--url", options->url, "Benchmark a server instead: http://127.0.0.1:8080/predictions/NAME");
  command->add_option("--protocol", options->protocol,
                      "Server mode: torchserve (the image as the body), v2 (KServe v2 JSON, base64; --url "
                      "http://127.0.0.1:8080/v2/models/NAME/infer) or v2-binary (v2's binary tensor data)")
      ->check(CLI::IsMember({"torchserve", "v2", "v2-binary"}));
  command->add_option("--concurrency", options->concurrency, "Server mode: connections")->default_val(8)->check(CLI::Range(1, 4096));
  command->add_option("--requests", options->requests, "Server mode: requests in all")->default_val(200)->check(CLI::Range(1, 10000000));
  command->add_option("--json", options->json_out, "Also write the record as JSON");
  const auto sweep = add_sweep_options(command);  // --sweep: synthetic pages instead of images
  command->callback([options, sweep] {
    const Json record = !sweep->which.empty() ? run_sweep(*sweep, options->pipeline, options->warmup, options->iterations)
                        : options->url.empty() ? bench_in_process(*options)
                                               : bench_server(*options);
    if (!options->json_out.empty()) {
      std::ofstream out(options->json_out);
      out << record.dump(2) << "\n";
      if (!out) throw Error(ErrorKind::bad_input, options->json_out + ": cannot write");
    }
  });
}

}  // namespace ocrserve
