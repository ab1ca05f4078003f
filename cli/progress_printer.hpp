#pragma once
/// \file
/// Shows a job's progress on stdout: one line redrawn in place on a terminal,
/// one plain line per round otherwise (a pipe, a log file), nothing when
/// quiet. The line itself comes from runtime::ProgressLine; this class only
/// owns the clock and the terminal.

#include <chrono>
#include <iosfwd>
#include <mutex>

#include "report/progress.hpp"

namespace troupe::cli {

class ProgressPrinter {
 public:
  /// Starts the clock. The mode is chosen from `quiet` and whether stdout is a terminal.
  ProgressPrinter(int total_rounds, bool quiet);
  /// Ends a redrawn line, so that what follows starts on a fresh line.
  ~ProgressPrinter();

  /// Shows one finished round. Safe to call from another thread (the scheduler's).
  void round(const runtime::RoundRecord& record);
  /// Ends a redrawn line now (before printing other output); idempotent.
  void finish();

  runtime::ProgressMode mode() const { return mode_; }

 private:
  double now_s() const;

  std::chrono::steady_clock::time_point start_;
  runtime::ProgressMode mode_;
  runtime::ProgressLine line_;
  bool drew_ = false;
  std::mutex mutex_;
};

}  // namespace troupe::cli
