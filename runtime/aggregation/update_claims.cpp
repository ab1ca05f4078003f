#include "runtime/aggregation/update_claims.hpp"

#include <cmath>
#include <sstream>

namespace troupe::runtime {
namespace {

const char* non_finite(double v) {
  return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

}  // namespace

std::string claim_problem(const UpdateInfo& update,
                          const std::vector<std::int64_t>& shard_examples) {
  std::ostringstream why;
  // "not finite" as in update_validation, so explain_failures counts it with
  // the other non-finite updates.
  if (!std::isfinite(update.loss)) {
    why << "its training loss is not finite (" << non_finite(update.loss) << ")";
    return why.str();
  }
  if (update.loss < 0.0) {
    why << "claims a training loss of " << update.loss << ", below 0";
    return why.str();
  }
  if (!std::isfinite(update.score)) {
    why << "its score is not finite (" << non_finite(update.score) << ")";
    return why.str();
  }
  if (update.score < 0.0 || update.score > 1.0) {
    why << "claims a score of " << update.score << ", outside [0, 1]";
    return why.str();
  }
  if (update.samples < 0) {
    why << "claims " << update.samples << " examples";
    return why.str();
  }
  if (shard_examples.empty()) return {};
  if (update.shard < 0 || static_cast<std::size_t>(update.shard) >= shard_examples.size()) {
    why << "claims shard " << update.shard << ", the job has " << shard_examples.size()
        << " shards";
    return why.str();
  }
  const auto holds = shard_examples[static_cast<std::size_t>(update.shard)];
  if (update.samples > holds) {
    why << "claims " << update.samples << " examples, shard " << update.shard << " holds " << holds;
    return why.str();
  }
  return {};
}

}  // namespace troupe::runtime
