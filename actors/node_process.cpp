#include "actors/processes.hpp"

#include <limits>

#include <unistd.h>

#include <iostream>

#include "actors/node_actor.hpp"
#include "actors/node_agent.hpp"
#include "actors/remoting.hpp"
#include "models/data_files.hpp"
#include "runtime/system/log.hpp"
#include "runtime/system/resources.hpp"

namespace troupe::actors {

namespace logging = runtime::logging;
using logging::Level;
namespace {

/// Reads --data into `placement` (count, histogram, shape, type, source);
/// null when the node has no data of its own. Throws models::DataError.
std::shared_ptr<const models::Dataset> load_local_data(const NodeProcessOptions& options,
                                                       runtime::DataPlacement& placement) {
  if (options.data_path.empty()) return nullptr;
  auto data = std::make_shared<const models::Dataset>(
      models::load_examples(options.data_path, {options.label_column}));
  placement.local_examples = static_cast<std::int64_t>(data->size());
  placement.label_histogram = models::label_histogram(*data);
  placement.feature_shape = data->example_shape();
  placement.feature_type = models::to_string(data->feature_type);
  placement.source = options.data_path;
  return data;
}

}  // namespace

int run_node_process(const NodeProcessOptions& options) {
  install_signal_handlers();
  const auto name = options.name.empty() ? default_node_name() : options.name;
  // The node's own examples, read once before it registers: bad data is a
  // usage error of this node (exit 2), not a job's failure.
  auto placement = options.placement;
  std::shared_ptr<const models::Dataset> local;
  try {
    local = load_local_data(options, placement);
  } catch (const std::exception& e) {
    logging::Line(Level::warn) << "troupe node " << name << ": " << e.what();
    return 2;
  }
  if (local && !options.common.quiet)
    logging::Line(Level::info) << "troupe node " << name << ": " << local->size()
                               << " examples of shape "
                               << models::shape_to_string(local->example_shape()) << " ("
                               << models::to_string(local->feature_type) << ") from "
                               << options.data_path;
  RemoteConfig cfg{options.common.security};
  // An idle CAF worker wakes every relaxed-sleep-duration (10 ms by default)
  // to look for work to steal; work enqueued from outside wakes it anyway. A
  // node process's workers only run its agent and short handlers (the node
  // trains on a thread of its own), so stealing can wait: 50 node processes
  // on two cores made 10,000 such wake-ups a second. A message queued behind
  // a worker that computes (a custom pooled node) waits at most this long.
  cfg.set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::milliseconds(200)});
  // The built-in node trains on a thread of its own, and so do its couriers
  // over the data plane, its fetchers and its secure sums' participants: the
  // workers run the agent (heartbeats), short handlers, and the other
  // couriers, whose longest step is one copy of an update (into a shared
  // block, or a part of a message). One worker is enough, and saves the
  // wake-ups of a second: with 50 node processes on two cores the extra time
  // per node per round fell from 1.47-1.78 to 1.04-1.22 ms (docs/results.md).
  // A program's own node actor keeps two.
  if (!options.spawn_node) cfg.set("scheduler.max-threads", 1);
  caf::actor_system system{cfg};
  close_automatic_connection_port(system);  // this process accepts no connections
  auto key = options.key;
  if (!key) {
    try {
      key = std::make_shared<const runtime::NodeKey>(
          runtime::NodeKey::load_or_create(runtime::default_key_file()));
    } catch (const std::exception& e) {
      logging::Line(Level::warn) << "troupe node " << name << ": " << e.what();
      return 1;
    }
  }
  NodeConfig nc;
  nc.name = name;
  nc.device = options.device;
  nc.threads = options.threads;
  nc.placement = placement;
  nc.local = local;
  nc.misbehaviour.slow_factor = options.speed_factor;
  nc.misbehaviour.dropout = options.dropout;
  nc.misbehaviour.attack = options.attack;
  nc.misbehaviour.attack_scale = options.attack_scale;
  nc.secure_pause_before_masking_s = options.secure_pause_before_masking_s;
  nc.update_part_bytes = static_cast<std::uint64_t>(options.update_part_mib * 1024 * 1024);
  // Under TLS an aggregator offers no data plane (its bytes would be plain):
  // updates stay in encrypted messages, and the node does not ask.
  nc.bulk_min_bytes = options.common.security.tls()
                          ? std::numeric_limits<std::uint64_t>::max()
                          : static_cast<std::uint64_t>(options.bulk_min_mib * 1024 * 1024);
  nc.shared_memory = !options.no_shared_memory && !options.common.security.tls();
  nc.data_dir = options.data_dir;
  nc.behaviour = options.behaviour;
  nc.gate = std::make_shared<runtime::ComputeGate>(1);
  auto traffic = std::make_shared<runtime::TrafficMeter>();
  nc.traffic = traffic;
  auto node = options.spawn_node ? options.spawn_node(system, std::move(nc))
                                 : spawn_node(system, std::move(nc));
  if (!node) {
    logging::Line(Level::error) << "troupe node " << name
                                << ": NodeProcessOptions::spawn_node returned no actor";
    return 1;
  }

  NodeRegistration reg;
  reg.name = name;
  reg.resources = runtime::probe_resources(options.data_dir.empty() ? "." : options.data_dir);
  reg.data = placement;
  reg.speed = options.speed;
  reg.pid = static_cast<std::int32_t>(getpid());
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  reg.host = host;

  std::string why;
  double timeout = options.common.connect_timeout_s;
  int code = 0;
  auto refusal = std::make_shared<std::string>();
  while (!stop_requested()) {
    auto scheduler = connect<scheduler_actor>(system, options.scheduler, timeout, &why);
    if (!scheduler) {
      if (!stop_requested()) {
        logging::Line(Level::error)
            << "troupe node " << name << ": cannot reach the scheduler at "
            << options.scheduler.str() << " within " << timeout << " s: " << why;
        code = 1;
      }
      break;
    }
    if (!options.common.quiet)
      logging::Line(Level::info) << "troupe node " << name << ": connected to "
                                 << options.scheduler.str();
    NodeAgentConfig ac;
    ac.scheduler = *scheduler;
    ac.node = node;
    ac.registration = reg;
    ac.heartbeat_interval_s = options.heartbeat_interval_s;
    ac.announce = !options.common.quiet;
    ac.secret = options.common.security.secret;
    ac.key = key;
    ac.on_refused = [refusal](const std::string& why) { *refusal = why; };
    ac.disk_path = options.data_dir.empty() ? "." : options.data_dir;
    ac.traffic = traffic;
    auto agent = spawn_node_agent(system, ac);
    caf::scoped_actor self{system};
    self->monitor(agent);
    if (!wait_for_down(self)) {
      self->send_exit(agent, caf::exit_reason::user_shutdown);
      break;
    }
    if (!refusal->empty()) {  // written by the agent before it quit
      logging::Line(Level::warn) << "troupe node " << name << ": not admitted by "
                                 << options.scheduler.str() << ": " << *refusal;
      code = 1;
      break;
    }
    logging::Line(Level::warn) << "troupe node " << name << ": scheduler lost, reconnecting";
    timeout = options.common.reconnect_timeout_s;
  }
  // Exit even if the actor system's teardown hangs (seen once after a refusal).
  arm_exit_watchdog(code);
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
  return code;
}

}  // namespace troupe::actors
