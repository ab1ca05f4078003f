// The daemons' log through spdlog (Debian libspdlog-dev) rather than a
// hand-written one: it brings thread-safe sinks, level filtering and UTC
// timestamps with milliseconds, and its pattern formatter writes the time.
// The JSON members other than `ts` are built with nlohmann::json, which
// escapes them; spdlog's own level names ("warning") are not used so that a
// line's level reads as `--log-level` spells it.

#include "runtime/system/log.hpp"

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>

namespace troupe::runtime::logging {
namespace {

/// Lines below warn to stdout, warn and above to stderr, or all to one stream.
class SplitSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit SplitSink(std::ostream* out) : out_(out) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    if (out_) {
      out_->write(line.data(), static_cast<std::streamsize>(line.size()));
      out_->flush();
      return;
    }
    // stdout and stderr through stdio, which std::cout/std::cerr share (synced).
    std::FILE* f = msg.level >= spdlog::level::warn ? stderr : stdout;
    std::fwrite(line.data(), 1, line.size(), f);
    std::fflush(f);
  }
  void flush_() override {
    if (out_) out_->flush();
  }

 private:
  std::ostream* out_;
};

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::trace:
      return spdlog::level::trace;
    case Level::debug:
      return spdlog::level::debug;
    case Level::info:
      return spdlog::level::info;
    case Level::warn:
      return spdlog::level::warn;
    case Level::error:
      return spdlog::level::err;
    case Level::off:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

struct Log {
  std::shared_ptr<spdlog::logger> logger;
  LogOptions options;
};

Log make_log(const LogOptions& options, std::ostream* out) {
  auto sink = std::make_shared<SplitSink>(out);
  // %v is the line after the time: the level and message (text) or the
  // object's other members (JSON).
  const char* pattern = options.format == Format::json ? "{\"ts\":\"%Y-%m-%dT%H:%M:%S.%eZ\",%v}"
                                                       : "%Y-%m-%dT%H:%M:%S.%eZ %v";
  sink->set_formatter(
      std::make_unique<spdlog::pattern_formatter>(pattern, spdlog::pattern_time_type::utc));
  Log log{std::make_shared<spdlog::logger>("troupe", sink), options};
  log.logger->set_level(to_spdlog(options.level));
  return log;
}

Log& current() {
  static Log log = make_log(LogOptions{}, nullptr);
  return log;
}

}  // namespace

std::optional<Level> parse_level(const std::string& text) {
  for (auto l : {Level::trace, Level::debug, Level::info, Level::warn, Level::error, Level::off})
    if (text == level_name(l)) return l;
  return std::nullopt;
}

std::optional<Format> parse_format(const std::string& text) {
  if (text == "text") return Format::text;
  if (text == "json") return Format::json;
  return std::nullopt;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::trace:
      return "trace";
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
    case Level::off:
      return "off";
  }
  return "info";
}

void configure(const LogOptions& options) {
  current() = make_log(options, nullptr);
}

void configure(const LogOptions& options, std::ostream& out) {
  current() = make_log(options, &out);
}

bool enabled(Level level) {
  return level != Level::off && current().logger->should_log(to_spdlog(level));
}

void write(Level level, const std::string& message, const Fields& fields) {
  if (!enabled(level)) return;
  const auto& log = current();
  std::string rest;
  if (log.options.format == Format::json) {
    // nlohmann's ordered_json keeps the members in this order.
    nlohmann::ordered_json line;
    line["level"] = level_name(level);
    line["process"] = log.options.process;
    line["msg"] = message;
    for (const auto& [key, value] : fields) line[key] = value;
    const auto object = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    rest = object.substr(1, object.size() - 2);  // the pattern adds the braces and `ts`
  } else {
    rest = level_name(level);
    rest.resize(6, ' ');
    rest += message;
  }
  log.logger->log(to_spdlog(level), "{}", rest);
}

}  // namespace troupe::runtime::logging
