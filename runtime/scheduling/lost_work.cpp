#include "runtime/scheduling/lost_work.hpp"

namespace troupe::runtime {

std::string shard_list(const std::vector<int>& shards) {
  std::string out = shards.size() == 1 ? "shard " : "shards ";
  for (std::size_t i = 0; i < shards.size(); ++i)
    out += (i ? ", " : "") + std::to_string(shards[i]);
  return out;
}

std::string lost_work(const std::vector<RoundRecord>& rounds) {
  std::string detail;
  int degraded = 0;
  for (const auto& r : rounds) {
    if (!r.degraded()) continue;
    ++degraded;
    detail += (detail.empty() ? "" : "; ") + std::string("round ") + std::to_string(r.round) +
              " lost " + shard_list(r.lost_shards);
  }
  if (degraded == 0) return {};
  return std::to_string(degraded) + " of " + std::to_string(rounds.size()) +
         (rounds.size() == 1 ? " round" : " rounds") + " lost work: " + detail;
}

}  // namespace troupe::runtime
