#include "cli/option_sections.hpp"

#include <algorithm>

namespace troupe::cli {

namespace po = boost::program_options;

namespace {

/// The order of --help's sections: where to connect, then runtime/core/job_fields.hpp's
/// Section order, then the daemons' own.
const std::vector<std::string>& known_order() {
  static const std::vector<std::string> order{"job",      "data",    "collaboration", "robustness",
                                              "privacy",  "outputs", "cluster",       "connection",
                                              "security", "process"};
  return order;
}

}  // namespace

po::options_description& OptionSections::operator[](const std::string& name) {
  auto& group = groups_[name];
  if (!group) {
    group = std::make_unique<po::options_description>(name);
    order_.push_back(name);
  }
  return *group;
}

void OptionSections::add_to(po::options_description& desc) const {
  std::vector<std::string> names;
  for (const auto& n : known_order())
    if (groups_.count(n)) names.push_back(n);
  for (const auto& n : order_)
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  for (const auto& n : names)
    if (!groups_.at(n)->options().empty()) desc.add(*groups_.at(n));
}

}  // namespace troupe::cli
