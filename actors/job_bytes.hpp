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
///
/// The first leg, submitter to scheduler, goes the other way: the submitter
/// has no data plane to lend from, so it asks the scheduler for a ticket
/// (bulk_atom), sends the bytes to the scheduler's data plane under it and
/// then the job without them (JobSpec's train.script_upload); the scheduler
/// takes them from its data plane when the job comes. So unless a transfer
/// fails (the bytes then go in the message, as before), no leg of a job
/// carries the model in a message, and a model over --max-message travels.

#include <caf/node_id.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "actors/protocol.hpp"
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
/// `timeout_s`, the whole fetch by the job's task timeout, after which the
/// scheduler no longer waits for the set-up); "" when nothing was offered or
/// the bytes came, else why not, as a sentence fragment ("the model's N bytes
/// could not be fetched: ..."). The offer is cleared either way. Does not throw.
std::string fetch_offered_script(runtime::JobSpec& job, double timeout_s);

/// Models up to this size are taken by a scheduler's data plane.
inline constexpr std::uint64_t kMostUploadBytes = std::uint64_t{64} << 30;
/// Upload tickets waiting for their jobs at a time, per scheduler.
inline constexpr std::size_t kMostUploads = 4;
/// Seconds an upload ticket waits for its bytes to begin arriving, and for
/// its job once they arrived.
inline constexpr double kUploadWait = 120.0;
inline constexpr double kUploadKeep = 60.0;

/// The scheduler's side: a ticket of this process's data plane for a job's
/// model of `size` bytes, into `offer`; "" or why not: no data plane, a size
/// out of range, kMostUploads waiting, or the uploads waiting and this one
/// over half of the memory available (the scheduler holds a job's model).
/// The ticket waits kUploadWait for the bytes to begin, and bytes that came
/// kUploadKeep for their job.
std::string upload_ticket(std::uint64_t size, BulkOffer& offer);

/// The scheduler's side: the uploaded model of a submitted `job` (when it has
/// train.script_upload) taken from this process's data plane into it; "" or
/// why not (the job is then refused). Only tickets upload_ticket() issued
/// are taken. Not checked against the job's SHA-256
/// here (a model of gigabytes would hold the actor up): the aggregator and
/// the nodes check it at set-up.
std::string take_uploaded_script(runtime::JobSpec& job);

/// The scheduler's side: drops what `job` uploaded (a job refused before it
/// was taken), so that its bytes do not wait for their ticket to lapse.
void forget_uploaded_script(runtime::JobSpec& job);

/// The submitter's side: uploads `job`'s model to `scheduler`, reached at
/// `host`:`port`, when it has kScriptOfferMin bytes or more, with admission
/// answer `answer` (used up either way); then the job goes without the bytes.
/// "" when it did or nothing was to upload, else why not (the job is
/// unchanged and goes whole). Each stall of the transfer is bounded by
/// `timeout_s`.
std::string upload_script(caf::scoped_actor& self, const scheduler_actor& scheduler,
                          const runtime::Admission& answer, const std::string& host,
                          std::uint16_t port, runtime::JobSpec& job, double timeout_s);

}  // namespace troupe::actors
