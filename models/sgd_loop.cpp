#include "models/sgd_loop.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

#include "models/torch_data.hpp"

namespace troupe::models {
namespace {

std::int64_t batches_per_pass(std::int64_t examples, std::int64_t batch_size) {
  return (examples + batch_size - 1) / batch_size;
}

SgdSchedule optimiser_of(const TrainOptions& options) {
  SgdSchedule s;
  s.batch_size = options.batch_size;
  s.lr = options.lr;
  s.momentum = options.momentum;
  s.seed = options.seed;
  return s;
}

/// Makes `buffer` a tensor shaped and typed like `like` (kept when it already is).
void fit(torch::Tensor& buffer, const torch::Tensor& like) {
  if (!buffer.defined() || buffer.sizes() != like.sizes() || buffer.dtype() != like.dtype() ||
      buffer.device() != like.device())
    buffer = torch::empty_like(like);
}

/// Leaves `params` without gradients (LibTorch 1.13's zero_grad() zeroes them in place).
void drop_gradients(std::vector<torch::Tensor>& params) {
  for (auto& p : params) p.mutable_grad().reset();
}

/// A zero gradient for each parameter backward did not reach, as zero_grad()
/// left it: the optimiser skips a parameter without one, and with momentum a
/// parameter that missed a step (a script's branch not taken) still moves.
void zero_missing_gradients(std::vector<torch::Tensor>& params) {
  for (auto& p : params)
    if (p.requires_grad() && !p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
}

/// Drops `params`' gradients when it goes, however the run ends (an
/// interrupted or failed run kept a model's worth of them).
struct GradientsDropped {
  std::vector<torch::Tensor>& params;
  bool on;
  ~GradientsDropped() {
    if (on) drop_gradients(params);
  }
};

}  // namespace

torch::Tensor permutation(std::int64_t n, std::mt19937_64& rng, const torch::Device& device) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::shuffle(order.begin(), order.end(), rng);
  auto index = torch::empty({n}, torch::kInt64);
  std::copy(order.begin(), order.end(), index.data_ptr<std::int64_t>());
  return index.to(device);
}

void ExampleSelection::select(const Dataset& data, const std::vector<std::size_t>& indices,
                              std::int64_t selection_key, const torch::Device& device) {
  if (selection_key >= 0 && selection_key == key) return;
  auto [selected_images, selected_labels] = example_tensors(data, &indices);
  images = selected_images.to(device);
  labels = selected_labels.to(device);
  key = selection_key;
}

void ExampleSelection::select(const std::shared_ptr<const Dataset>& data,
                              const std::vector<std::size_t>& indices, std::int64_t selection_key,
                              const torch::Device& device) {
  if (selection_key >= 0 && selection_key == key) return;
  bool whole = device.is_cpu() && indices.size() == data->size() && !indices.empty();
  for (std::size_t i = 0; whole && i < indices.size(); ++i) whole = indices[i] == i;
  const auto n = static_cast<std::int64_t>(data->size());
  if (!whole ||
      data->images.size() != data->size() * static_cast<std::size_t>(data->example_bytes())) {
    select(*data, indices, selection_key, device);  // copies (and checks the set's size)
    return;
  }
  std::vector<std::int64_t> shape{n};
  const auto example = data->example_shape();
  shape.insert(shape.end(), example.begin(), example.end());
  const auto type = data->feature_type == FeatureType::f32 ? torch::kFloat32 : torch::kUInt8;
  // run_sgd only gathers from `images` (index_select): the const bytes stay as they are.
  images = torch::from_blob(
      const_cast<std::uint8_t*>(data->images.data()), shape, [keep = data](void*) {},
      torch::TensorOptions().dtype(type));
  labels = torch::empty({n}, torch::kInt64);
  std::copy(data->labels.begin(), data->labels.end(), labels.data_ptr<std::int64_t>());
  key = selection_key;
}

SgdSchedule SgdSchedule::local(const TrainOptions& options, std::int64_t examples) {
  auto s = optimiser_of(options);
  s.steps = options.local_steps > 0 ? options.local_steps
                                    : batches_per_pass(examples, options.batch_size) *
                                          std::max(1, options.local_epochs);
  return s;
}

SgdSchedule SgdSchedule::passes(const TrainOptions& options, std::int64_t examples, int epochs) {
  auto s = optimiser_of(options);
  s.steps = batches_per_pass(examples, options.batch_size) * std::max(0, epochs);
  return s;
}

TrainResult run_sgd(Network& net, const SgdExamples& examples, const SgdSchedule& schedule,
                    const SgdHooks& hooks) {
  const std::int64_t n = examples.inputs.size(0);
  TrainResult result;
  result.samples = n;
  if (n == 0 || schedule.steps <= 0) return result;
  net.train(true);
  auto params = net.parameters();
  torch::optim::SGD sgd(params, torch::optim::SGDOptions(schedule.lr).momentum(schedule.momentum));
  const auto device = examples.inputs.device();
  torch::Tensor own_inputs, own_targets;
  auto& inputs = examples.shuffled_inputs ? *examples.shuffled_inputs : own_inputs;
  auto& targets = examples.shuffled_targets ? *examples.shuffled_targets : own_targets;
  fit(inputs, examples.inputs);
  fit(targets, examples.targets);

  const std::int64_t batches = batches_per_pass(n, schedule.batch_size);
  std::mt19937_64 rng(schedule.seed);
  const bool on_cpu = device.is_cpu();
  // A network's own step computes plain cross-entropy's gradients without
  // autograd; a loss of the caller's goes through autograd.
  TrainStep* own_step = hooks.batch_loss || hooks.extra_loss ? nullptr : net.train_step();
  // Between runs a network holds no gradients through autograd (a model's
  // worth of memory); its own step keeps its buffers.
  const GradientsDropped dropped{params, own_step == nullptr};
  double loss_sum = 0.0;
  auto loss_acc = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
  std::int64_t step = 0;
  while (step < schedule.steps) {
    // One shuffled pass: permute into reused buffers, then take contiguous slices.
    const auto dev_index = permutation(n, rng, device);
    // Only the rows this pass's remaining steps reach are gathered: a task of
    // one step on a 1,200-example shard copied the whole shard for 32 rows.
    // The permutation is drawn whole, so the rows and the generator's state
    // are the same as before.
    const std::int64_t left = schedule.steps - step;
    const std::int64_t rows = left >= batches ? n : left * schedule.batch_size;
    if (rows == n) {
      torch::index_select_out(inputs, examples.inputs, 0, dev_index);
      torch::index_select_out(targets, examples.targets, 0, dev_index);
    } else {
      const auto index = dev_index.narrow(0, 0, rows);
      auto some_inputs = inputs.narrow(0, 0, rows);
      auto some_targets = targets.narrow(0, 0, rows);
      torch::index_select_out(some_inputs, examples.inputs, 0, index);
      torch::index_select_out(some_targets, examples.targets, 0, index);
    }
    for (std::int64_t b = 0; b < batches && step < schedule.steps; ++b, ++step) {
      if (hooks.interrupt && hooks.interrupt()) throw TrainingInterrupted(step);
      const std::int64_t begin = b * schedule.batch_size;
      const std::int64_t len = std::min(schedule.batch_size, n - begin);
      auto x = inputs.narrow(0, begin, len);
      auto y = targets.narrow(0, begin, len);
      torch::Tensor loss;
      if (own_step) {
        loss = own_step->loss_and_gradients(x, y);
      } else {
        // Gradients are dropped, not zeroed: backward then takes its new
        // gradient as the parameter's (0 + g is g), so a large model holds one
        // gradient, not a zeroed one beside each step's new one.
        drop_gradients(params);
        auto outputs = net.forward(model_input(x));
        loss = hooks.batch_loss ? hooks.batch_loss(outputs, y)
                                : torch::nn::functional::cross_entropy(outputs, y);
        if (hooks.extra_loss) loss = loss + hooks.extra_loss(rng);
        loss.backward();
        zero_missing_gradients(params);
      }
      if (hooks.after_backward) hooks.after_backward();
      sgd.step();
      // On the CPU item() costs nothing; on a GPU it would synchronise every step.
      if (on_cpu)
        loss_sum += loss.item<double>() * static_cast<double>(len);
      else
        loss_acc += loss.detach().to(torch::kFloat64) * static_cast<double>(len);
      result.samples_seen += len;
    }
  }
  if (!on_cpu) loss_sum = loss_acc.item<double>();
  result.steps = step;
  result.mean_loss =
      result.samples_seen > 0 ? loss_sum / static_cast<double>(result.samples_seen) : 0.0;
  return result;
}

}  // namespace troupe::models
