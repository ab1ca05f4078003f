#include "models/distillation.hpp"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

#include "models/networks.hpp"
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

/// A seeded permutation of 0..n-1 as an int64 tensor on `device`.
torch::Tensor permutation(std::int64_t n, std::mt19937_64& rng, const torch::Device& device) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::shuffle(order.begin(), order.end(), rng);
  auto index = torch::empty({n}, torch::kInt64);
  std::copy(order.begin(), order.end(), index.data_ptr<std::int64_t>());
  return index.to(device);
}

}  // namespace

struct DistillationTrainer::Impl {
  Impl(ModelKind kind, DeviceOptions opts, const Dataset& data,
       const std::vector<std::size_t>& public_indices)
      : options(std::move(opts)),
        device(parse_device(options.device)),
        net(make_classifier(kind)),
        classes(data.num_classes) {
    net->to(device);
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
  std::shared_ptr<ClassifierImpl> net;
  int classes;
  torch::Tensor public_images;
  torch::Tensor images, labels;  // the private examples
  std::int64_t key = -1;
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
  if (key >= 0 && key == impl_->key) return;
  auto [images, labels] = to_tensors(data, &indices);
  impl_->images = images.to(impl_->device);
  impl_->labels = labels.to(impl_->device);
  impl_->key = key;
}

TrainResult DistillationTrainer::train(Parameters& model, const float* targets,
                                       const TrainOptions& options, const DistillOptions& distill) {
  auto& s = *impl_;
  if (!s.images.defined()) throw std::logic_error("DistillationTrainer::train before set_private");
  check_options(options, distill.temperature);
  if (!(distill.weight >= 0.0) || !std::isfinite(distill.weight))
    throw std::invalid_argument("distillation weight must be finite and >= 0");
  use_threads(s.options.threads);
  const auto start = std::chrono::steady_clock::now();
  import_parameters(model, *s.net);
  s.net->train();
  torch::optim::SGD sgd(s.net->parameters(),
                        torch::optim::SGDOptions(options.lr).momentum(options.momentum));
  const bool distilling = targets != nullptr && distill.weight > 0.0 && public_size() > 0;
  torch::Tensor soft = distilling ? s.targets_tensor(targets) : torch::Tensor();

  const std::int64_t n = s.images.size(0);
  TrainResult result;
  result.samples = n;
  if (n == 0) {
    export_parameters(*s.net, model);
    return result;
  }
  const std::int64_t batches_per_epoch = (n + options.batch_size - 1) / options.batch_size;
  const std::int64_t total_steps = options.local_steps > 0
                                       ? options.local_steps
                                       : batches_per_epoch * std::max(1, options.local_epochs);
  std::mt19937_64 rng(options.seed);
  const std::int64_t p = public_size();
  torch::Tensor public_order;
  std::int64_t public_pos = p;  // start a new public pass at the first step
  double loss_sum = 0.0;
  std::int64_t step = 0;
  while (step < total_steps) {
    const auto order = permutation(n, rng, s.device);
    auto epoch_images = s.images.index_select(0, order);
    auto epoch_labels = s.labels.index_select(0, order);
    for (std::int64_t b = 0; b < batches_per_epoch && step < total_steps; ++b, ++step) {
      const std::int64_t begin = b * options.batch_size;
      const std::int64_t len = std::min(options.batch_size, n - begin);
      sgd.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(
          s.net->forward(epoch_images.narrow(0, begin, len)), epoch_labels.narrow(0, begin, len));
      if (distilling) {
        if (public_pos >= p) {
          public_order = permutation(p, rng, s.device);
          public_pos = 0;
        }
        const auto plen = std::min(options.batch_size, p - public_pos);
        const auto pick = public_order.narrow(0, public_pos, plen);
        public_pos += plen;
        loss = loss + distill.weight *
                          distillation_loss(s.net->forward(s.public_images.index_select(0, pick)),
                                            soft.index_select(0, pick), distill.temperature);
      }
      loss.backward();
      sgd.step();
      loss_sum += loss.item<double>() * static_cast<double>(len);
      result.samples_seen += len;
    }
  }
  result.steps = step;
  result.mean_loss = loss_sum / static_cast<double>(result.samples_seen);
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
  s.net->train();
  torch::optim::SGD sgd(s.net->parameters(),
                        torch::optim::SGDOptions(options.lr).momentum(options.momentum));
  const auto soft = s.targets_tensor(targets);
  const std::int64_t p = public_size();
  std::mt19937_64 rng(options.seed);
  TrainResult result;
  result.samples = p;
  double loss_sum = 0.0;
  for (int e = 0; e < epochs && p > 0; ++e) {
    const auto order = permutation(p, rng, s.device);
    for (std::int64_t begin = 0; begin < p; begin += options.batch_size) {
      const auto len = std::min(options.batch_size, p - begin);
      const auto pick = order.narrow(0, begin, len);
      sgd.zero_grad();
      auto loss = distillation_loss(s.net->forward(s.public_images.index_select(0, pick)),
                                    soft.index_select(0, pick), temperature);
      loss.backward();
      sgd.step();
      loss_sum += loss.item<double>() * static_cast<double>(len);
      result.samples_seen += len;
      ++result.steps;
    }
  }
  result.mean_loss =
      result.samples_seen > 0 ? loss_sum / static_cast<double>(result.samples_seen) : 0.0;
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
  s.net->eval();
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
