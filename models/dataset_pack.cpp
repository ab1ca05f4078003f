#include "models/dataset_pack.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "models/idx_reader.hpp"

namespace troupe::models {
namespace {

// Layout (header integers little-endian, whatever the host):
//   magic "TRDS", u32 version, u8 feature type, u8 byte order of float32
//   features (1: little-endian), u16 reserved (0), u32 num_classes,
//   i64 rows, i64 cols, u32 rank, rank x i64 dims (Dataset::shape), i64 count,
//   then count x example_bytes() feature bytes, then count label bytes.
constexpr char kMagic[4] = {'T', 'R', 'D', 'S'};
constexpr std::uint32_t kVersion = 1;
/// More dimensions than any example shape we read (npy allows 32; data here is
/// at most images with channels).
constexpr std::uint32_t kMaxRank = 8;

bool host_little_endian() {
  const std::uint16_t one = 1;
  unsigned char first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

void put(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

/// Reads the packing front to back; every read checks that the bytes are there.
class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}

  std::uint64_t get(int bytes, const char* what) {
    need(static_cast<std::size_t>(bytes), what);
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i)
      value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes_[at_ + i])) << (8 * i);
    at_ += static_cast<std::size_t>(bytes);
    return value;
  }
  std::int64_t get_i64(const char* what) { return static_cast<std::int64_t>(get(8, what)); }
  void need(std::size_t n, const char* what) const {
    if (bytes_.size() - at_ < n)
      throw DataError("packed test set: truncated (" + std::string(what) + " missing)");
  }
  std::size_t at() const { return at_; }
  std::size_t left() const { return bytes_.size() - at_; }

 private:
  const std::string& bytes_;
  std::size_t at_ = 0;
};

}  // namespace

std::string pack_dataset(const Dataset& data) {
  const auto features =
      static_cast<std::size_t>(data.size()) * static_cast<std::size_t>(data.example_bytes());
  if (data.images.size() != features)
    throw DataError("pack_dataset: " + std::to_string(data.images.size()) + " feature bytes for " +
                    std::to_string(data.size()) + " examples of " +
                    std::to_string(data.example_bytes()) + " bytes");
  std::string out(kMagic, sizeof kMagic);
  put(out, kVersion, 4);
  put(out, static_cast<std::uint64_t>(data.feature_type), 1);
  put(out, host_little_endian() ? 1 : 0, 1);
  put(out, 0, 2);
  put(out, static_cast<std::uint64_t>(data.num_classes), 4);
  put(out, static_cast<std::uint64_t>(data.rows), 8);
  put(out, static_cast<std::uint64_t>(data.cols), 8);
  put(out, data.shape.size(), 4);
  for (auto d : data.shape) put(out, static_cast<std::uint64_t>(d), 8);
  put(out, data.size(), 8);
  out.reserve(out.size() + features + data.size());
  out.append(reinterpret_cast<const char*>(data.images.data()), data.images.size());
  out.append(reinterpret_cast<const char*>(data.labels.data()), data.labels.size());
  return out;
}

Dataset unpack_dataset(const std::string& bytes) {
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw DataError("packed test set: not a packed data set (wrong magic)");
  Reader in(bytes);
  in.get(4, "magic");
  const auto version = in.get(4, "version");
  if (version != kVersion)
    throw DataError("packed test set: version " + std::to_string(version) + ", this build reads " +
                    std::to_string(kVersion));
  Dataset out;
  const auto type = in.get(1, "feature type");
  if (type > static_cast<std::uint64_t>(FeatureType::f32))
    throw DataError("packed test set: unknown feature type " + std::to_string(type));
  out.feature_type = static_cast<FeatureType>(type);
  const auto little = in.get(1, "byte order");
  if (out.feature_type == FeatureType::f32 && (little == 1) != host_little_endian())
    throw DataError("packed test set: float32 features in the other byte order than this host");
  in.get(2, "reserved");
  const auto classes = in.get(4, "class count");
  if (classes < 1 || classes > 256)
    throw DataError("packed test set: " + std::to_string(classes) + " classes (1..256 allowed)");
  out.num_classes = static_cast<int>(classes);
  out.rows = in.get_i64("rows");
  out.cols = in.get_i64("cols");
  const auto rank = in.get(4, "rank");
  if (rank > kMaxRank)
    throw DataError("packed test set: example shape of rank " + std::to_string(rank) +
                    " (at most " + std::to_string(kMaxRank) + ")");
  for (std::uint64_t i = 0; i < rank; ++i) out.shape.push_back(in.get_i64("shape"));
  // Every dimension positive and the product bounded by what is left, so
  // the sizes below cannot overflow.
  std::uint64_t example_bytes = out.feature_type == FeatureType::f32 ? 4 : 1;
  for (auto d : out.example_shape()) {
    if (d < 1) throw DataError("packed test set: example dimension " + std::to_string(d));
    if (static_cast<std::uint64_t>(d) > in.left() / example_bytes + 1)
      throw DataError("packed test set: truncated (an example is larger than the packing)");
    example_bytes *= static_cast<std::uint64_t>(d);
  }
  const auto count = in.get_i64("example count");
  if (count < 0) throw DataError("packed test set: negative example count");
  const auto n = static_cast<std::uint64_t>(count);
  if (n > in.left() / (example_bytes + 1) || in.left() != n * (example_bytes + 1))
    throw DataError("packed test set: " + std::to_string(in.left()) + " bytes of examples, " +
                    std::to_string(n) + " examples of " + std::to_string(example_bytes) +
                    " bytes and a label each need " + std::to_string(n * (example_bytes + 1)) +
                    " (truncated or corrupt)");
  const auto* at = reinterpret_cast<const std::uint8_t*>(bytes.data()) + in.at();
  out.images.assign(at, at + n * example_bytes);
  out.labels.assign(at + n * example_bytes, at + n * (example_bytes + 1));
  for (auto label : out.labels)
    if (label >= out.num_classes)
      throw DataError("packed test set: label " + std::to_string(label) + " of " +
                      std::to_string(out.num_classes) + " classes");
  return out;
}

}  // namespace troupe::models
