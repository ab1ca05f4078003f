#pragma once
/// \file
/// A job on the virtual clock (`troupe run --clock virtual`), the way FedScale
/// evaluates time to accuracy. Training and evaluation really run, with the
/// same job core, aggregator core and node behaviours as a live cluster; only
/// their durations come from a device profile (runtime/simulation/device_profile.hpp):
/// a task takes the model's download, its examples at the node's speed and
/// the update's upload, and nodes work one task at a time. Events reach the
/// cores in the order of their virtual times, so FedAsync mixes and FedBuff
/// buffers updates in the order slow and fast nodes would deliver them, on a
/// machine of any size, and a run gives the same report every time (but for
/// the real time it took). As live: a node downloads a global version only
/// when it does not hold it (a lean node holds none), the core is ticked every
/// 0.5 s (round deadlines), a task unanswered within --task-timeout fails,
/// and a straggler that lost to its backup is measured slow.
///
/// One thread drives everything through one event queue: a virtual clock
/// needs one order of events, which separate actors on their own threads
/// cannot give. The scheduler, aggregator and node actors only translate
/// messages into calls of these same cores, so what is simulated here is the
/// cluster's logic, not a model of it. Aggregation takes no virtual time
/// (the server is assumed fast and well connected).

#include <functional>
#include <string>

#include "runtime/core/job_spec.hpp"
#include "runtime/core/report.hpp"
#include "runtime/simulation/device_profile.hpp"

namespace troupe::runtime {

struct VirtualRunOptions {
  DeviceProfile profile = builtin_device_profile("uniform");
  /// Called after each evaluated round (progress output); may be empty.
  std::function<void(const RoundRecord&, int rounds)> on_round;
};

/// Why `job` cannot run on the virtual clock (a feature it does not
/// simulate), as a sentence naming the option; empty when it can.
std::string virtual_clock_problem(const JobSpec& job);

/// Runs `job` with job.nodes nodes on the virtual clock. The report's times
/// (rounds, tasks, wall_s) are virtual seconds and its `clock` says so.
/// A job virtual_clock_problem refuses comes back with status refused; one
/// that fails (a node's set-up, no placement) with status failed.
RunReport run_virtual(const JobSpec& job, const VirtualRunOptions& options = {});

}  // namespace troupe::runtime
