// TorchScript backend (libtorch): runs end2end.pt as `ocrserve convert` and mmdeploy write it
// for the torchscript deploy configs. Built as its own shared library, libocrserve_torchscript.so,
// which the core loads only when a package names "torchscript" (backend_module.hpp), so that
// ocrserve itself never links libtorch.
//
// A traced module has no tensor names: its one input is "input" and its outputs, by position,
// "output", "output_1", … (the names mmdeploy gives a single-input, single-output network).
#include <torch/cuda.h>
#include <torch/script.h>

#include <ATen/Parallel.h>

#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <type_traits>

#include "backend/backend_module.hpp"
#include "ocrserve/error.hpp"
#include "ocrserve/version.hpp"

namespace ocrserve {
namespace {

// libtorch's messages end with a C++ stack trace in some builds: the first line says it all.
std::string first_line(const char* message) {
  const char* end = std::strchr(message, '\n');
  return end ? std::string(message, end) : std::string(message);
}

torch::Device parse_device(const std::string& name) {
  const std::string where = "device \"" + name + "\"";
  if (name != "cpu" && name.rfind("cuda", 0) != 0) {
    throw Error(ErrorKind::unsupported, where + ": the TorchScript backend runs on \"cpu\" or \"cuda[:N]\"");
  }
  std::optional<torch::Device> device;
  try {
    device.emplace(name);
  } catch (const c10::Error& error) {
    throw Error(ErrorKind::bad_input, where + ": " + first_line(error.what_without_backtrace()));
  }
  if (device->is_cuda()) {
    if (!torch::cuda::is_available()) {
      throw Error(ErrorKind::unsupported,
                  where + ": CUDA is not available to the TorchScript backend (torch::cuda::is_available() is "
                          "false: its libtorch was built without CUDA, or no GPU and driver are present). Build "
                          "the module against a CUDA build of libtorch (docs/models.md), or use device \"cpu\"");
    }
    const auto count = static_cast<int64_t>(torch::cuda::device_count());
    const int64_t index = device->has_index() ? device->index() : 0;
    if (index >= count) {
      throw Error(ErrorKind::not_found,
                  where + ": no such GPU (this machine has " + std::to_string(count) + ")");
    }
    if (!device->has_index()) device.emplace(torch::kCUDA, 0);
  }
  return *device;
}

// libtorch's thread count is its own: OpenMP's for the calling thread (the team it starts) and
// a process-wide value. Each thread that runs a network sets it once, to the count of the
// Backend it runs; setting it again clears oneDNN's caches, so only a change is applied.
void use_threads(int threads) {
  thread_local int applied = -1;
  const int wanted = threads > 0 ? threads : at::intraop_default_num_threads();
  if (applied == wanted) return;
  at::set_num_threads(wanted);
  applied = wanted;
}

class TorchScriptBackend final : public Backend {
 public:
  TorchScriptBackend(const std::filesystem::path& model, const BackendOptions& options)
      : device_(parse_device(options.device)), threads_(options.intra_op_threads) {
    // Traced networks never fork: no inter-op thread pool is needed. This can be set only
    // before the pool starts, once per process.
    static std::once_flag interop_once;
    std::call_once(interop_once, [] {
      try {
        at::set_num_interop_threads(1);
      } catch (const c10::Error&) {
      }
    });
    if (!std::filesystem::is_regular_file(model)) {
      throw Error(ErrorKind::not_found, model.string() + ": model file not found");
    }
    use_threads(threads_);
    try {
      module_ = torch::jit::load(model.string(), device_);
    } catch (const c10::Error& error) {
      throw Error(ErrorKind::bad_input, model.string() + ": not a loadable TorchScript module: " +
                                            first_line(error.what_without_backtrace()));
    } catch (const std::exception& error) {
      throw Error(ErrorKind::bad_input, model.string() + ": not a loadable TorchScript module: " +
                                            first_line(error.what()));
    }
    module_.eval();
    const auto forward = module_.find_method("forward");
    if (!forward) throw Error(ErrorKind::bad_input, model.string() + ": the TorchScript module has no forward()");
    // The schema's first argument is the module itself.
    const size_t arguments = forward->function().getSchema().arguments().size() - 1;
    if (arguments != 1) {
      throw Error(ErrorKind::unsupported, model.string() + ": forward() takes " + std::to_string(arguments) +
                                              " inputs; ocrserve feeds a network one image tensor");
    }
  }

