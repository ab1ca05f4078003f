#pragma once
/// \file
/// Misbehaving nodes for experiments and tests, as a NodeBehaviour that wraps
/// another one: a node that drops out of tasks (with a probability, decided by
/// a stable hash of job seed, task and node, so reruns drop the same tasks), a
/// straggler (training takes `slow_factor` times longer: it waits after
/// training), and an attacker (alters every update, runtime/node/attacks.hpp).
/// With the default Misbehaviour and a job without --dropout it only passes calls on.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "runtime/node/attacks.hpp"
#include "runtime/node/forwarding_node_behaviour.hpp"

namespace troupe::runtime {

/// How a node misbehaves; the node's settings (the job's --dropout applies when `dropout` < 0).
struct Misbehaviour {
  double slow_factor = 1.0;  ///< > 1: training takes this many times longer (a straggler)
  double dropout = -1.0;     ///< probability of dropping a training task (< 0: the job's)
  std::string attack;        ///< "" | scale | signflip | random: alters every update
  double attack_scale = 10.0;

  /// Node `i` (from 1) of an embedded cluster running `job`: the first
  /// --malicious nodes attack, the last --slow-nodes are stragglers.
  static Misbehaviour of_embedded_node(const JobSpec& job, int i);
};

class MisbehavingNodeBehaviour final : public ForwardingNodeBehaviour {
 public:
  /// Waits `seconds` (a straggler's extra time); injected so tests need no clock.
  using Wait = std::function<void(double seconds)>;

  /// Wraps `inner` (not null). The default `wait` sleeps the calling thread.
  MisbehavingNodeBehaviour(std::unique_ptr<NodeBehaviour> inner, Misbehaviour how, Wait wait = {});

  /// Throws std::invalid_argument for an unknown attack, then sets `inner` up.
  NodeData setup(const NodeSetup& setup) override;
  /// Trains with `inner`, alters the update when attacking, then waits as a
  /// straggler; the result's seconds include the wait.
  models::TrainResult train(const models::Parameters& global, const LocalTask& task,
                            models::Parameters& update) override;

  /// Whether the node drops training task `task_id` of the job it was set up
  /// for (a simulated drop-out: no model is fetched, no update is sent).
  bool drops(std::int64_t task_id) const;
  /// What every update records about its alteration: "" when honest, else
  /// "attack:factor" (replay needs both).
  std::string attack_label() const;

 private:
  Misbehaviour how_;
  Wait wait_;
  Attack attack_ = Attack::none;
  std::string node_;            ///< the node's name, from set-up
  std::uint64_t job_seed_ = 0;  ///< the job's seed, from set-up
  double dropout_ = 0.0;        ///< the probability in force for the job
};

}  // namespace troupe::runtime
