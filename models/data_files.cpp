#include "models/data_files.hpp"

#include <stdexcept>

namespace troupe::models {

// Filled in by the node-local data work (issue 13).
std::string data_format(const std::string& path) {
  throw DataError(path + ": reading node-local data is not built yet");
}

Dataset load_examples(const std::string& path, const DataFileOptions&) {
  throw DataError(path + ": reading node-local data is not built yet");
}

std::vector<std::int64_t> parse_shape(const std::string& text) {
  throw std::invalid_argument("--input-shape '" + text + "': not built yet");
}

std::string shape_to_string(const std::vector<std::int64_t>& shape) {
  std::string out;
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? "," : "") + std::to_string(shape[i]);
  return out;
}

std::string check_fits(const Dataset&, const std::vector<std::int64_t>&, int) {
  return {};
}

void split_held_out(const Dataset& data, double, std::uint64_t, Dataset& train, Dataset& held_out) {
  train = data;
  held_out = Dataset{};
}

}  // namespace troupe::models
