#pragma once
/// \file
/// Asynchronous aggregation, free of any transport: FedAsync (Xie et al. 2019)
/// mixes every update into the global model on arrival with weight
/// alpha * s(tau); FedBuff (Nguyen et al. 2022) buffers staleness-weighted
/// changes and applies them every K updates. tau is the update's staleness: the
/// global versions made since the version it was trained from.
///
/// The aggregator actor and `troupe replay` run the same AsyncAggregator, and
/// the aggregator logs every arrival (AsyncEvent), so replaying the log with
/// the same updates gives the same model bit for bit.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/parameters.hpp"
#include "runtime/aggregation/aggregator_core.hpp"
#include "runtime/aggregation/update_validation.hpp"
#include "runtime/core/job_spec.hpp"

namespace troupe::runtime {

/// s(tau): how much an update that is tau versions old counts (Xie et al. 2019).
struct StalenessFunction {
  using Kind = Staleness;
  Kind kind = Kind::polynomial;
  double a = 0.5;  ///< polynomial: exponent; hinge: slope
  double b = 4.0;  ///< hinge: staleness tolerated without discount

  /// constant: 1; polynomial: (tau + 1)^-a; hinge: 1 if tau <= b, else 1 / (a (tau - b) + 1).
  double operator()(std::int64_t tau) const;

  /// Parses "constant" | "polynomial" | "hinge"; throws std::invalid_argument otherwise.
  static StalenessFunction parse(const std::string& kind, double a, double b);
  /// The function `kind` with parameters a and b; throws std::invalid_argument
  /// when either is negative.
  static StalenessFunction make(Kind kind, double a, double b);
};

struct AsyncOptions {
  bool buffered = false;  ///< false: FedAsync; true: FedBuff
  double alpha = 0.6;     ///< FedAsync mixing weight
  StalenessFunction staleness;
  int buffer_size = 5;             ///< FedBuff K
  double server_lr = 1.0;          ///< FedBuff server learning rate eta
  int max_staleness = 0;           ///< > 0: updates older than this are dropped
  std::size_t versions_kept = 64;  ///< past versions held as bases (and for fetching)
  UpdateLimits limits;             ///< accept() refuses updates that fail validation
  /// FedBuff with --dp central (noise multiplier > 0): each change is clipped
  /// to dp_clip_norm before it is buffered (a staleness weight <= 1 keeps one
  /// update's share of the sum within it), N(0, (sigma * C)^2) is added to the
  /// buffer's sum when it is applied, and the sum is divided by buffer_size,
  /// not by the updates it holds (the fixed denominator of DP-FedAvg). Each
  /// application is one step of the sampled Gaussian mechanism.
  double dp_noise_multiplier = 0.0;
  double dp_clip_norm = 0.0;
  std::uint64_t dp_seed = 0;  ///< each application's noise: seeded from it and the new version

  /// The options of `job` (mode async or buffered).
  static AsyncOptions from_job(const JobSpec& job);
};

/// What happened to one arrival: the event log's line.
struct AsyncEvent {
  std::int64_t seq = 0;  ///< arrival order, from 1
  /// The update as it arrived, without its parameters (task, node, shard, seed,
  /// base version, samples and attack are logged).
  UpdateInfo update;
  std::int64_t staleness = 0;
  double weight = 0.0;  ///< FedAsync: alpha * s(tau); FedBuff: s(tau)
  bool accepted = false;
  std::string reason;             ///< why it was dropped
  std::int64_t version = 0;       ///< global version after this arrival
  bool new_version = false;       ///< this arrival made `version`
  std::uint64_t fingerprint = 0;  ///< of `version` when new_version
  bool flush = false;             ///< not an update: the buffer was flushed (end of job)
};

/// The global model of an asynchronous job and its recent history.
class AsyncAggregator final : public AggregatorCore {
 public:
  /// Hears every event as it happens (e.g. to write the event log).
  using Listener = std::function<void(const AsyncEvent&)>;

