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

Dataset head(const Dataset& data, std::size_t n) {
  if (n == 0 || n >= data.size()) return data;
  Dataset out;
  out.rows = data.rows;
  out.cols = data.cols;
  out.num_classes = data.num_classes;
  out.labels.assign(data.labels.begin(), data.labels.begin() + static_cast<std::ptrdiff_t>(n));
  out.images.assign(data.images.begin(),
                    data.images.begin() + static_cast<std::ptrdiff_t>(n * data.image_bytes()));
  return out;
}

}  // namespace troupe::models
