// `ocrserve archive`: torch-model-archiver for model packages — writes STORE/NAME.mar.
#include <iostream>

#include "cli/commands.hpp"
#include "model/archive.hpp"

namespace ocrserve {
namespace {

struct ArchiveOptions {
  std::string model_dir, rec_dir, cls_dir, name, folder, version = "1.0";
  bool force = false;
};

}  // namespace

void add_archive_command(CLI::App& app) {
  auto options = std::make_shared<ArchiveOptions>();
  CLI::App* command = app.add_subcommand("archive", "Write a TorchServe model archive (.mar) of model packages");
  command->footer(
      "Writes a TorchServe model archive (OUTPUT_FOLDER/NAME.mar): the model package plus MAR-INF/MANIFEST.json. "
      "With --rec-dir (and optionally --cls-dir) the archive serves end-to-end OCR.");
  command->add_option("--model-dir", options->model_dir, "Model package directory (detection or recognition)")
      ->required()->check(CLI::ExistingDirectory);
  command->add_option("--rec-dir", options->rec_dir, "Recognition package: makes an end-to-end OCR archive")
      ->check(CLI::ExistingDirectory);
  command->add_option("--cls-dir", options->cls_dir, "Angle-classifier package for an OCR archive")->check(CLI::ExistingDirectory);
  command->add_option("--model-name", options->name, "Model name: the archive is NAME.mar, served at /predictions/NAME")
      ->required();
  command->add_option("--output-folder,--export-path", options->folder, "Model store folder (made absolute; created if missing)")
      ->required();
  command->add_option("-v,--version", options->version, "Model version")->default_val("1.0");
  command->add_flag("-f,--force", options->force, "Overwrite an existing archive");
  command->callback([options] {
    if (!options->cls_dir.empty() && options->rec_dir.empty()) {
      throw Error(ErrorKind::bad_input, "--cls-dir needs --rec-dir (an angle classifier serves only inside OCR)");
    }
    const auto path = write_archive({options->model_dir, options->rec_dir, options->cls_dir}, options->name,
                                    options->version, options->folder, options->force);
    std::cout << "wrote " << path.string() << "\n";
  });
}

}  // namespace ocrserve
