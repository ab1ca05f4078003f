#include "runtime/scheduling/job_core.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <stdexcept>

#include "runtime/core/privacy_plan.hpp"
#include "runtime/scheduling/async_job_core.hpp"
#include "runtime/scheduling/sync_job_core.hpp"

namespace troupe::runtime {

void JobCore::task_started(std::int64_t id, Seconds now) {
  if (!ended_) on_task_started(id, now);
}

Steps JobCore::checkpointed(Seconds now) {
  if (ended_) return {};
  if (!pause_only_) {
    ++checkpoints_.written;
    checkpoints_.last_written_round = round();
  }
  if (pausing_) return seal({Step::paused(round())});
  return seal(on_checkpointed(now));
}

Steps JobCore::checkpoint_failed(int round, Seconds now, const std::string& why) {
  if (ended_) return {};
  const bool only_for_pause = pause_only_;
  pausing_ = pause_only_ = false;  // the pause waits for the next boundary
  if (only_for_pause) return seal(on_checkpointed(now));
  ++checkpoints_.failed;
  checkpoints_.last_error = "after round " + std::to_string(round) + ": " + why;
  if (checkpoint_required_)
    return seal({Step::failed("the checkpoint after round " + std::to_string(round) +
                              " could not be written (--checkpoint-required): " + why)});
  return seal(on_checkpointed(now));
}

void JobCore::add_privacy(RunReport& report) const {
  if (requested_rounds_ > 0) report.config.rounds = requested_rounds_;
  for (auto& r : report.rounds)
    if (auto it = secure_rounds_.find(r.round); it != secure_rounds_.end()) r.secure = it->second;
  // What each round's secure sums held: a sum with fewer updates than planned
  // carried less of distributed DP's noise (runtime/core/privacy_plan.hpp).
  std::vector<SummedUpdates> summed;
  for (const auto& r : report.rounds) summed.push_back({r.secure.included, r.secure.sums});
  report.privacy =
      privacy_record(report.config, static_cast<int>(report.rounds.size()), clip_norms_, summed);
}

void JobCore::add_secure(const SecureSumRecord& sum) {
  secure_pending_.participants += sum.participants;
  secure_pending_.included += sum.included;
  secure_pending_.recovered += sum.recovered;
  secure_pending_.excluded += sum.excluded;
  secure_pending_.sums += sum.sums;
}

bool JobCore::open(std::int64_t id) const {
  return !ended_ && tracker().contains(id) && !tracker().get(id).terminal();
}

Steps JobCore::seal(Steps steps) {
  for (auto& s : steps)
    if (s.kind == Step::Kind::announce && !s.records.empty() && secure_pending_.sums > 0) {
      s.records.back().secure = secure_pending_;
      secure_rounds_[s.records.back().round] = secure_pending_;
      secure_pending_ = {};
    }
  auto last = std::find_if(steps.begin(), steps.end(), [](const Step& s) { return s.final(); });
  if (last != steps.end()) {
    ended_ = true;
    steps.erase(last + 1, steps.end());
  }
  return steps;
}

// The only place that reads the job's mode: every other part asks the core.
std::unique_ptr<JobCore> make_job_core(JobCoreInputs inputs) {
  const bool required = inputs.spec.checkpoint.required;
  // --dp-target-epsilon: the job runs only the rounds whose epsilon stays
  // within the target (a pure function of the options, known up front).
  const int requested = inputs.spec.rounds;
  inputs.spec.rounds = std::max(1, rounds_within_budget(inputs.spec));
  std::unique_ptr<JobCore> core;
  if (inputs.spec.collab.mode == runtime::Mode::sync)
    core = std::make_unique<SyncJobCore>(std::move(inputs));
  else if (inputs.spec.collab.mode == runtime::Mode::async ||
           inputs.spec.collab.mode == runtime::Mode::buffered)
    core = std::make_unique<AsyncJobCore>(std::move(inputs));
  if (core) {
    core->checkpoint_required_ = required;
    core->requested_rounds_ = requested;
    return core;
  }
  throw std::invalid_argument("unknown job mode '" + runtime::to_string(inputs.spec.collab.mode) +
                              "'");
}

const std::vector<std::string>& job_core_modes() {
  static const std::vector<std::string> modes{"sync", "async", "buffered"};
  return modes;
}

std::string collaboration_label(const JobSpec& spec) {
  if (spec.collab.mode == runtime::Mode::async) return "fedasync";
  if (spec.collab.mode == runtime::Mode::buffered) return "fedbuff";
  return spec.collab.strategy;
}

JointPlan plan_joint_step(const std::vector<JointJob>& jobs, const Allocator& policy) {
  JointPlan plan;
  plan.node_of.resize(jobs.size());
  std::vector<std::pair<std::size_t, std::int64_t>> who;  // (job, task id) per task
  std::vector<JointTask> tasks;
  std::vector<std::map<std::size_t, double>> speeds;  // per task: node index -> speed
  std::vector<JointNode> nodes;
  std::map<std::string, std::size_t> index;
  double lowest = std::numeric_limits<double>::infinity();
  bool all_preempt = true;
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    const auto& job = jobs[j];
    if (!job.core || job.core->ended()) continue;
    const auto runnable = job.core->runnable();
    if (runnable.empty()) continue;
    ++plan.jobs;
    lowest = std::min(lowest, job.priority);
    all_preempt = all_preempt && job.preempt;
    for (const auto& r : runnable) {
      JointTask t;
      t.id = static_cast<std::int64_t>(tasks.size());
      t.weight = job.priority;
      t.examples = r.examples;
      auto& speed = speeds.emplace_back();
      for (const auto& id : r.nodes) {
        const double s = job.speed(id);
        if (s <= 0.0) continue;
        const auto [it, added] = index.emplace(id, nodes.size());
        if (added) nodes.push_back({id, 0.0});
        speed[it->second] = s;
      }
      tasks.push_back(std::move(t));
      who.emplace_back(j, r.id);
    }
  }
  plan.tasks = tasks.size();
  if (tasks.empty()) return plan;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    tasks[i].speed.assign(nodes.size(), 0.0);
    for (const auto& [k, v] : speeds[i]) tasks[i].speed[k] = v;
  }
  // The work the step's nodes hold: a node runs its queue highest priority
  // first, so of lower jobs only a task that computes delays the step, and
  // not even that one when the step's tasks stop it (--preempt).
  for (const auto& job : jobs) {
    if (!job.core) continue;
    const bool lower = job.priority < lowest;
    if (lower && all_preempt) continue;
    for (const auto& t : job.core->tracker().tasks()) {
      // Sent (running): an evaluation is assigned at its round's start but
      // goes out only after the aggregation.
      if (t.state != TaskState::running) continue;
      if (lower && job.core->computing_at(t.id) == kNever) continue;
      const auto it = index.find(t.node);
      if (it == index.end()) continue;
      const double s = job.speed(t.node);
      if (s > 0.0) nodes[it->second].held_s += t.demand / s;
    }
  }
  plan.step = place_jointly(tasks, nodes, policy);
  for (std::size_t i = 0; i < tasks.size(); ++i)
    if (const int k = plan.step.node_of[i]; k >= 0)
      plan.node_of[who[i].first][who[i].second] = nodes[static_cast<std::size_t>(k)].id;
  return plan;
}

}  // namespace troupe::runtime
