// ONNX Runtime backend: one Ort::Session per Backend, CPU execution provider.
#include <onnxruntime_cxx_api.h>

#include <filesystem>

#include <spdlog/spdlog.h>

#include "backend/backend.hpp"
#include "backend/session_cache.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

// One environment per process, as ONNX Runtime requires; created on first use. It holds the one
// CPU memory arena every session allocates from: with an arena per session, each worker of each
// model keeps the peak of its own activations for good (a detector's runs to tens of megabytes
// on a 960-pixel page). The arena grows by what is asked, not by powers of two, so a large page
// does not reserve twice its need.
Ort::Env& ort_env() {
  static Ort::Env env = [] {
    Ort::Env created(ORT_LOGGING_LEVEL_ERROR, "ocrserve");
    constexpr int kExtendBySameAsRequested = 1;
    const Ort::ArenaCfg arena(/*max_mem=*/0, kExtendBySameAsRequested, /*initial_chunk_size_bytes=*/-1,
                              /*max_dead_bytes_per_chunk=*/-1);
    created.CreateAndRegisterAllocator(Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault), arena);
    return created;
  }();
  return env;
}

Ort::SessionOptions session_options(const BackendOptions& options) {
  Ort::SessionOptions session_options;
  session_options.SetIntraOpNumThreads(options.intra_op_threads);
  session_options.SetInterOpNumThreads(1);
  session_options.AddConfigEntry("session.use_env_allocators", "1");  // the shared arena of ort_env()
  session_options.SetGraphOptimizationLevel(options.optimize ? GraphOptimizationLevel::ORT_ENABLE_ALL
                                                             : GraphOptimizationLevel::ORT_DISABLE_ALL);
  return session_options;
}

Ort::Session create_session(const std::filesystem::path& model, const Ort::SessionOptions& options) {
  try {
    return Ort::Session(ort_env(), model.c_str(), options);
  } catch (const Ort::Exception& e) {
    throw Error(ErrorKind::bad_input, model.string() + ": not a loadable ONNX model: " + std::string(e.what()));
  }
}

// A session from the cache when it holds this model's optimised graph; otherwise one made from
// the model, whose optimised graph is saved for next time. A cache that cannot be read or
// written costs time, never a failure.
Ort::Session open_session(const std::filesystem::path& model, const BackendOptions& options) {
  const auto uncached = [&] { return create_session(model, session_options(options)); };
  if (options.cache_dir.empty() || !options.optimize) return uncached();
  std::error_code error;
  std::filesystem::create_directories(options.cache_dir, error);
  if (error) return uncached();
  const std::filesystem::path entry =
      session_cache_entry(options.cache_dir, model, std::string("onnxruntime ") + Ort::GetVersionString() + " all");
  if (entry.empty()) return uncached();
  if (std::filesystem::exists(entry, error)) {
    Ort::SessionOptions cached = session_options(options);
    cached.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_DISABLE_ALL);  // optimised already
    cached.AddConfigEntry("session.use_memory_mapped_ort_model", "1");
    try {
      return Ort::Session(ort_env(), entry.c_str(), cached);
    } catch (const Ort::Exception& e) {
      spdlog::warn("{}: unusable cached graph {} ({}); optimising again", model.string(), entry.string(), e.what());
      std::filesystem::remove(entry, error);
    }
  }
  const std::filesystem::path staging = session_cache_staging(entry);
  Ort::SessionOptions saving = session_options(options);
  saving.SetOptimizedModelFilePath(staging.c_str());
  saving.AddConfigEntry("session.save_model_format", "ORT");
  try {
    Ort::Session session(ort_env(), model.c_str(), saving);
    publish_session_cache_entry(staging, entry);
    return session;
  } catch (const Ort::Exception&) {
    std::filesystem::remove(staging, error);
    return uncached();  // reports the model's own error, if any
  }
}

// A network input of this many values (a 3-channel 1280x800 picture) is large.
constexpr size_t kLargeInputElements = 3'000'000;

