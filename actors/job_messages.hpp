#pragma once
/// \file
/// The messages of a scheduler's job requests (`troupe jobs | wait | report |
/// cancel`, `submit --detach`): their atoms, the job list and its
/// serialisation. Part of the protocol (actors/protocol.hpp includes it and
/// registers JobList); kept apart so that the protocol header stays readable.

#include <caf/all.hpp>

#include <vector>

#include "runtime/io/job_index.hpp"

namespace troupe::actors {

/// The scheduler's answer to jobs_atom: every job it knows, in id order.
struct JobList {
  std::vector<runtime::JobRecord> jobs;
};

/// The name under which `troupe jobs | wait | report | cancel` answer challenges.
inline constexpr char kJobsName[] = "jobs";

/// An attached submitter's job id (`job-N`), sent to it once the job is accepted.
using job_atom = caf::atom_constant<caf::atom("job")>;
/// Submits without following; the answer is the job's id once it is accepted.
using detach_atom = caf::atom_constant<caf::atom("detach")>;
/// Lists every job (JobList).
using jobs_atom = caf::atom_constant<caf::atom("jobs")>;
/// Follows a job: progress messages while it runs, then its JSON report as
/// the answer (at once for a finished job).
using follow_atom = caf::atom_constant<caf::atom("follow")>;
/// A finished job's reports: JSON text and the HTML page.
using fetch_atom = caf::atom_constant<caf::atom("fetch")>;
/// Cancels a job: a queued one is removed, a running one stopped (its report
/// says cancelled). The answer: whether this request cancelled it, and the
/// job's state now.
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobList& x) {
  return f(caf::meta::type_name("troupe.JobList"), x.jobs);
}

}  // namespace troupe::actors

namespace troupe::runtime {

/// The state travels as its underlying integer.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobRecord& x) {
  return f(caf::meta::type_name("troupe.JobRecord"), x.id, x.name, x.state, x.submitted, x.started,
           x.finished, x.rounds, x.rounds_done, x.accuracy, x.note, x.priority, x.deadline_s,
           x.preempted);
}

}  // namespace troupe::runtime
