#include "report/federated_html.hpp"

#include "report/markup.hpp"

namespace troupe::runtime {

void federated_tables(std::ostringstream& s, const RunReport& r, const std::string& p) {
  std::vector<FederatedRecord> records;
  for (const auto& rr : r.rounds)
    if (rr.federated.present()) records.push_back(rr.federated);
  if (records.empty()) return;
  s << "<details open><summary>Federated evaluation: each node on its held-out examples, "
       "weighted by their count</summary>\n<table id=\""
    << p << "federated-table\">\n"
    << "<tr><th>round</th><th>accuracy</th><th>precision</th><th>recall</th><th>F1</th>"
       "<th>loss</th><th>examples</th><th>nodes</th><th class=\"text\">failed</th></tr>\n";
  for (const auto& rr : r.rounds) {
    const auto& f = rr.federated;
    if (!f.present()) continue;
    std::string failed;
    for (const auto& n : f.per_node)
      if (!n.error.empty()) failed += (failed.empty() ? "" : "; ") + n.node + ": " + n.error;
    s << "<tr data-round=\"" << rr.round << "\"><td>" << rr.round << "</td><td>"
      << fixed_digits(f.accuracy, 4) << "</td><td>" << fixed_digits(f.precision, 4) << "</td><td>"
      << fixed_digits(f.recall, 4) << "</td><td>" << fixed_digits(f.f1, 4) << "</td><td>"
      << fixed_digits(f.loss, 4) << "</td><td>" << f.examples << "</td><td>" << f.nodes << "/"
      << f.per_node.size() << "</td><td class=\"text error\">" << html_escape(failed)
      << "</td></tr>\n";
  }
  s << "</table>\n</details>\n";
  s << "<details open><summary>Node metrics: each node's latest evaluation</summary>\n<table id=\""
    << p << "node-metrics\">\n"
    << "<tr><th class=\"text\">node</th><th>round</th><th>examples</th><th>accuracy</th>"
       "<th>precision</th><th>recall</th><th>F1</th><th>loss</th><th class=\"text\">error</th>"
       "</tr>\n";
  for (const auto& e : latest_node_evaluations(records))
    s << "<tr data-node=\"" << html_escape(e.node) << "\"><td class=\"text\">"
      << html_escape(e.node) << "</td><td>" << e.round << "</td><td>" << e.examples << "</td><td>"
      << fixed_digits(e.accuracy, 4) << "</td><td>" << fixed_digits(e.precision, 4) << "</td><td>"
      << fixed_digits(e.recall, 4) << "</td><td>" << fixed_digits(e.f1, 4) << "</td><td>"
      << fixed_digits(e.loss, 4) << "</td><td class=\"text error\">" << html_escape(e.error)
      << "</td></tr>\n";
  s << "</table>\n</details>\n";
}

}  // namespace troupe::runtime