class OnnxRuntimeBackend final : public Backend {
 public:
  OnnxRuntimeBackend(const std::filesystem::path& model, const BackendOptions& options)
      : release_memory_(options.release_memory_after_run) {
    if (options.device != "cpu") {
      // The ONNX Runtime build install_deps.sh fetches (npm) has the CPU provider only.
      throw Error(ErrorKind::unsupported, "device \"" + options.device +
                                              "\": this ONNX Runtime build runs on the CPU only (device \"cpu\")");
    }
    if (!std::filesystem::is_regular_file(model)) {
      throw Error(ErrorKind::not_found, model.string() + ": model file not found");
    }
    session_ = open_session(model, options);
    Ort::AllocatorWithDefaultOptions allocator;
    for (size_t i = 0; i < session_.GetInputCount(); ++i) {
      input_names_.push_back(session_.GetInputNameAllocated(i, allocator).get());
      auto type = session_.GetInputTypeInfo(i).GetTensorTypeAndShapeInfo().GetElementType();
      if (type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
        throw Error(ErrorKind::unsupported, model.string() + ": input \"" + input_names_.back() +
                                                "\" is not float32; only float32 inputs are supported");
      }
    }
    for (size_t i = 0; i < session_.GetOutputCount(); ++i) {
      output_names_.push_back(session_.GetOutputNameAllocated(i, allocator).get());
    }
  }

  std::vector<Tensor> run(const std::vector<Tensor>& inputs) override {
    Ort::MemoryInfo memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    std::vector<Ort::Value> values;
    std::vector<const char*> names;
    size_t input_elements = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor& tensor = inputs[i];
      input_elements += tensor.data.size();
      names.push_back(input_name_for(tensor, i));
      // ONNX Runtime reads the buffer without copying or writing to it.
      values.push_back(Ort::Value::CreateTensor<float>(
          memory, const_cast<float*>(tensor.data.data()), tensor.data.size(), tensor.shape.data(),
          tensor.shape.size()));
    }
    std::vector<const char*> out_names;
    for (const auto& name : output_names_) out_names.push_back(name.c_str());

    std::vector<Ort::Value> outputs;
    try {
      Ort::RunOptions run_options;
      // Only after large inputs: the memory of small ones is soon needed again, and giving it
      // back each time would cost every recognition run its page faults.
      if (release_memory_ && input_elements >= kLargeInputElements) {
        run_options.AddConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
      }
      outputs = session_.Run(run_options, names.data(), values.data(), values.size(), out_names.data(), out_names.size());
    } catch (const Ort::Exception& e) {
      throw Error(ErrorKind::internal, std::string("onnxruntime: inference failed: ") + e.what());
    }

    std::vector<Tensor> result;
    for (size_t i = 0; i < outputs.size(); ++i) {
      auto info = outputs[i].GetTensorTypeAndShapeInfo();
      if (info.GetElementType() != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
        throw Error(ErrorKind::unsupported,
                    "onnxruntime: output \"" + output_names_[i] + "\" is not float32");
      }
      Tensor tensor;
      tensor.name = output_names_[i];
      tensor.shape = info.GetShape();
      const float* data = outputs[i].GetTensorData<float>();
      tensor.data.assign(data, data + info.GetElementCount());
      result.push_back(std::move(tensor));
    }
    return result;
  }

  const std::vector<std::string>& input_names() const override { return input_names_; }
  const std::vector<std::string>& output_names() const override { return output_names_; }

 private:
  const char* input_name_for(const Tensor& tensor, size_t position) const {
    if (tensor.name.empty()) {
      if (position >= input_names_.size()) {
        throw Error(ErrorKind::internal, "onnxruntime: more inputs given than the network has");
      }
      return input_names_[position].c_str();
    }
    for (const auto& name : input_names_) {
      if (name == tensor.name) return name.c_str();
    }
    std::string known;
    for (const auto& name : input_names_) known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorKind::bad_input,
                "onnxruntime: the network has no input \"" + tensor.name + "\" (inputs: " + known + ")");
  }

  bool release_memory_ = false;
  Ort::Session session_{nullptr};
  std::vector<std::string> input_names_;
  std::vector<std::string> output_names_;
};

}  // namespace

void write_onnxruntime_optimized_graph(const std::filesystem::path& model, const std::filesystem::path& out) {
  Ort::SessionOptions options = session_options(BackendOptions{});
  options.SetOptimizedModelFilePath(out.c_str());
  create_session(model, options);
}

namespace {

const BackendRegistration registration("onnxruntime",
                                       [](const std::filesystem::path& model, const BackendOptions& options) {
                                         return std::make_unique<OnnxRuntimeBackend>(model, options);
                                       });

}  // namespace
}  // namespace ocrserve
