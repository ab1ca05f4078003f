#include "models/trainer.hpp"

#include <dlfcn.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "models/network.hpp"
#include "models/sgd_loop.hpp"
#include "models/torch_data.hpp"
#include "models/torch_parameters.hpp"

namespace troupe::models {
namespace {

/// FedProx: the gradient of mu/2 ||w - anchor||^2 is mu (w - anchor); add it to
/// each parameter's gradient in place.
void add_proximal_gradient(const std::vector<torch::Tensor>& params,
                           const std::vector<torch::Tensor>& anchor, double mu) {
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params.size(); ++i) {
    auto grad = params[i].mutable_grad();
    if (!grad.defined()) continue;
    grad.add_(params[i].detach() - anchor[i], mu);
  }
}

}  // namespace

torch::Device parse_device(const std::string& device) {
  if (auto why = check_device(device); !why.empty()) throw std::invalid_argument(why);
  return torch::Device(device);
}

/// Sets intra-op threads for the calling thread. ATen's OpenMP setting is per
/// thread, and OpenBLAS keeps its own pool, so both are set on every call.
void use_threads(int threads) {
  if (threads < 1) threads = 1;
  if (torch::get_num_threads() != threads) torch::set_num_threads(threads);
  using SetThreads = void (*)(int);
  static const auto openblas_set =
      reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  static int openblas_threads = 0;
  static std::mutex mu;
  if (openblas_set) {
    std::lock_guard<std::mutex> lock(mu);
    if (openblas_threads != threads) {
      openblas_set(threads);
      openblas_threads = threads;
    }
  }
}

std::string check_device(const std::string& device) {
  if (device == "cpu") return {};
  if (device.rfind("cuda", 0) == 0) {
    int index = 0;
    if (device.size() > 4) {
      if (device[4] != ':' || device.size() == 5)
        return "invalid device '" + device + "' (use cpu, cuda or cuda:N)";
      try {
        std::size_t used = 0;
        index = std::stoi(device.substr(5), &used);
        if (used != device.size() - 5 || index < 0) throw std::invalid_argument("index");
      } catch (const std::exception&) {
        return "invalid device '" + device + "' (use cpu, cuda or cuda:N)";
      }
    }
    const int count = cuda_device_count();
    if (count == 0)
      return "device '" + device +
             "' requested, but this LibTorch has no CUDA support or no GPU is visible";
    if (index >= count)
      return "device '" + device + "' requested, but only " + std::to_string(count) +
             " GPU(s) are visible";
    return {};
  }
  return "invalid device '" + device + "' (use cpu, cuda or cuda:N)";
}

int cuda_device_count() {
  return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
}

Parameters initial_parameters(ModelKind kind, std::uint64_t seed) {
  return initial_parameters(builtin_model(kind), seed);
}

Parameters initial_parameters(const ModelSource& model, std::uint64_t seed) {
  // LibTorch's default generator is process-wide: serialise its use. A script
  // brings its own weights and draws nothing.
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  if (!model.is_script()) torch::manual_seed(seed);
  auto net = make_network(model, torch::kCPU);
  Parameters out;
  export_parameters(*net, out);
  return out;
}

std::string ModelSource::label() const {
  return is_script() ? "torchscript" : to_string(kind);
}

// ---------------------------------------------------------------------------
struct LocalTrainer::Impl {
  Impl(const ModelSource& model, DeviceOptions opts)
      : options(std::move(opts)),
        device(parse_device(options.device)),
        model(model),
        net(make_network(model, device)) {}

  DeviceOptions options;
  torch::Device device;
  ModelSource model;  // the script's bytes are shared, not copied
  std::unique_ptr<Network> net;
  ExampleSelection local;  // the examples to learn from
};

LocalTrainer::LocalTrainer(ModelKind kind, DeviceOptions device)
    : LocalTrainer(builtin_model(kind), std::move(device)) {}
LocalTrainer::LocalTrainer(const ModelSource& model, DeviceOptions device)
    : impl_(std::make_unique<Impl>(model, std::move(device))) {}
LocalTrainer::~LocalTrainer() = default;
LocalTrainer::LocalTrainer(LocalTrainer&&) noexcept = default;
LocalTrainer& LocalTrainer::operator=(LocalTrainer&&) noexcept = default;

void LocalTrainer::set_data(const Dataset& data, const std::vector<std::size_t>& indices,
                            std::int64_t key) {
  impl_->local.select(data, indices, key, impl_->device);
}

void LocalTrainer::set_data(const std::shared_ptr<const Dataset>& data,
                            const std::vector<std::size_t>& indices, std::int64_t key) {
  impl_->local.select(data, indices, key, impl_->device);
}

std::int64_t LocalTrainer::data_key() const {
  return impl_->local.key;
}

