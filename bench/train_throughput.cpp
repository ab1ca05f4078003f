// Local-training throughput of troupe's LibTorch path (models::LocalTrainer, the
// code every node runs), in samples per second, for the MLP and the CNN.
// Usage: train_throughput [--threads T] [--batch B] [--samples N] [--epochs E] [--data-dir DIR]
// Prints one line per model: "cpp <model> <samples/s> <minor page faults per step>".
// bench/train_throughput.sh runs it beside the same loop in PyTorch's Python API
// and prints the ratios. Page faults do not depend on the machine's load: many
// per step mean freed buffers went back to the system and were faulted in anew.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <numeric>
#include <string>

#include "models/dataset.hpp"
#include "models/trainer.hpp"
#include "runtime/system/memory_tuning.hpp"

using namespace troupe::models;

namespace {

long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

}  // namespace

int main(int argc, char** argv) {
  troupe::runtime::tune_memory_allocator();
  int threads = 2;
  std::int64_t batch = 32;
  std::size_t samples = 10000;
  int epochs = 2;
  std::string dir = kDefaultFashionMnistDir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--threads")
      threads = std::atoi(argv[i + 1]);
    else if (a == "--batch")
      batch = std::atoll(argv[i + 1]);
    else if (a == "--samples")
      samples = static_cast<std::size_t>(std::atoll(argv[i + 1]));
    else if (a == "--epochs")
      epochs = std::atoi(argv[i + 1]);
    else if (a == "--data-dir")
      dir = argv[i + 1];
    else {
      std::cerr << "unknown option " << a << '\n';
      return 2;
    }
  }
  const auto data = head(load_fashion_mnist(dir, Split::train), samples);
  std::vector<std::size_t> all(data.size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  for (auto kind : {ModelKind::mlp, ModelKind::cnn}) {
    LocalTrainer trainer(kind, {"cpu", threads});
    trainer.set_data(data, all, 0);
    auto params = initial_parameters(kind, 1);
    Parameters out;
    TrainOptions opts;
    opts.batch_size = batch;
    opts.local_steps = 20;  // warm-up
    trainer.train(params, opts, out);
    opts.local_steps = 0;
    opts.local_epochs = epochs;
    const auto faults_before = minor_faults();
    const auto r = trainer.train(params, opts, out);
    const auto faults = minor_faults() - faults_before;
    std::cout << "cpp " << to_string(kind) << ' ' << static_cast<double>(r.samples_seen) / r.seconds
              << ' '
              << static_cast<double>(faults) /
                     static_cast<double>(std::max<std::int64_t>(1, r.steps))
              << std::endl;
  }
  return 0;
}
