#include "runtime/simulation/virtual_run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "runtime/aggregation/round_failures.hpp"
#include "runtime/dp/local_dp_node_behaviour.hpp"
#include "runtime/io/aggregator_setup.hpp"
#include "runtime/node/misbehaving_node_behaviour.hpp"
#include "runtime/node/node_behaviour.hpp"
#include "runtime/scheduling/job_core.hpp"
#include "runtime/scheduling/node_table.hpp"
#include "runtime/system/traffic.hpp"

namespace troupe::runtime {
namespace {

/// How often the live scheduler ticks its job core (SchedulerConfig::tick_interval_s):
/// round deadlines close on a tick.
constexpr Seconds kTickInterval = 0.5;

/// One node: its device and its compute.
struct VirtualNode {
  std::string id;
  NodeDevice device;
  /// --slow-nodes: training takes this many times longer (a live straggler
  /// waits after training; evaluation is not slowed).
  double train_slowdown = 1.0;
  std::unique_ptr<MisbehavingNodeBehaviour> behaviour;
  Seconds free_at = 0.0;       ///< when it has finished the tasks it was given
  std::int64_t held = -1;      ///< the global version it holds (a lean node holds none)
  std::uint64_t sent = 0;      ///< update bytes it sent
  std::uint64_t received = 0;  ///< model bytes it received
};

/// Something that happens at virtual time `at`; `fire` tells the core and
/// returns what it answers.
struct Event {
  Seconds at = 0.0;
  /// Ties (equal devices finish together) break by a hash of the seed and
  /// `seq`, not by creation order, which would always favour the same nodes.
  std::uint64_t tie = 0;
  std::uint64_t seq = 0;
  std::function<Steps()> fire;
};

struct Later {
  bool operator()(const Event& a, const Event& b) const {
    if (a.at != b.at) return a.at > b.at;
    return a.tie != b.tie ? a.tie > b.tie : a.seq > b.seq;
  }
};

std::uint64_t mix(std::uint64_t x) {  // SplitMix64
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class VirtualRun {
 public:
  VirtualRun(const JobSpec& job, const VirtualRunOptions& options) : job_(job), options_(options) {}

  RunReport run() {
    const auto began = std::chrono::steady_clock::now();
    try {
      drive();
    } catch (const SetupRefused& e) {
      end(RunStatus::refused, e.what());
    } catch (const std::exception& e) {
      end(RunStatus::failed, e.what());
    }
    auto report = finish();
    report.clock.real_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    return report;
  }

 private:
  /// The report as the live scheduler makes it (actors/scheduler_job.cpp).
  RunReport finish() const {
    const auto status = status_.value_or(RunStatus::failed);
    RunReport report;
    if (core_) {
      report = core_->report(now_, status, error_);
      report.checkpoints = core_->checkpoints();
    } else {
      report.status = status;
      report.error = error_;
      report.config = job_;
      report.policy = job_.cluster.policy;
      report.wall_s = now_;
    }
    report.strategy = collaboration_label(job_);
    report.mode = job_.collab.mode;
    report.job.priority = job_.cluster.priority;
    report.job.deadline_s = job_.cluster.deadline_s;
    report.job.completion_s = now_;
    if (job_.cluster.deadline_s > 0.0)
      report.job.deadline_met = now_ <= job_.cluster.deadline_s ? 1 : 0;
    if (const auto fp = core_ ? core_->fingerprint() : 0; fp != 0) {
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fp));
      report.model_fingerprint = hex;
    }
    for (const auto& n : nodes_) {
      auto it = std::find_if(report.nodes.begin(), report.nodes.end(),
                             [&](const NodeRecord& r) { return r.id == n.id; });
      if (it == report.nodes.end()) {  // a node that never had a task is listed too
        report.nodes.push_back(NodeRecord{});
        report.nodes.back().id = n.id;
        it = std::prev(report.nodes.end());
      }
      it->bytes_sent = n.sent;
      it->bytes_received = n.received;
      it->transfer_rate = n.received > 0 ? n.device.bytes_per_s : 0.0;
    }
    report.clock.kind = "virtual";
    report.clock.device_profile = options_.profile.name;
    for (const auto& n : nodes_)
      report.clock.devices.push_back({n.id, n.device.examples_per_s / n.train_slowdown,
                                      n.device.bytes_per_s * 8e-6, n.device.latency_s * 1e3,
                                      n.device.straggler || n.train_slowdown > 1.0});
    return report;
  }

