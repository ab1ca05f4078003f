#include "actors/cluster.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <caf/io/all.hpp>
#include <iostream>

#include "actors/aggregator_actor.hpp"
#include "actors/errors.hpp"
#include "actors/node_actor.hpp"
#include "actors/protocol.hpp"
#include "actors/scheduler_actor.hpp"
#include "runtime/system/blas_probe.hpp"
#include "runtime/system/log.hpp"
#include "runtime/system/memory_tuning.hpp"

namespace troupe::actors {

namespace logging = runtime::logging;
using logging::Level;

void configure(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::troupe>();
  add_troupe_errors(cfg);
  cfg.set("scheduler.max-threads", 2);
  cfg.set("work-stealing.aggressive-poll-attempts", 1);
  cfg.set("work-stealing.moderate-poll-attempts", 0);
  cfg.set("logger.console", caf::atom("none"));
}

runtime::RunReport run_embedded(const runtime::JobSpec& job, const EmbeddedOptions& options) {
  if (auto why = job.validate(); !why.empty()) {
    runtime::RunReport r;
    r.status = runtime::RunStatus::failed;
    r.error = why;
    r.config = runtime::as_reported(job);
    return r;
  }
  // Embedded nodes train on several threads at once; a BLAS that cannot take
  // that (serial OpenBLAS) would give wrong models silently, so compute runs
  // one task at a time with it.
  const auto blas = runtime::probe_blas();
  const int slots = blas.thread_safe ? runtime::ComputeGate::slots_for(job.compute.threads) : 1;
  // Many nodes share the actor system's workers, which are then as many as
  // may compute at once. Stragglers (--slow-nodes) keep a thread each: their
  // waits would hold a shared worker.
  const bool pooled = job.nodes > options.own_thread_nodes && job.experiment.slow_nodes == 0;
  caf::actor_system_config cfg;
  configure(cfg);
  if (pooled) cfg.set("scheduler.max-threads", std::max(2, slots));
  caf::actor_system system{cfg};

  auto data = std::make_shared<runtime::DataCatalog>(job.data.data_dir, job.data.train_limit,
                                                     job.data.test_limit);
  if (!blas.thread_safe)
    logging::Line(Level::warn)
        << "troupe: " << blas.name
        << " is not safe to call from several threads: embedded nodes compute one at a "
           "time (install libopenblas0-pthread for parallel training)";
  auto gate = std::make_shared<runtime::ComputeGate>(slots);
  // Pooled nodes borrow trainers: as many as compute at once, not one per node.
  auto trainers = pooled ? std::make_shared<models::TrainerPool>() : nullptr;
  auto aggregator = spawn_aggregator(system);
  SchedulerConfig sc;
  sc.own_thread = pooled;
  sc.aggregator = aggregator;
  sc.on_round = options.on_round;
  if (pooled)
    // Thousands of nodes: the round's updates were just freed. Left resident,
    // their pages grew the process by most of a round's updates per round
    // (jemalloc took fresh pages for the next round's); see release_free_memory.
    sc.on_round = [forward = options.on_round](const runtime::RoundRecord& record, int rounds) {
      runtime::release_free_memory();
      if (forward) forward(record, rounds);
    };
  sc.heartbeat_timeout_s = 0.0;  // in-process nodes are watched through monitors
  auto scheduler = spawn_scheduler(system, std::move(sc));

  runtime::RunReport report;
  std::vector<node_actor> nodes;
  {
    caf::scoped_actor self{system};
    const auto resources = runtime::probe_resources(job.data.data_dir);
    for (int i = 1; i <= job.nodes; ++i) {
      NodeConfig nc;
      nc.name = "node-" + std::to_string(i);
      nc.aggregator = aggregator;
      nc.data = data;
      nc.gate = gate;
      nc.pooled = pooled;
      nc.trainers = trainers;
      nc.misbehaviour = runtime::Misbehaviour::of_embedded_node(job, i);
      NodeRegistration reg;
      reg.name = nc.name;
      reg.resources = resources;
      reg.speed = options.node_speed;
      node_actor node;
      try {
        node = options.spawn_node ? options.spawn_node(system, std::move(nc))
                                  : spawn_node(system, std::move(nc));
      } catch (const std::exception& e) {
        report.error = reg.name + ": spawning the node failed: " + e.what();
        break;
      }
      if (!node) {
        report.error = reg.name + ": EmbeddedOptions::spawn_node returned no actor";
        break;
      }
      nodes.push_back(node);
      self->request(scheduler, caf::infinite, register_atom::value, reg,
                    caf::actor_cast<caf::actor>(nodes.back()))
          .receive([](const caf::actor&) {},
                   [&](caf::error& err) { report.error = describe(err, system); });
    }
    if (report.error.empty()) {
      self->request(scheduler, caf::infinite, submit_atom::value, job, runtime::Admission{})
          .receive([&](runtime::RunReport& r) { report = std::move(r); },
                   [&](caf::error& err) { report.error = describe(err, system); });
    }
    if (!report.error.empty() && report.status == runtime::RunStatus::ok) {
      report.status = runtime::RunStatus::failed;
      report.config = runtime::as_reported(job);
    }
    self->send_exit(scheduler, caf::exit_reason::user_shutdown);
    self->send_exit(aggregator, caf::exit_reason::user_shutdown);
    for (const auto& n : nodes) self->send_exit(n, caf::exit_reason::user_shutdown);
  }
  return report;
}

}  // namespace troupe::actors
