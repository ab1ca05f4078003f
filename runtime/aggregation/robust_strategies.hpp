#pragma once
/// \file
/// Byzantine-robust strategies: coordinate-wise median, trimmed mean, Krum and
/// Multi-Krum. They treat an update holding NaN or infinity as the worst possible
/// outlier and drop it; the rest is combined without sample weights, except by
/// multi-krum, which averages its chosen updates weighted by samples (as Flower does).

#include <vector>

#include "runtime/aggregation/strategy.hpp"

namespace troupe::runtime {

/// Coordinate-wise median of the updates (Yin et al. 2018); for an even count the
/// mean of the two middle values. Unweighted: a node cannot buy influence by
/// claiming many samples.
class CoordinateMedian final : public AggregationStrategy {
 public:
  std::string name() const override { return "median"; }
  std::optional<models::Parameters> aggregate(const models::Parameters& current,
                                              const std::vector<Update>& updates,
                                              const std::vector<UpdateFailure>& failures) override;

 private:
  std::vector<float> scratch_;  ///< reused across rounds
};

/// Coordinate-wise trimmed mean (Yin et al. 2018): per coordinate, drops the
/// floor(trim_fraction * n) smallest and largest values and averages the rest,
/// unweighted. Keeps the current model when nothing would be left.
class TrimmedMean final : public AggregationStrategy {
 public:
  explicit TrimmedMean(const StrategyOptions& options);
  std::string name() const override { return "trimmed-mean"; }
  std::optional<models::Parameters> aggregate(const models::Parameters& current,
                                              const std::vector<Update>& updates,
                                              const std::vector<UpdateFailure>& failures) override;

 private:
  double trim_fraction_;
  std::vector<float> scratch_;  ///< reused across rounds
};

/// Krum and Multi-Krum (Blanchard et al. 2017). With n updates and f = byzantine,
/// each update scores the sum of its squared distances to its n - f - 2 nearest
/// others (clamped to [1, n - 1], as Flower does for small n). Krum returns the
/// best-scored update itself; Multi-Krum averages the m best (m = multi_krum, or
/// n - f when 0; clamped to [1, n]) weighted by samples. Ties go to the earlier
/// update (updates arrive sorted by task id), so the choice is deterministic.
class Krum final : public AggregationStrategy {
 public:
  Krum(const StrategyOptions& options, bool multi);
  std::string name() const override { return multi_ ? "multi-krum" : "krum"; }
  std::optional<models::Parameters> aggregate(const models::Parameters& current,
                                              const std::vector<Update>& updates,
                                              const std::vector<UpdateFailure>& failures) override;

 private:
  int byzantine_;
  int keep_;
  bool multi_;
};

}  // namespace troupe::runtime