  void drive() {
    set_up_nodes();
    auto opened = open_aggregator(job_);
    aggregator_ = std::move(opened.core);
    aggregator_->set_holdings(shard_sizes_);
    model_bytes_ = wire_size(*aggregator_->get(aggregator_->version()));
    JobCoreInputs in;
    in.spec = job_;
    in.shard_sizes = shard_sizes_;
    in.test_size = test_size_;
    in.version = aggregator_->version();
    in.nodes = [this] {
      UsableNodes out;
      const auto model = model_key(job_);
      const double mean = table_.mean_throughput(model);
      for (const auto* n : table_.alive())
        out.nodes.push_back({n->id, table_.planning_speed(n->id, model, mean), -1});
      return out;
    };
    core_ = make_job_core(std::move(in));
    carry_out_all(core_->start(now_));
    tick_later();
    while (!status_) {
      if (events_.empty()) {
        end(RunStatus::failed,
            "the virtual run stalled: the job waits for an event that cannot come");
        break;
      }
      // The queue only hands out const references; the event is popped right after.
      auto e = std::move(const_cast<Event&>(events_.top()));
      events_.pop();
      now_ = std::max(now_, e.at);
      carry_out_all(e.fire());
    }
  }

  /// The core is ticked as the live scheduler ticks it, while anything else
  /// is still to happen (a round deadline closes on a tick).
  void tick_later() {
    at(now_ + kTickInterval, [this] {
      auto steps = core_->tick(now_);
      if (!events_.empty()) tick_later();
      return steps;
    });
  }

  /// Every node sets up as a node actor would; the first's shard sizes are the job's.
  void set_up_nodes() {
    const auto devices = draw_devices(options_.profile, job_.nodes, job_.seed);
    auto data = std::make_shared<DataCatalog>(job_.data.data_dir, job_.data.train_limit,
                                              job_.data.test_limit);
    for (int i = 1; i <= job_.nodes; ++i) {
      VirtualNode node;
      node.id = "node-" + std::to_string(i);
      node.device = devices[static_cast<std::size_t>(i - 1)];
      auto how = Misbehaviour::of_embedded_node(job_, i);
      // --slow-nodes: training takes longer on the virtual clock instead of waiting for real.
      node.train_slowdown = std::max(1.0, how.slow_factor);
      how.slow_factor = 1.0;
      node.behaviour = std::make_unique<MisbehavingNodeBehaviour>(
          std::make_unique<LocalDpNodeBehaviour>(make_node_behaviour(job_.cluster.node_behaviour)),
          how, [](double) {});
      NodeSetup setup;
      setup.node = node.id;
      setup.job = job_;
      setup.data = data;
      setup.device = {job_.compute.device, job_.compute.threads};
      setup.release_between_tasks = nodes_are_sampled(job_);
      NodeData got;
      try {
        got = node.behaviour->setup(setup);
      } catch (const std::exception& e) {
        // Every node reads the same data here: one that cannot set up means none can.
        std::string why = e.what();
        if (why.rfind(node.id + ": ", 0) == 0) why.erase(0, node.id.size() + 2);
        throw std::runtime_error(node.id + ": set-up failed: " + why);
      }
      if (got.sizes().size() != static_cast<std::size_t>(job_.nodes))
        throw std::runtime_error(node.id + ": node behaviour '" + job_.cluster.node_behaviour +
                                 "' reported " + std::to_string(got.sizes().size()) +
                                 " shards, the job has " + std::to_string(job_.nodes));
      if (i == 1) {
        shard_sizes_ = got.sizes();
        test_size_ = got.test_size;
      }
      table_.join(node.id, NodeResources{}, DataPlacement{}, 0.0, 0.0);
      index_[node.id] = nodes_.size();
      nodes_.push_back(std::move(node));
    }
  }

  void at(Seconds when, std::function<Steps()> fire) {
    ++seq_;
    events_.push(Event{std::max(when, now_), mix(job_.seed ^ mix(seq_)), seq_, std::move(fire)});
  }

  /// When node `n` has the global `version`: now, or after downloading it.
  Seconds fetch(VirtualNode& n, Seconds from, std::int64_t version) {
    if (n.held == version) return from;
    n.received += model_bytes_;
    // A lean node (its job samples nodes) keeps no model between tasks.
    n.held = nodes_are_sampled(job_) ? -1 : version;
    return from + transfer_seconds(n.device, model_bytes_);
  }

  /// A live scheduler fails a task its node has not answered within the task
  /// timeout (the node goes on; its late answer is ignored).
  void time_out(const std::string& node, std::int64_t id) {
    at(now_ + job_.cluster.task_timeout_s, [this, node, id] {
      std::ostringstream why;
      why << "no answer from " << node << " within the task timeout ("
          << job_.cluster.task_timeout_s << " s, --task-timeout)";
      return core_->task_failed(id, now_, why.str());
    });
  }

