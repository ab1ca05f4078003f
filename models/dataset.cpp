#include "models/dataset.hpp"

#include <algorithm>
#include <filesystem>

#include "models/idx_reader.hpp"

namespace troupe::models {
namespace {

std::string find_file(const std::string& dir, const std::string& stem) {
  namespace fs = std::filesystem;
  for (const auto* suffix : {".gz", ""}) {
    const auto candidate = fs::path(dir) / (stem + suffix);
    if (fs::exists(candidate)) return candidate.string();
  }
  throw DataError(dir + ": missing " + stem + ".gz (is this a Fashion-MNIST directory?)");
}

}  // namespace

Dataset load_fashion_mnist(const std::string& dir, Split split) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw DataError("data directory '" + dir +
                    "' does not exist. Install Debian's package dataset-fashion-mnist "
                    "(apt-get install dataset-fashion-mnist), which provides " +
                    kDefaultFashionMnistDir + ", or pass --data-dir DIR");
  }
  const std::string prefix = split == Split::train ? "train" : "t10k";
  const auto images_path = find_file(dir, prefix + "-images-idx3-ubyte");
  const auto labels_path = find_file(dir, prefix + "-labels-idx1-ubyte");
  auto images = read_idx(images_path);
  auto labels = read_idx(labels_path);
  if (images.dims.size() != 3)
    throw DataError(images_path + ": expected a 3-dimensional image array");
  if (labels.dims.size() != 1)
    throw DataError(labels_path + ": expected a 1-dimensional label array");
  if (images.dims[0] != labels.dims[0])
    throw DataError(dir + ": " + std::to_string(images.dims[0]) + " images but " +
                    std::to_string(labels.dims[0]) + " labels");
  Dataset out;
  out.rows = images.dims[1];
  out.cols = images.dims[2];
  out.images = std::move(images.data);
  out.labels = std::move(labels.data);
  const auto max_label = *std::max_element(out.labels.begin(), out.labels.end());
  if (max_label >= out.num_classes)
    throw DataError(labels_path + ": label " + std::to_string(max_label) + " is out of range 0..9");
  return out;
}

const char* to_string(FeatureType type) {
  return type == FeatureType::f32 ? "float32" : "uint8";
}

std::vector<std::int64_t> Dataset::example_shape() const {
  if (!shape.empty()) return shape;
  return {1, rows, cols};
}

std::int64_t Dataset::features() const {
  std::int64_t n = 1;
  for (auto d : example_shape()) n *= d;
  return n;
}

std::int64_t Dataset::example_bytes() const {
  return features() * (feature_type == FeatureType::f32 ? 4 : 1);
}

std::vector<std::int64_t> label_histogram(const Dataset& data) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(std::max(data.num_classes, 0)), 0);
  for (auto label : data.labels) {
    if (label >= out.size()) out.resize(label + 1U, 0);
    ++out[label];
  }
  return out;
}

Dataset head(const Dataset& data, std::size_t n) {
  if (n == 0 || n >= data.size()) return data;
  Dataset out;
  out.rows = data.rows;
  out.cols = data.cols;
  out.num_classes = data.num_classes;
  out.feature_type = data.feature_type;
  out.shape = data.shape;
  out.labels.assign(data.labels.begin(), data.labels.begin() + static_cast<std::ptrdiff_t>(n));
  out.images.assign(data.images.begin(),
                    data.images.begin() + static_cast<std::ptrdiff_t>(n * data.image_bytes()));
  return out;
}

}  // namespace troupe::models