  std::vector<Tensor> run(const std::vector<Tensor>& inputs) override {
    if (inputs.size() != 1) {
      throw Error(ErrorKind::internal, "torchscript: the network takes one input, given " +
                                           std::to_string(inputs.size()));
    }
    const Tensor& input = inputs.front();
    if (!input.name.empty() && input.name != input_names_.front()) {
      throw Error(ErrorKind::bad_input,
                  "torchscript: the network has no input \"" + input.name + "\" (inputs: input)");
    }
    use_threads(threads_);
    c10::InferenceMode inference;
    torch::IValue result;
    try {
      // The network reads the buffer in place on the CPU (traced networks do not write to
      // their input); a GPU gets a copy.
      torch::Tensor tensor = torch::from_blob(const_cast<float*>(input.data.data()), input.shape, torch::kFloat32);
      if (!device_.is_cpu()) tensor = tensor.to(device_);
      result = module_.forward({tensor});
    } catch (const c10::Error& error) {
      throw Error(ErrorKind::internal, "torchscript: inference failed: " + first_line(error.what_without_backtrace()));
    } catch (const std::exception& error) {
      throw Error(ErrorKind::internal, std::string("torchscript: inference failed: ") + first_line(error.what()));
    }
    std::vector<torch::Tensor> tensors;
    if (result.isTensor()) {
      tensors.push_back(result.toTensor());
    } else if (result.isTuple() || result.isTensorList() || result.isList()) {
      const auto elements = result.isTuple() ? result.toTupleRef().elements().vec() : result.toListRef().vec();
      for (const auto& element : elements) {
        if (!element.isTensor()) throw Error(ErrorKind::unsupported, "torchscript: an output is not a tensor");
        tensors.push_back(element.toTensor());
      }
    } else {
      throw Error(ErrorKind::unsupported, "torchscript: the network returns " + result.tagKind() +
                                              ", not a tensor or a tuple of tensors");
    }
    std::vector<Tensor> outputs;
    for (size_t i = 0; i < tensors.size(); ++i) {
      Tensor output;
      output.name = i == 0 ? "output" : "output_" + std::to_string(i);
      if (tensors[i].scalar_type() != torch::kFloat32) {
        throw Error(ErrorKind::unsupported, "torchscript: output \"" + output.name + "\" is " +
                                                std::string(c10::toString(tensors[i].scalar_type())) + ", not float32");
      }
      const torch::Tensor values = tensors[i].to(torch::kCPU).contiguous();
      output.shape.assign(values.sizes().begin(), values.sizes().end());
      const float* data = values.data_ptr<float>();
      output.data.assign(data, data + values.numel());
      outputs.push_back(std::move(output));
    }
    if (outputs.size() != output_names_.size()) {
      output_names_.clear();
      for (const auto& output : outputs) output_names_.push_back(output.name);
    }
    return outputs;
  }

  const std::vector<std::string>& input_names() const override { return input_names_; }
  // Known once the network has run (TorchScript does not declare them); before, the one output
  // every OCR network has.
  const std::vector<std::string>& output_names() const override { return output_names_; }

 private:
  torch::Device device_;
  int threads_;
  torch::jit::Module module_;
  std::vector<std::string> input_names_{"input"};
  std::vector<std::string> output_names_{"output"};
};

std::unique_ptr<Backend> make_torchscript_backend(const std::filesystem::path& model, const BackendOptions& options) {
  return std::make_unique<TorchScriptBackend>(model, options);
}

}  // namespace
}  // namespace ocrserve

// The module's one exported symbol (backend_module.hpp).
extern "C" __attribute__((visibility("default"))) bool ocrserve_backend_module_register(const char* ocrserve_version,
                                                                                       int abi,
                                                                                       ocrserve::BackendAdder add) {
  if (std::strcmp(ocrserve_version, OCRSERVE_VERSION_STRING) != 0 || abi != ocrserve::kBackendModuleAbi) return false;
  add("torchscript", &ocrserve::make_torchscript_backend);
  return true;
}

// The entry point has the type the core looks it up with.
static_assert(std::is_same_v<decltype(&ocrserve_backend_module_register), ocrserve::BackendModuleEntry>);
