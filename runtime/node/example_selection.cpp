#include "runtime/node/example_selection.hpp"

#include <cstring>
#include <stdexcept>

#include "models/data_files.hpp"

namespace troupe::runtime {

ExampleSelection select_examples(const models::Dataset& data,
                                 const std::vector<std::size_t>& indices, double held_out_fraction,
                                 std::uint64_t seed) {
  ExampleSelection out;
  if (held_out_fraction <= 0.0) {
    out.train = indices;
    return out;
  }
  // split_held_out splits whole examples; given examples whose only feature
  // is their index (4 bytes), it splits the indices without copying a single
  // feature of the real data.
  models::Dataset ids;
  ids.feature_type = models::FeatureType::f32;
  ids.shape = {1};
  ids.num_classes = data.num_classes;
  ids.images.resize(indices.size() * sizeof(std::uint32_t));
  ids.labels.reserve(indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] >= data.size() || indices[i] > UINT32_MAX)
      throw std::out_of_range("select_examples: index " + std::to_string(indices[i]) +
                              " of a data set of " + std::to_string(data.size()));
    const auto id = static_cast<std::uint32_t>(indices[i]);
    std::memcpy(ids.images.data() + i * sizeof id, &id, sizeof id);
    ids.labels.push_back(data.labels[indices[i]]);
  }
  models::Dataset train, held_out;
  models::split_held_out(ids, held_out_fraction, seed, train, held_out);
  auto unpack = [](const models::Dataset& part, std::vector<std::size_t>& to) {
    to.resize(part.size());
    for (std::size_t i = 0; i < part.size(); ++i) {
      std::uint32_t id = 0;
      std::memcpy(&id, part.images.data() + i * sizeof id, sizeof id);
      to[i] = id;
    }
  };
  unpack(train, out.train);
  unpack(held_out, out.held_out);
  return out;
}

std::uint64_t held_out_seed(std::uint64_t job_seed, int shard) {
  // splitmix64 of the pair: nearby job seeds and shards give unrelated splits.
  std::uint64_t z = job_seed + 0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(shard) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

models::Dataset gather(const models::Dataset& data, const std::vector<std::size_t>& indices) {
  models::Dataset out;
  out.rows = data.rows;
  out.cols = data.cols;
  out.num_classes = data.num_classes;
  out.feature_type = data.feature_type;
  out.shape = data.shape;
  const auto bytes = static_cast<std::size_t>(data.example_bytes());
  out.images.reserve(indices.size() * bytes);
  out.labels.reserve(indices.size());
  for (auto i : indices) {
    const auto* at = data.images.data() + i * bytes;
    out.images.insert(out.images.end(), at, at + bytes);
    out.labels.push_back(data.labels.at(i));
  }
  return out;
}

}  // namespace troupe::runtime
