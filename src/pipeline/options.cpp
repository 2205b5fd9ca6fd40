#include "ocrserve/options.hpp"

#include <algorithm>
#include <thread>

namespace ocrserve {

int default_inference_threads() { return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u)); }

}  // namespace ocrserve
