#pragma once
// The server's log (docs/serving.md "Logs"): TorchServe's console layout
// ("2026-11-24T10:15:00,123 [INFO ] ocrserve - message") on one sink, and an ACCESS_LOG logger
// that writes one line per answered request in TorchServe's access-log format.
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

namespace ocrserve {

// "trace", "debug", "info", "warn" (or "warning"), "error", "critical" (or "fatal"), "off", in
// any case; nothing for anything else (spdlog's own parser turns a typo into "off").
std::optional<spdlog::level::level_enum> parse_log_level(const std::string& name);

// Makes `sink` the server's log at `level`: the default logger ("ocrserve") and ACCESS_LOG both
// write to it. Call before the listeners start.
void set_up_server_log(spdlog::sink_ptr sink, spdlog::level::level_enum level);

// The access log; the default logger until set_up_server_log has run (in-process tests).
spdlog::logger& access_log();

}  // namespace ocrserve
