#include "runtime/node_table.hpp"

namespace troupe::runtime {

const char* to_string(Liveness state) {
  return state == Liveness::alive ? "alive" : "lost";
}

const NodeEntry& NodeTable::join(const std::string& id, const NodeResources& resources,
                                 DataPlacement data, double speed, Seconds now) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) {
    order_.push_back(id);
    it = nodes_.emplace(id, NodeEntry{}).first;
    it->second.id = id;
  }
  auto& n = it->second;
  n.resources = resources;
  n.data = data;
  n.speed = speed > 0.0 ? speed : 1.0;
  n.state = Liveness::alive;
  n.joined_at = now;
  n.last_seen = now;
  n.lost_reason.clear();
  n.current_task = -1;
  ++n.incarnation;
  return n;
}

bool NodeTable::heartbeat(const std::string& id, const NodeUsage& usage, Seconds now) {
  auto it = nodes_.find(id);
  if (it == nodes_.end() || it->second.state == Liveness::lost) return false;
  it->second.usage = usage;
  it->second.last_seen = now;
  return true;
}

bool NodeTable::lose(const std::string& id, const std::string& reason) {
  auto it = nodes_.find(id);
  if (it == nodes_.end() || it->second.state == Liveness::lost) return false;
  it->second.state = Liveness::lost;
  it->second.lost_reason = reason;
  it->second.current_task = -1;
  return true;
}

std::vector<std::string> NodeTable::expire(Seconds now) {
  std::vector<std::string> lost;
  for (const auto& id : order_) {
    auto& n = nodes_.at(id);
    if (n.state == Liveness::alive && now - n.last_seen > timeout_) {
      n.state = Liveness::lost;
      n.lost_reason =
          "no heartbeat for " + std::to_string(static_cast<int>(now - n.last_seen)) + " s";
      n.current_task = -1;
      lost.push_back(id);
    }
  }
  return lost;
}

void NodeTable::set_current_task(const std::string& id, std::int64_t task) {
  auto it = nodes_.find(id);
  if (it != nodes_.end()) it->second.current_task = task;
}

const NodeEntry* NodeTable::find(const std::string& id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

std::vector<const NodeEntry*> NodeTable::alive() const {
  std::vector<const NodeEntry*> out;
  for (const auto& id : order_) {
    const auto& n = nodes_.at(id);
    if (n.state == Liveness::alive) out.push_back(&n);
  }
  return out;
}

std::vector<const NodeEntry*> NodeTable::all() const {
  std::vector<const NodeEntry*> out;
  for (const auto& id : order_) out.push_back(&nodes_.at(id));
  return out;
}

std::size_t NodeTable::alive_count() const {
  return alive().size();
}

}  // namespace troupe::runtime
