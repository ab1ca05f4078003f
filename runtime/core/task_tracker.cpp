#include "runtime/core/task_tracker.hpp"

#include <stdexcept>

namespace troupe::runtime {
namespace {

[[noreturn]] void bad_transition(const Task& t, const char* to) {
  throw std::logic_error("task " + std::to_string(t.id) + ": cannot go from " + to_string(t.state) +
                         " to " + to);
}

}  // namespace

Task& TaskTracker::add(Task task, Seconds now) {
  if (index_.count(task.id))
    throw std::logic_error("task " + std::to_string(task.id) + " added twice");
  task.state = TaskState::queued;
  task.queued_at = now;
  index_[task.id] = tasks_.size();
  tasks_.push_back(std::move(task));
  return tasks_.back();
}

Task& TaskTracker::at(std::int64_t id) {
  auto it = index_.find(id);
  if (it == index_.end()) throw std::logic_error("unknown task " + std::to_string(id));
  return tasks_[it->second];
}

const Task& TaskTracker::get(std::int64_t id) const {
  auto it = index_.find(id);
  if (it == index_.end()) throw std::logic_error("unknown task " + std::to_string(id));
  return tasks_[it->second];
}

void TaskTracker::assign(std::int64_t id, const std::string& node, Seconds now) {
  auto& t = at(id);
  if (t.state != TaskState::queued) bad_transition(t, "assigned");
  t.state = TaskState::assigned;
  t.node = node;
  t.assigned_at = now;
}

void TaskTracker::start(std::int64_t id, Seconds now) {
  auto& t = at(id);
  if (t.state != TaskState::assigned) bad_transition(t, "running");
  t.state = TaskState::running;
  t.started_at = now;
}

void TaskTracker::finish(std::int64_t id, Seconds now, std::int64_t samples, double loss,
                         Seconds busy_s) {
  auto& t = at(id);
  if (t.state != TaskState::running) bad_transition(t, "done");
  if (busy_s >= 0.0 && now - busy_s > t.started_at) t.started_at = now - busy_s;
  t.state = TaskState::done;
  t.finished_at = now;
  t.samples = samples;
  t.loss = loss;
}

void TaskTracker::fail(std::int64_t id, Seconds now, const std::string& reason) {
  auto& t = at(id);
  if (t.terminal()) bad_transition(t, "failed");
  t.state = TaskState::failed;
  t.finished_at = now;
  t.error = reason;
}

void TaskTracker::set_versions(std::int64_t id, std::int64_t base_version, std::int64_t version,
                               std::int64_t staleness) {
  auto& t = at(id);
  t.base_version = base_version;
  t.version = version;
  t.staleness = staleness;
}

}  // namespace troupe::runtime
