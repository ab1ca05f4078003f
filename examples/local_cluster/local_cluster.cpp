// Shows: running a federated job on an embedded troupe cluster from C++ — a
// scheduler, an aggregator and N node actors in this process — and reading its report.
// Run: build/examples/local_cluster [nodes] [rounds]   (Fashion-MNIST from Debian's package)
#include <cstdlib>
#include <iostream>

#include "actors/cluster.hpp"
#include "runtime/system/memory_tuning.hpp"

int main(int argc, char** argv) {
  troupe::runtime::tune_memory_allocator();
  troupe::runtime::JobSpec job;
  job.name = "local-cluster-example";
  job.nodes = argc > 1 ? std::atoi(argv[1]) : 4;
  job.rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  job.data.partition =
      troupe::runtime::Partition::dirichlet;  // label-skewed shards, as real nodes would hold
  job.data.alpha = 1.0;
  job.data.train_limit = 12000;  // a fifth of the training set keeps the example quick
  job.compute.threads = 1;
  job.train.model = troupe::runtime::ModelKind::mlp;

  troupe::actors::EmbeddedOptions options;
  options.on_round = [](const troupe::runtime::RoundRecord& r, int rounds) {
    std::cout << "round " << r.round << "/" << rounds << ": accuracy " << r.accuracy << '\n';
  };
  const auto report = troupe::actors::run_embedded(job, options);
  if (report.status != troupe::runtime::RunStatus::ok) {
    std::cerr << "job failed: " << report.error << '\n';
    return 1;
  }
  for (const auto& node : report.nodes)
    std::cout << node.id << " ran " << node.tasks << " tasks, busy " << node.busy_s << " s\n";
  std::cout << "final accuracy " << report.final_metrics.accuracy << ", F1 "
            << report.final_metrics.f1 << '\n';
  // An example that doubles as a test: the model must have learnt something.
  return report.final_metrics.accuracy > 0.5 ? 0 : 1;
}
