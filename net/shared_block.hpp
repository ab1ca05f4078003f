#pragma once
/// \file
/// Shared blocks: parameter bytes handed to another process of the same host
/// without a socket, the way Ray's object store hands objects to the workers
/// of one node.
///
/// A node process on the aggregator's host otherwise sends and receives every
/// update and model version through CAF and the message guard, copied on
/// each side of two sockets: in a profile of 50 node processes with a small
/// model that was about a third of each node's CPU (docs/results.md).
///
/// The owner copies the bytes once into a memory file (memfd_create(2)) and
/// seals it against writing, growing and shrinking, so that what it offered
/// cannot change afterwards. A reference (SharedBlockRef) names the owner's
/// process, the file's descriptor there, a random name and the size. A reader
/// in the same PID namespace opens the file through /proc/PID/fd/FD, which
/// Linux allows only to processes of the owner's user (or with
/// CAP_SYS_PTRACE, as root), and reads it only when
///  * the link names the block (`/memfd:NAME (deleted)`: a descriptor number
///    the owner closed and reused names something else), before it is opened
///    and again on the descriptor opened;
///  * the file is a regular file of exactly the announced size;
///  * it carries the write, grow and shrink seals.
/// The reader maps it read-only and copies it into its own buffer: the seals
/// guarantee that no page goes away under the copy.
///
/// A spooling aggregator (--spool-dir) copies it into a file instead
/// (copy_shared_block).
///
/// Anything else (another host or namespace, a closed block, another user)
/// makes the read fail with a reason, and the caller sends the bytes the
/// usual way. Linux only.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace troupe::net {

/// Where a shared block lies (travels in messages, actors/model_messages.hpp).
struct SharedBlockRef {
  std::int32_t pid = 0;  ///< the owner's process
  std::int32_t fd = -1;  ///< the block's descriptor there; < 0: no block
  std::string name;      ///< the memory file's random name
  std::uint64_t size = 0;

  bool empty() const { return fd < 0; }
};

/// This host and PID namespace, as "BOOT_ID/NAMESPACE_INODE": processes with
/// the same key can try each other's blocks. Empty when it cannot be read
/// (then no block is offered or read).
const std::string& shared_host_key();

/// A sealed memory file holding a copy of some bytes, alive (and readable by
/// others) until destroyed.
class SharedBlock {
 public:
  /// A block holding the `n` bytes at `data`, or null with `why` set
  /// (no memory file support, no memory).
  static std::shared_ptr<const SharedBlock> create(const unsigned char* data, std::size_t n,
                                                   std::string& why);
  ~SharedBlock();
  SharedBlock(const SharedBlock&) = delete;
  SharedBlock& operator=(const SharedBlock&) = delete;

  SharedBlockRef ref() const;

  /// Reads the block back into `out` (resized to its size) from the owner's
  /// own descriptor; "" or why not.
  std::string read(std::vector<unsigned char>& out) const;

 private:
  SharedBlock(int fd, std::string name, std::uint64_t size);
  int fd_;
  std::string name_;
  std::uint64_t size_;
};

/// Reads the block `ref` names into `out` (resized to `ref.size`). Returns ""
/// when it did, else why not (`out` is then unspecified). `gone`, when given,
/// tells whether the reason was that the owner has let the block go (its
/// process is there, the block is not): a later block may still be read.
std::string read_shared_block(const SharedBlockRef& ref, std::vector<unsigned char>& out,
                              bool* gone = nullptr);

/// The same checks, then the block's bytes into file `out_fd` at its current
/// offset, copied by the kernel (sendfile(2)) without passing through or
/// mapping into this process: how a spooling aggregator keeps an update from
/// a node of its host in a file (runtime/spool/spooled_bytes.hpp). Returns ""
/// or why not; `out_failed` tells whether it was writing the file that
/// failed (a full disk), not the block.
std::string copy_shared_block(const SharedBlockRef& ref, int out_fd, bool* gone = nullptr,
                              bool* out_failed = nullptr);

}  // namespace troupe::net
