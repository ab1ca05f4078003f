#include "runtime/io/checkpoint.hpp"

#include <nlohmann/json.hpp>

#include "runtime/io/job_json.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cereal/archives/binary.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace troupe::models {

template <class Archive>
void serialize(Archive& ar, TensorInfo& t) {
  ar(t.name, t.dtype, t.shape, t.offset, t.nbytes);
}

template <class Archive>
void serialize(Archive& ar, Parameters& p) {
  ar(p.tensors, p.bytes);  // bytes go as one binary block
}

}  // namespace troupe::models

namespace troupe::runtime {

// JobSpec travels as its JSON text (runtime/job_json), so a field added to
// JobSpec is in checkpoints without touching this file.
template <class Archive>
void save(Archive& ar, const JobSpec& x) {
  ar(job_to_json(x).dump());
}

template <class Archive>
void load(Archive& ar, JobSpec& x) {
  std::string text;
  ar(text);
  x = job_from_json(nlohmann::json::parse(text));
}

template <class Archive>
void serialize(Archive& ar, RoundRecord& x) {
  ar(x.round, x.version, x.accuracy, x.precision, x.recall, x.f1, x.loss, x.train_loss, x.seconds,
     x.updates, x.failed, x.late, x.dropped, x.mean_staleness);
}

template <class Archive>
void serialize(Archive& ar, AsyncAggregatorState& x) {
  ar(x.held_versions, x.held_models, x.buffer, x.buffered, x.arrivals);
}

// The mode goes as its name, so checkpoint files keep the layout they had when
// it was a string. Format 2 appends the asynchronous state and each round's
// lost shards to format 1's fields (a round record keeps format 1's layout).
// Format 3 appends the job's TorchScript bytes and their SHA-256 (not in the
// job's JSON), so a resumed job does not depend on the original model file.
template <class Archive>
void save(Archive& ar, const Checkpoint& x) {
  std::vector<std::vector<int>> lost;
  for (const auto& r : x.rounds) lost.push_back(r.lost_shards);
  ar(x.job, to_string(x.mode), x.model, x.version, x.round, x.strategy_state, x.rounds,
     x.applied_updates, x.async_events, x.async, x.core_state, lost, x.job.train.model_script.str(),
     x.job.train.model_sha256);
}

/// Reads the payload of a checkpoint of format `format` (1 or 2) into `x`.
template <class Archive>
void load_payload(Archive& ar, Checkpoint& x, std::uint64_t format) {
  std::string mode;
  ar(x.job, mode, x.model, x.version, x.round, x.strategy_state, x.rounds, x.applied_updates,
     x.async_events);
  if (format >= 2) {
    std::vector<std::vector<int>> lost;
    ar(x.async, x.core_state, lost);
    if (lost.size() != x.rounds.size())
      throw std::runtime_error("checkpoint: lost shards of " + std::to_string(lost.size()) +
                               " rounds for " + std::to_string(x.rounds.size()) + " rounds");
    for (std::size_t i = 0; i < lost.size(); ++i) x.rounds[i].lost_shards = std::move(lost[i]);
  }
  if (format >= 3) {
    std::string script;
    ar(script, x.job.train.model_sha256);
    x.job.train.model_script = std::move(script);
  }
  const auto parsed = parse_enum<Mode>(mode);
  if (!parsed) throw std::runtime_error("checkpoint: unknown mode '" + mode + "'");
  x.mode = *parsed;
}

namespace {

constexpr char kMagic[8] = {'T', 'R', 'P', 'C', 'K', 'P', 'T', '1'};
constexpr std::size_t kHeaderSize = 8 + 4 + 4 + 8 + 4 + 4;

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_le(const std::string& in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return v;
}

std::uint32_t crc_of(const char* data, std::size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large buffers in pieces.
  constexpr std::size_t kPiece = std::size_t{1} << 30;
  for (std::size_t done = 0; done < size; done += kPiece) {
    const auto n = static_cast<uInt>(std::min(kPiece, size - done));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data + done), n);
  }
  return static_cast<std::uint32_t>(crc);
}

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw std::runtime_error("checkpoint " + path + ": " + why);
}

[[noreturn]] void fail_errno(const std::string& path, const std::string& what) {
  fail(path, what + ": " + std::strerror(errno));
}

void write_all(int fd, const char* data, std::size_t size, const std::string& path) {
  while (size > 0) {
    const auto n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      errno = saved;
      fail_errno(path, "cannot write");
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) fail_errno(dir, "cannot open the directory to flush it");
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0) fail_errno(dir, "cannot flush the directory");
}

/// A checkpoint's mode, its job's mode and its asynchronous state agree.
void check_mode(const std::string& path, const Checkpoint& cp) {
  if (cp.mode != cp.job.collab.mode)
    fail(path, "mode " + to_string(cp.mode) + " does not match its job's mode " +
                   to_string(cp.job.collab.mode));
  const bool async = cp.mode != Mode::sync;
  if (async && (cp.async.empty() || cp.core_state.empty()))
    fail(path, "an asynchronous job's checkpoint (mode " + to_string(cp.mode) +
                   ") without its asynchronous state");
  if (!async && (!cp.async.empty() || !cp.core_state.empty()))
    fail(path, "a sync job's checkpoint with asynchronous state");
  for (std::size_t i = 0; i < cp.async.held_models.size(); ++i)
    if (auto why = cp.async.held_models[i].validate(); !why.empty())
      fail(path, "held version " + std::to_string(i) + ": " + why);
}

}  // namespace

