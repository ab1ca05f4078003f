#include "actors/secure_participant.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "actors/errors.hpp"
#include "runtime/system/log.hpp"

namespace troupe::actors {
namespace {

namespace logging = runtime::logging;
namespace secagg = runtime::secagg;
using runtime::SecureStage;

struct ParticipantState {
  SecureParticipantConfig config;
  SecureContribution task;
  std::optional<secagg::Client> client;  ///< made once the cohort (its tag) is known
  std::vector<std::uint64_t> input;      ///< the encoded update, once the roster's size is known

  static inline const char* name = "troupe.secure_participant";
};

using ParticipantPtr = caf::stateful_actor<ParticipantState>*;

void leave(ParticipantPtr self, const std::string& why) {
  const auto& st = self->state;
  logging::Line(logging::Level::warn)
      << "troupe node " << st.config.node << ": task " << st.task.task_id << " " << why;
  self->quit();
}

void step(ParticipantPtr self, SecureStage stage, secagg::Bytes payload);
void send(ParticipantPtr self, SecureStage stage, secagg::Bytes payload);

/// The aggregator answered this task's message of `stage` with the next
/// stage's input: computes and sends the next message.
void next(ParticipantPtr self, SecureStage stage, SecAggMessage& reply) {
  auto& st = self->state;
  auto& t = st.task;
  if (stage != SecureStage::join && st.config.vanish_after == static_cast<int>(stage)) {
    logging::Line(logging::Level::info)
        << "troupe node " << st.config.node << ": task " << t.task_id
        << " leaves its secure sum after stage " << reply.stage;
    self->quit();
    return;
  }
  try {
    switch (stage) {
      case SecureStage::join:
        t.cohort = reply.cohort;
        st.client.emplace(runtime::secure_cohort_tag(t.run_id, t.cohort), t.task_id);
        step(self, SecureStage::advertise, st.client->advertise());
        break;
      case SecureStage::advertise:
        st.input = secagg::encode_update(t.trained, t.base, t.weight,
                                         runtime::secure_code(reply.participants));
        t.trained = {};
        t.base = {};
        step(self, SecureStage::share, st.client->share(reply.payload));
        break;
      case SecureStage::share: {
        if (st.config.pause_before_masking_s > 0.0) {
          logging::Line(logging::Level::info)
              << "troupe node " << st.config.node << ": task " << t.task_id << " pauses "
              << st.config.pause_before_masking_s << " s before masking";
          std::this_thread::sleep_for(
              std::chrono::duration<double>(st.config.pause_before_masking_s));
        }
        auto masked = st.client->mask(reply.payload, st.input);
        st.input = {};
        step(self, SecureStage::masked, std::move(masked));
        break;
      }
      case SecureStage::masked:
        step(self, SecureStage::unmask, st.client->unmask(reply.payload));
        break;
      case SecureStage::unmask:
        self->quit();
        break;
    }
  } catch (const std::exception& e) {
    leave(self, std::string("leaves its secure sum: ") + e.what());
  }
}

/// Sends bytes [offset, end) of `payload` to the aggregator in parts, each
/// after the one before was taken, then the stage's message without them.
void send_parts(ParticipantPtr self, SecureStage stage,
                std::shared_ptr<const secagg::Bytes> payload, std::size_t offset) {
  auto& st = self->state;
  if (offset >= payload->size()) {
    send(self, stage, {});
    return;
  }
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(
      std::max<std::uint64_t>(1, st.config.part_bytes), payload->size() - offset));
  const auto at = payload->begin() + static_cast<std::ptrdiff_t>(offset);
  UpdatePart part{st.task.run_id, st.task.task_id, static_cast<std::int64_t>(offset),
                  static_cast<std::int64_t>(payload->size()),
                  std::vector<unsigned char>(at, at + static_cast<std::ptrdiff_t>(n))};
  // The aggregator answers a part at once; the masked stage closes a fifth of
  // the task timeout after the one before it, so a part slower than that is too late.
  const auto timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(st.config.task_timeout_s * 200.0));
  self->request(st.config.aggregator, timeout, secagg_part_atom::value, std::move(part))
      .then([self, stage, payload,
             next = offset + n](bool) { send_parts(self, stage, payload, next); },
            [self](caf::error& err) {
              leave(self, "left its secure sum: " + describe(err, self->system()));
            });
}

/// Sends this task's message of `stage`: a masked input larger than an
/// aggregator in another process takes in one message goes in parts first.
void step(ParticipantPtr self, SecureStage stage, secagg::Bytes payload) {
  auto& st = self->state;
  if (st.config.traffic) st.config.traffic->add_sent(payload.size());
  const auto part = std::max<std::uint64_t>(1, st.config.part_bytes);
  if (stage == SecureStage::masked && payload.size() > part &&
      st.config.aggregator.node() != self->node()) {
    send_parts(self, stage, std::make_shared<const secagg::Bytes>(std::move(payload)), 0);
    return;
  }
  send(self, stage, std::move(payload));
}

/// Sends this task's message of `stage`; the answer comes when the stage closes.
void send(ParticipantPtr self, SecureStage stage, secagg::Bytes payload) {
  auto& st = self->state;
  SecAggMessage msg{st.task.run_id,
                    st.task.cohort,
                    st.task.task_id,
                    static_cast<std::int32_t>(stage),
                    0,
                    std::move(payload),
                    st.task.base_version,
                    st.config.node};
  // The answer to an advertisement (or a join) waits for the others' training.
  const auto timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(st.config.task_timeout_s * 2000.0));
  self->request(st.config.aggregator, timeout, secagg_atom::value, std::move(msg))
      .then(
          [self, stage](SecAggMessage& reply) {
            if (const auto& traffic = self->state.config.traffic)
              traffic->add_received(reply.payload.size());
            next(self, stage, reply);
          },
          [self](caf::error& err) {
            leave(self, "left its secure sum: " + describe(err, self->system()));
          });
}

caf::behavior participant(ParticipantPtr self, SecureParticipantConfig config,
                          SecureContribution contribution) {
  auto& st = self->state;
  st.config = std::move(config);
  st.task = std::move(contribution);
  if (st.task.cohort == 0) {
    step(self, SecureStage::join, {});
  } else {
    st.client.emplace(runtime::secure_cohort_tag(st.task.run_id, st.task.cohort), st.task.task_id);
    step(self, SecureStage::advertise, st.client->advertise());
  }
  // Nothing but answers to its own requests reaches it.
  return {[](tick_atom) {}};
}

}  // namespace

void spawn_secure_participant(caf::local_actor* parent, SecureParticipantConfig config,
                              SecureContribution contribution) {
  if (config.own_thread)
    parent->spawn<caf::detached>(participant, std::move(config), std::move(contribution));
  else
    parent->spawn(participant, std::move(config), std::move(contribution));
}

}  // namespace troupe::actors
