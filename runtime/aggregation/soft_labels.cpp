#include "runtime/aggregation/soft_labels.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace troupe::runtime {

models::Parameters empty_soft_labels(std::int64_t examples, int classes) {
  models::Parameters p;
  p.add(kSoftLabelsTensor, models::DType::float32, {examples, classes});
  std::fill(p.bytes.begin(), p.bytes.end(), 0);
  return p;
}

bool is_soft_labels(const models::Parameters& params, std::int64_t examples, int classes) {
  return params.tensors.size() == 1 && params.tensors[0].name == kSoftLabelsTensor &&
         params.tensors[0].dtype == models::DType::float32 &&
         params.tensors[0].shape == std::vector<std::int64_t>{examples, classes} &&
         params.validate().empty();
}

std::vector<float> normalised_soft_labels(const models::Parameters& params, std::int64_t examples,
                                          int classes) {
  if (!is_soft_labels(params, examples, classes))
    throw std::invalid_argument("the global model is not a soft-label table of " +
                                std::to_string(examples) + " x " + std::to_string(classes) +
                                " (is the aggregator running the distill node behaviour?)");
  const float* in = params.float_data();
  const auto n = static_cast<std::size_t>(examples * classes);
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(in[i])) throw std::invalid_argument("soft labels hold NaN or infinity");
    any = any || in[i] != 0.0F;
  }
  if (!any) return {};
  std::vector<float> out(n);
  const auto k = static_cast<std::size_t>(classes);
  for (std::size_t row = 0; row < static_cast<std::size_t>(examples); ++row) {
    double sum = 0.0;
    for (std::size_t c = 0; c < k; ++c) {
      out[row * k + c] = std::max(0.0F, in[row * k + c]);
      sum += out[row * k + c];
    }
    for (std::size_t c = 0; c < k; ++c)
      out[row * k + c] =
          sum > 0.0 ? static_cast<float>(out[row * k + c] / sum) : 1.0F / static_cast<float>(k);
  }
  return out;
}

}  // namespace troupe::runtime
