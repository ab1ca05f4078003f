#include <algorithm>
#include <stdexcept>

#include "actors/aggregator_state.hpp"
#include "actors/errors.hpp"
#include "runtime/system/log.hpp"

namespace troupe::actors::aggregator {
namespace {

namespace logging = runtime::logging;
using logging::Level;

/// Tells the scheduler what a secure buffer did (applied, failed, or a
/// member excluded before any sum).
void tell_scheduler(AggregatorPtr self, const AggregateOutcome& out) {
  auto& st = self->state;
  if (st.scheduler)
    self->send(caf::actor_cast<scheduler_actor>(st.scheduler), secagg_atom::value, st.job.run_id,
               out);
}

}  // namespace

/// A member excluded before any sum (alone in its buffer, or its join refused).
void tell_excluded(AggregatorPtr self) {
  AggregateOutcome out;
  out.version = self->state.core->version();
  out.secure.participants = 1;
  out.secure.excluded = 1;
  tell_scheduler(self, out);
}

/// A buffer's cohort closed: its joins are answered with its id (a lone
/// member is excluded) and its secure sum waits for their advertisements.
void start_buffer(AggregatorPtr self, const runtime::ClosedCohort& c) {
  auto& st = self->state;
  std::vector<std::int64_t> tasks;
  for (const auto& m : c.members) tasks.push_back(m.task_id);
  if (!c.summable()) {
    for (auto task : tasks) {
      const auto why = "task " + std::to_string(task) +
                       " was alone in its secure buffer (a sum of one is its update): excluded";
      logging::Line(Level::warn) << "troupe aggregator: " << why;
      if (auto it = st.joins.find(task); it != st.joins.end()) {
        it->second.deliver(failure(why));
        st.joins.erase(it);
      }
      tell_excluded(self);
    }
    return;
  }
  auto& bases = st.bases[c.id];
  for (const auto& m : c.members) bases[m.task_id] = m.base_version;
  deliver(st, c.id, secure_round(st, c.id).expect(tasks, st.now()));
  for (auto task : tasks)
    if (auto it = st.joins.find(task); it != st.joins.end()) {
      it->second.deliver(SecAggMessage{st.job.run_id,
                                       c.id,
                                       task,
                                       static_cast<std::int32_t>(runtime::SecureStage::join),
                                       static_cast<std::int32_t>(tasks.size()),
                                       {},
                                       bases[task],
                                       {}});
      st.joins.erase(it);
    }
  follow_up(self, c.id);
}

/// The end-of-job flush: once every accepted task joined (or its wait
/// ended), the open cohort closes, and once no buffer is running the
/// aggregator flushes and answers.
void check_flush(AggregatorPtr self) {
  auto& st = self->state;
  if (!st.flushing) return;
  const auto& want = st.flushing->request.task_ids;
  const bool all_in =
      std::all_of(want.begin(), want.end(), [&](std::int64_t t) { return st.buffers->seen(t); });
  if (!all_in && st.now() < st.flushing->deadline) return;
  while (auto c = st.buffers->close()) start_buffer(self, *c);
  if (!st.flushing || !st.secure.empty()) return;
  auto flush = std::move(*st.flushing);
  st.flushing.reset();
  try {
    flush.promise.deliver(st.core->aggregate(flush.request));
  } catch (const std::exception& e) {
    flush.promise.deliver(failure(e.what()));
  }
}

/// Buffer `cohort`'s secure sum ended: applies it as one FedBuff version (or
/// logs why it failed), tells the scheduler, and forgets the buffer.
void complete_buffer(AggregatorPtr self, std::int64_t cohort, runtime::SecureRound& round) {
  auto& st = self->state;
  const auto& bases = st.bases[cohort];
  AggregateOutcome out;
  out.version = st.core->version();
  auto& rec = out.secure;
  rec.participants = static_cast<int>(bases.size());
  try {
    if (!round.result()) throw std::runtime_error(round.failure());
    const auto& sum = *round.result();
    std::int64_t oldest = st.core->version();
    for (auto id : sum.included) oldest = std::min(oldest, bases.at(id));
    const auto decoded = runtime::secagg::decode_sum(sum.sum, *st.core->get(st.core->version()),
                                                     runtime::secure_code(round.participants()));
    const auto applied = st.core->aggregate_secure_buffer(decoded.average_change, oldest);
    out.version = applied.version;
    out.changed = true;
    out.fingerprint = applied.fingerprint;
    rec.included = static_cast<int>(sum.included.size());
    rec.recovered = static_cast<int>(sum.recovered.size());
    rec.sums = 1;
    logging::Line line(Level::info);
    line << "troupe aggregator: secure buffer " << cohort << ": " << rec.included << " of "
         << rec.participants << " tasks in the sum, " << rec.recovered
         << " dropouts recovered, version " << out.version << " (oldest base " << oldest << ")";
    for (auto id : sum.recovered) line << "; task " << id << " dropped after sharing";
    for (auto id : round.absent()) line << "; task " << id << " never advertised";
    for (const auto& why : sum.excluded) line << "; " << why;
    for (const auto& why : sum.refused_shares) line << "; " << why;
  } catch (const std::exception& e) {
    logging::Line(Level::warn) << "troupe aggregator: secure buffer " << cohort
                               << " failed: " << e.what();
  }
  rec.excluded = rec.participants - rec.included - rec.recovered;
  out.updates = rec.included;
  for (auto it = st.waiting.begin(); it != st.waiting.end();)
    if (std::get<0>(it->first) == cohort) {
      it->second.deliver(failure("the secure sum of buffer " + std::to_string(cohort) + " ended"));
      it = st.waiting.erase(it);
    } else {
      ++it;
    }
  st.secure.erase(cohort);
  st.bases.erase(cohort);
  tell_scheduler(self, out);
  check_flush(self);
}

}  // namespace troupe::actors::aggregator
