#include "runtime/node/compute_gate.hpp"

#include <algorithm>
#include <thread>

namespace troupe::runtime {

ComputeGate::ComputeGate(int slots) : slots_(std::max(1, slots)) {}

ComputeGate::Ticket::Ticket(ComputeGate& gate) : gate_(gate) {
  std::unique_lock<std::mutex> lock(gate_.mu_);
  ++gate_.waiting_;
  gate_.cv_.wait(lock, [this] { return gate_.used_ < gate_.slots_; });
  --gate_.waiting_;
  ++gate_.used_;
}

ComputeGate::Ticket::~Ticket() {
  {
    std::lock_guard<std::mutex> lock(gate_.mu_);
    --gate_.used_;
  }
  gate_.cv_.notify_one();
}

int ComputeGate::waiting() {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_;
}

int ComputeGate::slots_for(int threads) {
  const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  return std::max(1, cores / std::max(1, threads));
}

bool TaskTurns::add(double priority, Work work, bool preempts) {
  waiting_.emplace(std::make_pair(-priority, ++arrivals_), Waiting{std::move(work), preempts});
  return !busy_;
}

bool TaskTurns::startable() const {
  if (busy_ || waiting_.empty()) return false;
  const double top = -waiting_.begin()->first.first;
  for (const auto& [id, priority] : holds_)
    if (priority > top) return false;
  return true;
}

std::optional<std::pair<std::uint64_t, TaskTurns::Work>> TaskTurns::take() {
  if (!startable()) return std::nullopt;
  current_ = -waiting_.begin()->first.first;
  current_arrival_ = waiting_.begin()->first.second;
  auto work = std::move(waiting_.begin()->second.work);
  waiting_.erase(waiting_.begin());
  busy_ = true;
  return std::make_pair(++turn_, std::move(work));
}

bool TaskTurns::end(std::uint64_t turn) {
  if (!busy_ || turn != turn_) return false;
  busy_ = false;
  return !waiting_.empty();
}

void TaskTurns::requeue(double priority, Work work, bool preempts) {
  waiting_.emplace(std::make_pair(-priority, current_arrival_), Waiting{std::move(work), preempts});
}

std::uint64_t TaskTurns::hold(double priority) {
  holds_.emplace(++hold_numbers_, priority);
  return hold_numbers_;
}

bool TaskTurns::release(std::uint64_t id) {
  holds_.erase(id);
  return startable();
}

bool TaskTurns::preempted_above(double priority) const {
  for (const auto& [id, p] : holds_)
    if (p > priority) return true;
  for (const auto& [key, w] : waiting_) {
    if (-key.first <= priority) break;  // by priority, highest first
    if (w.preempts) return true;
  }
  return false;
}

bool TaskTurns::should_yield() const {
  return busy_ && preempted_above(current_);
}

}  // namespace troupe::runtime
