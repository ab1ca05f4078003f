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

bool TaskTurns::add(double priority, Work work) {
  waiting_.emplace(std::make_pair(-priority, ++arrivals_), std::move(work));
  return !busy_;
}

std::optional<std::pair<std::uint64_t, TaskTurns::Work>> TaskTurns::take() {
  if (busy_ || waiting_.empty()) return std::nullopt;
  auto work = std::move(waiting_.begin()->second);
  waiting_.erase(waiting_.begin());
  busy_ = true;
  return std::make_pair(++turn_, std::move(work));
}

bool TaskTurns::end(std::uint64_t turn) {
  if (!busy_ || turn != turn_) return false;
  busy_ = false;
  return !waiting_.empty();
}

}  // namespace troupe::runtime