std::string checkpoint_dir_problem(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::string what = "--checkpoint-dir '" + dir + "'";
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) return what + " is not a directory";
  fs::create_directories(dir, ec);
  if (ec) return what + " cannot be created: " + ec.message();
  // Ask the file system itself (read-only mounts, ACLs), not the mode bits.
  const auto probe = fs::path(dir) / (".troupe-probe-" + std::to_string(::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return what + " is not writable: " + std::strerror(errno);
  const bool wrote = ::write(fd, "probe", 5) == 5;
  const int saved = errno;
  ::close(fd);
  fs::remove(probe, ec);
  if (!wrote) return what + " is not writable: " + std::strerror(saved);
  return {};
}

std::string checkpoint_path(const std::string& dir) {
  return (std::filesystem::path(dir.empty() ? "." : dir) / "checkpoint.bin").string();
}

void write_checkpoint(const std::string& dir, const Checkpoint& cp) {
  const auto path = checkpoint_path(dir);
  std::error_code ec;
  std::filesystem::create_directories(dir.empty() ? "." : dir, ec);
  if (ec) fail(path, "cannot create directory '" + dir + "': " + ec.message());
  if (auto why = cp.model.validate(); !why.empty())
    fail(path, "refusing to write a model whose " + why);

  std::ostringstream payload_stream(std::ios::binary);
  {
    cereal::BinaryOutputArchive ar(payload_stream);
    ar(const_cast<Checkpoint&>(cp));  // cereal's serialize() is non-const; nothing is changed
  }
  const std::string payload = std::move(payload_stream).str();
  std::string header;
  header.append(kMagic, sizeof kMagic);
  put_le(header, kCheckpointFormat, 4);
  put_le(header, 0, 4);
  put_le(header, payload.size(), 8);
  put_le(header, crc_of(payload.data(), payload.size()), 4);
  put_le(header, 0, 4);

  const auto tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail_errno(tmp, "cannot create");
  try {
    write_all(fd, header.data(), header.size(), tmp);
    write_all(fd, payload.data(), payload.size(), tmp);
    if (::fsync(fd) != 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      fail_errno(tmp, "cannot flush");
    }
    if (::close(fd) != 0) fail_errno(tmp, "cannot close");
    if (std::rename(tmp.c_str(), path.c_str()) != 0) fail_errno(path, "cannot rename " + tmp);
  } catch (...) {
    // A partly written file would hold the space a later checkpoint needs
    // (a full disk); the previous checkpoint is untouched.
    ::unlink(tmp.c_str());
    throw;
  }
  fsync_dir(dir.empty() ? "." : dir);
}

Checkpoint read_checkpoint(const std::string& dir) {
  const auto path = checkpoint_path(dir);
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open (no checkpoint in '" + dir + "'?)");
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail(path, "read error");
  if (file.size() < kHeaderSize)
    fail(path, "truncated: " + std::to_string(file.size()) + " bytes, shorter than the header");
  if (std::memcmp(file.data(), kMagic, sizeof kMagic) != 0)
    fail(path, "not a troupe checkpoint (bad magic)");
  const auto format = get_le(file, 8, 4);
  if (format < 1 || format > kCheckpointFormat)
    fail(path, "format version " + std::to_string(format) + ", this build reads versions 1 to " +
                   std::to_string(kCheckpointFormat));
  const auto size = get_le(file, 16, 8);
  const auto crc = static_cast<std::uint32_t>(get_le(file, 24, 4));
  if (size != file.size() - kHeaderSize)
    fail(path, "truncated or padded: header announces " + std::to_string(size) +
                   " payload bytes, file holds " + std::to_string(file.size() - kHeaderSize));
  if (crc_of(file.data() + kHeaderSize, size) != crc)
    fail(path, "checksum mismatch (the file is corrupt)");

  Checkpoint cp;
  try {
    std::istringstream payload(file.substr(kHeaderSize), std::ios::binary);
    cereal::BinaryInputArchive ar(payload);
    load_payload(ar, cp, format);
    if (payload.peek() != std::char_traits<char>::eof())
      fail(path, "trailing bytes after the data");
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).rfind("checkpoint ", 0) == 0) throw;
    fail(path, std::string("cannot decode: ") + e.what());
  } catch (const std::exception& e) {
    fail(path, std::string("cannot decode: ") + e.what());
  }
  if (auto why = cp.model.validate(); !why.empty()) fail(path, "global model: " + why);
  for (std::size_t i = 0; i < cp.strategy_state.size(); ++i)
    if (auto why = cp.strategy_state[i].validate(); !why.empty())
      fail(path, "strategy state " + std::to_string(i) + ": " + why);
  check_mode(path, cp);
  return cp;
}

}  // namespace troupe::runtime
