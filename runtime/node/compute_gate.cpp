#include "runtime/node/compute_gate.hpp"

#include <algorithm>
#include <thread>

namespace troupe::runtime {

ComputeGate::ComputeGate(int slots) : slots_(std::max(1, slots)) {}

ComputeGate::Ticket::Ticket(ComputeGate& gate) : gate_(gate) {
  std::unique_lock<std::mutex> lock(gate_.mu_);
  gate_.cv_.wait(lock, [this] { return gate_.used_ < gate_.slots_; });
  ++gate_.used_;
}

ComputeGate::Ticket::~Ticket() {
  {
    std::lock_guard<std::mutex> lock(gate_.mu_);
    --gate_.used_;
  }
  gate_.cv_.notify_one();
}

int ComputeGate::slots_for(int threads) {
  const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  return std::max(1, cores / std::max(1, threads));
}

}  // namespace troupe::runtime
