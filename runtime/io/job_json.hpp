#pragma once
/// \file
/// JobSpec as JSON: the "config" object of reports and the first line of an
/// asynchronous event log. Every field has a stable key (runtime/core/job_fields.hpp);
/// reading ignores unknown keys and keeps defaults for missing ones.

#include <nlohmann/json_fwd.hpp>

#include "runtime/core/job_spec.hpp"

namespace troupe::runtime {

nlohmann::json job_to_json(const JobSpec& job);

/// Throws std::runtime_error naming the key when a value has the wrong type,
/// or with the CLI's sentence when an enum option has an unknown name.
JobSpec job_from_json(const nlohmann::json& j);

}  // namespace troupe::runtime
