#include "bench/gap_generator.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace troupe::bench {
namespace {

/// Uniform integer in [lo, hi] (modulo bias below 2^-50 for these ranges).
int uniform_int(std::mt19937_64& rng, int lo, int hi) {
  return lo + static_cast<int>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
}

/// Uniform in (0, 1]: 53 random bits.
double uniform_open(std::mt19937_64& rng) {
  return static_cast<double>((rng() >> 11) + 1) / 9007199254740992.0;
}

}  // namespace

runtime::GapProblem generate_gap(GapType type, int agents, int jobs, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  runtime::GapProblem p;
  p.agents = agents;
  p.jobs = jobs;
  const auto cells = static_cast<std::size_t>(agents) * static_cast<std::size_t>(jobs);
  p.value.resize(cells);
  p.demand.resize(cells);
  for (std::size_t k = 0; k < cells; ++k) {
    switch (type) {
      case GapType::c:
        p.demand[k] = uniform_int(rng, 5, 25);
        p.value[k] = uniform_int(rng, 10, 50);
        break;
      case GapType::d:
        p.demand[k] = uniform_int(rng, 1, 100);
        p.value[k] = 111 - p.demand[k] + uniform_int(rng, -10, 10);
        break;
      case GapType::e: {
        p.demand[k] = std::floor(1.0 - 10.0 * std::log(uniform_open(rng)));
        p.value[k] = std::floor(1000.0 / p.demand[k] - 10.0 * uniform_open(rng));
        break;
      }
    }
  }
  for (int i = 0; i < agents; ++i) {
    double sum = 0.0, largest = 0.0;
    for (int j = 0; j < jobs; ++j) {
      const double a = p.demand[static_cast<std::size_t>(i) * static_cast<std::size_t>(jobs) +
                                static_cast<std::size_t>(j)];
      sum += a;
      largest = std::max(largest, a);
    }
    double b = std::floor(0.8 * sum / agents);
    if (type == GapType::e) b = std::max(b, largest);
    p.capacity.push_back(b);
  }
  return p;
}

void write_gap(std::ostream& out, const std::vector<runtime::GapProblem>& problems) {
  out << problems.size() << '\n';
  for (const auto& p : problems) {
    out << p.agents << ' ' << p.jobs << '\n';
    for (const auto* table : {&p.value, &p.demand})
      for (int i = 0; i < p.agents; ++i) {
        for (int j = 0; j < p.jobs; ++j)
          out << (j ? " " : "")
              << (*table)[static_cast<std::size_t>(i) * static_cast<std::size_t>(p.jobs) +
                          static_cast<std::size_t>(j)];
        out << '\n';
      }
    for (int i = 0; i < p.agents; ++i)
      out << (i ? " " : "") << p.capacity[static_cast<std::size_t>(i)];
    out << '\n';
  }
}

}  // namespace troupe::bench
