#pragma once
// Each subcommand of `ocrserve` adds itself to the application; its callback throws
// ocrserve::Error on failure and main() turns that into a message and an exit code.
#include <CLI/CLI.hpp>

#include "ocrserve/default_models.hpp"

namespace ocrserve {

void add_infer_command(CLI::App& app);
void add_package_command(CLI::App& app);
void add_archive_command(CLI::App& app);
void add_server_commands(CLI::App& app);  // start, stop
void add_compare_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_convert_command(CLI::App& app);

}  // namespace ocrserve
