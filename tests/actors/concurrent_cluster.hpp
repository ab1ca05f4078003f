#pragma once
// An in-process scheduler with several job slots and in-process nodes, for
// the tests of jobs at once (concurrent_jobs_test.cpp, shared_nodes_test.cpp).

#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <set>
#include <string>
#include <thread>

#include "actors/aggregator_actor.hpp"
#include "actors/cluster.hpp"
#include "actors/node_actor.hpp"
#include "actors/scheduler_actor.hpp"
#include "runtime/node/compute_gate.hpp"
#include "runtime/node/data_catalog.hpp"
#include "test_util.hpp"

namespace troupe::test {

/// A small MLP job on `nodes` shards; `seed` tells the jobs' models apart.
inline runtime::JobSpec job(int nodes, int rounds, std::uint64_t seed) {
  runtime::JobSpec j;
  j.nodes = nodes;
  j.rounds = rounds;
  j.seed = seed;
  j.data.train_limit = 3000;
  j.data.test_limit = 500;
  j.train.model = runtime::ModelKind::mlp;
  j.compute.threads = 1;
  j.data.data_dir = fashion_mnist_dir();
  j.cluster.join_timeout_s = 10.0;
  return j;
}

/// A scheduler running up to `slots` jobs at once, with as many aggregators,
/// and `nodes` in-process nodes, registered at once; `share`: the jobs share
/// nodes (SchedulerConfig::share_nodes).
struct ConcurrentCluster {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  std::vector<actors::aggregator_actor> aggregators;
  actors::scheduler_actor scheduler;
  std::shared_ptr<runtime::DataCatalog> data;
  // One task computes at a time: Debian's serial OpenBLAS is not safe on two threads.
  std::shared_ptr<runtime::ComputeGate> gate = std::make_shared<runtime::ComputeGate>(1);
  std::vector<caf::actor> nodes;

  /// `on_round`: called in the scheduler after every round of any job.
  ConcurrentCluster(int slots, int node_count,
                    std::function<void(const runtime::RoundRecord&)> on_round = {},
                    bool share = false) {
    actors::configure(cfg);
    system = std::make_unique<caf::actor_system>(cfg);
    for (int i = 0; i < slots; ++i) aggregators.push_back(actors::spawn_aggregator(*system));
    actors::SchedulerConfig sc;
    sc.aggregator = aggregators.front();
    sc.more_aggregators.assign(aggregators.begin() + 1, aggregators.end());
    sc.concurrent_jobs = slots;
    sc.share_nodes = share;
    sc.heartbeat_timeout_s = 0.0;
    sc.tick_interval_s = 0.1;
    if (on_round) sc.on_round = [on_round](const runtime::RoundRecord& r, int) { on_round(r); };
    scheduler = actors::spawn_scheduler(*system, sc);
    data = std::make_shared<runtime::DataCatalog>(fashion_mnist_dir(), 3000, 500);
    for (int i = 1; i <= node_count; ++i) join("node-" + std::to_string(i));
  }

  /// `placement`: the node holds only that shard (NodeConfig::placement).
  void join(const std::string& name, runtime::DataPlacement placement = {}) {
    actors::NodeConfig nc;
    nc.name = name;
    nc.placement = placement;
    nc.aggregator = aggregators.front();
    nc.data = data;
    nc.gate = gate;
    nodes.push_back(caf::actor_cast<caf::actor>(actors::spawn_node(*system, nc)));
    actors::NodeRegistration reg;
    reg.name = name;
    reg.data = placement;
    reg.speed = 1.0;
    caf::scoped_actor self{*system};
    self->request(scheduler, caf::infinite, actors::register_atom::value, reg, nodes.back())
        .receive([](const caf::actor&) {}, [](caf::error& e) { FAIL() << to_string(e); });
  }

  /// Submits `spec` and waits for its report (on a thread of the caller's).
  runtime::RunReport submit(const runtime::JobSpec& spec) {
    runtime::RunReport report;
    caf::scoped_actor self{*system};
    self->request(scheduler, std::chrono::seconds(300), actors::submit_atom::value, spec,
                  runtime::Admission{})
        .receive([&](runtime::RunReport& r) { report = std::move(r); },
                 [&](caf::error& e) {
                   report.status = runtime::RunStatus::failed;
                   report.error = to_string(e);
                 });
    return report;
  }

  /// Submits `spec` after `delay`, answered on another thread.
  std::future<runtime::RunReport> submit_later(const runtime::JobSpec& spec,
                                               std::chrono::milliseconds delay = {}) {
    return std::async(std::launch::async, [this, spec, delay] {
      std::this_thread::sleep_for(delay);
      return submit(spec);
    });
  }

  ~ConcurrentCluster() {
    caf::scoped_actor self{*system};
    self->send_exit(scheduler, caf::exit_reason::user_shutdown);
    for (auto& a : aggregators) self->send_exit(a, caf::exit_reason::user_shutdown);
    for (auto& n : nodes) self->send_exit(n, caf::exit_reason::user_shutdown);
  }
};

/// The nodes that ran `report`'s training tasks.
inline std::set<std::string> training_nodes(const runtime::RunReport& report) {
  std::set<std::string> out;
  for (const auto& t : report.tasks)
    if (t.kind == runtime::TaskKind::train) out.insert(t.node);
  return out;
}

/// The model fingerprint of `spec` run alone on an embedded cluster; empty
/// (and the test failed) when that run did not end ok.
inline std::string solo_fingerprint(const runtime::JobSpec& spec) {
  const auto report = actors::run_embedded(spec);
  EXPECT_EQ(report.status, runtime::RunStatus::ok) << report.error;
  return report.status == runtime::RunStatus::ok ? report.model_fingerprint : std::string();
}

inline bool overlap(const std::set<std::string>& a, const std::set<std::string>& b) {
  for (const auto& x : a)
    if (b.count(x)) return true;
  return false;
}

}  // namespace troupe::test
