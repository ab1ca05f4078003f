#pragma once
/// \file
/// An image-classification data set held as raw bytes (no LibTorch), and the
/// loader for Fashion-MNIST as shipped by Debian's dataset-fashion-mnist.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace troupe::models {

/// Where Debian's dataset-fashion-mnist package puts the files.
inline constexpr const char* kDefaultFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// Grey-scale images (rows x cols bytes each) and their labels.
struct Dataset {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  int num_classes = 10;
  std::vector<std::uint8_t> images;  ///< size() * rows * cols bytes
  std::vector<std::uint8_t> labels;  ///< one label per image

  std::size_t size() const { return labels.size(); }
  std::int64_t image_bytes() const { return rows * cols; }
};

enum class Split { train, test };

/// Loads one split of Fashion-MNIST from `dir` ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]).
/// Throws DataError; a missing directory's message names the Debian package.
Dataset load_fashion_mnist(const std::string& dir, Split split);

/// The first `n` examples (or all when n is 0 or larger than the set).
Dataset head(const Dataset& data, std::size_t n);

}  // namespace troupe::models
