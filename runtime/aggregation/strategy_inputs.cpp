#include "runtime/aggregation/strategy_inputs.hpp"

#include <cmath>
#include <stdexcept>

namespace troupe::runtime {

void check_update(const std::string& strategy, const models::Parameters& current, const Update& u) {
  const std::string task = "update of task " + std::to_string(u.task_id);
  if (!current.all_float32())
    throw std::invalid_argument(strategy + ": the current model is not all float32");
  if (u.params.tensors.empty())
    throw std::invalid_argument(strategy + ": " + task + " has no parameters");
  if (!u.params.same_layout(current))
    throw std::invalid_argument(strategy + ": " + task + " does not match the model's layout");
  if (u.params.bytes.size() != current.bytes.size())
    throw std::invalid_argument(strategy + ": " + task + " has a buffer of the wrong size");
  if (u.samples < 0)
    throw std::invalid_argument(strategy + ": " + task + " has a negative sample count");
}

std::vector<WeightedParameters> usable_updates(const std::string& strategy,
                                               const models::Parameters& current,
                                               const std::vector<Update>& updates,
                                               UpdateWeight weight) {
  std::vector<WeightedParameters> out;
  out.reserve(updates.size());
  for (const auto& u : updates) {
    check_update(strategy, current, u);
    double w = static_cast<double>(u.samples);
    if (weight == UpdateWeight::samples_times_score) {
      if (!std::isfinite(u.score) || u.score < 0.0)
        throw std::invalid_argument(strategy + ": update of task " + std::to_string(u.task_id) +
                                    " has an invalid score (must be finite and >= 0)");
      w *= u.score;
    }
    if (!std::isfinite(w))
      throw std::invalid_argument(strategy + ": update of task " + std::to_string(u.task_id) +
                                  " has a non-finite weight");
    if (w > 0.0) out.push_back({&u.params, w});
  }
  return out;
}

std::vector<WeightedParameters> finite_only(const std::vector<WeightedParameters>& inputs) {
  std::vector<WeightedParameters> out;
  out.reserve(inputs.size());
  for (const auto& in : inputs) {
    // A sum of squares in double is finite exactly when every float value is.
    if (std::isfinite(squared_norm(in.params->float_data(), float_count(*in.params))))
      out.push_back(in);
  }
  return out;
}

std::vector<const float*> buffers(const std::vector<WeightedParameters>& inputs) {
  std::vector<const float*> out;
  out.reserve(inputs.size());
  for (const auto& in : inputs) out.push_back(in.params->float_data());
  return out;
}

models::Parameters like(const models::Parameters& layout) {
  models::Parameters out;
  out.tensors = layout.tensors;
  out.bytes.assign(layout.bytes.size(), 0);
  return out;
}

}  // namespace troupe::runtime
