#include "models/trainer.hpp"

#include <dlfcn.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "models/networks.hpp"
#include "models/sgd_loop.hpp"
#include "models/torch_data.hpp"
#include "models/torch_parameters.hpp"

namespace troupe::models {
namespace {

/// Fashion-MNIST pixel mean and standard deviation (after scaling to [0, 1]).
constexpr float kPixelMean = 0.2860F;
constexpr float kPixelStd = 0.3530F;

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

/// Examples selected by `indices` as N x example_shape floats (uint8 pixels
/// normalised, float32 features as they are), and labels as int64.
std::pair<torch::Tensor, torch::Tensor> to_tensors(const Dataset& data,
                                                   const std::vector<std::size_t>* indices) {
  const auto n = static_cast<std::int64_t>(indices ? indices->size() : data.size());
  const auto features = data.features();
  const auto bytes = static_cast<std::size_t>(data.example_bytes());
  std::vector<std::int64_t> dims{n};
  for (auto d : data.example_shape()) dims.push_back(d);
  auto images = torch::empty(dims, torch::kFloat32);
  auto labels = torch::empty({n}, torch::kInt64);
  float* img = images.data_ptr<float>();
  std::int64_t* lab = labels.data_ptr<std::int64_t>();
  const float scale = 1.0F / (255.0F * kPixelStd);
  const float shift = kPixelMean / kPixelStd;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::size_t src =
        indices ? (*indices)[static_cast<std::size_t>(i)] : static_cast<std::size_t>(i);
    if (src >= data.size()) throw std::out_of_range("example index out of range");
    const std::uint8_t* p = data.images.data() + src * bytes;
    if (data.feature_type == FeatureType::f32)
      std::memcpy(img + i * features, p, bytes);
    else
      for (std::int64_t k = 0; k < features; ++k) img[i * features + k] = p[k] * scale - shift;
    lab[i] = data.labels[src];
  }
  return {images, labels};
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
  // LibTorch's default generator is process-wide: serialise its use.
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  torch::manual_seed(seed);
  auto net = make_classifier(kind);
  Parameters out;
  export_parameters(*net, out);
  return out;
}

Parameters initial_parameters(const ModelSource& model, std::uint64_t seed) {
  if (model.is_script()) throw std::invalid_argument("TorchScript models are not built yet");
  return initial_parameters(model.kind, seed);
}

std::string ModelSource::label() const {
  return is_script() ? "torchscript" : to_string(kind);
}

ModelProbe probe_model(const ModelSource& model, const std::vector<std::int64_t>&) {
  if (model.is_script()) throw std::invalid_argument("TorchScript models are not built yet");
  return ModelProbe{10, 0};
}

// ---------------------------------------------------------------------------
struct LocalTrainer::Impl {
  Impl(ModelKind kind, DeviceOptions opts)
      : options(std::move(opts)), device(parse_device(options.device)), net(make_classifier(kind)) {
    net->to(device);
  }

  DeviceOptions options;
  torch::Device device;
  std::shared_ptr<ClassifierImpl> net;
  ExampleSelection local;  // the examples to learn from
};

LocalTrainer::LocalTrainer(ModelKind kind, DeviceOptions device)
    : impl_(std::make_unique<Impl>(kind, std::move(device))) {}
LocalTrainer::LocalTrainer(const ModelSource& model, DeviceOptions device)
    : LocalTrainer(model.kind, std::move(device)) {
  if (model.is_script()) throw std::invalid_argument("TorchScript models are not built yet");
}
LocalTrainer::~LocalTrainer() = default;
LocalTrainer::LocalTrainer(LocalTrainer&&) noexcept = default;
LocalTrainer& LocalTrainer::operator=(LocalTrainer&&) noexcept = default;

void LocalTrainer::set_data(const Dataset& data, const std::vector<std::size_t>& indices,
                            std::int64_t key) {
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
  Impl(ModelKind kind, DeviceOptions opts, const Dataset& test)
      : options(std::move(opts)),
        device(parse_device(options.device)),
        net(make_classifier(kind)),
        num_classes(test.num_classes) {
    net->to(device);
    auto [x, y] = to_tensors(test, nullptr);
    images = x.to(device);
    labels = y.to(device);
  }
  DeviceOptions options;
  torch::Device device;
  std::shared_ptr<ClassifierImpl> net;
  torch::Tensor images, labels;
  int num_classes;
};

Evaluator::Evaluator(ModelKind kind, DeviceOptions device, const Dataset& test)
    : impl_(std::make_unique<Impl>(kind, std::move(device), test)) {}
Evaluator::Evaluator(const ModelSource& model, DeviceOptions device, const Dataset& test)
    : Evaluator(model.kind, std::move(device), test) {
  if (model.is_script()) throw std::invalid_argument("TorchScript models are not built yet");
}
Evaluator::~Evaluator() = default;
Evaluator::Evaluator(Evaluator&&) noexcept = default;
Evaluator& Evaluator::operator=(Evaluator&&) noexcept = default;

ClassificationMetrics Evaluator::evaluate(const Parameters& params) {
  /// Large batches: evaluation needs no gradients, so memory per batch is small.
  constexpr std::int64_t kEvalBatch = 1000;
  auto& s = *impl_;
  use_threads(s.options.threads);
  import_parameters(params, *s.net);
  s.net->eval();
  torch::NoGradGuard no_grad;
  const std::int64_t n = s.images.size(0);
  const auto k = static_cast<std::int64_t>(s.num_classes);
  auto confusion =
      torch::zeros({k * k}, torch::TensorOptions().dtype(torch::kInt64).device(s.device));
  auto loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(s.device));
  for (std::int64_t begin = 0; begin < n; begin += kEvalBatch) {
    const auto len = std::min(kEvalBatch, n - begin);
    auto x = s.images.narrow(0, begin, len);
    auto y = s.labels.narrow(0, begin, len);
    auto logits = s.net->forward(x);
    loss_sum +=
        torch::nn::functional::cross_entropy(
            logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
            .to(torch::kFloat64);
    confusion += torch::bincount(y * k + logits.argmax(1), {}, k * k);
  }
  auto host = confusion.to(torch::kCPU);
  std::vector<std::int64_t> counts(host.data_ptr<std::int64_t>(),
                                   host.data_ptr<std::int64_t>() + k * k);
  auto m = metrics_from_confusion(std::move(counts), s.num_classes);
  m.loss = n > 0 ? loss_sum.item<double>() / static_cast<double>(n) : 0.0;
  return m;
}

}  // namespace troupe::models
