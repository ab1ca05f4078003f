#pragma once
/// \file
/// The SecAgg+ neighbour graph (Bell et al. 2020): a Harary graph
/// H(k, n) (each node joined to the k/2 nodes on either side of it on a ring)
/// laid over a random permutation of the roster drawn from the public
/// graph_seed, so that every party derives the same symmetric graph and no
/// one chooses who their neighbours are. k = n - 1 is the complete graph.

#include <cstdint>
#include <vector>

#include "runtime/secagg/secure_aggregation.hpp"

namespace troupe::runtime::secagg {

/// Throws std::invalid_argument naming what is wrong when `params` cannot be
/// a cohort's parameters (sizes, degree, threshold, bits).
void check_params(const Params& params);

/// One cohort's graph, built once (the permutation costs O(n)).
class NeighbourGraph {
 public:
  explicit NeighbourGraph(const Params& params);
  /// The neighbours of `index`, in increasing roster order.
  std::vector<std::int32_t> of(std::int32_t index) const;
  bool adjacent(std::int32_t a, std::int32_t b) const;

 private:
  Params params_;
  std::vector<std::int32_t> position_;  ///< roster index -> place on the ring
  std::vector<std::int32_t> member_;    ///< place on the ring -> roster index
};

}  // namespace troupe::runtime::secagg
