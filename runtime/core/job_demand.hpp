#pragma once
/// \file
/// What one task of a job needs on its node (`--demand cpu=N,memory=SIZE,
/// gpu-memory=SIZE`), like Slurm's --mincpus, --mem and a GPU --gres. A node
/// that cannot meet it is left out of the job (runtime/system/live_capacity.hpp).

#include <cstdint>
#include <optional>
#include <string>

namespace troupe::runtime {

struct JobDemand {
  double cpu = 0.0;              ///< cores
  std::uint64_t memory = 0;      ///< bytes of available memory
  std::uint64_t gpu_memory = 0;  ///< bytes of memory on one GPU
  bool none() const { return cpu <= 0.0 && memory == 0 && gpu_memory == 0; }
};

/// Parses "cpu=2,memory=4G,gpu-memory=8G" (any subset, any order; empty: no
/// demand). Sizes are Slurm's: a number with an optional K, M, G or T suffix
/// (powers of 1024), megabytes without one. Empty with `error` set on bad input.
std::optional<JobDemand> parse_job_demand(const std::string& text, std::string& error);

/// "4.0 GiB" (for messages).
std::string format_bytes(std::uint64_t bytes);

}  // namespace troupe::runtime