  void end(RunStatus status, const std::string& why) {
    if (status_) return;
    status_ = status;
    error_ = why;
  }

  void carry_out_all(Steps steps) {
    std::deque<Step> pending(std::make_move_iterator(steps.begin()),
                             std::make_move_iterator(steps.end()));
    while (!pending.empty() && !status_) {
      auto more = carry_out(pending.front());
      pending.pop_front();
      for (auto& s : more) pending.push_back(std::move(s));
    }
  }

  Steps carry_out(const Step& s) {
    switch (s.kind) {
      case Step::Kind::train:
        return train(s);
      case Step::Kind::evaluate:
        return evaluate(s);
      case Step::Kind::aggregate:
      case Step::Kind::flush:
        return aggregate(s);
      case Step::Kind::checkpoint:
        try {
          write_aggregator_checkpoint(*aggregator_, job_, s.round, s.records,
                                      AsyncCorePart{s.state, s.tasks});
        } catch (const std::exception& e) {
          return core_->checkpoint_failed(s.round, now_, e.what());
        }
        return core_->checkpointed(now_);
      case Step::Kind::wake:
        // A microsecond late rather than early: the core's rules compare strictly.
        at(s.at + 1e-6, [this] { return core_->tick(now_); });
        return {};
      case Step::Kind::release:  // the node goes on computing; its late answer is ignored
        record_lost_straggler(table_, model_key(job_), core_->tracker(), s.task,
                              core_->computing_at(s.task));
        return {};
      case Step::Kind::announce:
        if (options_.on_round) options_.on_round(s.records.back(), job_.rounds);
        return {};
      case Step::Kind::done:
        end(RunStatus::ok, "");
        return {};
      case Step::Kind::failed:
        end(RunStatus::failed, s.reason);
        return {};
      case Step::Kind::degraded:
        end(RunStatus::degraded, s.reason);
        return {};
      case Step::Kind::paused:
        end(RunStatus::failed, "a job on the virtual clock cannot pause");
        return {};
    }
    return {};
  }

  /// Starts task `s` on its node, as the scheduler sends it (task_started, and
  /// its timeout). Null when the node is unknown: `failed` then holds the
  /// core's answer to the task's failure.
  VirtualNode* start_task(const Step& s, Steps& failed) {
    const auto it = index_.find(s.node);
    if (it == index_.end()) {
      failed = core_->task_failed(s.task, now_, "node " + s.node + " unknown");
      return nullptr;
    }
    core_->task_started(s.task, now_);
    time_out(s.node, s.task);
    return &nodes_[it->second];
  }

  /// Global version `version`, or null after failing task `id` (its node
  /// asked for a version the aggregator no longer holds) into `failed`.
  std::shared_ptr<const models::Parameters> global_for(const VirtualNode& node, std::int64_t id,
                                                       std::int64_t version, Steps& failed) {
    auto global = aggregator_->get(version);
    if (!global)
      failed = core_->task_failed(
          id, now_, node.id + ": global version " + std::to_string(version) + " not held");
    return global;
  }

  /// The node downloads the task's model when it is free, computes, and uploads.
  Steps train(const Step& s) {
    Steps failed;
    auto* node = start_task(s, failed);
    if (!node) return failed;
    const auto id = s.task;
    const Seconds start = std::max(now_, node->free_at);
    if (node->behaviour->drops(id)) {
      // As a node actor: the drop is answered at once, without the model.
      node->free_at = start + node->device.latency_s;
      at(node->free_at, [this, id] {
        TrainResult r;
        r.dropped = true;
        r.receipt.reason = "node dropped out (simulated)";
        return core_->train_done(id, now_, r);
      });
      return {};
    }
    const auto global = global_for(*node, id, s.version, failed);
    if (!global) return failed;
    const Seconds computing = fetch(*node, start, s.version);
    models::TrainResult result;
    LocalTask local{s.round, s.shard, job_.train.options(s.seed), {}};
    try {
      result = node->behaviour->train(*global, local, update_);
      if (!update_.same_layout(*global))
        throw std::runtime_error("node behaviour '" + job_.cluster.node_behaviour +
                                 "' returned parameters of another layout");
    } catch (const std::exception& e) {
      node->free_at = computing;
      at(computing, [this, id, why = node->id + ": training failed: " + e.what()] {
        return core_->task_failed(id, now_, why);
      });
      return {};
    }
    const Seconds compute = train_seconds(node->device, result.samples_seen) * node->train_slowdown;
    const auto update_bytes = wire_size(update_);
    node->sent += update_bytes;
    const Seconds arrives = computing + compute + transfer_seconds(node->device, update_bytes);
    node->free_at = arrives;
    at(computing, [this, id] { return core_->task_computing(id, now_); });
    auto update = std::make_shared<Update>();
    update->task_id = id;
    update->round = s.round;
    update->node = node->id;
    update->shard = s.shard;
    update->base_version = s.version;
    update->samples = result.samples;
    update->loss = result.mean_loss;
    update->seed = s.seed;
    update->score = std::exp(-result.mean_loss);
    update->attack = node->behaviour->attack_label();
    update->run_id = job_.run_id;
    update->params = std::move(update_);
    update_ = models::Parameters{};
    at(arrives, [this, id, update, result, compute, node = node->id] {
      auto verdict = aggregator_->accept(std::move(*update));
      if (verdict.refused()) return core_->task_failed(id, now_, verdict.reason);
      if (verdict.receipt.accepted)
        table_.record_throughput(node, model_key(job_), result.samples_seen, compute);
      TrainResult r{result.samples, result.mean_loss, compute, false, verdict.receipt};
      return core_->train_done(id, now_, r);
    });
    return {};
  }

