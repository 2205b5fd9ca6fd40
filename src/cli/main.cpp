// ocrserve: deploy and serve OCR models. Subcommands live in src/cli/*_command.cpp.
#include <algorithm>
#include <cstdlib>
#include <iostream>

#include <spdlog/spdlog.h>

#include "cli/command_suggestion.hpp"
#include "cli/commands.hpp"
#include "cli/reported_error.hpp"
#include "core/process_memory.hpp"
#include "ocrserve/error.hpp"
#include "ocrserve/version.hpp"

int main(int argc, char** argv) {
  // ONNX Runtime 1.29 sends usage telemetry to Microsoft from Linux and keeps a device id and an
  // event store under ~/.cache; a self-hosted server should not. ORT_DISABLE_TELEMETRY=0 opts in.
  // Set here, before any thread starts, because setenv is not safe beside other threads.
  setenv("ORT_DISABLE_TELEMETRY", "1", /*overwrite=*/0);
  ocrserve::keep_freed_memory_for_reuse();
  CLI::App app{"ocrserve: run and serve OCR models (text detection and recognition) packaged as mmdeploy SDK models",
               "ocrserve"};
  app.set_version_flag("--version", "ocrserve " OCRSERVE_VERSION_STRING);
  app.require_subcommand(1);
  // A usage error is one line like every other error, with the way to the options.
  app.failure_message([](const CLI::App* root, const CLI::Error& error) {
    std::string command = "ocrserve";
    for (const CLI::App* used : root->get_subcommands()) command += " " + used->get_name();
    return "ocrserve: error: " + std::string(error.what()) + " (run `" + command + " --help` for the options)\n";
  });
  app.footer("Run `ocrserve COMMAND --help` for a command's options. Exit codes: 0 ok, 1 internal error, "
             "2 usage error, 3 bad input, 4 not found, 5 unsupported.");
  ocrserve::add_infer_command(app);
  ocrserve::add_package_command(app);
  ocrserve::add_archive_command(app);
  ocrserve::add_server_commands(app);
  ocrserve::add_compare_command(app);
  ocrserve::add_eval_command(app);
  ocrserve::add_bench_command(app);
  ocrserve::add_convert_command(app);
  spdlog::set_level(spdlog::level::warn);
  if (argc > 1 && argv[1][0] != '-') {
    // CLI11 would only say "A subcommand is required": name the mistake and the likely command.
    std::vector<std::string> names;
    for (const CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) names.push_back(command->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      const auto suggestion = ocrserve::closest_command(argv[1], names);
      std::cerr << "ocrserve: error: unknown command '" << argv[1] << "'"
                << (suggestion ? "; did you mean '" + *suggestion + "'?" : std::string(".")) << " Commands: ";
      for (size_t i = 0; i < names.size(); ++i) std::cerr << (i ? ", " : "") << names[i];
      std::cerr << ". Run `ocrserve --help` for more.\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const ocrserve::ReportedError& e) {
    return ocrserve::exit_code(e.kind());
  } catch (const ocrserve::Error& e) {
    std::cerr << "ocrserve: error: " << e.what() << "\n";
    return ocrserve::exit_code(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "ocrserve: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
