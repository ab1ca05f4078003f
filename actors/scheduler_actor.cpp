#include "actors/scheduler_actor.hpp"

#include <chrono>
#include <memory>
#include <optional>

#include "actors/errors.hpp"
#include "runtime/sync_job.hpp"

namespace troupe::actors {
namespace {

using Clock = std::chrono::steady_clock;

struct SchedulerState {
  SchedulerConfig config;
  std::unique_ptr<runtime::SyncJob> job;
  std::optional<caf::typed_response_promise<runtime::RunReport>> reply;
  runtime::JobSpec spec;
  Clock::time_point started;
  std::int64_t version = 0;
  std::string policy;

  double now() const { return std::chrono::duration<double>(Clock::now() - started).count(); }
  std::chrono::milliseconds timeout() const {
    return std::chrono::milliseconds(static_cast<std::int64_t>(spec.task_timeout_s * 1000.0));
  }
  const NamedNode& node(const std::string& id) const {
    for (const auto& n : config.nodes)
      if (n.id == id) return n;
    throw std::logic_error("unknown node " + id);
  }

  static inline const char* name = "troupe.scheduler";
};

using SchedulerPtr = scheduler_actor::stateful_pointer<SchedulerState>;

void start_round(SchedulerPtr self);

/// Ends the job: replies with the report, successful or not.
void finish(SchedulerPtr self, const std::string& status, const std::string& error) {
  auto& st = self->state;
  if (!st.reply) return;
  runtime::RunReport report;
  if (st.job) {
    report = st.job->report(st.now(), status, error);
  } else {
    report.status = status;
    report.error = error;
    report.config = st.spec;
    report.policy = st.spec.policy;
  }
  report.strategy = "fedavg";
  st.reply->deliver(std::move(report));
  st.reply.reset();
  st.job.reset();
}

void run_evaluation(SchedulerPtr self) {
  auto& st = self->state;
  const auto& task = st.job->eval_task();
  const auto id = task.id;
  const auto round = st.job->round();
  st.job->task_started(id, st.now());
  self->request(st.node(task.node).handle, st.timeout(), eval_atom::value,
                EvalTask{id, round, st.version})
      .then(
          [self, id](const models::ClassificationMetrics& m) {
            auto& st = self->state;
            if (!st.job) return;
            st.job->eval_done(id, st.now(), m, st.version);
            if (st.config.on_round) st.config.on_round(st.job->rounds().back(), st.spec.rounds);
            if (st.job->finished())
              finish(self, "ok", "");
            else
              start_round(self);
          },
          [self, id](caf::error& err) {
            auto& st = self->state;
            if (!st.job) return;
            const auto why = describe(err, self->system());
            st.job->task_failed(id, st.now(), why);
            finish(self, "failed", "evaluation task " + std::to_string(id) + " failed: " + why);
          });
}

void aggregate_if_complete(SchedulerPtr self) {
  auto& st = self->state;
  if (!st.job || !st.job->training_complete()) return;
  const auto round = st.job->round();
  if (st.job->updates_in_round() == 0) {
    finish(self, "failed", "no node delivered an update in round " + std::to_string(round));
    return;
  }
  self->request(st.config.aggregator, st.timeout(), aggregate_atom::value,
                static_cast<std::int32_t>(round))
      .then(
          [self](const AggregateOutcome& out) {
            self->state.version = out.version;
            run_evaluation(self);
          },
          [self](caf::error& err) {
            finish(self, "failed", "aggregation failed: " + describe(err, self->system()));
          });
}

void start_round(SchedulerPtr self) {
  auto& st = self->state;
  std::vector<std::int64_t> ids;
  try {
    ids = st.job->start_next_round(st.now());
  } catch (const std::exception& e) {
    finish(self, "failed", e.what());
    return;
  }
  for (auto id : ids) {
    const auto& task = st.job->task(id);
    TrainTask msg{id, task.round, task.shard, st.version, task.seed};
    st.job->task_started(id, st.now());
    self->request(st.node(task.node).handle, st.timeout(), train_atom::value, msg)
        .then(
            [self, id](const TrainOutcome& out) {
              auto& st = self->state;
              if (!st.job) return;
              st.job->train_done(id, st.now(), out.samples, out.mean_loss, out.compute_s);
              aggregate_if_complete(self);
            },
            [self, id](caf::error& err) {
              auto& st = self->state;
              if (!st.job) return;
              st.job->task_failed(id, st.now(), describe(err, self->system()));
              aggregate_if_complete(self);
            });
  }
}

/// Sets up the aggregator and every node, then starts round 1.
void set_up(SchedulerPtr self) {
  auto& st = self->state;
  auto pending = std::make_shared<std::size_t>(st.config.nodes.size() + 1);
  auto summary = std::make_shared<std::optional<DataSummary>>();
  auto failure = std::make_shared<std::string>();
  auto done_one = [self, pending, summary, failure] {
    if (--*pending > 0) return;
    auto& st = self->state;
    if (!failure->empty()) {
      finish(self, "failed", *failure);
      return;
    }
    std::vector<runtime::NodeInfo> nodes;
    for (const auto& n : st.config.nodes) nodes.push_back({n.id, n.speed});
    try {
      st.job = std::make_unique<runtime::SyncJob>(
          st.spec, (*summary)->shard_sizes, (*summary)->test_size,
          runtime::make_allocator(st.spec.policy), std::move(nodes));
    } catch (const std::exception& e) {
      finish(self, "failed", e.what());
      return;
    }
    start_round(self);
  };
  auto record_failure = [self, failure](caf::error& err) {
    if (failure->empty()) *failure = describe(err, self->system());
  };
  self->request(st.config.aggregator, st.timeout(), setup_atom::value, st.spec)
      .then(
          [self, done_one](std::int64_t version) {
            self->state.version = version;
            done_one();
          },
          [done_one, record_failure](caf::error& err) {
            record_failure(err);
            done_one();
          });
  for (const auto& n : st.config.nodes) {
    self->request(n.handle, st.timeout(), setup_atom::value, st.spec)
        .then(
            [summary, done_one](const DataSummary& s) {
              if (!*summary) *summary = s;
              done_one();
            },
            [done_one, record_failure](caf::error& err) {
              record_failure(err);
              done_one();
            });
  }
}

scheduler_actor::behavior_type scheduler_behavior(SchedulerPtr self, SchedulerConfig config) {
  self->state.config = std::move(config);
  return {
      [self](submit_atom, const runtime::JobSpec& spec) {
        auto& st = self->state;
        auto rp = self->make_response_promise<runtime::RunReport>();
        if (st.reply) {
          runtime::RunReport busy;
          busy.status = "failed";
          busy.error = "the scheduler is already running a job";
          busy.config = spec;
          rp.deliver(std::move(busy));
          return rp;
        }
        st.spec = spec;
        st.reply = rp;
        st.started = Clock::now();
        st.version = 0;
        if (auto why = spec.validate(); !why.empty()) {
          finish(self, "failed", why);
        } else if (st.config.nodes.empty()) {
          finish(self, "failed", "no nodes are registered");
        } else {
          try {
            runtime::make_allocator(spec.policy);
            set_up(self);
          } catch (const std::exception& e) {
            finish(self, "failed", e.what());
          }
        }
        return rp;
      },
  };
}

}  // namespace

scheduler_actor spawn_scheduler(caf::actor_system& system, SchedulerConfig config) {
  return system.spawn(scheduler_behavior, std::move(config));
}

}  // namespace troupe::actors
