#pragma once
/// \file
/// Exact allocation: the GAP as an integer programme, solved with COIN-OR CBC.

#include "runtime/allocation/allocator.hpp"

namespace troupe::runtime {

/// Solves the request as a 0-1 integer programme with CBC (branch and cut):
/// x[t][n] = 1 when task t runs on node n; sum_n x[t][n] = 1 (every_task) or
/// <= 1 (at_most_once) for each task; sum_t demand(t, n)[r] x[t][n] <=
/// capacity(n)[r] for each node and resource; objective sum value(t, n)
/// x[t][n], maximised or minimised. Pairs that can never be used (node
/// unavailable, demand above capacity) get no variable. The `lagrangian`
/// policy runs first, when registered (a quarter of the time limit, at most
/// 2 s): if its answer meets its bound that answer is returned, proved
/// optimal, without CBC. Otherwise the search starts from the best complete
/// allocation among every built-in greedy one and the lagrangian one, and
/// stops at options.time_limit_s, less a tenth of it (at most 0.1 s) kept for
/// stopping: CBC looks at the clock between nodes and Clp inside its LPs. The
/// result then carries the tighter of CBC's and the Lagrangian bound and
/// proved_optimal = false (true when that bound meets the objective); when the
/// clock stopped an LP, only the Lagrangian bound, and CBC's answer only if it
/// fits. When every_task cannot be met the result has proved_infeasible (or,
/// if time ran out first, the greedy's partial answer and a note).
/// The search runs on a thread of its own and the call returns at
/// options.time_limit_s even when CBC or Clp is inside a long step then (the
/// search is left to end by its own limit; one search runs at a time in the
/// process, and a call that finds another still running waits for it at most
/// until its own deadline). Deterministic for a given request unless the
/// clock stops it.
class ExactAllocator final : public Allocator {
 public:
  std::string name() const override { return "exact"; }
  Allocation allocate(const AllocationRequest& request) const override;
};

}  // namespace troupe::runtime
