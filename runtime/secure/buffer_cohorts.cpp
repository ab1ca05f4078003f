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
  if (node_in_open(joiner.node)) {
    next_.push_back({joiner, now});
    return r;
  }
  open_.push_back({joiner, now});
  if (static_cast<int>(open_.size()) >= size_) r.closed = take();
  return r;
}

std::optional<ClosedCohort> BufferCohorts::tick(double now) {
  if (open_.empty() || now < *deadline()) return std::nullopt;
  return take();
}

std::optional<ClosedCohort> BufferCohorts::close() {
  if (open_.empty()) return std::nullopt;
  return take();
}

std::optional<double> BufferCohorts::deadline() const {
  if (open_.empty()) return std::nullopt;
  return open_.front().at + timeout_s_;
}

bool BufferCohorts::node_in_open(const std::string& node) const {
  if (node.empty()) return false;
  for (const auto& w : open_)
    if (w.joiner.node == node) return true;
  return false;
}

ClosedCohort BufferCohorts::take() {
  ClosedCohort c;
  for (auto& w : open_) c.members.push_back(std::move(w.joiner));
  open_.clear();
  if (c.members.size() >= 2) c.id = next_id_++;
  // The joiners that waited open the next cohort, in arrival order (at most
  // one per node, and K - 1 so that the next join closes it; the rest wait on).
  auto waited = std::move(next_);
  next_.clear();
  for (auto& w : waited)
    if (static_cast<int>(open_.size()) < size_ - 1 && !node_in_open(w.joiner.node))
      open_.push_back(std::move(w));
    else
      next_.push_back(std::move(w));
  return c;
}

}  // namespace troupe::runtime
