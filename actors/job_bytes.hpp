#pragma once
/// \file
/// A job's TorchScript bytes go to actors in other processes over the data
/// plane (net/bulk_channel.hpp), not inside the set-up message. In a message
/// they counted against --max-message and CAF kept a serialising buffer of
/// their size for every connection they crossed: a scheduler that set up
/// nodes in other processes for a job with an 80 MB model held about 80 MB
/// more per node for its whole life (docs/benchmarks.md, "Aggregator memory").
///
/// The sender lends the bytes under a ticket of its process's data plane and
/// sends the job without them but with the ticket (JobSpec's
/// train.script_offer); the receiver fetches them before it sets up and
/// checks them against the job's SHA-256 as before (check_model_script).
/// Within a process, under TLS (no data plane) or for bytes under
/// kScriptOfferMin, the job goes whole, as before.

#include <caf/node_id.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "runtime/core/job_spec.hpp"

namespace troupe::actors {

/// Scripts of this size or more are offered over the data plane.
inline constexpr std::uint64_t kScriptOfferMin = std::uint64_t{1} << 20;

/// The job to send to an actor on node `receiver` from this process (`here`):
/// `job` itself (never with an offer it came with), or a copy whose script is
/// lent under a ticket that lapses unused after `lifetime` (a minute at most;
/// see the file's comment). `whole`: never lent (a receiver that could not
/// fetch before).
runtime::JobSpec job_for(const caf::node_id& receiver, const caf::node_id& here,
                         const runtime::JobSpec& job, std::chrono::milliseconds lifetime,
                         bool whole = false);

/// Fetches the script `job` was offered into it (each stall bounded by
/// `timeout_s`); "" when nothing was offered or the bytes came, else why not,
/// as a sentence fragment ("the model's N bytes could not be fetched: ...").
/// The offer is cleared either way. Does not throw.
std::string fetch_offered_script(runtime::JobSpec& job, double timeout_s);

}  // namespace troupe::actors
