#include "report/progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "runtime/scheduling/lost_work.hpp"

namespace troupe::runtime {

ProgressMode progress_mode(bool quiet, bool is_terminal) {
  if (quiet) return ProgressMode::quiet;
  return is_terminal ? ProgressMode::redraw : ProgressMode::lines;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "-";
  const auto total = static_cast<long long>(std::llround(seconds));
  char buf[32];
  if (total < 60) {
    std::snprintf(buf, sizeof buf, "%llds", total);
  } else if (total < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", total / 60, total % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", total / 3600, (total % 3600) / 60);
  }
  return buf;
}

ProgressLine::ProgressLine(int total_rounds, double start_s)
    : total_(std::max(1, total_rounds)), start_s_(start_s) {}

std::string ProgressLine::update(const RoundRecord& round, double now_s) {
  ++reported_;
  const double elapsed = std::max(0.0, now_s - start_s_);
  // At least 3 wide: "round   1/8", the format scripts and tests already wait for.
  const int width = std::max(3, static_cast<int>(std::to_string(total_).size()));
  const int left = std::max(0, total_ - round.round);
  char head[64];
  std::snprintf(head, sizeof head, "round %*d/%d", width, round.round, total_);
  std::string line = head;
  // A node that delivered an update or failed its task took part in the round.
  line += " \u00b7 " + std::to_string(round.updates) + (round.updates == 1 ? " node" : " nodes");
  if (round.degraded())
    line += " (degraded: lost " + shard_list(round.lost_shards) + ")";
  else if (round.failed > 0)
    line += " (" + std::to_string(round.failed) + " failed)";
  // A round with secure sums: how many updates the sums held of those that joined.
  if (round.secure.participants > 0) {
    line += " \u00b7 secure " + std::to_string(round.secure.included) + "/" +
            std::to_string(round.secure.participants);
    if (round.secure.recovered > 0)
      line += " (" + std::to_string(round.secure.recovered) + " recovered)";
  }
  char metrics[64];
  std::snprintf(metrics, sizeof metrics, " \u00b7 acc %.4f \u00b7 f1 %.4f", round.accuracy,
                round.f1);
  line += metrics;
  if (left == 0) {
    line += " \u00b7 done in " + format_duration(elapsed);
  } else {
    const double mean_round = elapsed / reported_;
    line += " \u00b7 ETA " + format_duration(mean_round * left);
  }
  return line;
}

std::string progress_output(ProgressMode mode, const std::string& line) {
  switch (mode) {
    case ProgressMode::redraw:
      return "\r" + line + "\x1b[K";
    case ProgressMode::lines:
      return line + "\n";
    case ProgressMode::quiet:
      return "";
  }
  return "";
}

std::string progress_end(ProgressMode mode, bool drew) {
  return mode == ProgressMode::redraw && drew ? "\n" : "";
}

}  // namespace troupe::runtime
