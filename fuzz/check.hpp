#pragma once
// A broken promise found by a fuzz target: print what was expected and abort, so that
// libFuzzer (or the replay driver under ctest) reports the input as a crash.
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition, what)                                                       \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s (%s)\n", __FILE__, __LINE__, \
                   #condition, what);                                                     \
      std::abort();                                                                       \
    }                                                                                     \
  } while (false)
