#include "net/update_parts.hpp"

#include <iterator>

namespace troupe::net {

std::string UpdateParts::add(std::int64_t key, std::int64_t offset, std::int64_t total,
                             const std::vector<unsigned char>& bytes, std::int64_t expected,
                             double now, const std::string& sender) {
  auto it = blocks_.find(key);
  // Another sender may neither continue nor restart a block in progress.
  if (it != blocks_.end() && it->second.sender != sender && now - it->second.last_part <= idle_s_)
    return "its parts are arriving from another sender";
  if (total != expected)
    return "announces " + std::to_string(total) + " bytes in parts; the model has " +
           std::to_string(expected);
  const auto size = static_cast<std::int64_t>(bytes.size());
  if (offset == 0) {
    for (auto old = blocks_.begin(); old != blocks_.end();)
      old = now - old->second.last_part > idle_s_ ? blocks_.erase(old) : std::next(old);
    it = blocks_.find(key);
    if (it == blocks_.end() && blocks_.size() >= most_blocks_)
      return std::to_string(blocks_.size()) + " updates are arriving in parts already";
    it = blocks_.insert_or_assign(key, Block{total, {}, now, sender}).first;
    it->second.bytes.reserve(static_cast<std::size_t>(total));
  }
  if (it == blocks_.end() || it->second.sender != sender ||
      offset != static_cast<std::int64_t>(it->second.bytes.size()) || offset + size > total ||
      size == 0) {
    if (it != blocks_.end()) blocks_.erase(it);
    return "a part at byte " + std::to_string(offset) + " of " + std::to_string(size) +
           " bytes does not continue the parts before it";
  }
  it->second.bytes.insert(it->second.bytes.end(), bytes.begin(), bytes.end());
  it->second.last_part = now;
  return "";
}

std::string UpdateParts::take(std::int64_t key, std::vector<unsigned char>& out,
                              const std::string& sender) {
  auto it = blocks_.find(key);
  if (it == blocks_.end()) return "no parts";
  if (it->second.sender != sender) return "its parts came from another sender";
  auto block = std::move(it->second);
  blocks_.erase(it);
  if (static_cast<std::int64_t>(block.bytes.size()) != block.total)
    return "came with " + std::to_string(block.bytes.size()) + " of " +
           std::to_string(block.total) + " bytes in parts";
  out = std::move(block.bytes);
  return "";
}

}  // namespace troupe::net
