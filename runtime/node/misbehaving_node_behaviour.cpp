#include "runtime/node/misbehaving_node_behaviour.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>

namespace troupe::runtime {

Misbehaviour Misbehaviour::of_embedded_node(const JobSpec& job, int i) {
  Misbehaviour how;
  if (i <= job.experiment.malicious) {
    how.attack = to_string(job.experiment.attack);
    how.attack_scale = job.experiment.attack_scale;
  }
  if (i > job.nodes - job.experiment.slow_nodes) how.slow_factor = job.experiment.slow_factor;
  return how;
}

MisbehavingNodeBehaviour::MisbehavingNodeBehaviour(std::unique_ptr<NodeBehaviour> inner,
                                                   Misbehaviour how, Wait wait)
    : ForwardingNodeBehaviour(std::move(inner), "MisbehavingNodeBehaviour"),
      how_(std::move(how)),
      wait_(std::move(wait)) {
  if (!wait_)
    wait_ = [](double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); };
}

NodeData MisbehavingNodeBehaviour::setup(const NodeSetup& setup) {
  attack_ = parse_attack(how_.attack);  // a bad name fails the set-up
  node_ = setup.node;
  job_seed_ = setup.job.seed;
  dropout_ = how_.dropout >= 0.0 ? how_.dropout : setup.job.experiment.dropout;
  return inner_->setup(setup);
}

models::TrainResult MisbehavingNodeBehaviour::train(const models::Parameters& global,
                                                    const LocalTask& task,
                                                    models::Parameters& update) {
  auto result = inner_->train(global, task, update);
  if (attack_ != Attack::none)
    apply_attack(attack_, how_.attack_scale, global, update, task.options.seed);
  result.samples = inflate_claim(attack_, how_.attack_scale, result.samples);
  if (how_.slow_factor > 1.0) {
    // A straggler: it holds no compute slot while it is slow (a gate is inside `inner`).
    wait_((how_.slow_factor - 1.0) * result.seconds);
    result.seconds *= how_.slow_factor;
  }
  return result;
}

bool MisbehavingNodeBehaviour::drops(std::int64_t task_id) const {
  if (!(dropout_ > 0.0)) return false;
  std::uint64_t h = task_seed(job_seed_ ^ 0x5a17d0f0ULL, static_cast<int>(task_id), 0);
  for (char c : node_) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  h = task_seed(h, 1, 1);
  return static_cast<double>(h >> 11) * 0x1.0p-53 < dropout_;
}

std::string MisbehavingNodeBehaviour::attack_label() const {
  return runtime::attack_label(how_.attack, how_.attack_scale);
}

}  // namespace troupe::runtime
