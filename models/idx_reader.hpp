#pragma once
/// \file
/// Reader for the IDX format of (Fashion-)MNIST, gzipped or plain.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace troupe::models {

/// Raised for missing, unreadable, truncated or malformed data files.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An unsigned-byte IDX array: its dimensions and its elements in row-major order.
struct IdxArray {
  std::vector<std::int64_t> dims;
  std::vector<std::uint8_t> data;
};

/// Reads an IDX file of unsigned bytes (type code 0x08). gzip is detected and
/// decompressed transparently. Throws DataError naming the file and the reason
/// (missing, wrong magic, truncated, trailing bytes, unsupported type).
IdxArray read_idx(const std::string& path);

/// An IDX file's dimensions, from its header alone (checked as read_idx does).
std::vector<std::int64_t> read_idx_dims(const std::string& path);

/// The rows `rows` of an IDX file (indices along its first dimension; any
/// order, repeats allowed), in that order: dims[0] becomes rows.size(). Only
/// those rows are kept, so a node reading its shard never holds the whole
/// file. A gzipped file is inflated in one forward pass to its end and
/// checked as read_idx checks it; from a plain file the rows are read where
/// they lie, after its size is checked against the header. `file_rows`, when
/// given, receives the file's own first dimension.
IdxArray read_idx_rows(const std::string& path, const std::vector<std::size_t>& rows,
                       std::int64_t* file_rows = nullptr);

}  // namespace troupe::models
