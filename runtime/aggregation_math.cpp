#include "runtime/aggregation_math.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace troupe::runtime {

std::string check_weighted_inputs(const std::vector<WeightedParameters>& inputs) {
  if (inputs.empty()) return "no inputs to combine";
  const auto* first = inputs.front().params;
  double total = 0.0;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const auto* p = inputs[k].params;
    if (p == nullptr) return "input " + std::to_string(k) + " is null";
    if (!p->all_float32()) return "input " + std::to_string(k) + " is not float32";
    if (k > 0 && !p->same_layout(*first))
      return "input " + std::to_string(k) + " has a different layout (names, shapes or dtypes)";
    if (!std::isfinite(inputs[k].weight) || inputs[k].weight < 0.0)
      return "input " + std::to_string(k) + " has an invalid weight";
    total += inputs[k].weight;
  }
  if (!(total > 0.0)) return "weights sum to zero";
  return {};
}

void weighted_average(const std::vector<WeightedParameters>& inputs, models::Parameters& out) {
  if (auto why = check_weighted_inputs(inputs); !why.empty())
    throw std::invalid_argument("weighted_average: " + why);
  const auto& layout = *inputs.front().params;
  if (!out.same_layout(layout)) {
    out.tensors = layout.tensors;
    out.bytes.resize(layout.bytes.size());
  }
  double total = 0.0;
  for (const auto& in : inputs) total += in.weight;
  std::vector<float> w(inputs.size());
  for (std::size_t k = 0; k < inputs.size(); ++k)
    w[k] = static_cast<float>(inputs[k].weight / total);

  // Blocks small enough that the output block stays in L1 while every input streams through.
  constexpr std::size_t kBlock = 2048;
  const std::size_t n = layout.bytes.size() / sizeof(float);
  float* dst = out.float_data();
  for (std::size_t begin = 0; begin < n; begin += kBlock) {
    const std::size_t end = std::min(n, begin + kBlock);
    const float* src0 = inputs[0].params->float_data();
    const float w0 = w[0];
    for (std::size_t i = begin; i < end; ++i) dst[i] = w0 * src0[i];
    for (std::size_t k = 1; k < inputs.size(); ++k) {
      const float* src = inputs[k].params->float_data();
      const float wk = w[k];
      for (std::size_t i = begin; i < end; ++i) dst[i] += wk * src[i];
    }
  }
}

namespace {

void require_same(const models::Parameters& a, const models::Parameters& b, const char* what) {
  if (!a.all_float32() || !b.all_float32())
    throw std::invalid_argument(std::string(what) + ": parameters must be float32");
  if (!a.same_layout(b) || a.bytes.size() != b.bytes.size())
    throw std::invalid_argument(std::string(what) + ": parameters have different layouts");
}

}  // namespace

void mix_into(models::Parameters& x, const models::Parameters& y, double a) {
  require_same(x, y, "mix_into");
  if (!(a >= 0.0 && a <= 1.0)) throw std::invalid_argument("mix_into: weight must be in [0, 1]");
  const float fa = static_cast<float>(a);
  const float fb = 1.0f - fa;
  const std::size_t n = x.bytes.size() / sizeof(float);
  float* dst = x.float_data();
  const float* src = y.float_data();
  for (std::size_t i = 0; i < n; ++i) dst[i] = fb * dst[i] + fa * src[i];
}

void accumulate_delta(models::Parameters& acc, const models::Parameters& update,
                      const models::Parameters& base, double w) {
  require_same(update, base, "accumulate_delta");
  if (!std::isfinite(w)) throw std::invalid_argument("accumulate_delta: weight is not finite");
  if (acc.tensors.empty() && acc.bytes.empty()) {
    acc.tensors = base.tensors;
    acc.bytes.assign(base.bytes.size(), 0);  // all-zero bytes are 0.0f
  }
  require_same(acc, base, "accumulate_delta");
  const float fw = static_cast<float>(w);
  const std::size_t n = acc.bytes.size() / sizeof(float);
  float* dst = acc.float_data();
  const float* u = update.float_data();
  const float* b = base.float_data();
  for (std::size_t i = 0; i < n; ++i) dst[i] += fw * (u[i] - b[i]);
}

void apply_delta(models::Parameters& x, const models::Parameters& delta, double s) {
  require_same(x, delta, "apply_delta");
  if (!std::isfinite(s)) throw std::invalid_argument("apply_delta: scale is not finite");
  const float fs = static_cast<float>(s);
  const std::size_t n = x.bytes.size() / sizeof(float);
  float* dst = x.float_data();
  const float* d = delta.float_data();
  for (std::size_t i = 0; i < n; ++i) dst[i] += fs * d[i];
}

}  // namespace troupe::runtime
