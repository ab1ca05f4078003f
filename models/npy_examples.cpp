#include "models/npy_examples.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "models/data_files.hpp"
#include "models/idx_reader.hpp"

// Hand-written: Debian has no C++ .npy library (cnpy is not packaged), and
// the format is a magic string, a Python dict literal and raw bytes.

namespace troupe::models {
namespace {

std::string shape_to_text(const std::vector<std::int64_t>& shape) {
  return "(" + shape_to_string(shape) + ")";
}

/// The value of `key` in the header dict: "'descr': '<f4'" gives "<f4",
/// "'shape': (3, 28, 28)" gives "(3, 28, 28)", "'fortran_order': False" gives "False".
std::string dict_value(const std::string& path, const std::string& header, const std::string& key) {
  const auto at = header.find("'" + key + "'");
  if (at == std::string::npos)
    throw DataError(path + ": the .npy header has no '" + key + "' (" + header + ")");
  auto begin = header.find(':', at);
  if (begin == std::string::npos)
    throw DataError(path + ": malformed .npy header (" + header + ")");
  begin = header.find_first_not_of(' ', begin + 1);
  if (begin == std::string::npos)
    throw DataError(path + ": malformed .npy header (" + header + ")");
  const char open = header[begin];
  const auto close = open == '\''  ? header.find('\'', begin + 1)
                     : open == '(' ? header.find(')', begin)
                                   : header.find_first_of(",}", begin);
  if (close == std::string::npos)
    throw DataError(path + ": malformed .npy header (" + header + ")");
  if (open == '\'') return header.substr(begin + 1, close - begin - 1);
  if (open == '(') return header.substr(begin, close - begin + 1);
  auto value = header.substr(begin, close - begin);
  while (!value.empty() && value.back() == ' ') value.pop_back();
  return value;
}

std::vector<std::int64_t> parse_tuple(const std::string& path, const std::string& tuple) {
  std::vector<std::int64_t> out;
  std::size_t i = 1;  // after '('
  while (i < tuple.size()) {
    while (i < tuple.size() && (tuple[i] == ' ' || tuple[i] == ',')) ++i;
    if (i >= tuple.size() || tuple[i] == ')') break;
    std::size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(tuple.substr(i), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || v < 0) throw DataError(path + ": bad shape " + tuple + " in the .npy header");
    out.push_back(v);
    i += used;
  }
  return out;
}

/// Bytes of one element of an integer label dtype, 0 when it is not one.
/// Little-endian or single-byte only (the machines we run on).
std::size_t label_width(const std::string& descr) {
  static const char* kKinds[] = {"|u1", "<u1", "|i1", "<i1", "<i2",
                                 "<u2", "<i4", "<u4", "<i8", "<u8"};
  for (const char* k : kKinds)
    if (descr == k) return static_cast<std::size_t>(descr[2] - '0');
  return 0;
}

std::int64_t label_at(const NpyArray& y, std::size_t width, std::size_t i) {
  const auto* p = y.data.data() + i * width;
  const bool is_signed = y.descr[1] == 'i';
  switch (width) {
    case 1:
      return is_signed ? std::int64_t{static_cast<std::int8_t>(*p)} : std::int64_t{*p};
    case 2: {
      std::int16_t s;
      std::uint16_t u;
      std::memcpy(&s, p, 2);
      std::memcpy(&u, p, 2);
      return is_signed ? std::int64_t{s} : std::int64_t{u};
    }
    case 4: {
      std::int32_t s;
      std::uint32_t u;
      std::memcpy(&s, p, 4);
      std::memcpy(&u, p, 4);
      return is_signed ? std::int64_t{s} : std::int64_t{u};
    }
    default: {
      std::int64_t s;
      std::memcpy(&s, p, 8);
      return s;  // a uint64 above 2^63 reads as negative: out of range either way
    }
  }
}

}  // namespace

NpyArray read_npy(const std::string& path) {
  if (std::error_code ec; std::filesystem::is_directory(path, ec))
    throw DataError(path + ": is a directory, expected a .npy file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot be read (" + std::strerror(errno) + ")");
  char magic[8] = {0};
  in.read(magic, sizeof magic);
  if (in.gcount() != sizeof magic || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw DataError(path + ": not a .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  std::uint32_t header_len = 0;
  if (major == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (b[1] << 8U);
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (b[1] << 8U) | (b[2] << 16U) | (static_cast<std::uint32_t>(b[3]) << 24U);
  } else {
    throw DataError(path + ": .npy format version " + std::to_string(major) + " is not supported");
  }
  if (!in || header_len > (1U << 20)) throw DataError(path + ": truncated .npy header");
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  if (static_cast<std::uint32_t>(in.gcount()) != header_len)
    throw DataError(path + ": truncated .npy header");
  NpyArray out;
  out.descr = dict_value(path, header, "descr");
  if (dict_value(path, header, "fortran_order") != "False")
    throw DataError(path +
                    ": Fortran-ordered arrays are not supported (save with "
                    "numpy.ascontiguousarray)");
  out.shape = parse_tuple(path, dict_value(path, header, "shape"));
  if (out.descr.size() < 3) throw DataError(path + ": unsupported dtype '" + out.descr + "'");
  const auto width = static_cast<std::int64_t>(std::strtol(out.descr.c_str() + 2, nullptr, 10));
  const auto count = std::accumulate(out.shape.begin(), out.shape.end(), std::int64_t{1},
                                     std::multiplies<std::int64_t>());
  const auto bytes = count * std::max<std::int64_t>(width, 1);
  out.data.resize(static_cast<std::size_t>(bytes));
  in.read(reinterpret_cast<char*>(out.data.data()), bytes);
  if (in.gcount() != bytes)
    throw DataError(path + ": holds " + std::to_string(in.gcount()) + " data bytes, its header (" +
                    out.descr + ", shape " + shape_to_text(out.shape) + ") needs " +
                    std::to_string(bytes));
  return out;
}

Dataset load_npy_examples(const std::string& dir) {
  const auto x_path = (std::filesystem::path(dir) / "x.npy").string();
  const auto y_path = (std::filesystem::path(dir) / "y.npy").string();
  auto x = read_npy(x_path);
  auto y = read_npy(y_path);
  Dataset out;
  if (x.descr == "|u1" || x.descr == "<u1")
    out.feature_type = FeatureType::u8;
  else if (x.descr == "<f4")
    out.feature_type = FeatureType::f32;
  else
    throw DataError(x_path + ": unsupported feature dtype '" + x.descr +
                    "' (use uint8 '|u1' or float32 '<f4')");
  const auto width = label_width(y.descr);
  if (width == 0)
    throw DataError(y_path + ": unsupported label dtype '" + y.descr +
                    "' (use an integer type, e.g. int64 '<i8' or uint8 '|u1')");
  if (x.shape.size() < 2)
    throw DataError(x_path + ": expected features of shape (N, ...), got " +
                    shape_to_text(x.shape));
  if (y.shape.size() != 1)
    throw DataError(y_path + ": expected labels of shape (N,), got " + shape_to_text(y.shape));
  if (x.shape[0] != y.shape[0])
    throw DataError(x_path + " has " + std::to_string(x.shape[0]) + " examples but " + y_path +
                    " has " + std::to_string(y.shape[0]) + " labels");
  if (x.shape[0] == 0) throw DataError(x_path + ": holds no examples");
  out.shape.assign(x.shape.begin() + 1, x.shape.end());
  out.images = std::move(x.data);
  out.labels.resize(static_cast<std::size_t>(y.shape[0]));
  int top = 0;
  for (std::size_t i = 0; i < out.labels.size(); ++i) {
    const auto v = label_at(y, width, i);
    if (v < 0 || v > 255)
      throw DataError(y_path + ": label " + std::to_string(v) + " of example " + std::to_string(i) +
                      " is not in 0..255");
    out.labels[i] = static_cast<std::uint8_t>(v);
    top = std::max(top, static_cast<int>(v));
  }
  out.num_classes = top + 1;
  return out;
}

}  // namespace troupe::models