TrainResult LocalTrainer::train(const Parameters& global, const TrainOptions& options,
                                Parameters& update) {
  auto& s = *impl_;
  if (!s.local.selected()) throw std::logic_error("LocalTrainer::train called before set_data");
  if (options.batch_size <= 0) throw std::invalid_argument("batch size must be positive");
  if (!(options.prox_mu >= 0.0) || !std::isfinite(options.prox_mu))
    throw std::invalid_argument("prox_mu must be finite and >= 0");
  use_threads(s.options.threads);
  const auto start = std::chrono::steady_clock::now();
  import_parameters(global, *s.net);
  // FedProx anchor: the global weights, kept for the proximal term's gradient.
  std::vector<torch::Tensor> anchor;
  if (options.prox_mu > 0.0)
    for (const auto& p : s.net->parameters()) anchor.push_back(p.detach().clone());
  SgdHooks hooks;
  hooks.interrupt = options.interrupt;
  if (!anchor.empty())
    hooks.after_backward = [&] {
      add_proximal_gradient(s.net->parameters(), anchor, options.prox_mu);
    };
  auto result = run_sgd(*s.net, s.local.for_sgd(),
                        SgdSchedule::local(options, s.local.images.size(0)), hooks);
  export_parameters(*s.net, update);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

// ---------------------------------------------------------------------------
struct Evaluator::Impl {
  Impl(const ModelSource& model, DeviceOptions opts, const Dataset& test)
      : options(std::move(opts)),
        device(parse_device(options.device)),
        model(model),
        num_classes(test.num_classes) {
    // Kept as stored (uint8 stays uint8); model_input converts each batch.
    auto [x, y] = example_tensors(test, nullptr);
    images = x.to(device);
    labels = y.to(device);
  }
  /// Evaluates `params` on `net`.
  ClassificationMetrics evaluate(const Parameters& params, Network& net);

  DeviceOptions options;
  torch::Device device;
  ModelSource model;
  std::unique_ptr<Network> net;  // made at the first evaluation that needs its own
  torch::Tensor images, labels;
  int num_classes;
};

Evaluator::Evaluator(ModelKind kind, DeviceOptions device, const Dataset& test)
    : Evaluator(builtin_model(kind), std::move(device), test) {}
Evaluator::Evaluator(const ModelSource& model, DeviceOptions device, const Dataset& test)
    : impl_(std::make_unique<Impl>(model, std::move(device), test)) {}
Evaluator::~Evaluator() = default;
Evaluator::Evaluator(Evaluator&&) noexcept = default;
Evaluator& Evaluator::operator=(Evaluator&&) noexcept = default;

ClassificationMetrics Evaluator::evaluate(const Parameters& params) {
  auto& s = *impl_;
  if (!s.net) s.net = make_network(s.model, s.device);
  return s.evaluate(params, *s.net);
}

ClassificationMetrics Evaluator::evaluate(const Parameters& params, LocalTrainer& trainer) {
  auto& s = *impl_;
  const auto& t = *trainer.impl_;
  if (t.device != s.device || t.model.kind != s.model.kind || t.model.script != s.model.script)
    throw std::logic_error("an evaluator borrows only a trainer of its model on its device");
  return s.evaluate(params, *trainer.impl_->net);
}

ClassificationMetrics Evaluator::Impl::evaluate(const Parameters& params, Network& net) {
  /// Large batches: evaluation needs no gradients, so memory per batch is small.
  constexpr std::int64_t kEvalBatch = 1000;
  auto& s = *this;
  use_threads(s.options.threads);
  import_parameters(params, net);
  net.train(false);
  torch::NoGradGuard no_grad;
  const std::int64_t n = s.images.size(0);
  // A model may predict more classes than the test set holds (a script's
  // output size): the confusion matrix covers both.
  auto k = static_cast<std::int64_t>(s.num_classes);
  torch::Tensor confusion;
  auto loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(s.device));
  for (std::int64_t begin = 0; begin < n; begin += kEvalBatch) {
    const auto len = std::min(kEvalBatch, n - begin);
    auto x = s.images.narrow(0, begin, len);
    auto y = s.labels.narrow(0, begin, len);
    auto logits = net.forward(model_input(x));
    if (!confusion.defined()) {
      k = std::max(k, logits.size(1));
      confusion =
          torch::zeros({k * k}, torch::TensorOptions().dtype(torch::kInt64).device(s.device));
    }
    loss_sum +=
        torch::nn::functional::cross_entropy(
            logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
            .to(torch::kFloat64);
    confusion += torch::bincount(y * k + logits.argmax(1), {}, k * k);
  }
  std::vector<std::int64_t> counts(static_cast<std::size_t>(k * k), 0);
  if (confusion.defined()) {
    auto host = confusion.to(torch::kCPU);
    std::copy(host.data_ptr<std::int64_t>(), host.data_ptr<std::int64_t>() + k * k, counts.begin());
  }
  auto m = metrics_from_confusion(std::move(counts), static_cast<int>(k));
  m.loss = n > 0 ? loss_sum.item<double>() / static_cast<double>(n) : 0.0;
  return m;
}

}  // namespace troupe::models
