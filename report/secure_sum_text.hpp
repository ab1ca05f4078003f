#pragma once
/// \file
/// A run's secure aggregation (RoundRecord::secure) as text and HTML: per
/// round, how many updates the secure sum held of those that joined it, and
/// how many dropouts were unmasked from the survivors' shares ("secure sum: 10
/// of 12 (2 dropouts recovered, 0 excluded)"). Empty for a run without
/// --secure-aggregation.

#include <sstream>
#include <string>

#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// One round's line: "secure sum: 10 of 12 (2 dropouts recovered, 0
/// excluded)"; "secure sums: 3, 90 of 100 (…)" when a round (buffered)
/// completed several; "no secure sum: 0 of 12 (…)" when none completed.
std::string secure_sum_text(const SecureSumRecord& s);

/// The terminal block: a heading and one line per round; empty when the run
/// did not use --secure-aggregation.
std::string secure_sum_lines(const RunReport& r);

/// The HTML report's table of the rounds' secure sums (id "PREFIXsecure-sums",
/// one row per round with data-round); nothing when the run did not use
/// --secure-aggregation.
void secure_sum_html(std::ostringstream& s, const RunReport& r, const std::string& prefix);

}  // namespace troupe::runtime
