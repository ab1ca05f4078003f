#pragma once
/// \file
/// The aggregator's answer to one update, as the node passes it on to the scheduler.

#include <cstdint>
#include <string>

namespace troupe::runtime {

/// What the aggregator did with an update.
struct UpdateReceipt {
  bool accepted = false;
  std::string reason;             ///< why it was not used
  std::int64_t version = 0;       ///< global version after the arrival
  bool new_version = false;       ///< the arrival made `version`
  std::int64_t staleness = 0;     ///< versions behind on arrival
  std::uint64_t fingerprint = 0;  ///< of `version` when new_version
};

}  // namespace troupe::runtime
