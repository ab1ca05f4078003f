#pragma once
/// \file
/// One secure sum as the aggregator runs it, free of any transport: the
/// stages of a runtime::secagg::Server, when each stage closes, and which
/// answer each participant's message gets. The aggregator actor only turns
/// messages into offer() calls and delivers the replies these calls return.
///
/// Every participant's message is answered when its stage closes, with its
/// input for the next stage (advertisement -> roster, shares -> inbox, masked
/// input -> survivors, unmasking -> an empty acknowledgement), so a stage never
/// waits on anybody's training: in a synchronous round the nodes train first
/// and advertise afterwards. A stage closes when everyone it waits for has
/// sent a message (or was refused), or at its deadline (clock passed in);
/// whoever is missing then is a dropout from that stage on.
///
/// Advertisements that come before the cohort is known are held; expect()
/// names the participants (the round's accepted training tasks) and starts
/// the clock. A refused message drops only its sender; a cohort that cannot
/// be summed (fewer than two advertised, too few survivors) fails as a whole
/// with the reason, and every waiting participant is told.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/secagg/secure_aggregation.hpp"
#include "runtime/secagg/secure_update.hpp"

namespace troupe::runtime {

/// The stages of a participant's messages (secure_aggregation.hpp).
/// `join` comes first in buffered mode: the ask to join a buffer's cohort.
enum class SecureStage : std::int32_t {
  join = -1,
  advertise = 0,
  share = 1,
  masked = 2,
  unmask = 3
};

/// The largest |weight * change| of one model element a participant can send
/// unclamped. Updates are weighted by their shard's size over the job's mean
/// shard size (so weights are around 1) and one round's change of a weight is
/// far below 1; 64 leaves room for both and still gives 2^-34 steps for 100
/// participants in 48 bits.
inline constexpr double kSecureUpdateRange = 64.0;
/// The ring of every secure sum: Z_{2^48} (as runtime::secagg's default).
inline constexpr std::int32_t kSecureRingBits = 48;

/// The cohort tag of round (or buffer) `cohort` of the job `run_id`: both
/// sides derive it, so messages of another job or round are refused as such.
std::uint64_t secure_cohort_tag(std::uint64_t run_id, std::int64_t cohort);

/// The fixed-point code of a cohort of `participants` (both sides derive it
/// from the roster's size).
secagg::FixedPoint secure_code(std::int32_t participants);

/// The answer one participant's message gets (now or when its stage closes).
struct SecureReply {
  std::int64_t task_id = 0;
  SecureStage stage = SecureStage::advertise;  ///< of the message answered
  bool ok = true;
  secagg::Bytes payload;          ///< the next stage's input when ok
  std::int32_t participants = 0;  ///< roster size (answers to advertisements)
  std::string reason;             ///< when refused: a sentence naming the task
};

class SecureRound {
 public:
  /// `tag`: secure_cohort_tag; `length`: ring elements per input;
  /// `stage_timeout_s`: how long each stage waits for the missing.
  SecureRound(std::uint64_t tag, std::int64_t length, double stage_timeout_s);

  /// Participant `task`'s message of `stage` at time `now`. Answers: a
  /// refusal at once, or, when this message closes the stage, the answers of
  /// everyone in it (and the next stage's clock starts at `now`).
  std::vector<SecureReply> offer(std::int64_t task, SecureStage stage, const secagg::Bytes& payload,
                                 double now);
  /// The participants: only these may join; stage 0 closes when all of them
  /// advertised, or at now + stage timeout. Once only.
  std::vector<SecureReply> expect(const std::vector<std::int64_t>& tasks, double now);
  /// Closes the stage in progress when its deadline passed; the next stage
  /// waits its own timeout from `now`.
  std::vector<SecureReply> tick(double now);

  bool expected() const { return server_.has_value(); }
  /// The sum is done or failed.
  bool finished() const { return done_; }
  /// When finished: the sum, or nullopt and failure() says why.
  const std::optional<secagg::SumResult>& result() const { return result_; }
  const std::string& failure() const { return failure_; }
  /// Roster size (0 before stage 0 closed).
  std::int32_t participants() const { return participants_; }
  /// The expected tasks that never advertised (stage 0 closed without them).
  const std::vector<std::int64_t>& absent() const { return absent_; }
  /// When the stage in progress closes at the latest (expect() not yet: none).
  std::optional<double> deadline() const;
  /// The server, for tests that inspect what the aggregator holds.
  const secagg::Server* server() const { return server_ ? &*server_ : nullptr; }

 private:
  SecureReply refuse(std::int64_t task, SecureStage stage, std::string why) const;
  secagg::Verdict add(std::int64_t task, const secagg::Bytes& payload);
  std::vector<SecureReply> close(double now);
  void fail(const std::string& why, std::vector<SecureReply>& out);

  std::uint64_t tag_;
  std::int64_t length_;
  double timeout_s_;
  std::optional<secagg::Server> server_;
  int stage_ = 0;                                ///< collecting this stage
  std::map<std::int64_t, secagg::Bytes> held_;   ///< advertisements before expect()
  std::set<std::int64_t> waiting_;               ///< still to send this stage's message
  std::vector<std::int64_t> in_;                 ///< sent it and were accepted
  std::set<std::pair<std::int64_t, int>> seen_;  ///< (task, stage) offered: replays
  double deadline_ = 0.0;
  bool done_ = false;
  std::int32_t participants_ = 0;
  std::vector<std::int64_t> absent_;
  std::optional<secagg::SumResult> result_;
  std::string failure_;
};

}  // namespace troupe::runtime
