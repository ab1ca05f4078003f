#include "models/dataset.hpp"

#include <algorithm>
#include <filesystem>

#include "models/idx_reader.hpp"
#include "models/plain_copy.hpp"

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

namespace {

void check_directory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw DataError("data directory '" + dir +
                    "' does not exist. Install Debian's package dataset-fashion-mnist "
                    "(apt-get install dataset-fashion-mnist), which provides " +
                    kDefaultFashionMnistDir + ", or pass --data-dir DIR");
  }
}

std::string prefix_of(Split split) {
  return split == Split::train ? "train" : "t10k";
}

/// The split's labels, checked: one dimension, classes 0..9.
IdxArray read_labels(const std::string& path, int num_classes) {
  auto labels = read_idx(path);
  if (labels.dims.size() != 1) throw DataError(path + ": expected a 1-dimensional label array");
  if (!labels.data.empty()) {
    const auto max_label = *std::max_element(labels.data.begin(), labels.data.end());
    if (max_label >= num_classes)
      throw DataError(path + ": label " + std::to_string(max_label) + " is out of range 0..9");
  }
  return labels;
}

/// Images `images` (all of a file's, or some rows) and the file's labels.
Dataset assemble(const std::string& dir, const std::string& images_path, IdxArray images,
                 std::int64_t image_count, const std::vector<std::uint8_t>& labels,
                 const std::vector<std::size_t>* rows) {
  if (images.dims.size() != 3)
    throw DataError(images_path + ": expected a 3-dimensional image array");
  if (image_count != static_cast<std::int64_t>(labels.size()))
    throw DataError(dir + ": " + std::to_string(image_count) + " images but " +
                    std::to_string(labels.size()) + " labels");
  Dataset out;
  out.rows = images.dims[1];
  out.cols = images.dims[2];
  out.images = std::move(images.data);
  if (!rows) {
    out.labels = labels;
  } else {
    out.labels.reserve(rows->size());
    for (auto r : *rows) out.labels.push_back(labels[r]);
  }
  return out;
}

}  // namespace

Dataset load_fashion_mnist(const std::string& dir, Split split) {
  check_directory(dir);
  const auto images_path = find_file(dir, prefix_of(split) + "-images-idx3-ubyte");
  const auto labels_path = find_file(dir, prefix_of(split) + "-labels-idx1-ubyte");
  auto images = read_idx(images_path);
  auto labels = read_labels(labels_path, Dataset{}.num_classes);
  const auto count = images.dims.empty() ? 0 : images.dims[0];
  return assemble(dir, images_path, std::move(images), count, labels.data, nullptr);
}

Dataset load_fashion_mnist_labels(const std::string& dir, Split split) {
  check_directory(dir);
  const auto labels_path = find_file(dir, prefix_of(split) + "-labels-idx1-ubyte");
  Dataset out;
  out.labels = read_labels(labels_path, out.num_classes).data;
  out.shape = {0};  // no features
  return out;
}

std::vector<std::int64_t> fashion_mnist_example_shape(const std::string& dir, Split split) {
  check_directory(dir);
  const auto images_path = find_file(dir, prefix_of(split) + "-images-idx3-ubyte");
  const auto dims = read_idx_dims(images_path);
  if (dims.size() != 3) throw DataError(images_path + ": expected a 3-dimensional image array");
  return {1, dims[1], dims[2]};
}

Dataset load_fashion_mnist_rows(const std::string& dir, Split split,
                                const std::vector<std::size_t>& rows,
                                const std::vector<std::uint8_t>* labels_read) {
  check_directory(dir);
  const auto images_path = find_file(dir, prefix_of(split) + "-images-idx3-ubyte");
  // The caller's labels when it holds them: not read (or copied) per shard.
  IdxArray read;
  if (!labels_read)
    read =
        read_labels(find_file(dir, prefix_of(split) + "-labels-idx1-ubyte"), Dataset{}.num_classes);
  std::int64_t count = 0;
  // From the host's plain copy when one can be made: no inflating per read.
  auto images = read_idx_rows(plain_copy(images_path), rows, &count);
  return assemble(dir, images_path, std::move(images), count,
                  labels_read ? *labels_read : read.data, &rows);
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
