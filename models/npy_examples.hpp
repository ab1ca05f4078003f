#pragma once
/// \file
/// Examples from a directory holding x.npy (features, N x ..., uint8 or
/// float32) and y.npy (N integer labels), as numpy.save writes them. Internal
/// to models/ (data_files.cpp picks the format).

#include <cstdint>
#include <string>
#include <vector>

#include "models/dataset.hpp"

namespace troupe::models {

/// One .npy array: its dtype ("<f4", "|u1", ...), shape and raw bytes.
struct NpyArray {
  std::string descr;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> data;
};

/// Reads a version 1, 2 or 3 .npy file in C order. Throws DataError naming
/// the file for a missing file, a bad header, Fortran order, or a size that
/// does not match the header.
NpyArray read_npy(const std::string& path);

/// Reads `dir`/x.npy and `dir`/y.npy. Features: uint8 ('|u1', '<u1') or
/// float32 ('<f4'); labels: any integer dtype, values 0..255. Throws DataError
/// naming the file for an unsupported dtype, x/y length mismatch, an empty
/// set or a label out of range.
Dataset load_npy_examples(const std::string& dir);

}  // namespace troupe::models
