#include "actors/aggregator_actor.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <tuple>

#include "actors/aggregator_state.hpp"
#include "actors/errors.hpp"
#include "actors/job_bytes.hpp"
#include "runtime/secagg/wire_format.hpp"
#include "runtime/secure/buffer_cohorts.hpp"
#include "runtime/secure/secure_round.hpp"
#include "runtime/system/log.hpp"
#include "runtime/system/memory_tuning.hpp"

namespace troupe::actors {

namespace aggregator {

namespace logging = runtime::logging;
using logging::Level;

SecAggMessage reply_message(const AggregatorState& st, std::int64_t cohort,
                            const runtime::SecureReply& r) {
  return SecAggMessage{st.job.run_id,  cohort,    r.task_id, static_cast<std::int32_t>(r.stage),
                       r.participants, r.payload, 0,         {}};
}

/// Who sent the message in hand: parts in progress belong to their sender.
std::string sender_of(AggregatorPtr self) {
  return caf::to_string(self->current_sender());
}

/// The secure sum of round `cohort`, opened on its first message.
runtime::SecureRound& secure_round(AggregatorState& st, std::int64_t cohort) {
  return st.secure
      .try_emplace(cohort, runtime::secure_cohort_tag(st.job.run_id, cohort), st.secure_length,
                   st.stage_timeout_s())
      .first->second;
}

/// Answers the waiting messages among `replies`; a refusal is logged, naming its task.
void deliver(AggregatorState& st, std::int64_t cohort,
             const std::vector<runtime::SecureReply>& replies) {
  for (const auto& r : replies) {
    if (!r.ok)
      logging::Line(Level::warn) << "troupe aggregator: secure sum of round " << cohort << ": "
                                 << r.reason;
    auto it = st.waiting.find({cohort, r.task_id, static_cast<std::int32_t>(r.stage)});
    if (it == st.waiting.end()) continue;
    if (r.ok)
      it->second.deliver(reply_message(st, cohort, r));
    else
      it->second.deliver(failure(r.reason));
    st.waiting.erase(it);
  }
}

/// The round's secure sum ended: combines it (or fails the aggregate request)
/// and forgets the round.
void complete_secure(AggregatorState& st, runtime::SecureRound& round) {
  auto pending = std::move(*st.pending);
  st.pending.reset();
  const auto r = pending.request.round;
  try {
    if (!round.result())
      throw std::runtime_error("secure aggregation of round " + std::to_string(r) +
                               " failed: " + round.failure());
    const auto& sum = *round.result();
    const auto base = st.core->get(st.core->version());
    auto decoded =
        runtime::secagg::decode_sum(sum.sum, *base, runtime::secure_code(round.participants()));
    std::vector<runtime::UpdateFailure> excluded;
    for (auto id : round.absent())
      excluded.push_back({id, "", "did not advertise keys for the secure sum"});
    auto out = st.core->aggregate_secure(pending.request, decoded.average_change, excluded);
    auto& rec = out.secure;
    rec.participants = static_cast<int>(pending.request.task_ids.size());
    rec.included = static_cast<int>(sum.included.size());
    rec.recovered = static_cast<int>(sum.recovered.size());
    rec.excluded = rec.participants - rec.included - rec.recovered;
    rec.sums = 1;
    out.updates = rec.included;
    logging::Line line(Level::info);
    line << "troupe aggregator: secure sum of round " << r << ": " << rec.included << " of "
         << rec.participants << " tasks in the sum, " << rec.recovered << " dropouts recovered";
    for (auto id : sum.recovered) line << "; task " << id << " dropped after sharing";
    for (auto id : round.absent()) line << "; task " << id << " never advertised";
    for (const auto& why : sum.excluded) line << "; " << why;
    for (const auto& why : sum.refused_shares) line << "; " << why;
    pending.promise.deliver(out);
  } catch (const std::exception& e) {
    pending.promise.deliver(failure(e.what()));
  }
  for (auto it = st.waiting.begin(); it != st.waiting.end();)
    if (std::get<0>(it->first) <= r) {
      it->second.deliver(failure("the secure sum of round " + std::to_string(r) + " ended"));
      it = st.waiting.erase(it);
    } else {
      ++it;
    }
  st.secure.erase(st.secure.begin(), st.secure.upper_bound(r));
  st.secure_done = r;
}

/// Wakes the actor up (tick) at `deadline`.
void arm(AggregatorPtr self, std::optional<double> deadline) {
  auto& st = self->state;
  if (!deadline || deadline == st.armed) return;
  st.armed = deadline;
  const auto wait = std::max(0.0, *deadline - st.now()) + 0.01;
  self->delayed_send(self, std::chrono::milliseconds(static_cast<std::int64_t>(wait * 1000.0)),
                     tick_atom::value);
}

/// After any change to round (or buffer) `cohort`: completes it when its sum
/// ended (and, in rounds, the aggregate request is in), else wakes up at its
/// next deadline.
void follow_up(AggregatorPtr self, std::int64_t cohort) {
  auto& st = self->state;
  auto it = st.secure.find(cohort);
  if (it == st.secure.end()) return;
  if (it->second.finished() && st.buffered()) {
    complete_buffer(self, cohort, it->second);
    return;
  }
  if (it->second.finished() && st.pending && st.pending->request.round == cohort) {
    complete_secure(st, it->second);
    return;
  }
  arm(self, it->second.deadline());
}

aggregator_actor::behavior_type aggregator_behavior(AggregatorPtr self, AggregatorConfig config) {
  self->state.config = std::move(config);
  return {
      [self](setup_atom, const runtime::JobSpec& sent) -> caf::result<std::int64_t> {
        auto& st = self->state;
        st.core.reset();
        // A large model's bytes come over the scheduler's data plane
        // (actors/job_bytes.hpp), each stall bounded as a node's fetch.
        std::optional<runtime::JobSpec> fetched;
        if (!sent.train.script_offer.ticket.empty()) {
          fetched = sent;
          const double stall = std::min(30.0, sent.cluster.task_timeout_s / 4.0);
          if (auto why = fetch_offered_script(*fetched, stall); !why.empty())
            return make_error(troupe_error::script_unfetched, "the aggregator: " + why);
        }
        const auto& job = fetched ? *fetched : sent;
        try {
          auto opened = runtime::open_aggregator(job, st.config);
          st.job = job;
          st.core = std::move(opened.core);
          st.secure.clear();
          st.in_parts =
              net::UpdateParts(AggregatorState::kMostUpdatesInParts, job.cluster.task_timeout_s);
          st.secure_parts =
              net::UpdateParts(AggregatorState::kMostUpdatesInParts, job.cluster.task_timeout_s);
          forget_bulk_tickets(st);
          st.shared_models.clear();
          st.waiting.clear();
          st.pending.reset();
          st.secure_done = 0;
          st.buffers.reset();
          st.joins.clear();
          st.bases.clear();
          st.flushing.reset();
          st.scheduler = self->current_sender();
          if (st.buffered())
            st.buffers.emplace(job.async.buffer_size, st.stage_timeout_s(),
                               job.async.max_staleness);
          if (job.privacy.secure_aggregation) {
            const auto model = st.core->get(st.core->version());
            st.secure_length = static_cast<std::int64_t>(
                runtime::secagg::encode_update(*model, *model, 1.0, runtime::secure_code(2))
                    .size());
          }
          if (opened.resumed_after)
            logging::Line(Level::info)
                << "troupe aggregator: resumed after round " << *opened.resumed_after
                << " at version " << st.core->version();
          // The set-up's probe module and export are freed: hand them back.
          runtime::release_after_large_model(job.train.model_script.size());
          return st.core->version();
        } catch (const runtime::SetupRefused& e) {
          return make_error(troupe_error::job_refused, e.what());
        } catch (const std::exception& e) {
          return failure(e.what());
        }
      },
      [self](model_atom, std::int64_t version) -> caf::result<std::int64_t, SharedModel> {
        auto& st = self->state;
        auto p = st.core ? st.core->get(version) : nullptr;
        if (!p)
          return failure("model version " + std::to_string(version) + " is not held (current " +
                         std::to_string(st.core ? st.core->version() : -1) + ")");
        return {version, SharedModel{std::move(p)}};  // the version itself, not a copy
      },
      [self](model_atom, const ModelRequest& req) -> caf::result<ModelOffer> {
        return offer_model(self->state, req);
      },
      [self](update_atom, ModelUpdate& update) -> caf::result<runtime::UpdateReceipt> {
        return receive_update(self->state, update, nullptr, sender_of(self));
      },
      [self](update_atom, ModelUpdate& update,
             const net::SharedBlockRef& shared) -> caf::result<runtime::UpdateReceipt> {
        return receive_update(self->state, update, &shared, sender_of(self));
      },
      [self](update_part_atom, UpdatePart& part) -> caf::result<bool> {
        auto& st = self->state;
        if (!st.core) return failure("the aggregator has no job");
        const auto task = std::to_string(part.task_id);
        if (part.run_id != st.job.run_id)
          return failure("update of task " + task + " belongs to an earlier job");
        // An update has the model's layout, so its bytes are the model's.
        const auto model = st.core->get(st.core->version());
        const auto expected = model ? static_cast<std::int64_t>(model->bytes.size()) : 0;
        const auto why = st.in_parts.add(part.task_id, part.offset, part.total, part.bytes,
                                         expected, st.now(), sender_of(self));
        if (!why.empty()) return failure("update of task " + task + ": " + why);
        return true;
      },
      [self](bulk_atom, const BulkRequest& req) -> caf::result<BulkOffer> {
        return offer_bulk(self->state, req);
      },
      [self](checkpoint_atom, const CheckpointRequest& req) -> caf::result<std::string> {
        auto& st = self->state;
        if (!st.core) return failure("the aggregator has no job");
        try {
          auto job = st.job;
          if (!req.dir.empty()) job.checkpoint.dir = req.dir;  // a pause's own directory
          return runtime::write_aggregator_checkpoint(*st.core, job, req.round, req.rounds,
                                                      {req.core_state, req.in_flight});
        } catch (const std::exception& e) {
          // Logged here too: this host's disk is the one to look at.
          logging::Line(Level::warn)
              << "troupe aggregator: no checkpoint after round " << req.round << ": " << e.what();
          return failure(e.what());
        }
      },
      [self](holdings_atom, const DataSummary& data) -> caf::result<bool> {
        auto& st = self->state;
        if (!st.core) return failure("the aggregator has no job");
        st.core->set_holdings(data.sizes());
        return true;
      },
      [self](aggregate_atom, const AggregateRequest& req) -> caf::result<AggregateOutcome> {
        auto& st = self->state;
        if (!st.core) return failure("the aggregator has no job");
        if (st.job.privacy.secure_aggregation && st.job.collab.mode == runtime::Mode::sync) {
          // Answered when the round's secure sum ends (follow_up).
          if (st.pending) return failure("an aggregate request is already waiting for its sum");
          auto promise = self->make_response_promise<AggregateOutcome>();
          st.pending = PendingAggregate{req, promise};
          try {
            deliver(st, req.round, secure_round(st, req.round).expect(req.task_ids, st.now()));
          } catch (const std::exception& e) {
            st.pending.reset();
            promise.deliver(failure(e.what()));
          }
          follow_up(self, req.round);
          return promise;
        }
        if (st.buffered()) {
          // Answered when the accepted tasks' buffers ended (check_flush).
          if (st.flushing) return failure("a flush is already waiting for its secure buffers");
          auto promise = self->make_response_promise<AggregateOutcome>();
          st.flushing = PendingFlush{req, promise, st.now() + st.stage_timeout_s()};
          arm(self, st.flushing->deadline);
          check_flush(self);
          return promise;
        }
        try {
          auto out = st.core->aggregate(req);
          // The round's updates and the replaced version are freed.
          runtime::release_after_large_model(st.job.train.model_script.size());
          return out;
        } catch (const std::exception& e) {
          return failure(e.what());
        }
      },
      [self](secagg_atom, SecAggMessage& msg) -> caf::result<SecAggMessage> {
        auto& st = self->state;
        const auto task = "task " + std::to_string(msg.task_id);
        // Every refusal is logged here, naming the task: this host's log is the one to read.
        auto refuse = [&](const std::string& why) {
          logging::Line(Level::warn) << "troupe aggregator: " << why;
          return failure(why);
        };
        if (!st.core || !st.job.privacy.secure_aggregation)
          return refuse("the aggregator runs no secure aggregation (" + task + ")");
        if (msg.run_id != st.job.run_id)
          return refuse("secure-sum message of " + task + " belongs to an earlier job");
        if (msg.stage == static_cast<std::int32_t>(runtime::SecureStage::join)) {
          if (!st.buffered())
            return refuse(task + " asked to join a secure buffer, but the job runs no buffers");
          auto joined = st.buffers->join({msg.task_id, msg.base_version, msg.node},
                                         st.core->version(), st.now());
          if (!joined.refused.empty()) {
            tell_excluded(self);
            return refuse(joined.refused);
          }
          auto promise = self->make_response_promise<SecAggMessage>();
          st.joins.emplace(msg.task_id, promise);
          if (joined.closed)
            start_buffer(self, *joined.closed);
          else
            arm(self, st.buffers->deadline());
          check_flush(self);
          return promise;
        }
        if (msg.stage < 0 || msg.stage > 3)
          return refuse(task + " sent a secure-sum message of unknown stage " +
                        std::to_string(msg.stage));
        // A masked input that came in parts (secagg_part_atom) arrives without its bytes.
        if (msg.stage == static_cast<std::int32_t>(runtime::SecureStage::masked) &&
            msg.payload.empty() && st.secure_parts.holds(msg.task_id)) {
          if (auto why = st.secure_parts.take(msg.task_id, msg.payload, sender_of(self));
              !why.empty())
            return refuse("masked input of " + task + ": " + why);
        }
        if (msg.cohort <= st.secure_done)
          return refuse(task + " sent a secure-sum message for round " +
                        std::to_string(msg.cohort) + ", which was aggregated");
        const auto cohort = msg.cohort;
        if (st.buffered() && !st.secure.count(cohort))
          return refuse(task + " sent a secure-sum message for buffer " + std::to_string(cohort) +
                        ", which is not running");
        auto& round = secure_round(st, cohort);
        const SecureKey key{cohort, msg.task_id, msg.stage};
        auto replies = round.offer(msg.task_id, static_cast<runtime::SecureStage>(msg.stage),
                                   msg.payload, st.now());
        // This message's own answer, when it came at once (refused, or it closed the stage).
        // (A copy of a waiting message is refused at once without closing the
        // stage, so an answer under this key is always this message's.)
        std::optional<runtime::SecureReply> own;
        for (auto r = replies.begin(); r != replies.end(); ++r)
          if (r->task_id == msg.task_id && static_cast<std::int32_t>(r->stage) == msg.stage) {
            own = std::move(*r);
            replies.erase(r);
            break;
          }
        deliver(st, cohort, replies);
        caf::result<SecAggMessage> answer = caf::delegated<SecAggMessage>{};
        if (own && own->ok) {
          answer = reply_message(st, cohort, *own);
        } else if (own) {
          answer = refuse("secure sum of round " + std::to_string(cohort) + ": " + own->reason);
        } else {
          auto promise = self->make_response_promise<SecAggMessage>();
          st.waiting.emplace(key, promise);
          answer = promise;
        }
        follow_up(self, cohort);
        return answer;
      },
      [self](secagg_part_atom, UpdatePart& part) -> caf::result<bool> {
        auto& st = self->state;
        const auto task = "task " + std::to_string(part.task_id);
        if (!st.core || !st.job.privacy.secure_aggregation)
          return failure("the aggregator runs no secure aggregation (" + task + ")");
        if (part.run_id != st.job.run_id)
          return failure("masked input of " + task + " belongs to an earlier job");
        const auto expected = static_cast<std::int64_t>(
            runtime::secagg::masked_size(st.secure_length, runtime::kSecureRingBits));
        const auto why = st.secure_parts.add(part.task_id, part.offset, part.total, part.bytes,
                                             expected, st.now(), sender_of(self));
        if (!why.empty()) {
          logging::Line(Level::warn)
              << "troupe aggregator: masked input of " << task << ": " << why;
          return failure("masked input of " + task + ": " + why);
        }
        return true;
      },
      [self](tick_atom) {
        auto& st = self->state;
        st.armed.reset();
        std::vector<std::int64_t> cohorts;
        for (const auto& [cohort, round] : st.secure) cohorts.push_back(cohort);
        for (auto cohort : cohorts) {
          auto it = st.secure.find(cohort);
          if (it == st.secure.end()) continue;
          deliver(st, cohort, it->second.tick(st.now()));
          follow_up(self, cohort);
        }
        if (st.buffered()) {
          while (auto c = st.buffers->tick(st.now())) start_buffer(self, *c);
          arm(self, st.buffers->deadline());
          check_flush(self);
          if (st.flushing) arm(self, st.flushing->deadline);
        }
      },
  };
}

}  // namespace aggregator

aggregator_actor spawn_aggregator(caf::actor_system& system, AggregatorConfig config) {
  return system.spawn<caf::detached>(aggregator::aggregator_behavior, std::move(config));
}

}  // namespace troupe::actors
