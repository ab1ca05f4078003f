#pragma once
/// \file
/// Examples from a CSV file: one row per example, the label in one column,
/// every other column a float32 feature. Internal to models/ (data_files.cpp
/// picks the format).

#include <string>

#include "models/dataset.hpp"

namespace troupe::models {

/// Reads `path`. `label_column` is a header name or a 0-based index; empty
/// means the last column. A first row with a non-numeric cell is a header.
/// Throws DataError "FILE:LINE: why" for a non-numeric cell, a row with
/// another number of columns, or a label that is not an integer in 0..255;
/// "FILE: why" for an empty file or an unknown label column.
Dataset load_csv_examples(const std::string& path, const std::string& label_column);

}  // namespace troupe::models
