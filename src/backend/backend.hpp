#pragma once
// Inference backends: run a network on named float tensors. Made by name from deploy.json.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "ocrserve/options.hpp"

namespace ocrserve {

// One session. Safe to call run() from one thread at a time; use one Backend per worker.
class Backend {
 public:
  virtual ~Backend() = default;
  // Inputs are matched to the network by name; an unnamed single input feeds the first input.
  virtual std::vector<Tensor> run(const std::vector<Tensor>& inputs) = 0;
  virtual const std::vector<std::string>& input_names() const = 0;
  virtual const std::vector<std::string>& output_names() const = 0;
};

using BackendFactory = std::function<std::unique_ptr<Backend>(const std::filesystem::path& model,
                                                              const BackendOptions& options)>;

struct BackendRegistration {
  BackendRegistration(const std::string& name, BackendFactory factory);
};

// Error(unsupported) for an unknown backend name, Error(bad_input) for a corrupt model file.
std::unique_ptr<Backend> make_backend(const std::string& name, const std::filesystem::path& model,
                                      const BackendOptions& options);
std::vector<std::string> registered_backends();

// Writes the graph ONNX Runtime runs for an ONNX network after all its optimisations (ONNX
// format): which operators it fused into which kernels. Error(bad_input) for a corrupt model.
void write_onnxruntime_optimized_graph(const std::filesystem::path& model, const std::filesystem::path& out);

}  // namespace ocrserve
