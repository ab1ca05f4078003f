// Shows: extending troupe from an out-of-tree project: a plugin with an
// aggregation strategy and an allocation policy, and a program whose embedded
// cluster has one node of its own (a typed actor that logs and delegates).
// Run: build/custom_cluster [--plugin PATH] [nodes] [rounds]
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "actors/cluster.hpp"
#include "logging_node.hpp"
#include "runtime/io/plugin.hpp"
#include "runtime/system/memory_tuning.hpp"

int main(int argc, char** argv) {
  namespace rt = troupe::runtime;
  std::string plugin = CUSTOM_PLUGIN_PATH;  // the plugin built next to this program
  int arg = 1;
  if (argc > 2 && std::strcmp(argv[1], "--plugin") == 0) {
    plugin = argv[2];
    arg = 3;
  }
  rt::tune_memory_allocator();
  try {
    rt::load_plugin(plugin);  // registers "fedavg-decay" and "round-robin"
  } catch (const rt::PluginError& e) {
    std::cerr << e.what() << '\n';
    return 2;
  }

  rt::JobSpec job;
  job.name = "custom-actor-example";
  job.nodes = argc > arg ? std::atoi(argv[arg]) : 3;
  job.rounds = argc > arg + 1 ? std::atoi(argv[arg + 1]) : 2;
  job.train.model = troupe::runtime::ModelKind::mlp;
  job.data.train_limit = 3000;  // small and quick; the data is Debian's dataset-fashion-mnist
  job.data.test_limit = 1000;
  job.collab.strategy = "fedavg-decay";
  job.cluster.policy = "round-robin";

  auto log = std::make_shared<example::NodeLog>();
  troupe::actors::EmbeddedOptions options;
  options.on_round = [](const rt::RoundRecord& r, int rounds) {
    std::cout << "round " << r.round << "/" << rounds << ": accuracy " << r.accuracy << std::endl;
  };
  // node-1 is ours; the other nodes are troupe's built-in nodes.
  options.spawn_node = [log](caf::actor_system& system, troupe::actors::NodeConfig config) {
    if (config.name == "node-1") return example::spawn_logging_node(system, std::move(config), log);
    return troupe::actors::spawn_node(system, std::move(config));
  };

  const auto report = troupe::actors::run_embedded(job, options);
  if (report.status != troupe::runtime::RunStatus::ok) {
    std::cerr << "job failed: " << report.error << '\n';
    return 1;
  }
  std::cout << "strategy " << report.strategy << ", policy " << report.policy << '\n'
            << "node-1 (LoggingNode): " << log->setups << " set-ups, " << log->trains
            << " training tasks, " << log->evaluations << " evaluations\n"
            << "final accuracy " << report.final_metrics.accuracy << '\n';
  // An example that doubles as a test: our node worked and the model learnt.
  const bool ok = log->setups > 0 && log->trains > 0 && report.strategy == "fedavg-decay" &&
                  report.policy == "round-robin" && report.final_metrics.accuracy > 0.5;
  return ok ? 0 : 1;
}