  Steps evaluate(const Step& s) {
    Steps failed;
    auto* node = start_task(s, failed);
    if (!node) return failed;
    const auto id = s.task;
    const auto global = global_for(*node, id, s.version, failed);
    if (!global) return failed;
    const Seconds start = fetch(*node, std::max(now_, node->free_at), s.version);
    models::ClassificationMetrics m;
    try {
      m = s.held_out ? node->behaviour->evaluate_held_out(*global)
                     : node->behaviour->evaluate(*global);
    } catch (const std::exception& e) {
      node->free_at = start;
      at(start, [this, id, why = node->id + ": evaluation failed: " + std::string(e.what())] {
        return core_->task_failed(id, now_, why);
      });
      return {};
    }
    const auto examples = std::accumulate(m.confusion.begin(), m.confusion.end(), std::int64_t{0});
    node->free_at = start + eval_seconds(node->device, examples) + node->device.latency_s;
    at(node->free_at, [this, id, m] { return core_->evaluated(id, now_, m); });
    return {};
  }

  Steps aggregate(const Step& s) {
    AggregateRequest req{s.round, s.tasks, {}, {}};
    if (s.round > 0) {
      req.failures = round_failures(core_->tracker(), s.round);
      for (auto t : s.tasks) req.task_shards.push_back(core_->task(t).shard);
    }
    AggregateOutcome out;
    try {
      out = aggregator_->aggregate(req);
    } catch (const std::exception& e) {
      return core_->aggregation_failed(e.what());
    }
    return core_->aggregated({out.version, out.changed, out.fingerprint, out.clip_norm, out.secure},
                             now_);
  }

  const JobSpec& job_;
  const VirtualRunOptions& options_;
  std::vector<VirtualNode> nodes_;
  std::map<std::string, std::size_t> index_;
  NodeTable table_{1e300};  // nodes never fall silent on the virtual clock
  std::vector<std::int64_t> shard_sizes_;
  std::int64_t test_size_ = 0;
  std::unique_ptr<AggregatorCore> aggregator_;
  std::unique_ptr<JobCore> core_;
  std::uint64_t model_bytes_ = 0;
  models::Parameters update_;  ///< training's output buffer, reused
  std::priority_queue<Event, std::vector<Event>, Later> events_;
  std::uint64_t seq_ = 0;
  Seconds now_ = 0.0;
  std::optional<RunStatus> status_;
  std::string error_;
};

}  // namespace

std::string virtual_clock_problem(const JobSpec& job) {
  if (job.privacy.secure_aggregation)
    return "--clock virtual does not simulate secure aggregation (--secure-aggregation): its "
           "masking rounds are messages between nodes the virtual clock does not model";
  if (!job.checkpoint.resume.empty())
    return "--clock virtual cannot --resume: a checkpoint holds no virtual time";
  if (job.cluster.preempt) return "--clock virtual runs one job: --preempt has no job to yield to";
  return "";
}

RunReport run_virtual(const JobSpec& job, const VirtualRunOptions& options) {
  RunReport refused;
  refused.config = job;
  refused.mode = job.collab.mode;
  refused.policy = job.cluster.policy;
  refused.clock.kind = "virtual";
  refused.clock.device_profile = options.profile.name;
  if (auto why = job.validate(); !why.empty()) {
    refused.status = RunStatus::refused;
    refused.error = why;
    return refused;
  }
  if (auto why = virtual_clock_problem(job); !why.empty()) {
    refused.status = RunStatus::refused;
    refused.error = why;
    return refused;
  }
  return VirtualRun(job, options).run();
}

}  // namespace troupe::runtime
