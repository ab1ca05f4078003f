#pragma once
/// \file
/// Checks what an update says about itself against what the scheduler knows:
/// a weighted strategy (FedAvg weights by samples, `weighted` by samples x
/// score) believes these claims, so a node that claims ten times its data
/// would outweigh every honest node. Pure: the aggregator cores call it after
/// validating the parameters (runtime/aggregation/update_validation.hpp).

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/aggregation/update.hpp"

namespace troupe::runtime {

/// Empty when the claims of `update` are believable; otherwise the first
/// problem, e.g. "claims 60000 examples, shard 2 holds 6000". Checks, in
/// order: its training loss is finite and >= 0 (cross-entropy); its score is
/// finite and in [0, 1] (a node sends exp(-loss), a validation score is an
/// accuracy); its sample count is >= 0; and, when `shard_examples` is not empty
/// (examples each shard of the job holds, as the nodes registered them), its
/// shard exists and its sample count is at most what that shard holds. A
/// claim is refused, never clamped: a node that lies about one thing is not
/// trusted with the rest.
std::string claim_problem(const UpdateInfo& update,
                          const std::vector<std::int64_t>& shard_examples);

}  // namespace troupe::runtime
