#pragma once
// Seeded generator of Chu-Beasley GAP instances of types C, D and E, written in
// OR-Library format (the format runtime/allocation/gap_instance.hpp reads).

#include <cstdint>
#include <ostream>
#include <vector>

#include "runtime/allocation/gap_instance.hpp"

namespace troupe::bench {

/// Instance types of Chu and Beasley ("A genetic algorithm for the generalised
/// assignment problem", Computers & Operations Research 24(1), 1997), type E
/// from Laguna, Kelly, Gonzalez-Velarde and Glover ("Tabu search for the
/// multilevel generalized assignment problem", EJOR 82, 1995), as Yagiura,
/// Ibaraki and Glover (2004) use them. All are minimisation problems
/// (c = cost), with a = demand, b = capacity, m agents and n jobs:
/// - C: a_ij uniform in [5, 25], c_ij uniform in [10, 50], b_i = 0.8 sum_j a_ij / m;
/// - D: a_ij uniform in [1, 100], c_ij = 111 - a_ij + e_ij, e_ij uniform in
///   [-10, 10], b_i = 0.8 sum_j a_ij / m;
/// - E: a_ij = 1 - 10 ln(u_ij), c_ij = 1000 / a_ij - 10 v_ij, u, v uniform in
///   (0, 1], b_i = max(0.8 sum_j a_ij / m, max_j a_ij).
/// Integers throughout: a and c of type E and every b are rounded down.
enum class GapType { c, d, e };

/// One instance, a pure function of (type, agents, jobs, seed): the generator
/// is a std::mt19937_64 and every draw maps its output by our own arithmetic,
/// so the instance does not depend on the standard library's distributions.
runtime::GapProblem generate_gap(GapType type, int agents, int jobs, std::uint64_t seed);

/// Writes problems as an OR-Library GAP file: P, then per problem m n, c, a, b.
void write_gap(std::ostream& out, const std::vector<runtime::GapProblem>& problems);

}  // namespace troupe::bench
