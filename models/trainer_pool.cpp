#include "models/trainer_pool.hpp"

namespace troupe::models {

TrainerPool::Loan::~Loan() {
  if (pool_ && trainer_) pool_->give_back(key_, std::move(trainer_));
}

TrainerPool::Loan TrainerPool::borrow(std::uint64_t key,
                                      const std::function<LocalTrainer()>& make) {
  std::vector<std::unique_ptr<LocalTrainer>> stale;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (key != key_) {
      stale.swap(free_);  // destroyed outside the lock
      key_ = key;
    }
    if (!free_.empty()) {
      auto trainer = std::move(free_.back());
      free_.pop_back();
      return Loan(this, key, std::move(trainer));
    }
  }
  auto trainer = std::make_unique<LocalTrainer>(make());
  std::lock_guard<std::mutex> lock(mu_);
  ++made_;
  return Loan(this, key, std::move(trainer));
}

void TrainerPool::give_back(std::uint64_t key, std::unique_ptr<LocalTrainer> trainer) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (key == key_) {
      free_.push_back(std::move(trainer));
      return;
    }
  }
  trainer.reset();  // made for an older key: dropped, outside the lock
}

std::size_t TrainerPool::free_trainers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return free_.size();
}

std::uint64_t TrainerPool::made() const {
  std::lock_guard<std::mutex> lock(mu_);
  return made_;
}

}  // namespace troupe::models
