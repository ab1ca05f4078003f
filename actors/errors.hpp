#pragma once
/// \file
/// Errors as values between actors: troupe's failures travel as
/// caf::sec::runtime_error with a human-readable string; this turns any
/// caf::error back into a sentence for logs and reports.

#include <caf/actor_system.hpp>
#include <caf/error.hpp>

#include <string>

namespace troupe::actors {

/// A troupe failure with its explanation.
caf::error failure(std::string what);

/// "request timed out", "peer is down", or the failure's own text.
std::string describe(const caf::error& err, caf::actor_system& system);

}  // namespace troupe::actors
