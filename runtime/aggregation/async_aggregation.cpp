#include "runtime/aggregation/async_aggregation.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "runtime/aggregation/aggregation_math.hpp"
#include "runtime/aggregation/update_claims.hpp"
#include "runtime/privacy/dp_noise.hpp"

namespace troupe::runtime {

double StalenessFunction::operator()(std::int64_t tau) const {
  const double t = static_cast<double>(tau < 0 ? 0 : tau);
  switch (kind) {
    case Kind::constant:
      return 1.0;
    case Kind::polynomial:
      return std::pow(t + 1.0, -a);
    case Kind::hinge:
      return t <= b ? 1.0 : 1.0 / (a * (t - b) + 1.0);
  }
  return 1.0;
}

StalenessFunction StalenessFunction::parse(const std::string& kind, double a, double b) {
  const auto parsed = parse_enum<Staleness>(kind);
  if (!parsed)
    throw std::invalid_argument("unknown staleness function '" + kind +
                                "' (constant, polynomial, hinge)");
  return make(*parsed, a, b);
}

StalenessFunction StalenessFunction::make(Kind kind, double a, double b) {
  if (!(a >= 0.0) || !(b >= 0.0))
    throw std::invalid_argument("staleness parameters must not be negative");
  StalenessFunction s;
  s.kind = kind;
  s.a = a;
  s.b = b;
  return s;
}

AsyncOptions AsyncOptions::from_job(const JobSpec& job) {
  const auto& a = job.async;
  AsyncOptions o;
  o.buffered = job.collab.mode == Mode::buffered;
  o.alpha = a.alpha;
  o.staleness = StalenessFunction::make(a.staleness, a.staleness_a, a.staleness_b);
  o.buffer_size = a.buffer_size;
  o.server_lr = job.collab.strategy_options.server_lr;
  o.max_staleness = a.max_staleness;
  if (job.privacy.mode == DpMode::central && o.buffered) {
    o.dp_noise_multiplier = job.privacy.noise_multiplier;
    o.dp_clip_norm = job.privacy.clip_norm;
    o.dp_seed = job.seed;
  }
  // Bases of every update in flight: each node holds at most one task, and
  // versions advance at most once per arrival.
  const std::size_t needed =
      static_cast<std::size_t>(a.max_staleness > 0 ? a.max_staleness : 4 * job.nodes) + 2;
  o.versions_kept = std::max<std::size_t>(8, needed);
  return o;
}

AsyncAggregator::AsyncAggregator(AsyncOptions options, models::Parameters initial)
    : options_(std::move(options)) {
  if (!initial.all_float32()) throw std::invalid_argument("AsyncAggregator: model must be float32");
  if (options_.buffer_size < 1) throw std::invalid_argument("AsyncAggregator: buffer size < 1");
  if (!(options_.alpha > 0.0 && options_.alpha <= 1.0))
    throw std::invalid_argument("AsyncAggregator: alpha must be in (0, 1]");
  versions_[0] = std::make_shared<const models::Parameters>(std::move(initial));
}

std::shared_ptr<const models::Parameters> AsyncAggregator::get(std::int64_t v) const {
  auto it = versions_.find(v);
  return it == versions_.end() ? nullptr : it->second;
}

void AsyncAggregator::publish(models::Parameters params) {
  ++version_;
  versions_[version_] = std::make_shared<const models::Parameters>(std::move(params));
  while (versions_.size() > options_.versions_kept) versions_.erase(versions_.begin());
}

models::Parameters AsyncAggregator::apply_buffer() {
  models::Parameters next = current();
  double divisor = static_cast<double>(in_buffer_);
  if (options_.dp_noise_multiplier > 0.0) {
    // Purpose tag 4 of noise_seed: FedBuff's sum (central DP uses 1 and 2, local 3).
    NoiseGenerator rng(noise_seed(options_.dp_seed, 4, version_ + 1, 0));
    add_gaussian_noise(buffer_.float_data(), buffer_.bytes.size() / sizeof(float),
                       options_.dp_noise_multiplier * options_.dp_clip_norm, rng);
    divisor = static_cast<double>(options_.buffer_size);
  }
  apply_delta(next, buffer_, options_.server_lr / divisor);
  buffer_ = models::Parameters{};
  in_buffer_ = 0;
  return next;
}

AsyncEvent AsyncAggregator::record(AsyncEvent e) {
  events_.push_back(e);
  if (listener_) listener_(e);
  return e;
}

AsyncEvent AsyncAggregator::add(const Update& u) {
  AsyncEvent e;
  e.seq = arrivals_before_ + static_cast<std::int64_t>(events_.size()) + 1;
  e.update = u;  // slices off the parameters
  e.staleness = version_ - u.base_version;
  e.version = version_;
  auto drop = [&](std::string why) {
    e.accepted = false;
    e.reason = std::move(why);
    return record(e);
  };
  if (u.params.tensors.empty()) return drop("no parameters");
  if (u.base_version > version_ || u.base_version < 0)
    return drop("base version " + std::to_string(u.base_version) + " is unknown (current " +
                std::to_string(version_) + ")");
  if (options_.max_staleness > 0 && e.staleness > options_.max_staleness)
    return drop("staleness " + std::to_string(e.staleness) + " exceeds the maximum " +
                std::to_string(options_.max_staleness));
  const auto& cur = current();
  if (!u.params.all_float32() || !u.params.same_layout(cur) ||
      u.params.bytes.size() != cur.bytes.size())
    return drop("update does not match the model's layout");
  const double s = options_.staleness(e.staleness);
  if (!options_.buffered) {
    e.weight = options_.alpha * s;
    models::Parameters next = cur;
    mix_into(next, u.params, e.weight);
    publish(std::move(next));
    e.new_version = true;
  } else {
    const auto base = get(u.base_version);
    if (!base)
      return drop("base version " + std::to_string(u.base_version) +
                  " is no longer held (too stale)");
    e.weight = s;
    if (options_.dp_noise_multiplier > 0.0) {
      models::Parameters clipped = u.params;
      float* p = clipped.float_data();
      clip_delta(base->float_data(), p, p, clipped.bytes.size() / sizeof(float),
                 options_.dp_clip_norm);
      accumulate_delta(buffer_, clipped, *base, s);
    } else {
      accumulate_delta(buffer_, u.params, *base, s);
    }
    if (++in_buffer_ >= options_.buffer_size) {
      publish(apply_buffer());
      e.new_version = true;
    }
  }
  e.accepted = true;
  e.version = version_;
  if (e.new_version) e.fingerprint = models::fingerprint(current());
  return record(e);
}

AsyncEvent AsyncAggregator::apply_secure_buffer(const models::Parameters& average_change,
                                                std::int64_t oldest_base) {
  if (!options_.buffered)
    throw std::invalid_argument("a secure buffer needs FedBuff (--mode buffered)");
  if (oldest_base < 0 || oldest_base > version_)
    throw std::invalid_argument("secure buffer: base version " + std::to_string(oldest_base) +
                                " is unknown (current " + std::to_string(version_) + ")");
  const auto& cur = current();
  if (!average_change.all_float32() || !average_change.same_layout(cur) ||
      average_change.bytes.size() != cur.bytes.size())
    throw std::invalid_argument("secure buffer: the change does not match the model's layout");
  AsyncEvent e;
  e.seq = arrivals_before_ + static_cast<std::int64_t>(events_.size()) + 1;
  e.update.task_id = -1;
  e.update.node = "secure buffer";
  e.update.base_version = oldest_base;
  e.staleness = version_ - oldest_base;
  e.weight = options_.staleness(e.staleness);
  models::Parameters next = cur;
  apply_delta(next, average_change, options_.server_lr * e.weight);
  publish(std::move(next));
  e.accepted = true;
  e.new_version = true;
  e.version = version_;
  e.fingerprint = models::fingerprint(current());
  return record(e);
}

AsyncEvent AsyncAggregator::flush() {
  AsyncEvent e;
  e.seq = arrivals_before_ + static_cast<std::int64_t>(events_.size()) + 1;
  e.flush = true;
  e.accepted = true;
  if (options_.buffered && in_buffer_ > 0) {
    publish(apply_buffer());
    e.new_version = true;
  }
  e.version = version_;
  e.fingerprint = models::fingerprint(current());
  return record(e);
}

UpdateVerdict AsyncAggregator::accept(Update update) {
  UpdateVerdict v;
  // Applied (or buffered as a change) at once: bytes in a file come into memory.
  std::string why;
  try {
    update.load_spooled();
  } catch (const std::runtime_error& e) {
    why = e.what();
  }
  // Layout, finiteness, size limits and claims; staleness is add()'s to judge.
  if (why.empty()) why = validate_update(current(), update.params, options_.limits);
  if (why.empty()) why = claim_problem(update, holdings());
  if (!why.empty()) {
    v.refusal = Refusal::invalid;
    v.reason = "update of task " + std::to_string(update.task_id) + " rejected: " + why;
    return v;
  }
  AsyncEvent e;
  try {
    e = add(update);
  } catch (const std::exception& ex) {
    v.refusal = Refusal::failed;
    v.reason = std::string("aggregation failed: ") + ex.what();
    return v;
  }
  v.receipt.accepted = e.accepted;
  v.receipt.reason = e.reason;
  v.receipt.version = e.version;
  v.receipt.new_version = e.new_version;
  v.receipt.staleness = e.staleness;
  v.receipt.fingerprint = e.fingerprint;
  return v;
}

AggregateOutcome AsyncAggregator::aggregate(const AggregateRequest& /*request*/) {
  const auto e = flush();
  AggregateOutcome out;
  out.version = e.version;
  out.changed = e.new_version;
  out.fingerprint = e.fingerprint;
  return out;
}

AggregateOutcome AsyncAggregator::aggregate_secure_buffer(const models::Parameters& average_change,
                                                          std::int64_t oldest_base) {
  const auto e = apply_secure_buffer(average_change, oldest_base);
  AggregateOutcome out;
  out.version = e.version;
  out.changed = true;
  out.fingerprint = e.fingerprint;
  return out;
}

AggregatorSnapshot AsyncAggregator::snapshot(std::int32_t round) const {
  AggregatorSnapshot s;
  s.model = current();
  s.version = version_;
  s.round = round;
  for (const auto& [v, model] : versions_) {
    s.async.held_versions.push_back(v);
    s.async.held_models.push_back(*model);
  }
  s.async.buffer = buffer_;
  s.async.buffered = in_buffer_;
  s.async.arrivals = arrivals_before_ + static_cast<std::int64_t>(events_.size());
  return s;
}

void AsyncAggregator::resume(AggregatorSnapshot snapshot) {
  auto& a = snapshot.async;
  const auto fail = [](const std::string& why) {
    throw std::runtime_error("asynchronous checkpoint: " + why);
  };
  if (a.empty()) fail("it holds no asynchronous state (was it written by a sync job?)");
  if (a.held_versions.size() != a.held_models.size())
    fail(std::to_string(a.held_versions.size()) + " held versions but " +
         std::to_string(a.held_models.size()) + " models");
  if (a.held_versions.back() != snapshot.version)
    fail("the newest held version is " + std::to_string(a.held_versions.back()) +
         ", not the checkpoint's version " + std::to_string(snapshot.version));
  const auto& layout = current();
  for (std::size_t i = 0; i < a.held_models.size(); ++i) {
    if (i > 0 && a.held_versions[i] <= a.held_versions[i - 1])
      fail("held versions are not in increasing order");
    if (!a.held_models[i].all_float32() || !a.held_models[i].same_layout(layout))
      fail("version " + std::to_string(a.held_versions[i]) + " does not fit the job's model");
  }
  if (a.buffered < 0 || a.buffered >= options_.buffer_size)
    fail(std::to_string(a.buffered) + " buffered updates, the buffer holds " +
         std::to_string(options_.buffer_size));
  if ((a.buffered > 0) != !a.buffer.tensors.empty() ||
      (a.buffered > 0 && !a.buffer.same_layout(layout)))
    fail("its buffer does not fit the job's model");
  if (a.arrivals < 0) fail("negative arrival count");
  versions_.clear();
  for (std::size_t i = 0; i < a.held_models.size(); ++i)
    versions_[a.held_versions[i]] =
        std::make_shared<const models::Parameters>(std::move(a.held_models[i]));
  version_ = snapshot.version;
  buffer_ = std::move(a.buffer);
  in_buffer_ = a.buffered;
  arrivals_before_ = a.arrivals;
  events_.clear();
}

bool AsyncAggregator::arrived(std::int64_t task) const {
  return std::any_of(events_.begin(), events_.end(),
                     [&](const AsyncEvent& e) { return !e.flush && e.update.task_id == task; });
}

std::string event_to_json_line(const AsyncEvent& e) {
  const auto& u = e.update;
  nlohmann::json j{{"seq", e.seq},
                   {"task", u.task_id},
                   {"node", u.node},
                   {"shard", u.shard},
                   {"seed", u.seed},
                   {"base_version", u.base_version},
                   {"samples", u.samples},
                   {"attack", u.attack},
                   {"staleness", e.staleness},
                   {"weight", e.weight},
                   {"accepted", e.accepted},
                   {"reason", e.reason},
                   {"version", e.version},
                   {"new_version", e.new_version},
                   {"fingerprint", e.fingerprint},
                   {"flush", e.flush}};
  return j.dump();
}

AsyncEvent event_from_json_line(const std::string& line) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& ex) {
    throw std::runtime_error(std::string("event log: not JSON: ") + ex.what());
  }
  AsyncEvent e;
  try {
    e.seq = j.at("seq").get<std::int64_t>();
    e.update.task_id = j.at("task").get<std::int64_t>();
    e.update.node = j.at("node").get<std::string>();
    e.update.shard = j.at("shard").get<int>();
    e.update.seed = j.at("seed").get<std::uint64_t>();
    e.update.base_version = j.at("base_version").get<std::int64_t>();
    e.update.samples = j.at("samples").get<std::int64_t>();
    e.update.attack = j.at("attack").get<std::string>();
    e.staleness = j.at("staleness").get<std::int64_t>();
    e.weight = j.at("weight").get<double>();
    e.accepted = j.at("accepted").get<bool>();
    e.reason = j.at("reason").get<std::string>();
    e.version = j.at("version").get<std::int64_t>();
    e.new_version = j.at("new_version").get<bool>();
    e.fingerprint = j.at("fingerprint").get<std::uint64_t>();
    e.flush = j.value("flush", false);
  } catch (const nlohmann::json::exception& ex) {
    throw std::runtime_error(std::string("event log: bad event: ") + ex.what());
  }
  return e;
}

}  // namespace troupe::runtime
