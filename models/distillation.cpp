#include "models/distillation.hpp"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <stdexcept>

#include "models/network.hpp"
#include "models/sgd_loop.hpp"
#include "models/torch_data.hpp"
#include "models/torch_parameters.hpp"

namespace troupe::models {
namespace {

/// Batches of the prediction pass: no gradients, so large batches are cheap.
constexpr std::int64_t kPredictBatch = 1000;

/// KL(t || softmax(logits / T)) * T^2, averaged over the batch. Its gradient is
/// the soft-target cross-entropy's; the t log t part only makes the reported
/// loss 0 when the student matches the targets.
torch::Tensor distillation_loss(const torch::Tensor& logits, const torch::Tensor& targets,
                                double temperature) {
  auto log_p = torch::log_softmax(logits / temperature, /*dim=*/1);
  return (torch::xlogy(targets, targets) - targets * log_p).sum(1).mean() *
         (temperature * temperature);
}

void check_options(const TrainOptions& options, double temperature) {
  if (options.batch_size <= 0) throw std::invalid_argument("batch size must be positive");
  if (!(options.lr > 0.0) || !std::isfinite(options.lr))
    throw std::invalid_argument("learning rate must be positive");
  if (!(temperature > 0.0) || !std::isfinite(temperature))
    throw std::invalid_argument("distillation temperature must be positive");
}

}  // namespace

struct DistillationTrainer::Impl {
  Impl(ModelKind kind, DeviceOptions opts, const Dataset& data,
       const std::vector<std::size_t>& public_indices)
      : options(std::move(opts)),
        device(parse_device(options.device)),
        net(make_network(builtin_model(kind), device)),
        classes(data.num_classes) {
    public_images = to_tensors(data, &public_indices).first.to(device);
  }

  /// The soft labels as a tensor on the device (copied: they are small).
  torch::Tensor targets_tensor(const float* targets) const {
    const auto p = public_images.size(0);
    auto t = torch::from_blob(const_cast<float*>(targets), {p, classes}, torch::kFloat32);
    return t.clone().to(device);
  }

  DeviceOptions options;
  torch::Device device;
  std::unique_ptr<Network> net;
  int classes;
  torch::Tensor public_images;
  ExampleSelection private_examples;
};

DistillationTrainer::DistillationTrainer(ModelKind kind, DeviceOptions device, const Dataset& data,
                                         const std::vector<std::size_t>& public_indices)
    : impl_(std::make_unique<Impl>(kind, std::move(device), data, public_indices)) {}
DistillationTrainer::~DistillationTrainer() = default;
DistillationTrainer::DistillationTrainer(DistillationTrainer&&) noexcept = default;
DistillationTrainer& DistillationTrainer::operator=(DistillationTrainer&&) noexcept = default;

std::int64_t DistillationTrainer::public_size() const {
  return impl_->public_images.size(0);
}

int DistillationTrainer::num_classes() const {
  return impl_->classes;
}

void DistillationTrainer::set_private(const Dataset& data, const std::vector<std::size_t>& indices,
                                      std::int64_t key) {
  impl_->private_examples.select(data, indices, key, impl_->device);
}

TrainResult DistillationTrainer::train(Parameters& model, const float* targets,
                                       const TrainOptions& options, const DistillOptions& distill) {
  auto& s = *impl_;
  if (!s.private_examples.selected())
    throw std::logic_error("DistillationTrainer::train before set_private");
  check_options(options, distill.temperature);
  if (!(distill.weight >= 0.0) || !std::isfinite(distill.weight))
    throw std::invalid_argument("distillation weight must be finite and >= 0");
  use_threads(s.options.threads);
  const auto start = std::chrono::steady_clock::now();
  import_parameters(model, *s.net);
  const bool distilling = targets != nullptr && distill.weight > 0.0 && public_size() > 0;
  SgdHooks hooks;
  hooks.interrupt = options.interrupt;
  torch::Tensor soft, public_order;
  const std::int64_t p = public_size();
  std::int64_t public_pos = p;  // start a new public pass at the first step
  if (distilling) {
    soft = s.targets_tensor(targets);
    // Each step's public batch has the private batch size and walks through the
    // public set in an order drawn from the run's generator.
    hooks.extra_loss = [&](std::mt19937_64& rng) {
      if (public_pos >= p) {
        public_order = permutation(p, rng, s.device);
        public_pos = 0;
      }
      const auto plen = std::min(options.batch_size, p - public_pos);
      const auto pick = public_order.narrow(0, public_pos, plen);
      public_pos += plen;
      return distill.weight *
             distillation_loss(s.net->forward(s.public_images.index_select(0, pick)),
                               soft.index_select(0, pick), distill.temperature);
    };
  }
  auto result = run_sgd(*s.net, s.private_examples.for_sgd(),
                        SgdSchedule::local(options, s.private_examples.images.size(0)), hooks);
  export_parameters(*s.net, model);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

TrainResult DistillationTrainer::distill(Parameters& model, const float* targets,
                                         const TrainOptions& options, double temperature,
                                         int epochs) {
  auto& s = *impl_;
  if (targets == nullptr) throw std::invalid_argument("no soft labels to distill from");
  check_options(options, temperature);
  use_threads(s.options.threads);
  const auto start = std::chrono::steady_clock::now();
  import_parameters(model, *s.net);
  SgdHooks hooks;
  hooks.interrupt = options.interrupt;
  hooks.batch_loss = [temperature](const torch::Tensor& logits, const torch::Tensor& soft) {
    return distillation_loss(logits, soft, temperature);
  };
  auto result = run_sgd(*s.net, {s.public_images, s.targets_tensor(targets)},
                        SgdSchedule::passes(options, public_size(), epochs), hooks);
  export_parameters(*s.net, model);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

void DistillationTrainer::predict(const Parameters& model, double temperature, float* out) {
  auto& s = *impl_;
  if (!(temperature > 0.0) || !std::isfinite(temperature))
    throw std::invalid_argument("distillation temperature must be positive");
  use_threads(s.options.threads);
  import_parameters(model, *s.net);
  s.net->train(false);
  torch::NoGradGuard no_grad;
  const std::int64_t p = public_size();
  for (std::int64_t begin = 0; begin < p; begin += kPredictBatch) {
    const auto len = std::min(kPredictBatch, p - begin);
    auto probs = torch::softmax(s.net->forward(s.public_images.narrow(0, begin, len)) / temperature,
                                /*dim=*/1)
                     .to(torch::kCPU)
                     .contiguous();
    std::copy(probs.data_ptr<float>(), probs.data_ptr<float>() + len * s.classes,
              out + begin * s.classes);
  }
}

}  // namespace troupe::models
