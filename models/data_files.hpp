#pragma once
/// \file
/// Examples a user brings, in the formats people already have:
///   - a CSV file: one row per example, the label in one column (the last by
///     default), an optional header row; features become float32;
///   - a directory holding x.npy and y.npy (features uint8 or float32, any
///     shape N x ...; labels of an integer type, N of them);
///   - a gzipped IDX pair: a directory with one *-images-idx3-ubyte[.gz] and one
///     *-labels-idx1-ubyte[.gz] file, or the path of the images file (its
///     labels file beside it).
/// Every error is a DataError naming the file (and for CSV the line:
/// FILE:LINE).

#include <cstdint>
#include <string>
#include <vector>

#include "models/dataset.hpp"
#include "models/idx_reader.hpp"

namespace troupe::models {

/// How to read a data file.
struct DataFileOptions {
  /// CSV: the label column, by header name or 0-based index; empty: the last.
  std::string label_column;
};

/// Which of the formats above `path` is ("csv", "npy", "idx"); throws DataError
/// when it is none of them or cannot be read.
std::string data_format(const std::string& path);

/// Reads the examples at `path`. num_classes is set to the largest label + 1.
/// Throws DataError for a missing or unreadable path, an empty set, a
/// non-numeric CSV cell (FILE:LINE), rows of different lengths, x/y length
/// mismatch, unsupported dtypes, or labels that are negative, not integers or
/// above 255.
Dataset load_examples(const std::string& path, const DataFileOptions& options = {});

/// Parses "1,28,28" or "64" (positive integers); throws std::invalid_argument.
std::vector<std::int64_t> parse_shape(const std::string& text);
/// "1,28,28".
std::string shape_to_string(const std::vector<std::int64_t>& shape);

/// Empty when `data` fits a job whose examples have `shape` (empty: any) and
/// `classes` classes (0: any), else why not, e.g. "has 63 features per
/// example, the job 64" or "has label 11, the job has 10 classes".
std::string check_fits(const Dataset& data, const std::vector<std::int64_t>& shape, int classes);

/// Splits `data` into a training part and a held-out part of about
/// `fraction` of the examples (at least one each when data has two or more),
/// the same split for the same `seed`. Stratified by label.
void split_held_out(const Dataset& data, double fraction, std::uint64_t seed, Dataset& train,
                    Dataset& held_out);

}  // namespace troupe::models
