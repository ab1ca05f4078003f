#include "runtime/aggregation/server_optimizers.hpp"

#include <stdexcept>

#include "runtime/aggregation/strategy_inputs.hpp"

namespace troupe::runtime {
namespace {

/// Throws unless `s` is empty or holds `count` valid float32 buffers of one layout.
void check_state(const std::string& strategy, const std::vector<models::Parameters>& s,
                 std::size_t count) {
  if (s.empty()) return;
  if (s.size() != count)
    throw std::invalid_argument(strategy + ": state has " + std::to_string(s.size()) +
                                " parts, expected " + std::to_string(count));
  for (const auto& p : s) {
    if (auto why = p.validate(); !why.empty())
      throw std::invalid_argument(strategy + ": invalid state: " + why);
    if (!p.all_float32()) throw std::invalid_argument(strategy + ": state is not float32");
    if (!p.same_layout(s.front()))
      throw std::invalid_argument(strategy + ": state parts have different layouts");
  }
}

/// Throws when moments carried from earlier rounds do not fit `current`.
void check_moments_fit(const std::string& strategy, const models::Parameters& moment,
                       const models::Parameters& current) {
  if (!moment.tensors.empty() &&
      (!moment.same_layout(current) || moment.bytes.size() != current.bytes.size()))
    throw std::invalid_argument(strategy +
                                ": the optimiser state does not match the model's layout");
}

/// The sample-weighted mean of the usable updates, or nothing when there are none.
std::optional<models::Parameters> mean_of(const std::string& strategy,
                                          const models::Parameters& current,
                                          const std::vector<Update>& updates) {
  const auto inputs = usable_updates(strategy, current, updates);
  if (inputs.empty()) return std::nullopt;
  models::Parameters mean;
  weighted_average(inputs, mean);
  return mean;
}

}  // namespace

FedAvgM::FedAvgM(const StrategyOptions& options)
    : lr_(options.server_lr), momentum_(options.server_momentum) {}

std::optional<models::Parameters> FedAvgM::aggregate(
    const models::Parameters& current, const std::vector<Update>& updates,
    const std::vector<UpdateFailure>& /*failures*/) {
  check_moments_fit(name(), velocity_, current);
  auto mean = mean_of(name(), current, updates);
  if (!mean) return std::nullopt;
  if (velocity_.tensors.empty()) velocity_ = like(current);
  // The new model is written over the mean, which is not needed afterwards.
  momentum_step(current.float_data(), mean->float_data(), velocity_.float_data(),
                mean->float_data(), float_count(current), lr_, momentum_);
  return mean;
}

std::vector<models::Parameters> FedAvgM::state() const {
  if (velocity_.tensors.empty()) return {};
  return {velocity_};
}

void FedAvgM::load_state(const std::vector<models::Parameters>& s) {
  check_state(name(), s, 1);
  velocity_ = s.empty() ? models::Parameters{} : s.front();
}

AdaptiveServerOptimizer::AdaptiveServerOptimizer(SecondMoment rule,
                                                 const StrategyOptions& options) {
  step_.rule = rule;
  step_.lr = options.server_lr;
  step_.beta1 = options.beta1;
  step_.beta2 = options.beta2;
  step_.tau = options.tau;
}

std::string AdaptiveServerOptimizer::name() const {
  switch (step_.rule) {
    case SecondMoment::adam:
      return "fedadam";
    case SecondMoment::yogi:
      return "fedyogi";
    case SecondMoment::adagrad:
      return "fedadagrad";
  }
  return "fedadam";
}

std::optional<models::Parameters> AdaptiveServerOptimizer::aggregate(
    const models::Parameters& current, const std::vector<Update>& updates,
    const std::vector<UpdateFailure>& /*failures*/) {
  check_moments_fit(name(), m_, current);
  auto mean = mean_of(name(), current, updates);
  if (!mean) return std::nullopt;
  if (m_.tensors.empty()) {
    m_ = like(current);
    v_ = like(current);
  }
  adaptive_step(current.float_data(), mean->float_data(), m_.float_data(), v_.float_data(),
                mean->float_data(), float_count(current), step_);
  return mean;
}

std::vector<models::Parameters> AdaptiveServerOptimizer::state() const {
  if (m_.tensors.empty()) return {};
  return {m_, v_};
}

void AdaptiveServerOptimizer::load_state(const std::vector<models::Parameters>& s) {
  check_state(name(), s, 2);
  if (s.empty()) {
    m_ = {};
    v_ = {};
  } else {
    m_ = s[0];
    v_ = s[1];
  }
}

}  // namespace troupe::runtime
