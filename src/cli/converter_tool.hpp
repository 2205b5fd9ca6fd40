#pragma once
// The Python converter (tools/convert): where it is, which interpreter runs it, and running it.
// `ocrserve convert` exports networks with it; `ocrserve package --quantize` rewrites them.
#include <filesystem>
#include <string>
#include <vector>

#include "ocrserve/error.hpp"

namespace ocrserve {

// $OCRSERVE_PYTHON, else Debian's interpreter (where apt puts python3-torch), else python3.
std::string python_interpreter();

// $OCRSERVE_CONVERT_DIR, else the installed copy (PREFIX/share/ocrserve/convert beside
// PREFIX/bin/ocrserve), else the source tree this binary was built from.
std::filesystem::path converter_dir();

// Runs argv with the converter on PYTHONPATH; the exit status, or -1 when it could not start.
// Quiet: its output goes nowhere; else its standard output goes to `standard_output` if given.
int run_converter(const std::vector<std::string>& args, bool quiet,
                  const std::filesystem::path& standard_output = {});

// Throws what a converter run's exit status says went wrong; nothing for 0. Its input refused
// (2): bad_input, "REFUSED (see the message above)". It could not start, or a Python module it
// needs (torch, onnx, numpy, cv2) cannot be imported: `missing`, which says what to install.
// Anything else: internal, "FAILED (see the message above)".
void check_converter_status(int status, const std::string& refused, const std::string& failed, const Error& missing);

}  // namespace ocrserve
