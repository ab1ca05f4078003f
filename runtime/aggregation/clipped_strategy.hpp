#pragma once
/// \file
/// Norm clipping of updates as a wrapper around any strategy: each update's
/// delta (update - current) longer than clip_norm is scaled down to clip_norm
/// before the wrapped strategy sees it. Bounds how far one node can move the
/// model, whatever the strategy (plugins included).

#include <memory>

#include "runtime/aggregation/strategy.hpp"

namespace troupe::runtime {

class ClippedStrategy final : public AggregationStrategy {
 public:
  /// Throws std::invalid_argument when `inner` is null or clip_norm is not positive and finite.
  ClippedStrategy(std::unique_ptr<AggregationStrategy> inner, double clip_norm);
  /// The wrapped strategy's name: clipping is a setting, not another strategy.
  std::string name() const override { return inner_->name(); }
  std::optional<models::Parameters> aggregate(const models::Parameters& current,
                                              const std::vector<Update>& updates,
                                              const std::vector<UpdateFailure>& failures) override;
  std::vector<models::Parameters> state() const override { return inner_->state(); }
  void load_state(const std::vector<models::Parameters>& s) override { inner_->load_state(s); }
  double privacy_clip_norm() const override { return inner_->privacy_clip_norm(); }

 private:
  std::unique_ptr<AggregationStrategy> inner_;
  double clip_norm_;
};

}  // namespace troupe::runtime
