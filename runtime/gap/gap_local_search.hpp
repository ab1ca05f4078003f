#pragma once
/// \file
/// Local search for the GAP: shift, swap and ejection-chain moves.

#include "runtime/gap/gap_model.hpp"

namespace troupe::runtime {

/// Improves `solution` in place until no move helps, never breaking a
/// capacity. Moves, tried in this order, each applied at first improvement:
/// - shift: one task to another node (or, when tasks may stay unplaced, out of
///   the allocation when its profit is negative, or into it when positive);
/// - swap: two tasks on different nodes exchange their nodes;
/// - ejection chain of length two: a task moves to a node where it does not
///   fit, and one task of that node moves on to a third node (or to the first
///   one's old node) to make room. An unplaced task may start a chain, which
///   is how a partial assignment is repaired when every task must be placed.
/// This is the neighbourhood of Yagiura, Ibaraki and Glover ("An ejection
/// chain approach for the generalized assignment problem", INFORMS Journal on
/// Computing 16(2), 2004) cut at chains of depth two and searched only among
/// feasible assignments (their method also crosses infeasible ones, with
/// adaptive penalty weights). Returns the number of moves made.
/// With `ejection_chains` false only shifts and swaps are tried: a cheap
/// screen for candidates not worth the full neighbourhood.
std::size_t improve_locally(const GapModel& model, GapSolution& solution,
                            bool ejection_chains = true);

}  // namespace troupe::runtime
