#pragma once
// A small hand-made run report for the report tests: 2 rounds on 2 nodes,
// one failed task that was reassigned, and a node name that needs escaping.

#include "runtime/core/report.hpp"

namespace troupe::test {

inline runtime::RunReport sample_run(const std::string& odd_node = "n<2>&\"x\"") {
  using runtime::Task;
  using runtime::TaskKind;
  using runtime::TaskState;
  runtime::RunReport r;
  r.policy = "priority";
  r.strategy = "fedavg";
  r.config.name = "sample";
  r.config.nodes = 2;
  r.config.rounds = 2;
  r.config.train.model = runtime::ModelKind::mlp;
  r.model_fingerprint = "abc123";
  r.wall_s = 4.5;
  const auto task = [](std::int64_t id, TaskKind kind, int round, std::string node, TaskState state,
                       double start, double end) {
    Task t;
    t.id = id;
    t.kind = kind;
    t.round = round;
    t.shard = kind == TaskKind::train ? static_cast<int>(id % 2) : -1;
    t.node = std::move(node);
    t.state = state;
    t.priority = kind == TaskKind::train ? 1.0 : 2.0;
    t.queued_at = 0.0;
    t.assigned_at = start < 0 ? runtime::kNever : start;
    t.started_at = start;
    t.finished_at = end;
    t.samples = kind == TaskKind::train ? 500 : 0;
    t.loss = 0.5;
    return t;
  };
  r.tasks = {task(1, TaskKind::train, 1, "n1", TaskState::done, 0.0, 1.0),
             task(2, TaskKind::train, 1, odd_node, TaskState::done, 0.0, 2.0),
             task(3, TaskKind::evaluate, 1, "n1", TaskState::done, 2.0, 2.5),
             task(4, TaskKind::train, 2, odd_node, TaskState::failed, -1.0, -1.0),
             task(5, TaskKind::train, 2, "n1", TaskState::done, 2.5, 3.5),
             task(6, TaskKind::evaluate, 2, "n1", TaskState::done, 3.5, 4.0)};
  r.tasks[3].error = "node <lost>";
  r.tasks[4].reassigned_from = 4;
  r.tasks[4].backup_of = 2;
  runtime::RoundRecord r1, r2;
  r1.round = 1;
  r1.version = 1;
  r1.accuracy = 0.71875;
  r1.f1 = 0.7;
  r1.loss = 0.9;
  r1.updates = 2;
  r2.round = 2;
  r2.version = 2;
  r2.accuracy = 0.8125;
  r2.f1 = 0.80078125;
  r2.loss = 0.6;
  r2.updates = 1;
  r2.failed = 1;
  r2.backups = 1;
  r2.backups_won = 1;
  r.rounds = {r1, r2};
  r.final_metrics.accuracy = 0.8125;
  r.final_metrics.precision = 0.81;
  r.final_metrics.recall = 0.82;
  r.final_metrics.f1 = 0.80078125;
  r.final_metrics.loss = 0.6;
  r.final_metrics.num_classes = 2;
  r.final_metrics.confusion = {10, 1, 3, 14};
  runtime::summarise(r, {"n1", odd_node});
  return r;
}

}  // namespace troupe::test
