#pragma once
/// \file
/// A run's differential privacy as text and HTML: the settings, epsilon after
/// each round and the summary line ("privacy budget reached after round 6
/// (ε = 2.97, δ = 1e-05, target 3)"). Empty for a run without --dp.

#include <sstream>
#include <string>

#include "runtime/core/privacy_record.hpp"

namespace troupe::runtime {

/// "ε = 1.23 (δ = 1e-05)".
std::string epsilon_text(double epsilon, double delta);

/// The summary: "privacy budget reached after round N (ε = …, δ = …, target …)"
/// when the budget stopped the job, else "privacy spent after N rounds: ε = … (δ = …)".
std::string privacy_summary(const PrivacyRecord& p);

/// The terminal block: the settings, one line per round, the summary line.
std::string privacy_lines(const PrivacyRecord& p);

/// The HTML report's section: settings, the summary and a chart of epsilon
/// per round (and the clip norm per round when adaptive); element ids start
/// with `prefix` ("PREFIXprivacy", "PREFIXprivacy-chart").
void privacy_html(std::ostringstream& s, const PrivacyRecord& p, const std::string& prefix);

}  // namespace troupe::runtime
