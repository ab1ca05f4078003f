// How far secure aggregation moves the model from plain FedAvg: one embedded
// job (MLP, Fashion-MNIST, same seed) run without and with
// --secure-aggregation; prints the relative L2 error of the global model's
// parameters after the first round and after the last. The only difference a
// secure sum may make is its fixed-point quantisation (target: <= 1e-6).
// Usage: secagg_compare [NODES] [ROUNDS] [TRAIN_LIMIT]  (defaults 100 10 0 = all)
// bench/secagg_table.sh runs it.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>

#include "actors/cluster.hpp"
#include "runtime/io/checkpoint.hpp"
#include "runtime/system/memory_tuning.hpp"

namespace {

using troupe::models::Parameters;
using troupe::runtime::JobSpec;

/// ||a - b|| / ||b|| over every float of two models of one layout.
double relative_error(const Parameters& a, const Parameters& b) {
  if (!a.all_float32() || !a.same_layout(b))
    throw std::runtime_error("the models differ in layout");
  double diff = 0.0, norm = 0.0;
  for (std::int64_t i = 0; i < b.numel(); ++i) {
    const double d = static_cast<double>(a.float_data()[i]) - b.float_data()[i];
    diff += d * d;
    norm += static_cast<double>(b.float_data()[i]) * b.float_data()[i];
  }
  return norm > 0.0 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

/// Runs `job` for `rounds` rounds, secure or not, and returns its final model
/// (the checkpoint written after the last round).
Parameters final_model(JobSpec job, int rounds, bool secure, const std::string& dir) {
  std::filesystem::remove_all(dir);
  job.rounds = rounds;
  job.privacy.secure_aggregation = secure;
  job.checkpoint.dir = dir;
  job.checkpoint.every = rounds;
  const auto report = troupe::actors::run_embedded(job);
  if (report.status != troupe::runtime::RunStatus::ok)
    throw std::runtime_error(std::string(secure ? "the secure" : "the plain") +
                             " run did not end ok: " + report.error);
  std::printf("  %-6s %2d round(s): accuracy %.4f, fingerprint %s\n", secure ? "secure" : "plain",
              rounds, report.final_metrics.accuracy, report.model_fingerprint.c_str());
  return troupe::runtime::read_checkpoint(dir).model;
}

}  // namespace

int main(int argc, char** argv) {
  troupe::runtime::tune_memory_allocator();
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  try {
    JobSpec job;
    job.name = "secagg-compare";
    job.train.model = troupe::runtime::ModelKind::mlp;
    job.nodes = argc > 1 ? std::stoi(argv[1]) : 100;
    const int rounds = argc > 2 ? std::stoi(argv[2]) : 10;
    job.data.train_limit = argc > 3 ? std::stoll(argv[3]) : 0;
    if (job.nodes < 2 || rounds < 1 || job.data.train_limit < 0 || argc > 4) {
      std::fprintf(stderr, "usage: secagg_compare [NODES >= 2] [ROUNDS >= 1] [TRAIN_LIMIT >= 0]\n");
      return 2;
    }
    const auto problem = job.validate();
    if (!problem.empty()) {
      std::fprintf(stderr, "secagg_compare: %s\n", problem.c_str());
      return 2;
    }
    const auto tmp = std::filesystem::temp_directory_path() /
                     ("secagg_compare." + std::to_string(static_cast<long>(getpid())));
    const std::string plain_dir = tmp / "plain", secure_dir = tmp / "secure";
    std::printf("MLP, %d nodes, seed %llu:\n", job.nodes,
                static_cast<unsigned long long>(job.seed));
    const double first = relative_error(final_model(job, 1, true, secure_dir),
                                        final_model(job, 1, false, plain_dir));
    const double last = relative_error(final_model(job, rounds, true, secure_dir),
                                       final_model(job, rounds, false, plain_dir));
    std::filesystem::remove_all(tmp);
    std::printf("relative L2 error, secure vs plain: after round 1 %.3g, after round %d %.3g\n",
                first, rounds, last);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "secagg_compare: %s\n", e.what());
    return 1;
  }
  return 0;
}
