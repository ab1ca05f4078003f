#pragma once
/// \file
/// Levelled, timestamped log lines of troupe's daemons (scheduler, aggregator,
/// node processes), written through spdlog. This header keeps spdlog and fmt
/// out of the files that log: they pass plain strings.
///
/// Text lines: `2026-12-02T12:00:00.123Z info  troupe scheduler: node 'a' joined`.
/// JSON lines (`--log-format json`): one object per line,
/// `{"ts":"2026-12-02T12:00:00.123Z","level":"info","process":"scheduler","msg":"...",...}`
/// with the optional fields after `msg`. Times are UTC with milliseconds.
/// Lines below `warn` go to stdout, `warn` and `error` to stderr, as the
/// daemons' plain messages did before; every line is flushed at once, so a
/// log file is complete up to the last line while the process runs.

#include <iosfwd>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace troupe::runtime::logging {

enum class Level { trace, debug, info, warn, error, off };
enum class Format { text, json };

struct LogOptions {
  Level level = Level::info;
  Format format = Format::text;
  /// The process's role ("scheduler", "node", ...): the JSON lines' `process`.
  std::string process = "troupe";
};

/// Extra key/value pairs of a line: string members after `msg` in JSON lines;
/// text lines leave them out (their message says the same for people).
using Fields = std::vector<std::pair<std::string, std::string>>;

/// "trace" ... "off"; empty for another word.
std::optional<Level> parse_level(const std::string& text);
/// "text" or "json"; empty for another word.
std::optional<Format> parse_format(const std::string& text);
/// The level's name as `--log-level` spells it.
const char* level_name(Level level);

/// Sets level, format and process name of this process's log (stdout/stderr).
/// Call once at start-up, before other threads log.
void configure(const LogOptions& options);
/// The same, writing every line to `out` instead (tests). `out` must outlive
/// the logging; configure() again to leave it.
void configure(const LogOptions& options, std::ostream& out);

/// True when a line at `level` would be written.
bool enabled(Level level);
/// Writes `message` at `level` (a no-op below the configured level).
void write(Level level, const std::string& message, const Fields& fields = {});

inline void trace(const std::string& m, const Fields& f = {}) {
  write(Level::trace, m, f);
}
inline void debug(const std::string& m, const Fields& f = {}) {
  write(Level::debug, m, f);
}
inline void info(const std::string& m, const Fields& f = {}) {
  write(Level::info, m, f);
}
inline void warn(const std::string& m, const Fields& f = {}) {
  write(Level::warn, m, f);
}
inline void error(const std::string& m, const Fields& f = {}) {
  write(Level::error, m, f);
}

/// A line built with `<<` and written at its level when the statement ends:
/// `logging::Line(Level::warn) << "troupe node " << name << ": lost";`.
class Line {
 public:
  explicit Line(Level level) : level_(level) {}
  ~Line() { write(level_, out_.str()); }
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;
  template <class T>
  Line& operator<<(const T& value) {
    out_ << value;
    return *this;
  }

 private:
  Level level_;
  std::ostringstream out_;
};

}  // namespace troupe::runtime::logging
