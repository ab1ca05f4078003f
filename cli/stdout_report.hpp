#pragma once
/// \file
/// `--out -`: the JSON report goes to stdout, alone, so that a pipe can parse
/// it. Everything else the process prints there (progress, tables, messages,
/// from any library) goes to stderr instead.

#include <string>

namespace troupe::cli {

/// True for the path that means stdout.
inline bool is_stdout(const std::string& path) {
  return path == "-";
}

/// When `path` is "-": points stdout (the file descriptor, so C and C++ output
/// alike) at stderr and keeps the real stdout for write_stdout_report.
void reserve_stdout_if(const std::string& path);

/// Writes `text` to the real stdout; throws std::runtime_error when it cannot.
void write_stdout_report(const std::string& text);

}  // namespace troupe::cli
