#pragma once
/// \file
/// Trainers lent to the many nodes of one process for one task at a time.
///
/// A LocalTrainer holds a network, its gradients and its selected examples:
/// about two copies of the model. A node that keeps its own holds them
/// between tasks; ten thousand embedded nodes that all train every round
/// would hold twenty thousand model copies, though only as many train at once
/// as the process has compute slots. Nodes that borrow from one pool need only
/// as many trainers as train at once.
///
/// A borrowed trainer trains exactly what a fresh one would: train() imports
/// the whole state that travels (parameters and floating-point buffers) before
/// it runs, its optimiser lives for one run, and the borrower selects its own
/// examples again. What a network keeps besides (integer buffers such as
/// BatchNorm's batch counter, a script's own attributes) would pass from one
/// borrower to the next, so a pool is for networks without such state: the
/// built-in ones (runtime::LibTorchNodeBehaviour borrows only for those).

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "models/trainer.hpp"

namespace troupe::models {

class TrainerPool {
 public:
  /// A borrowed trainer; it goes back to its pool when the loan ends.
  class Loan {
   public:
    Loan(Loan&&) noexcept = default;
    Loan& operator=(Loan&&) = delete;
    Loan(const Loan&) = delete;
    Loan& operator=(const Loan&) = delete;
    ~Loan();

    LocalTrainer& operator*() const { return *trainer_; }
    LocalTrainer* operator->() const { return trainer_.get(); }

   private:
    friend class TrainerPool;
    Loan(TrainerPool* pool, std::uint64_t key, std::unique_ptr<LocalTrainer> trainer)
        : pool_(pool), key_(key), trainer_(std::move(trainer)) {}
    TrainerPool* pool_;
    std::uint64_t key_;
    std::unique_ptr<LocalTrainer> trainer_;
  };

  /// A free trainer made for `key` (one job's model on one device), else a
  /// new one from `make`. A key other than the last one's drops the free
  /// trainers of the last (a process's nodes serve one job at a time);
  /// trainers of an older key still lent are dropped when they come back.
  /// Thread-safe; `make` runs outside the pool's lock.
  Loan borrow(std::uint64_t key, const std::function<LocalTrainer()>& make);

  /// Trainers waiting to be lent (for tests and reports).
  std::size_t free_trainers() const;
  /// Trainers made so far.
  std::uint64_t made() const;

 private:
  void give_back(std::uint64_t key, std::unique_ptr<LocalTrainer> trainer);

  mutable std::mutex mu_;
  std::uint64_t key_ = 0;
  std::vector<std::unique_ptr<LocalTrainer>> free_;
  std::uint64_t made_ = 0;
};

}  // namespace troupe::models
