// One allocation over every job's runnable tasks at each scheduling step, on
// shared nodes: the jobs' cores leave their rounds' training tasks runnable
// (JobCoreInputs::joint), and this places them together
// (runtime::plan_joint_step).

#include <map>

#include "actors/scheduler_state.hpp"
#include "runtime/system/log.hpp"

namespace troupe::actors {

SchedulingStep::~SchedulingStep() {
  if (--self_->state.steps_depth > 0) return;
  try {
    place_jointly(self_);
  } catch (const std::exception& e) {  // a destructor: nothing may leave it
    self_->state.placing = false;
    runtime::logging::error(std::string("joint placement failed: ") + e.what());
  }
}

void place_jointly(SchedulerPtr self) {
  auto& st = self->state;
  if (st.placing || !st.sharing()) return;
  const JobRun* top = nullptr;  // the highest-priority job with runnable tasks: its policy
  for (const auto& [serial, run] : st.runs)
    if (run.core && !run.core->ended() && !run.core->runnable().empty() &&
        (!top || run.spec.cluster.priority > top->spec.cluster.priority))
      top = &run;
  if (!top) return;  // most steps: nothing waits
  // One unit for every job: examples per second. A model not measured yet
  // takes the mean of those measured (all alike: the relative speeds).
  std::map<std::string, double> means;
  double measured = 0.0;
  int models = 0;
  for (const auto& [serial, run] : st.runs) {
    const auto model = runtime::model_key(run.spec);
    if (means.count(model)) continue;
    means[model] = st.table.mean_throughput(model);
    if (means[model] > 0.0) measured += means[model], ++models;
  }
  const double fallback = models > 0 ? measured / models : 1.0;
  std::vector<runtime::JointJob> jobs;
  std::vector<std::uint64_t> serials;
  for (const auto& [serial, run] : st.runs) {
    if (!run.core) continue;
    const auto model = runtime::model_key(run.spec);
    const double mean = means[model];
    const double scale = mean > 0.0 ? mean : fallback;
    const auto* table = &st.table;
    jobs.push_back({run.core.get(), run.spec.cluster.priority, run.spec.cluster.preempt,
                    [table, model, mean, scale](const std::string& id) {
                      return table->find(id) ? table->planning_speed(id, model, mean) * scale : 0.0;
                    }});
    serials.push_back(serial);
  }
  std::unique_ptr<runtime::Allocator> policy;
  try {
    policy = runtime::make_allocator(top->spec.cluster.policy);
  } catch (const std::exception&) {
    policy = runtime::make_allocator("priority");  // checked at submission; a plugin's may be gone
  }
  const auto plan = runtime::plan_joint_step(jobs, *policy);
  if (runtime::logging::enabled(runtime::logging::Level::debug))
    runtime::logging::debug("joint placement: " + std::to_string(plan.tasks) + " tasks of " +
                            std::to_string(plan.jobs) + " jobs on " +
                            std::to_string(plan.step.room_s.size()) + " nodes, " +
                            std::to_string(plan.step.by_policy) + " placed by " + policy->name());
  st.placing = true;
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    auto* run = st.run(serials[j]);
    if (!run || !run->core || run->core->runnable().empty()) continue;
    const auto placed = static_cast<int>(plan.node_of[j].size());
    run->placed_jointly += placed;
    if (plan.jobs > 1) run->placed_with_others += placed;
    run_steps(self, serials[j], run->core->place(plan.node_of[j], run->now()));
  }
  st.placing = false;
  // The steps carried out above may have left tasks runnable again: a step of their own.
  place_jointly(self);
}

}  // namespace troupe::actors
