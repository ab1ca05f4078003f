#pragma once
/// \file
/// Whether a node can hold a task right now, judged from its live usage (the
/// latest heartbeat) rather than from what it announced when it joined. The
/// scheduler leaves a node short of free memory or disk out of placement, so
/// no node gets a task it cannot hold. Pure.

#include <cstdint>
#include <string>

#include "runtime/core/job_spec.hpp"
#include "runtime/system/resources.hpp"

namespace troupe::runtime {

/// What a task needs free on its node.
struct HoldNeed {
  std::uint64_t memory = std::uint64_t{256} << 20;  ///< bytes of available memory (256 MiB)
  std::uint64_t disk = std::uint64_t{16} << 20;     ///< bytes of free disk (16 MiB)

  /// No requirement: every node can hold a task.
  static HoldNeed none() { return {0, 0}; }
};

/// Empty when a node with `resources` (announced at join) and `usage` (latest
/// heartbeat) has the free memory and disk of `need`; otherwise why not, e.g.
/// "free memory 100.0 MiB < 256.0 MiB needed". The latest heartbeat wins; an
/// unmeasured value (0) falls back to the announced one, and a node about which
/// nothing is known is not held back.
std::string cannot_hold(const NodeResources& resources, const NodeUsage& usage,
                        const HoldNeed& need);

/// Empty when a node with `resources` and `usage` meets what one task of the
/// job needs (`--demand`): as many cores, as much available memory, and one
/// GPU with as much free memory (the latest heartbeat wins, as above);
/// otherwise why not, e.g. "2 cores < 4 needed (--demand cpu)". Unknown cores
/// or memory (0) do not hold a node back; a GPU demand needs a GPU.
std::string cannot_meet(const NodeResources& resources, const NodeUsage& usage,
                        const JobDemand& demand);

}  // namespace troupe::runtime
