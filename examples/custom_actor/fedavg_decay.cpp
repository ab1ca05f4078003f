#include "fedavg_decay.hpp"

#include <stdexcept>

#include "runtime/aggregation/aggregation_math.hpp"

namespace example {

using troupe::models::Parameters;
using troupe::runtime::Update;
using troupe::runtime::UpdateFailure;

FedAvgDecay::FedAvgDecay(double server_lr, double decay) : server_lr_(server_lr), decay_(decay) {
  if (!(server_lr > 0.0)) throw std::invalid_argument("fedavg-decay: server_lr must be positive");
  if (!(decay >= 0.0)) throw std::invalid_argument("fedavg-decay: decay must not be negative");
}

double FedAvgDecay::next_rate() const {
  return server_lr_ / (1.0 + decay_ * aggregations_);
}

std::optional<Parameters> FedAvgDecay::aggregate(const Parameters& current,
                                                 const std::vector<Update>& updates,
                                                 const std::vector<UpdateFailure>& /*failures*/) {
  std::vector<troupe::runtime::WeightedParameters> inputs;
  for (const auto& u : updates)
    if (u.samples > 0 && !u.params.tensors.empty())
      inputs.push_back({&u.params, double(u.samples)});
  if (inputs.empty()) return std::nullopt;  // keep the current model
  Parameters avg;
  troupe::runtime::weighted_average(inputs, avg);  // checks layouts and dtypes
  if (!avg.same_layout(current))
    throw std::invalid_argument("fedavg-decay: the updates do not match the model's layout");
  const auto eta = static_cast<float>(next_rate());
  float* out = avg.float_data();
  const float* w = current.float_data();
  for (std::int64_t i = 0; i < avg.numel(); ++i) out[i] = w[i] + eta * (out[i] - w[i]);
  ++aggregations_;
  return avg;
}

}  // namespace example
