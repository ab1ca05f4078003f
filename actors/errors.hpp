#pragma once
/// \file
/// Errors as values between actors. The scheduler's refusals carry a troupe
/// error code (category "troupe") so that callers test the code, never the
/// text; other failures travel as caf::sec::runtime_error with a sentence.
/// describe() turns any caf::error back into a sentence for logs and reports.

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>

#include <cstdint>
#include <string>

namespace troupe::actors {

/// Why the scheduler refused a request.
enum class troupe_error : std::uint8_t {
  admission_refused = 1,  ///< no answer, or a wrong one, to an admission challenge
  no_aggregator,          ///< a node registered before any aggregator did
  bad_registration,       ///< a registration without a node name or handle
  foreign_heartbeat,      ///< a heartbeat from an actor that did not register the node
  no_challenge,           ///< the scheduler could not issue a nonce
  version_mismatch,       ///< the peer speaks another protocol version (hello_atom)
  job_refused,            ///< the job's own input cannot be set up (e.g. its --checkpoint-dir)
  unknown_job,            ///< no job has the id asked for (jobs, follow, fetch, cancel)
  not_finished,           ///< the job has no report yet (fetch)
  /// The aggregator could not read an update's shared block (net/shared_block.hpp):
  /// the node sends the bytes in messages instead.
  shared_block_unreadable,
  /// A node could not fetch the job's model over the scheduler's data plane
  /// (actors/job_bytes.hpp): the scheduler sends it the whole job instead.
  script_unfetched,
};

/// The error category of troupe_error.
inline constexpr caf::atom_value kTroupeErrors = caf::atom("troupe");

/// "admission_refused", "no_aggregator", ...
const char* to_string(troupe_error code);

/// A troupe error with its explanation (the context of the caf::error).
caf::error make_error(troupe_error code, std::string what);

/// True when `err` carries troupe error `code`.
bool is(const caf::error& err, troupe_error code);

/// Registers the troupe category so that the actor system renders its errors.
void add_troupe_errors(caf::actor_system_config& cfg);

/// A troupe failure with its explanation.
caf::error failure(std::string what);

/// "request timed out", "peer is down", "admission refused: ...", or the
/// failure's own text.
std::string describe(const caf::error& err, caf::actor_system& system);

}  // namespace troupe::actors
