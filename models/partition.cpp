#include "models/partition.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_set>

namespace troupe::models {

Partition partition_iid(std::size_t n, std::size_t parts, std::uint64_t seed) {
  if (parts == 0) throw std::invalid_argument("partition_iid: parts must be positive");
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  Partition out(parts);
  const std::size_t base = n / parts;
  const std::size_t extra = n % parts;
  std::size_t pos = 0;
  for (std::size_t p = 0; p < parts; ++p) {
    const std::size_t len = base + (p < extra ? 1 : 0);
    out[p].assign(order.begin() + static_cast<std::ptrdiff_t>(pos),
                  order.begin() + static_cast<std::ptrdiff_t>(pos + len));
    std::sort(out[p].begin(), out[p].end());
    pos += len;
  }
  return out;
}

Partition partition_sampled(std::size_t n, std::size_t parts, std::size_t per_part,
                            std::uint64_t seed) {
  if (parts == 0) throw std::invalid_argument("partition_sampled: parts must be positive");
  if (per_part == 0)
    throw std::invalid_argument("partition_sampled: examples per part must be positive");
  if (per_part > n)
    throw std::invalid_argument("partition_sampled: " + std::to_string(per_part) +
                                " examples per node, but the training set has " +
                                std::to_string(n));
  Partition out(parts);
  std::vector<std::size_t> order;
  for (std::size_t p = 0; p < parts; ++p) {
    // One generator per part, seeded from (seed, p) through a splitmix64 step,
    // so a part's sample is the same whatever the number of parts.
    std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (p + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    std::mt19937_64 rng(z ^ (z >> 31));
    auto& part = out[p];
    if (per_part * 4 >= n) {
      // A large share of the set: a partial Fisher-Yates shuffle.
      order.resize(n);
      std::iota(order.begin(), order.end(), std::size_t{0});
      for (std::size_t i = 0; i < per_part; ++i)
        std::swap(order[i], order[std::uniform_int_distribution<std::size_t>(i, n - 1)(rng)]);
      part.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(per_part));
    } else {
      // A small share: draw, and draw again on a duplicate (fewer than a
      // quarter of the draws collide); a set once the sample is not tiny.
      part.reserve(per_part);
      std::uniform_int_distribution<std::size_t> pick(0, n - 1);
      std::unordered_set<std::size_t> seen;
      const bool small = per_part <= 64;
      while (part.size() < per_part) {
        const auto i = pick(rng);
        const bool fresh =
            small ? std::find(part.begin(), part.end(), i) == part.end() : seen.insert(i).second;
        if (fresh) part.push_back(i);
      }
    }
    std::sort(part.begin(), part.end());
  }
  return out;
}

Partition partition_dirichlet(const std::vector<std::uint8_t>& labels, int num_classes,
                              std::size_t parts, double alpha, std::uint64_t seed,
                              std::size_t min_size) {
  if (parts == 0) throw std::invalid_argument("partition_dirichlet: parts must be positive");
  if (!(alpha > 0.0)) throw std::invalid_argument("partition_dirichlet: alpha must be > 0");
  std::vector<std::vector<std::size_t>> by_class(static_cast<std::size_t>(num_classes));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= num_classes)
      throw std::invalid_argument("partition_dirichlet: label out of range");
    by_class[labels[i]].push_back(i);
  }
  // A part can only be guaranteed min_size examples if there are enough to go round.
  min_size = std::min(min_size, labels.size() / parts);

  std::mt19937_64 rng(seed);
  Partition out;
  for (int attempt = 0; attempt < 100; ++attempt) {
    out.assign(parts, {});
    for (auto cls_indices : by_class) {
      std::shuffle(cls_indices.begin(), cls_indices.end(), rng);
      std::gamma_distribution<double> gamma(alpha, 1.0);
      std::vector<double> p(parts);
      double sum = 0.0;
      for (auto& v : p) sum += (v = gamma(rng));
      if (sum <= 0.0) {  // every draw underflowed (tiny alpha): give the class to one part
        std::fill(p.begin(), p.end(), 0.0);
        p[std::uniform_int_distribution<std::size_t>(0, parts - 1)(rng)] = 1.0;
        sum = 1.0;
      }
      // Cumulative cut points; the last part takes the remainder.
      std::size_t start = 0;
      double cum = 0.0;
      for (std::size_t k = 0; k < parts; ++k) {
        cum += p[k] / sum;
        const std::size_t end =
            k + 1 == parts
                ? cls_indices.size()
                : std::min(cls_indices.size(),
                           static_cast<std::size_t>(std::llround(cum * cls_indices.size())));
        for (std::size_t i = start; i < end; ++i) out[k].push_back(cls_indices[i]);
        start = std::max(start, end);
      }
    }
    const auto smallest = std::min_element(
        out.begin(), out.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
    if (smallest->size() >= min_size) break;
  }
  for (auto& part : out) std::sort(part.begin(), part.end());
  return out;
}

