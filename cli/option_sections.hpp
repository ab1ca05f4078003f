#pragma once
/// \file
/// --help in sections: a command puts each option into a named group (job,
/// data, collaboration, robustness, privacy, outputs, cluster; connection,
/// security, process for the daemons), and the groups are printed in that
/// order whatever order the options were added in.

#include <boost/program_options/options_description.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace troupe::cli {

/// Named groups of options, added to a command's description in one go.
class OptionSections {
 public:
  /// The group `name`, created empty on first use.
  boost::program_options::options_description& operator[](const std::string& name);

  /// Adds the non-empty groups to `desc`: the known sections in their order,
  /// then any others in the order they were first used.
  void add_to(boost::program_options::options_description& desc) const;

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::unique_ptr<boost::program_options::options_description>> groups_;
};

}  // namespace troupe::cli
