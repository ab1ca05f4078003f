#include "runtime/aggregation/strategy_inputs.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace troupe::runtime {

void check_update(const std::string& strategy, const models::Parameters& current, const Update& u) {
  const std::string task = "update of task " + std::to_string(u.task_id);
  if (!current.all_float32())
    throw std::invalid_argument(strategy + ": the current model is not all float32");
  if (u.params.tensors.empty())
    throw std::invalid_argument(strategy + ": " + task + " has no parameters");
  if (u.params.tensors != current.tensors)
    throw std::invalid_argument(strategy + ": " + task + " does not match the model's layout");
  if ((u.spooled ? u.spooled->size() : u.params.bytes.size()) != current.bytes.size())
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

std::optional<models::Parameters> streamed_mean(const std::string& strategy,
                                                const models::Parameters& current,
                                                const std::vector<Update>& updates,
                                                UpdateWeight weight, std::size_t chunk_floats) {
  const auto inputs = usable_updates(strategy, current, updates, weight);
  if (inputs.empty()) return std::nullopt;
  std::map<const models::Parameters*, const SpooledBytes*> files;
  for (const auto& u : updates)
    if (u.spooled) files[&u.params] = u.spooled.get();
  const auto w = normalised_weights(inputs);
  const std::size_t n = float_count(current);
  const std::size_t chunk = std::max<std::size_t>(1, chunk_floats);
  models::Parameters out;
  out.tensors = current.tensors;
  out.bytes.resize(current.bytes.size());
  std::vector<const SpooledBytes*> spooled(inputs.size(), nullptr);
  std::vector<std::vector<float>> scratch(inputs.size());
  for (std::size_t k = 0; k < inputs.size(); ++k)
    if (auto it = files.find(inputs[k].params); it != files.end()) {
      spooled[k] = it->second;
      scratch[k].resize(std::min(chunk, n));
    }
  std::vector<const float*> xs(inputs.size());
  for (std::size_t begin = 0; begin < n; begin += chunk) {
    const std::size_t len = std::min(chunk, n - begin);
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      if (!spooled[k]) {
        xs[k] = inputs[k].params->float_data() + begin;
        continue;
      }
      spooled[k]->read(begin * sizeof(float), scratch[k].data(), len * sizeof(float));
      xs[k] = scratch[k].data();
    }
    weighted_sum(xs, w, out.float_data() + begin, len);
  }
  return out;
}

}  // namespace troupe::runtime
