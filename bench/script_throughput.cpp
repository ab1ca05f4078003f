// Local-training throughput of a TorchScript model (--model-file) against the
// built-in network it copies, in one run: both go through models::LocalTrainer
// (the code every node runs) on the same Fashion-MNIST examples (the full
// training set by default), alternately and in swapped order every other run
// so that drift in the machine's load hits both alike, `--repeats` times;
// prints each median in samples/s and the median, minimum and maximum of the
// per-run ratios.
// Usage: script_throughput --model-file mlp28.pt [--model mlp] [--threads T]
//        [--batch B] [--samples N] [--epochs E] [--repeats R] [--data-dir DIR]
// mlp28.pt comes from examples/models/export_models.py; the target is a ratio >= 0.9.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <numeric>
#include <string>
#include <vector>

#include "models/dataset.hpp"
#include "models/trainer.hpp"
#include "runtime/system/memory_tuning.hpp"

using namespace troupe::models;

namespace {

/// Samples per second of one timed training run (after a warm-up run).
double samples_per_second(const ModelSource& model, const Dataset& data, int threads,
                          std::int64_t batch, int epochs) {
  std::vector<std::size_t> all(data.size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  LocalTrainer trainer(model, {"cpu", threads});
  trainer.set_data(data, all, 0);
  const auto params = initial_parameters(model, 1);
  Parameters out;
  TrainOptions opts;
  opts.batch_size = batch;
  opts.local_steps = 20;  // warm-up (a script's graph executor profiles its first runs)
  trainer.train(params, opts, out);
  opts.local_steps = 0;
  opts.local_epochs = epochs;
  const auto r = trainer.train(params, opts, out);
  return static_cast<double>(r.samples_seen) / r.seconds;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  troupe::runtime::tune_memory_allocator();
  std::string file, kind_name = "mlp", dir = kDefaultFashionMnistDir;
  int threads = 1, epochs = 1, repeats = 5;
  std::int64_t batch = 32;
  std::size_t samples = 0;  // all
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--model-file")
      file = v;
    else if (a == "--model")
      kind_name = v;
    else if (a == "--threads")
      threads = std::atoi(v.c_str());
    else if (a == "--batch")
      batch = std::atoll(v.c_str());
    else if (a == "--samples")
      samples = static_cast<std::size_t>(std::atoll(v.c_str()));
    else if (a == "--epochs")
      epochs = std::atoi(v.c_str());
    else if (a == "--repeats")
      repeats = std::atoi(v.c_str());
    else if (a == "--data-dir")
      dir = v;
    else {
      std::cerr << "unknown option " << a << '\n';
      return 2;
    }
  }
  const auto kind = parse_model_kind(kind_name);
  std::ifstream in(file, std::ios::binary);
  if (file.empty() || !in || !kind || repeats < 1) {
    std::cerr << "usage: script_throughput --model-file FILE [--model mlp|cnn] [--repeats R] ...\n";
    return 2;
  }
  const auto script = script_model(
      std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
  const auto data = head(load_fashion_mnist(dir, Split::train), samples);
  std::vector<double> builtin, scripted, ratios;
  for (int r = 0; r < repeats; ++r) {
    double b = 0.0, t = 0.0;
    if (r % 2 == 0) {
      b = samples_per_second(builtin_model(*kind), data, threads, batch, epochs);
      t = samples_per_second(script, data, threads, batch, epochs);
    } else {
      t = samples_per_second(script, data, threads, batch, epochs);
      b = samples_per_second(builtin_model(*kind), data, threads, batch, epochs);
    }
    builtin.push_back(b);
    scripted.push_back(t);
    ratios.push_back(t / b);
    std::cout << "run " << r + 1 << ": built-in " << b << ", torchscript " << t
              << " samples/s, ratio " << t / b << std::endl;
  }
  const auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
  std::cout << "median: built-in " << median(builtin) << ", torchscript " << median(scripted)
            << " samples/s; ratio median " << median(ratios) << " (min " << *lo << ", max " << *hi
            << ", " << data.size() << " examples, batch " << batch << ")" << std::endl;
  return 0;
}
