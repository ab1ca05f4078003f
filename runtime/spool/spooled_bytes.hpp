#pragma once
/// \file
/// An update's parameter bytes kept in a file instead of memory, so that an
/// aggregator of large models holds the current model, the next one and a
/// chunk per update, not a copy of every update (docs/benchmarks.md,
/// "Aggregator memory"). The file is unlinked from the start (O_TMPFILE):
/// it goes with its last descriptor, also when the process dies.
///
/// Who spools: the data plane's receiver writes a block that arrives at a
/// process started with --spool-dir straight to such a file
/// (net/bulk_channel.hpp); the aggregator wraps the descriptor it hands over.
/// Who reads: update validation and the weighted mean a chunk at a time
/// (runtime/aggregation/update_validation.hpp, streamed_mean in
/// runtime/aggregation/strategy_inputs.hpp); anything else loads the bytes.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace troupe::runtime {

class SpooledBytes {
 public:
  /// Takes over `fd`, a file holding `size` bytes from offset 0.
  SpooledBytes(int fd, std::uint64_t size);
  ~SpooledBytes();
  SpooledBytes(const SpooledBytes&) = delete;
  SpooledBytes& operator=(const SpooledBytes&) = delete;

  /// The `n` bytes at `offset` into `dst`; throws std::runtime_error when
  /// they are not all there (the file was cut or cannot be read).
  void read(std::uint64_t offset, void* dst, std::size_t n) const;
  /// All of them (the bytes loaded into memory).
  std::vector<unsigned char> read_all() const;
  std::uint64_t size() const { return size_; }

  /// Takes over `fd`: its file's bytes, as many as it holds now. Throws
  /// std::runtime_error (closing `fd`) when it cannot be examined.
  static std::shared_ptr<const SpooledBytes> adopt(int fd);

  /// `n` bytes from `data` in a new unlinked file in directory `dir`;
  /// throws std::runtime_error when it cannot be made or written.
  static std::shared_ptr<const SpooledBytes> write(const std::string& dir,
                                                   const unsigned char* data, std::size_t n);

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

/// Why updates cannot be spooled in `dir` ("" when they can): the directory
/// must exist, be writable and take unlinked files (O_TMPFILE). Tries one.
std::string spool_dir_problem(const std::string& dir);

/// An unlinked file open for reading and writing in `dir`, or -1 with `why`
/// set (errno's text).
int open_spool_file(const std::string& dir, std::string& why);

}  // namespace troupe::runtime
