#include "report/node_data_html.hpp"

#include <sstream>

#include "report/markup.hpp"

namespace troupe::runtime {

std::string node_data_html(const RunReport& r, const std::string& prefix) {
  if (r.node_data.empty()) return {};
  std::ostringstream s;
  s << "<details open><summary>Node data (FedAvg weighs each node's updates by its examples)"
       "</summary>\n<table id=\""
    << prefix << "node-data-table\">\n"
    << "<tr><th class=\"text\">node</th><th>shard</th><th>examples</th>"
       "<th class=\"text\">examples per label</th><th class=\"text\">source</th></tr>\n";
  for (const auto& d : r.node_data) {
    std::string histogram;
    for (std::size_t i = 0; i < d.label_histogram.size(); ++i)
      histogram += (i ? " " : "") + std::to_string(d.label_histogram[i]);
    s << "<tr data-node=\"" << html_escape(d.node) << "\"><td class=\"text\">"
      << html_escape(d.node) << "</td><td>" << d.shard << "</td><td class=\"examples\">"
      << d.examples << "</td><td class=\"text mono\">" << histogram << "</td><td class=\"text\">"
      << html_escape(d.source) << "</td></tr>\n";
  }
  s << "</table>\n</details>\n";
  return s.str();
}

}  // namespace troupe::runtime
