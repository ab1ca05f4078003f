#include "models/data_files.hpp"

#include "models/csv_examples.hpp"
#include "models/npy_examples.hpp"

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <random>
#include <stdexcept>

namespace troupe::models {
namespace {

namespace fs = std::filesystem;

/// The one file in `dir` whose name contains `part` ("-images-idx3-ubyte").
std::string find_one(const fs::path& dir, const std::string& part) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().filename().string().find(part) != std::string::npos)
      found.push_back(entry.path().string());
  if (found.empty()) throw DataError(dir.string() + ": no *" + part + "[.gz] file");
  if (found.size() > 1)
    throw DataError(dir.string() + ": more than one *" + part + " file (" + found[0] + ", " +
                    found[1] + "); name one with its path");
  return found[0];
}

/// A gzipped (or plain) IDX pair: images N x rows x cols, labels N.
Dataset load_idx_pair(const std::string& path) {
  std::string images_path, labels_path;
  if (fs::is_directory(path)) {
    images_path = find_one(path, "-images-idx3-ubyte");
    labels_path = find_one(path, "-labels-idx1-ubyte");
  } else {
    images_path = path;
    const auto at = path.find("-images-idx3-ubyte");
    if (at == std::string::npos)
      throw DataError(path + ": an IDX images file is named *-images-idx3-ubyte[.gz]");
    labels_path = path.substr(0, at) + "-labels-idx1-ubyte" +
                  path.substr(at + std::string("-images-idx3-ubyte").size());
  }
  auto images = read_idx(images_path);
  auto labels = read_idx(labels_path);
  if (images.dims.size() < 2)
    throw DataError(images_path + ": expected an array of N examples, got " +
                    std::to_string(images.dims.size()) + " dimension(s)");
  if (labels.dims.size() != 1)
    throw DataError(labels_path + ": expected a 1-dimensional label array");
  if (images.dims[0] != labels.dims[0])
    throw DataError(images_path + ": " + std::to_string(images.dims[0]) + " examples but " +
                    labels_path + " has " + std::to_string(labels.dims[0]) + " labels");
  if (images.dims[0] == 0) throw DataError(images_path + ": holds no examples");
  Dataset out;
  if (images.dims.size() == 3) {
    out.rows = images.dims[1];
    out.cols = images.dims[2];
  } else {
    out.shape.assign(images.dims.begin() + 1, images.dims.end());
  }
  out.images = std::move(images.data);
  out.labels = std::move(labels.data);
  out.num_classes = 1 + *std::max_element(out.labels.begin(), out.labels.end());
  return out;
}

}  // namespace

std::string data_format(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw DataError(path + ": no such file or directory");
  if (fs::is_directory(path, ec)) {
    if (fs::exists(fs::path(path) / "x.npy", ec) || fs::exists(fs::path(path) / "y.npy", ec))
      return "npy";
    for (const auto& entry : fs::directory_iterator(path, ec))
      if (entry.path().filename().string().find("-idx3-ubyte") != std::string::npos) return "idx";
    throw DataError(path +
                    ": is a directory without x.npy and y.npy or an IDX pair "
                    "(*-images-idx3-ubyte[.gz])");
  }
  const auto name = fs::path(path).filename().string();
  if (name.find("-idx3-ubyte") != std::string::npos) return "idx";
  return "csv";
}

Dataset load_examples(const std::string& path, const DataFileOptions& options) {
  const auto format = data_format(path);
  if (format == "idx") return load_idx_pair(path);
  if (format == "npy") return load_npy_examples(path);
  return load_csv_examples(path, options.label_column);
}

std::vector<std::int64_t> parse_shape(const std::string& text) {
  std::vector<std::int64_t> out;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const auto end = std::min(text.find(',', begin), text.size());
    const auto item = text.substr(begin, end - begin);
    std::size_t used = 0;
    long long value = 0;
    try {
      value = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || value < 1)
      throw std::invalid_argument(
          "--input-shape must be positive integers separated by commas, "
          "e.g. 1,28,28 or 64 (got '" +
          text + "')");
    out.push_back(value);
    begin = end + 1;
  }
  return out;
}

std::string shape_to_string(const std::vector<std::int64_t>& shape) {
  std::string out;
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? "," : "") + std::to_string(shape[i]);
  return out;
}

std::string check_fits(const Dataset& data, const std::vector<std::int64_t>& shape, int classes) {
  if (!shape.empty()) {
    const auto want = std::accumulate(shape.begin(), shape.end(), std::int64_t{1},
                                      std::multiplies<std::int64_t>());
    if (data.features() != want)
      return "has " + std::to_string(data.features()) + " features per example (shape " +
             shape_to_string(data.example_shape()) + "), the job " + std::to_string(want) +
             " (shape " + shape_to_string(shape) + ")";
  }
  if (classes > 0 && !data.labels.empty()) {
    const auto top = *std::max_element(data.labels.begin(), data.labels.end());
    if (top >= classes)
      return "has label " + std::to_string(top) + ", the job has " + std::to_string(classes) +
             " classes (0.." + std::to_string(classes - 1) + ")";
  }
  return {};
}

void split_held_out(const Dataset& data, double fraction, std::uint64_t seed, Dataset& train,
                    Dataset& held_out) {
  // Stratified: each label's examples are shuffled and the first
  // round(fraction * count) held out, so both parts keep the label mix.
  std::vector<std::vector<std::size_t>> by_label;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data.labels[i] >= by_label.size()) by_label.resize(data.labels[i] + 1U);
    by_label[data.labels[i]].push_back(i);
  }
  std::mt19937_64 rng(seed);
  std::vector<char> held(data.size(), 0);
  std::size_t held_count = 0;
  for (auto& idx : by_label) {
    std::shuffle(idx.begin(), idx.end(), rng);
    const auto k = static_cast<std::size_t>(fraction * static_cast<double>(idx.size()) + 0.5);
    for (std::size_t j = 0; j < k && j < idx.size(); ++j) held[idx[j]] = 1;
    held_count += std::min(k, idx.size());
  }
  // At least one example on each side when there are two or more.
  if (data.size() >= 2 && held_count == 0) held[0] = 1;
  if (data.size() >= 2 && held_count == data.size()) held[0] = 0;
  auto part = [&](char which, Dataset& out) {
    out = Dataset{};
    out.rows = data.rows;
    out.cols = data.cols;
    out.num_classes = data.num_classes;
    out.feature_type = data.feature_type;
    out.shape = data.shape;
    const auto bytes = static_cast<std::size_t>(data.example_bytes());
    for (std::size_t i = 0; i < data.size(); ++i) {
      if (held[i] != which) continue;
      out.labels.push_back(data.labels[i]);
      out.images.insert(out.images.end(),
                        data.images.begin() + static_cast<std::ptrdiff_t>(i * bytes),
                        data.images.begin() + static_cast<std::ptrdiff_t>((i + 1) * bytes));
    }
  };
  part(0, train);
  part(1, held_out);
}

}  // namespace troupe::models
