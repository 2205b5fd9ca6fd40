#include "serve/server_log.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <string_view>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/sink.h>

namespace ocrserve {
namespace {

// log4j's level column, "%-5p": upper case, padded to five characters.
class Log4jLevel : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&, spdlog::memory_buf_t& out) override {
    static constexpr std::array<std::string_view, 7> kNames = {"TRACE", "DEBUG", "INFO ", "WARN ", "ERROR", "FATAL", "OFF  "};
    const auto index = std::min<size_t>(static_cast<size_t>(message.level), kNames.size() - 1);
    out.append(kNames[index].data(), kNames[index].data() + kNames[index].size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<Log4jLevel>(); }
};

// Written once, before the I/O threads start; read by them afterwards.
std::shared_ptr<spdlog::logger> g_access_log;

}  // namespace

std::optional<spdlog::level::level_enum> parse_log_level(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  using spdlog::level::level_enum;
  if (lower == "trace" || lower == "all") return level_enum::trace;
  if (lower == "debug") return level_enum::debug;
  if (lower == "info") return level_enum::info;
  if (lower == "warn" || lower == "warning") return level_enum::warn;
  if (lower == "error") return level_enum::err;
  if (lower == "critical" || lower == "fatal") return level_enum::critical;
  if (lower == "off") return level_enum::off;
  return std::nullopt;
}

void set_up_server_log(spdlog::sink_ptr sink, spdlog::level::level_enum level) {
  // TorchServe's console layout, "%d{ISO8601} [%-5p] %t %c - %m", without the thread name.
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<Log4jLevel>('*').set_pattern("%Y-%m-%dT%H:%M:%S,%e [%*] %n - %v");
  sink->set_formatter(std::move(formatter));
  auto main = std::make_shared<spdlog::logger>("ocrserve", sink);
  auto access = std::make_shared<spdlog::logger>("ACCESS_LOG", sink);
  for (auto* logger : {main.get(), access.get()}) {
    logger->set_level(level);
    logger->flush_on(spdlog::level::warn);
  }
  spdlog::set_default_logger(main);
  spdlog::set_level(level);
  g_access_log = std::move(access);
}

spdlog::logger& access_log() { return g_access_log ? *g_access_log : *spdlog::default_logger_raw(); }

}  // namespace ocrserve
