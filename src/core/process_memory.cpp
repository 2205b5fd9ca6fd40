#include "core/process_memory.hpp"

#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace ocrserve {

void keep_freed_memory_for_reuse() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables && std::strstr(tunables, "glibc.malloc.")) return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's upper bound for this setting on 64-bit
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 64 << 20);  // a whole thread heap: emptied heaps are never deleted
}

}  // namespace ocrserve
