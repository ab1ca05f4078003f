#pragma once
/// \file
/// The live progress line of a long run: "round 3/8 · 10 nodes · acc 0.8412 ·
/// ETA 1m12s" (with "· secure 10/12 (2 recovered)" after the nodes in a round
/// with secure sums). Pure: the caller passes the clock's readings in, and decides
/// where the text goes (progress_output gives the bytes for a terminal, for a
/// plain log, or nothing).

#include <string>

#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// How progress reaches the user.
enum class ProgressMode {
  redraw,  ///< a terminal: one line, redrawn in place (carriage return, clear to end)
  lines,   ///< not a terminal (a pipe, a log file): one plain line per round
  quiet,   ///< nothing
};

/// Chooses the mode: quiet wins, then a terminal redraws, anything else gets lines.
ProgressMode progress_mode(bool quiet, bool is_terminal);

/// "42s", "1m12s", "2h05m"; "-" for a negative or non-finite duration.
std::string format_duration(double seconds);

/// Tracks the rounds of one job and formats its progress line. The ETA is the
/// mean round time so far (wall time since start / rounds reported) times the
/// rounds left; the round number is padded to the width of the total (at
/// least 3) so that a redrawn line does not jitter.
class ProgressLine {
 public:
  /// `total_rounds` > 0; `start_s` is the clock's reading when the job began.
  ProgressLine(int total_rounds, double start_s);

  /// Records a finished round and returns its line. `now_s` is the clock's
  /// reading now (same clock as start_s).
  std::string update(const RoundRecord& round, double now_s);

  int rounds_reported() const { return reported_; }

 private:
  int total_;
  double start_s_;
  int reported_ = 0;
};

/// The bytes to write for `line` in `mode`: redraw → "\r" + line + ESC[K (no
/// newline, the caller ends the line with progress_end), lines → line + "\n",
/// quiet → "".
std::string progress_output(ProgressMode mode, const std::string& line);

/// What ends a progress display before other output: "\n" after a redrawn
/// line (when one was drawn), "" otherwise.
std::string progress_end(ProgressMode mode, bool drew);

}  // namespace troupe::runtime
