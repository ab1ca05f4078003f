#include "cli/command_options.hpp"

#include <fstream>
#include <iostream>

namespace troupe::cli {

namespace po = boost::program_options;

std::optional<int> parse_command_line(const std::string& command, po::options_description& desc,
                                      int argc, char** argv, po::variables_map& vm) {
  desc.add_options()("help,h", "show this help")(
      "config", po::value<std::string>(), "read options from an INI file (command line wins)");
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    if (vm.count("help")) {
      std::cout << desc << '\n';
      return kExitOk;
    }
    if (vm.count("config")) {
      const auto path = vm["config"].as<std::string>();
      std::ifstream in(path);
      if (!in) return usage_error(command, "cannot read config file '" + path + "'");
      po::store(po::parse_config_file(in, desc), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "troupe " << command << ": " << e.what() << "\n\n" << desc << '\n';
    return kExitUsage;
  }
  return std::nullopt;
}

int usage_error(const std::string& command, const std::string& why) {
  std::cerr << "troupe " << command << ": " << why << "\n(see troupe " << command << " --help)\n";
  return kExitUsage;
}

}  // namespace troupe::cli
