#include "runtime/aggregation/robust_strategies.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "runtime/aggregation/aggregation_math.hpp"
#include "runtime/aggregation/strategy_inputs.hpp"

namespace troupe::runtime {

std::optional<models::Parameters> CoordinateMedian::aggregate(
    const models::Parameters& current, const std::vector<Update>& updates,
    const std::vector<UpdateFailure>& /*failures*/) {
  const auto inputs = finite_only(usable_updates(name(), current, updates));
  if (inputs.empty()) return std::nullopt;
  auto out = like(current);
  coordinate_median(buffers(inputs), float_count(current), out.float_data(), scratch_);
  return out;
}

TrimmedMean::TrimmedMean(const StrategyOptions& options) : trim_fraction_(options.trim_fraction) {}

std::optional<models::Parameters> TrimmedMean::aggregate(
    const models::Parameters& current, const std::vector<Update>& updates,
    const std::vector<UpdateFailure>& /*failures*/) {
  const auto inputs = finite_only(usable_updates(name(), current, updates));
  const std::size_t k = inputs.size();
  const auto trim = static_cast<std::size_t>(std::floor(trim_fraction_ * static_cast<double>(k)));
  if (k == 0 || 2 * trim >= k) return std::nullopt;
  auto out = like(current);
  coordinate_trimmed_mean(buffers(inputs), float_count(current), trim, out.float_data(), scratch_);
  return out;
}

Krum::Krum(const StrategyOptions& options, bool multi)
    : byzantine_(options.byzantine), keep_(options.multi_krum), multi_(multi) {}

std::optional<models::Parameters> Krum::aggregate(const models::Parameters& current,
                                                  const std::vector<Update>& updates,
                                                  const std::vector<UpdateFailure>& /*failures*/) {
  const auto inputs = finite_only(usable_updates(name(), current, updates));
  const auto k = static_cast<std::int64_t>(inputs.size());
  if (k == 0) return std::nullopt;
  const auto neighbours = static_cast<std::size_t>(
      std::clamp<std::int64_t>(k - byzantine_ - 2, 1, std::max<std::int64_t>(1, k - 1)));
  const auto scores = krum_scores(pairwise_squared_distances(buffers(inputs), float_count(current)),
                                  inputs.size(), k == 1 ? 0 : neighbours);
  std::vector<std::size_t> order(inputs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  if (!multi_) return *inputs[order.front()].params;

  const std::int64_t wanted = keep_ > 0 ? keep_ : k - byzantine_;
  const auto m = static_cast<std::size_t>(std::clamp<std::int64_t>(wanted, 1, k));
  // Average the chosen ones in input order, so the sum's rounding does not depend on scores.
  std::vector<std::size_t> chosen(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m));
  std::sort(chosen.begin(), chosen.end());
  std::vector<WeightedParameters> selected;
  selected.reserve(m);
  for (auto i : chosen) selected.push_back(inputs[i]);
  models::Parameters out;
  weighted_average(selected, out);
  return out;
}

}  // namespace troupe::runtime
