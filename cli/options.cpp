#include "cli/options.hpp"

#include <fstream>
#include <iostream>
#include <vector>

#include "runtime/io/plugin.hpp"

namespace troupe::cli {

namespace po = boost::program_options;

int usage_error(const std::string& command, const std::string& message) {
  std::cerr << "troupe " << command << ": " << message << "\n(see troupe " << command
            << " --help)\n";
  return kExitUsage;
}

std::optional<int> parse_options(const std::string& command, int argc, char** argv,
                                 po::options_description& desc) {
  po::variables_map vm;
  return parse_command_line(command, desc, argc, argv, vm);
}

std::optional<int> parse_command_line(const std::string& command, po::options_description& desc,
                                      int argc, char** argv, po::variables_map& vm,
                                      const po::positional_options_description* positional) {
  desc.add_options()("help,h", "show this help")(
      "config", po::value<std::string>(), "read options from an INI file (the command line wins)")(
      "plugin", po::value<std::vector<std::string>>()->composing(),
      "load a troupe plugin (shared library) that registers policies, strategies or node "
      "behaviours; repeatable");
  try {
    po::command_line_parser parser(argc, argv);
    parser.options(desc);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: troupe " << command << " [options]\n\n" << desc << '\n';
      return kExitOk;
    }
    if (vm.count("config")) {
      const auto path = vm["config"].as<std::string>();
      std::ifstream in(path);
      if (!in) return usage_error(command, "cannot read config file '" + path + "'");
      try {
        po::store(po::parse_config_file(in, desc), vm);
      } catch (const po::error& e) {
        return usage_error(command, path + ": " + e.what());
      }
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(command, e.what());
  }
  // Plugins load before the command checks its options, so that the names they
  // register are valid values of --policy and the like.
  if (vm.count("plugin")) {
    for (const auto& path : vm["plugin"].as<std::vector<std::string>>()) {
      try {
        runtime::load_plugin(path);
      } catch (const std::exception& e) {
        return usage_error(command, std::string("--plugin: ") + e.what());
      }
    }
  }
  return std::nullopt;
}

}  // namespace troupe::cli
