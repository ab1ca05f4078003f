#include "runtime/secure/secure_round.hpp"

#include <stdexcept>

namespace troupe::runtime {
namespace {

const char* stage_name(int stage) {
  static const char* names[] = {"advertisement", "shares", "masked input", "unmasking"};
  return stage >= 0 && stage < 4 ? names[stage] : "message";
}

std::string task_text(std::int64_t task) {
  return "task " + std::to_string(task);
}

}  // namespace

std::uint64_t secure_cohort_tag(std::uint64_t run_id, std::int64_t cohort) {
  // splitmix64's finaliser (Steele et al. 2014): distinct (run, cohort) pairs
  // give unrelated tags.
  std::uint64_t z = run_id + 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(cohort + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

secagg::FixedPoint secure_code(std::int32_t participants) {
  return secagg::FixedPoint::for_cohort(participants, kSecureUpdateRange, kSecureRingBits);
}

SecureRound::SecureRound(std::uint64_t tag, std::int64_t length, double stage_timeout_s)
    : tag_(tag), length_(length), timeout_s_(stage_timeout_s) {}

std::optional<double> SecureRound::deadline() const {
  if (!server_ || done_) return std::nullopt;
  return deadline_;
}

SecureReply SecureRound::refuse(std::int64_t task, SecureStage stage, std::string why) const {
  SecureReply r;
  r.task_id = task;
  r.stage = stage;
  r.ok = false;
  r.reason = std::move(why);
  return r;
}

secagg::Verdict SecureRound::add(std::int64_t task, const secagg::Bytes& payload) {
  switch (stage_) {
    case 0:
      return server_->add_advertisement(task, payload);
    case 1:
      return server_->add_shares(task, payload);
    case 2:
      return server_->add_masked(task, payload);
    default:
      return server_->add_unmasking(task, payload);
  }
}

std::vector<SecureReply> SecureRound::offer(std::int64_t task, SecureStage stage,
                                            const secagg::Bytes& payload, double now) {
  const int s = static_cast<int>(stage);
  std::vector<SecureReply> out;
  if (!seen_.insert({task, s}).second) {
    out.push_back(
        refuse(task, stage, task_text(task) + " sent its " + stage_name(s) + " twice (a replay)"));
    return out;
  }
  if (done_) {
    out.push_back(
        refuse(task, stage, task_text(task) + "'s " + stage_name(s) + " came after the sum ended"));
    return out;
  }
  if (!server_ && stage == SecureStage::advertise) {
    held_[task] = payload;  // answered once expect() names the cohort
    return out;
  }
  if (!server_ || s != stage_) {
    out.push_back(refuse(task, stage,
                         task_text(task) + " sent " + stage_name(s) +
                             " while the cohort collects " +
                             (server_ ? stage_name(stage_) : "advertisements")));
    return out;
  }
  if (!waiting_.count(task)) {
    out.push_back(refuse(task, stage,
                         task_text(task) + " sends " + stage_name(s) +
                             " for a secure sum it did not join (or left)"));
    return out;
  }
  waiting_.erase(task);
  auto verdict = add(task, payload);
  if (!verdict.ok) {
    out.push_back(refuse(task, stage, task_text(task) + ": " + verdict.reason));
  } else {
    in_.push_back(task);
  }
  if (waiting_.empty()) {
    auto closed = close(now);
    out.insert(out.end(), closed.begin(), closed.end());
  }
  return out;
}

std::vector<SecureReply> SecureRound::expect(const std::vector<std::int64_t>& tasks, double now) {
  if (server_) throw std::logic_error("SecureRound::expect called twice");
  server_.emplace(tag_, tasks, length_, kSecureRingBits);
  waiting_.insert(tasks.begin(), tasks.end());
  deadline_ = now + timeout_s_;
  std::vector<SecureReply> out;
  auto held = std::move(held_);
  held_.clear();
  for (auto& [task, payload] : held) {
    seen_.erase({task, 0});
    auto replies = offer(task, SecureStage::advertise, payload, now);
    out.insert(out.end(), replies.begin(), replies.end());
  }
  if (!done_ && waiting_.empty()) {
    auto closed = close(now);
    out.insert(out.end(), closed.begin(), closed.end());
  }
  return out;
}

std::vector<SecureReply> SecureRound::tick(double now) {
  if (!server_ || done_ || now < deadline_) return {};
  return close(now);
}

void SecureRound::fail(const std::string& why, std::vector<SecureReply>& out) {
  done_ = true;
  failure_ = why;
  for (auto task : in_)
    out.push_back(refuse(task, static_cast<SecureStage>(stage_), "the secure sum failed: " + why));
  in_.clear();
  waiting_.clear();
}

std::vector<SecureReply> SecureRound::close(double now) {
  std::vector<SecureReply> out;
  const auto stage = static_cast<SecureStage>(stage_);
  try {
    if (stage_ == 0) absent_.assign(waiting_.begin(), waiting_.end());
    secagg::Bytes common;
    if (stage_ == 0) {
      common = server_->close_advertisements();
      participants_ = static_cast<std::int32_t>(in_.size());
    } else if (stage_ == 1) {
      server_->close_shares();
    } else if (stage_ == 2) {
      common = server_->close_masked();
    } else {
      result_ = server_->finish();
    }
    for (auto task : in_) {
      SecureReply r;
      r.task_id = task;
      r.stage = stage;
      r.participants = participants_;
      r.payload = stage_ == 1 ? server_->inbox(task) : common;
      out.push_back(std::move(r));
    }
  } catch (const std::exception& e) {
    fail(e.what(), out);
    return out;
  }
  waiting_.clear();
  waiting_.insert(in_.begin(), in_.end());
  in_.clear();
  ++stage_;
  // Each stage waits its own timeout: the survivors of a stage closed at its
  // deadline still get a whole one to answer.
  deadline_ = now + timeout_s_;
  if (stage_ == 4) done_ = true;
  return out;
}

}  // namespace troupe::runtime
