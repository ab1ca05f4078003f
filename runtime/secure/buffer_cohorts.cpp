#include "runtime/secure/buffer_cohorts.hpp"

#include <stdexcept>

namespace troupe::runtime {

BufferCohorts::BufferCohorts(int size, double join_timeout_s, int max_staleness)
    : size_(size), timeout_s_(join_timeout_s), max_staleness_(max_staleness) {
  if (size_ < 2)
    throw std::invalid_argument("a secure buffer needs --buffer-size 2 or more (got " +
                                std::to_string(size_) + ")");
}

JoinResult BufferCohorts::join(const BufferJoiner& joiner, std::int64_t version, double now) {
  JoinResult r;
  const auto task = "task " + std::to_string(joiner.task_id);
  if (!seen_.insert(joiner.task_id).second) {
    r.refused = task + " asked to join a secure buffer twice (a replay)";
    return r;
  }
  if (joiner.base_version < 0 || joiner.base_version > version) {
    r.refused = task + " joins with base version " + std::to_string(joiner.base_version) +
                ", which is unknown (current " + std::to_string(version) + ")";
    return r;
  }
  if (max_staleness_ > 0 && version - joiner.base_version > max_staleness_) {
    r.refused = task + " is " + std::to_string(version - joiner.base_version) +
                " versions stale, over --max-staleness " + std::to_string(max_staleness_);
    return r;
  }
  if (open_.empty()) opened_at_ = now;
  open_.push_back(joiner);
  if (static_cast<int>(open_.size()) >= size_) r.closed = take();
  return r;
}

std::optional<ClosedCohort> BufferCohorts::tick(double now) {
  if (open_.empty() || now < opened_at_ + timeout_s_) return std::nullopt;
  return take();
}

std::optional<ClosedCohort> BufferCohorts::close() {
  if (open_.empty()) return std::nullopt;
  return take();
}

std::optional<double> BufferCohorts::deadline() const {
  if (open_.empty()) return std::nullopt;
  return opened_at_ + timeout_s_;
}

ClosedCohort BufferCohorts::take() {
  ClosedCohort c;
  c.members = std::move(open_);
  open_.clear();
  if (c.members.size() >= 2) c.id = next_id_++;
  return c;
}

}  // namespace troupe::runtime
