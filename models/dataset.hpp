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

/// How one feature is stored. uint8 features are pixels: training scales them
/// to [0, 1] and standardises them as the built-in models expect; float32
/// features are used as they are.
enum class FeatureType : std::uint8_t { u8, f32 };

/// "uint8" or "float32".
const char* to_string(FeatureType type);

/// Labelled examples held as raw bytes (no LibTorch), as compactly as they
/// arrived: uint8 features stay one byte each and are converted per batch.
/// Fashion-MNIST is grey-scale images (rows x cols bytes, shape empty); data a
/// node brings (models/data_files.hpp) sets `shape` and may be float32.
struct Dataset {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  int num_classes = 10;
  std::vector<std::uint8_t> images;  ///< size() * example_bytes() bytes of features
  std::vector<std::uint8_t> labels;  ///< one label per example (classes < 256)
  FeatureType feature_type = FeatureType::u8;
  /// Shape of one example's features, e.g. {64} or {1, 28, 28}; empty means
  /// {1, rows, cols} (an image).
  std::vector<std::int64_t> shape;

  std::size_t size() const { return labels.size(); }
  /// The shape of one example: `shape`, or {1, rows, cols}.
  std::vector<std::int64_t> example_shape() const;
  /// Features per example (the product of example_shape()).
  std::int64_t features() const;
  /// Bytes per example.
  std::int64_t example_bytes() const;
  /// Same as example_bytes() (the name from when examples were images only).
  std::int64_t image_bytes() const { return example_bytes(); }
};

/// Examples per label, num_classes entries (labels >= num_classes are counted
/// in extra entries, so the vector is as long as the largest label + 1).
std::vector<std::int64_t> label_histogram(const Dataset& data);

enum class Split { train, test };

/// Loads one split of Fashion-MNIST from `dir` ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]).
/// Throws DataError; a missing directory's message names the Debian package.
Dataset load_fashion_mnist(const std::string& dir, Split split);

/// One split's labels only, for partitioning: `shape` is {0}, so it holds no
/// feature bytes. Checked as load_fashion_mnist checks them.
Dataset load_fashion_mnist_labels(const std::string& dir, Split split);

/// The shape of one example of a split ({1, rows, cols}), from the images
/// file's header alone.
std::vector<std::int64_t> fashion_mnist_example_shape(const std::string& dir, Split split);

/// The examples `rows` of one split (indices into the whole split, any
/// order), in that order, read without holding the rest: a node process
/// loads only the shards it trains. Checked as load_fashion_mnist checks.
/// `labels`: the split's labels as load_fashion_mnist_labels gave them,
/// when the caller holds them (not read again); null reads them.
Dataset load_fashion_mnist_rows(const std::string& dir, Split split,
                                const std::vector<std::size_t>& rows,
                                const std::vector<std::uint8_t>* labels = nullptr);

/// The first `n` examples (or all when n is 0 or larger than the set).
Dataset head(const Dataset& data, std::size_t n);

}  // namespace troupe::models
