#include "report/secure_sum_text.hpp"

namespace troupe::runtime {

std::string secure_sum_text(const SecureSumRecord& s) {
  std::string head;
  if (s.sums == 0)
    head = "no secure sum: ";
  else if (s.sums == 1)
    head = "secure sum: ";
  else
    head = "secure sums: " + std::to_string(s.sums) + ", ";
  return head + std::to_string(s.included) + " of " + std::to_string(s.participants) + " (" +
         std::to_string(s.recovered) + (s.recovered == 1 ? " dropout" : " dropouts") +
         " recovered, " + std::to_string(s.excluded) + " excluded)";
}

std::string secure_sum_lines(const RunReport& r) {
  if (!r.config.privacy.secure_aggregation) return {};
  std::string out = "\nSecure aggregation (the aggregator saw only the sums)\n";
  for (const auto& rr : r.rounds)
    out += "  round " + std::to_string(rr.round) + ": " + secure_sum_text(rr.secure) + '\n';
  return out;
}

void secure_sum_html(std::ostringstream& s, const RunReport& r, const std::string& prefix) {
  if (!r.config.privacy.secure_aggregation) return;
  s << "<details open><summary>Secure aggregation: the aggregator saw only these sums</summary>\n"
    << "<table id=\"" << prefix << "secure-sums\">\n"
    << "<tr><th>round</th><th>sums</th><th>included</th><th>participants</th>"
       "<th>dropouts recovered</th><th>excluded</th></tr>\n";
  for (const auto& rr : r.rounds) {
    const auto& x = rr.secure;
    s << "<tr data-round=\"" << rr.round << "\"><td>" << rr.round << "</td><td>" << x.sums
      << "</td><td>" << x.included << "</td><td>" << x.participants << "</td><td>" << x.recovered
      << "</td><td>" << x.excluded << "</td></tr>\n";
  }
  s << "</table>\n</details>\n";
}

}  // namespace troupe::runtime