  AsyncAggregator(AsyncOptions options, models::Parameters initial);

  /// Mixes (FedAsync) or buffers (FedBuff) one update. A dropped update
  /// (too stale, base version no longer held, wrong layout) changes nothing
  /// but still gets an event, accepted = false, with the reason.
  AsyncEvent add(const Update& update);

  /// Applies what the FedBuff buffer holds (a new version when it is not
  /// empty; nothing for FedAsync). Logged as an event with flush = true.
  AsyncEvent flush();

  /// FedBuff under secure aggregation: applies one buffer that arrived as a
  /// secure sum, `average_change` being the (weighted) average change of its
  /// members. Individual updates cannot be weighted under masks, so the whole
  /// buffer gets one staleness weight, s(tau) of its oldest member's base
  /// version `oldest_base`: next = current + server_lr * s(tau) * average_change,
  /// which is today's buffer application when all members share that
  /// staleness. Makes one new version; the event names no task (task -1).
  /// Throws std::invalid_argument when `oldest_base` is not a version so far
  /// or the change does not fit the model.
  AsyncEvent apply_secure_buffer(const models::Parameters& average_change,
                                 std::int64_t oldest_base);

  void set_listener(Listener listener) { listener_ = std::move(listener); }

  /// Validates `update` against options().limits (a failure is a refusal),
  /// then add()s it; the receipt tells what add() did.
  UpdateVerdict accept(Update update) override;
  /// apply_secure_buffer() as an AggregateOutcome (no updates counted: the
  /// buffer's members are in its SecureSumRecord).
  AggregateOutcome aggregate_secure_buffer(const models::Parameters& average_change,
                                           std::int64_t oldest_base) override;
  /// The end of the job: flush(). The request's round and tasks do not matter.
  AggregateOutcome aggregate(const AggregateRequest& request) override;
  /// The current model and everything needed to continue exactly (held
  /// versions, buffer, arrivals), labelled as taken after `round`.
  AggregatorSnapshot snapshot(std::int32_t round) const override;
  /// Continues from a snapshot: its held versions, buffer and arrival count.
  /// Throws std::runtime_error naming what does not fit this aggregator (its
  /// model's layout, its buffer size).
  void resume(AggregatorSnapshot snapshot);
  /// True when an update of task `task` arrived (accepted or dropped).
  bool arrived(std::int64_t task) const;

  std::int64_t version() const override { return version_; }
  const models::Parameters& current() const { return *versions_.rbegin()->second; }
  /// Version `v` when still held.
  std::shared_ptr<const models::Parameters> get(std::int64_t v) const override;
  /// Every event so far (since the resume, for a resumed job), in arrival order.
  const std::vector<AsyncEvent>& events() const { return events_; }
  /// Updates waiting in the FedBuff buffer.
  int buffered() const { return in_buffer_; }
  const AsyncOptions& options() const { return options_; }

 private:
  void publish(models::Parameters params);
  /// The next model from the current one and the FedBuff buffer (noised with
  /// --dp central), emptying the buffer.
  models::Parameters apply_buffer();
  /// Records `e` and tells the listener.
  AsyncEvent record(AsyncEvent e);

  AsyncOptions options_;
  std::map<std::int64_t, std::shared_ptr<const models::Parameters>> versions_;
  std::int64_t version_ = 0;
  models::Parameters buffer_;  ///< FedBuff: sum of s(tau_i) * delta_i
  int in_buffer_ = 0;
  std::int64_t arrivals_before_ = 0;  ///< events before a resume (not in events_)
  std::vector<AsyncEvent> events_;
  Listener listener_;
};

/// One JSON object per line: the job first ({"job": {...}}), then one event per line.
std::string event_to_json_line(const AsyncEvent& e);
/// Parses a line written by event_to_json_line; throws std::runtime_error naming the problem.
AsyncEvent event_from_json_line(const std::string& line);

}  // namespace troupe::runtime
