#include "models/csv_examples.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <vector>

#include "models/idx_reader.hpp"

// Hand-written rather than a library: Debian's fast-cpp-csv-parser (libfccp)
// fixes the column count at compile time and libcsv hands out each cell as a
// separate callback buffer; we need an unknown column count and numbers only,
// so one pass over the file's bytes with std::from_chars (locale-free, no
// allocation per cell) is both simpler and faster.

namespace troupe::models {
namespace {

/// The cells of one line, as views into the file's bytes (reused per line).
void split_cells(std::string_view line, std::vector<std::string_view>& cells) {
  cells.clear();
  std::size_t begin = 0;
  while (true) {
    const auto comma = line.find(',', begin);
    auto cell = line.substr(begin, comma == std::string_view::npos ? line.npos : comma - begin);
    while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) cell.remove_prefix(1);
    while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t' || cell.back() == '\r'))
      cell.remove_suffix(1);
    if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"')
      cell = cell.substr(1, cell.size() - 2);
    cells.push_back(cell);
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
}

bool parse_float(std::string_view cell, float& out) {
  if (cell.empty()) return false;
  if (cell.front() == '+') cell.remove_prefix(1);
  const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), out);
  return ec == std::errc() && end == cell.data() + cell.size();
}

bool any_non_numeric(const std::vector<std::string_view>& cells) {
  float ignored = 0.0F;
  return std::any_of(cells.begin(), cells.end(),
                     [&](std::string_view c) { return !parse_float(c, ignored); });
}

std::string quoted(std::string_view cell) {
  return "'" + std::string(cell.substr(0, 40)) + (cell.size() > 40 ? "...'" : "'");
}

/// The label column's index among `columns` cells.
std::size_t label_index(const std::string& path, const std::string& wanted,
                        const std::vector<std::string_view>* header, std::size_t columns) {
  if (wanted.empty()) return columns - 1;
  if (header)
    for (std::size_t i = 0; i < header->size(); ++i)
      if ((*header)[i] == wanted) return i;
  std::size_t index = 0;
  const auto [end, ec] = std::from_chars(wanted.data(), wanted.data() + wanted.size(), index);
  if (ec != std::errc() || end != wanted.data() + wanted.size())
    throw DataError(path + ": no column named '" + wanted + "'" +
                    (header ? " in the header" : " (the file has no header row)"));
  if (index >= columns)
    throw DataError(path + ": label column " + wanted + " does not exist (the file has " +
                    std::to_string(columns) + " columns, 0.." + std::to_string(columns - 1) + ")");
  return index;
}

}  // namespace

Dataset load_csv_examples(const std::string& path, const std::string& label_column) {
  if (std::error_code ec; std::filesystem::is_directory(path, ec))
    throw DataError(path + ": is a directory, expected a CSV file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot be read (" + std::strerror(errno) + ")");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError(path + ": cannot be read (" + std::strerror(errno) + ")");

  Dataset out;
  out.feature_type = FeatureType::f32;
  std::vector<std::string_view> cells, header;
  bool have_header = false;
  std::size_t columns = 0, label = 0, line_no = 0, pos = 0, first_line = 0;
  int top = -1;
  const std::string_view all(text);
  while (pos < all.size()) {
    const auto nl = all.find('\n', pos);
    const auto line = all.substr(pos, nl == std::string_view::npos ? all.npos : nl - pos);
    pos = nl == std::string_view::npos ? all.size() : nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // blank line
    const auto where = path + ":" + std::to_string(line_no) + ": ";
    split_cells(line, cells);
    if (columns == 0) {
      columns = cells.size();
      first_line = line_no;
      if (columns < 2)
        throw DataError(where + "a row needs at least one feature and a label, this one has " +
                        std::to_string(columns) + " column");
      have_header = any_non_numeric(cells);
      if (have_header) header = cells;
      label = label_index(path, label_column, have_header ? &header : nullptr, columns);
      out.shape = {static_cast<std::int64_t>(columns - 1)};
      // One allocation for the whole file: about one example per remaining line.
      const auto lines = static_cast<std::size_t>(std::count(all.begin() + pos, all.end(), '\n'));
      out.images.reserve((lines + 1) * (columns - 1) * sizeof(float));
      out.labels.reserve(lines + 1);
      if (have_header) continue;
    }
    if (cells.size() != columns)
      throw DataError(where + "has " + std::to_string(cells.size()) + " columns, expected " +
                      std::to_string(columns) + " (as in line " + std::to_string(first_line) + ")");
    const auto at = out.images.size();
    out.images.resize(at + (columns - 1) * sizeof(float));
    auto* feature = reinterpret_cast<float*>(out.images.data() + at);
    for (std::size_t c = 0; c < columns; ++c) {
      if (c == label) {
        int value = -1;
        const auto cell = cells[c];
        const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
        if (ec != std::errc() || end != cell.data() + cell.size() || value < 0 || value > 255)
          throw DataError(where + "label " + quoted(cell) +
                          " is not an integer in 0..255 (column " + std::to_string(c) + ")");
        out.labels.push_back(static_cast<std::uint8_t>(value));
        top = std::max(top, value);
        continue;
      }
      if (!parse_float(cells[c], *feature++))
        throw DataError(where + "cell " + quoted(cells[c]) + " in column " + std::to_string(c) +
                        " is not a number");
    }
  }
  if (out.labels.empty())
    throw DataError(path + (columns == 0 ? ": is empty" : ": has a header but no examples"));
  out.num_classes = top + 1;
  return out;
}

}  // namespace troupe::models
