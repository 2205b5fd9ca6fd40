#pragma once
// A dense float tensor with a name: what flows between transforms, backends and codecs.
#include <cstdint>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

namespace ocrserve {

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;

  static int64_t element_count(const std::vector<int64_t>& shape) {
    return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
  }
  int64_t dim(size_t i) const { return shape.at(i); }
};

}  // namespace ocrserve
