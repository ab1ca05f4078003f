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

}  // namespace troupe::models
