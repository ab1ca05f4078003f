#pragma once
/// \file
/// The settings of the built-in aggregation strategies. They live in core
/// because a job carries them (JobSpec::collab); runtime/aggregation reads them.

#include <string>

namespace troupe::runtime {

/// Settings of the built-in strategies; each strategy reads only the ones it uses.
struct StrategyOptions {
  /// eta: server learning rate of fedavgm, fedadam, fedyogi and fedadagrad; > 0.
  double server_lr = 1.0;
  /// beta: momentum of fedavgm's velocity, in [0, 1). 0 with server_lr 1 is FedAvg.
  double server_momentum = 0.9;
  /// First-moment decay of fedadam, fedyogi and fedadagrad, in [0, 1).
  double beta1 = 0.9;
  /// Second-moment decay of fedadam and fedyogi, in [0, 1).
  double beta2 = 0.99;
  /// Adaptivity of the adaptive optimisers: added to sqrt(v) in the denominator; > 0.
  double tau = 1e-3;
  /// trimmed-mean drops floor(trim_fraction * n) values at each end of every
  /// coordinate; in [0, 0.5).
  double trim_fraction = 0.1;
  /// f: the number of Byzantine updates krum and multi-krum tolerate; >= 0.
  int byzantine = 0;
  /// m: how many of the best-scored updates multi-krum averages; 0 means n - byzantine; >= 0.
  int multi_krum = 0;
  /// When > 0, every update's delta (update - current) is clipped to this L2 norm
  /// before the strategy sees it (make_strategy wraps any strategy, plugins included).
  /// 0 turns clipping off.
  double clip_norm = 0.0;

  /// The first setting out of range, as a sentence; empty when all are valid.
  std::string validate() const;
};

}  // namespace troupe::runtime
