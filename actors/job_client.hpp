#pragma once
/// \file
/// The client side of a scheduler's jobs (`troupe jobs | wait | report |
/// cancel`): one connection, one admission answer under kJobsName, one
/// request. Each call returns an exit code: 0 done, 1 the scheduler cannot be
/// reached, refuses, or the job has no report yet, 2 no such job id.

#include <functional>
#include <string>

#include "actors/endpoint.hpp"
#include "actors/protocol.hpp"

namespace troupe::actors {

/// What every job request needs: where the scheduler is and how to reach it.
struct JobClientOptions {
  Endpoint scheduler;
  ProcessOptions common;
};

/// The outcome of a request: its exit code and, when not 0, why.
struct JobReply {
  int code = 0;
  std::string why;
};

/// Every job the scheduler knows.
JobReply request_jobs(const JobClientOptions& options, JobList& out);

/// Follows job `id` (progress to `on_round`, the scheduler's notices of it to
/// `on_notice` when given) until it ends; `report_json` is its JSON report (at
/// once for a finished job).
JobReply follow(const JobClientOptions& options, const std::string& id,
                const std::function<void(const runtime::RoundRecord&)>& on_round,
                std::string& report_json,
                const std::function<void(const std::string&)>& on_notice = {});

/// A finished job's JSON report and HTML page.
JobReply fetch_reports(const JobClientOptions& options, const std::string& id, std::string& json,
                       std::string& html);

/// Cancels job `id`; `cancelled` is false when it had already finished, in
/// `state`.
JobReply request_cancel(const JobClientOptions& options, const std::string& id, bool& cancelled,
                        std::string& state);

}  // namespace troupe::actors