Partition partition_labels(const std::vector<std::uint8_t>& labels, int num_classes,
                           std::size_t parts, std::size_t k, std::uint64_t seed) {
  if (parts == 0) throw std::invalid_argument("partition_labels: parts must be positive");
  if (k == 0) throw std::invalid_argument("partition_labels: labels per part must be positive");
  if (num_classes <= 0) throw std::invalid_argument("partition_labels: no classes");
  std::vector<std::vector<std::size_t>> by_class(static_cast<std::size_t>(num_classes));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= num_classes)
      throw std::invalid_argument("partition_labels: label out of range");
    by_class[labels[i]].push_back(i);
  }
  std::mt19937_64 rng(seed);
  // Present labels in a seeded random order; it decides which labels share a part.
  std::vector<std::size_t> order;
  for (std::size_t c = 0; c < by_class.size(); ++c)
    if (!by_class[c].empty()) order.push_back(c);
  if (order.size() < k)
    throw std::invalid_argument("partition_labels: " + std::to_string(k) +
                                " labels per part requested, but only " +
                                std::to_string(order.size()) + " labels occur");
  std::shuffle(order.begin(), order.end(), rng);

  // Shards per label: proportional to its size (largest remainder), capped at
  // `parts` (so no part needs two shards of one label) and at its size (no empty shard).
  const std::size_t shards = parts * k;
  std::vector<std::size_t> count(order.size(), 0), cap(order.size());
  std::vector<double> target(order.size());
  std::size_t capacity = 0, given = 0;
  for (std::size_t j = 0; j < order.size(); ++j) {
    const std::size_t size = by_class[order[j]].size();
    cap[j] = std::min(parts, size);
    capacity += cap[j];
    target[j] = static_cast<double>(shards) * static_cast<double>(size) /
                static_cast<double>(labels.size());
    count[j] = std::min(cap[j], static_cast<std::size_t>(std::floor(target[j])));
    given += count[j];
  }
  if (capacity < shards)
    throw std::invalid_argument("partition_labels: too few examples for " + std::to_string(parts) +
                                " parts of " + std::to_string(k) + " labels each");
  for (; given < shards; ++given) {
    std::size_t best = order.size();
    for (std::size_t j = 0; j < order.size(); ++j)
      if (count[j] < cap[j] &&
          (best == order.size() || target[j] - static_cast<double>(count[j]) >
                                       target[best] - static_cast<double>(count[best])))
        best = j;
    ++count[best];
  }

  // Cut each label's shuffled examples into its shards, label after label, and
  // deal the shards round-robin: a label's (at most `parts`) consecutive shards
  // go to distinct parts, and every part receives exactly k shards.
  Partition out(parts);
  std::size_t dealt = 0;
  for (std::size_t j = 0; j < order.size(); ++j) {
    auto examples = by_class[order[j]];
    std::shuffle(examples.begin(), examples.end(), rng);
    std::size_t begin = 0;
    for (std::size_t s = 0; s < count[j]; ++s, ++dealt) {
      const std::size_t end = examples.size() * (s + 1) / count[j];
      auto& part = out[dealt % parts];
      part.insert(part.end(), examples.begin() + static_cast<std::ptrdiff_t>(begin),
                  examples.begin() + static_cast<std::ptrdiff_t>(end));
      begin = end;
    }
  }
  for (auto& part : out) std::sort(part.begin(), part.end());
  return out;
}

double label_skew(const Partition& partition, const std::vector<std::uint8_t>& labels,
                  int num_classes) {
  std::vector<double> global(static_cast<std::size_t>(num_classes), 0.0);
  for (auto l : labels) global[l] += 1.0;
  for (auto& g : global) g /= static_cast<double>(labels.size());
  double total = 0.0;
  std::size_t counted = 0;
  for (const auto& part : partition) {
    if (part.empty()) continue;
    std::vector<double> local(static_cast<std::size_t>(num_classes), 0.0);
    for (auto i : part) local[labels[i]] += 1.0;
    double tv = 0.0;
    for (int c = 0; c < num_classes; ++c)
      tv += std::abs(local[c] / static_cast<double>(part.size()) - global[c]);
    total += tv / 2.0;
    ++counted;
  }
  return counted == 0 ? 0.0 : total / static_cast<double>(counted);
}

}  // namespace troupe::models
