#pragma once
/// \file
/// Byte blocks that arrive in parts: the aggregator's side of updates larger
/// than a node's --update-part-mib (update_part_atom). Plain C++: the
/// aggregator actor translates the messages into these calls.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace troupe::net {

/// Blocks being put together from parts sent in order, by key (a task id).
/// Every check happens before anything is kept: a block's announced total
/// must be the size expected (a model's bytes), a part must continue the ones
/// before it, and at most `most_blocks` blocks are held at a time, each at
/// most its total. A block whose sender sent nothing for `idle_s` is dropped
/// when another block begins (its sender died mid-way). A block belongs to
/// the sender of its first part (any string naming it, e.g. a CAF actor
/// address): parts and the take() of anyone else are refused and leave it be.
class UpdateParts {
 public:
  UpdateParts(std::size_t most_blocks, double idle_s)
      : most_blocks_(most_blocks), idle_s_(idle_s) {}

  /// Adds `bytes` at `offset` of block `key`, announced as `total` bytes,
  /// at time `now` (seconds, any clock), from `sender`; `expected` is the only
  /// total accepted. Offset 0 begins the block again. Returns "" when kept,
  /// else why not: a part that does not continue the block drops it; a part
  /// of another sender, another total or beyond the block limit leaves it be.
  std::string add(std::int64_t key, std::int64_t offset, std::int64_t total,
                  const std::vector<unsigned char>& bytes, std::int64_t expected, double now,
                  const std::string& sender = {});
  /// True when parts of block `key` are held.
  bool holds(std::int64_t key) const { return blocks_.count(key) > 0; }
  /// Hands over block `key` (which holds() it) into `out` and forgets it;
  /// returns "" when it was complete, else why not (`out` is then left as it
  /// is). Another sender's block is refused and kept.
  std::string take(std::int64_t key, std::vector<unsigned char>& out,
                   const std::string& sender = {});
  void clear() { blocks_.clear(); }
  std::size_t size() const { return blocks_.size(); }

 private:
  struct Block {
    std::int64_t total = 0;
    std::vector<unsigned char> bytes;
    double last_part = 0.0;
    std::string sender;
  };
  std::size_t most_blocks_;
  double idle_s_;
  std::map<std::int64_t, Block> blocks_;
};

}  // namespace troupe::net
