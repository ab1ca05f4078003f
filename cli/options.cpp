#include "cli/options.hpp"

#include <fstream>
#include <iostream>
#include <vector>

#include "cli/environment.hpp"
#include "cli/invocation.hpp"
#include "runtime/aggregation/strategy.hpp"
#include "runtime/allocation/allocator.hpp"
#include "runtime/io/plugin.hpp"
#include "runtime/node/node_behaviour.hpp"
#include "runtime/scheduling/job_core.hpp"

extern char** environ;

namespace troupe::cli {

namespace po = boost::program_options;

namespace {

/// Loads the --plugin libraries; a usage error's code when one fails.
std::optional<int> load_plugins(const std::string& command, const po::variables_map& vm) {
  if (!vm.count("plugin")) return std::nullopt;
  for (const auto& path : vm["plugin"].as<std::vector<std::string>>()) {
    try {
      runtime::load_plugin(path);
    } catch (const std::exception& e) {
      return usage_error(command, std::string("--plugin: ") + e.what());
    }
  }
  return std::nullopt;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

/// The valid names of the command's options that take a registered name, read
/// from the registries after --plugin loaded, so that plugins' names show.
void print_valid_names(std::ostream& os, const po::options_description& desc) {
  const std::pair<const char*, std::vector<std::string>> lists[] = {
      {"mode", runtime::job_core_modes()},
      {"strategy", runtime::strategy_names()},
      {"policy", runtime::allocator_names()},
      {"node-behaviour", runtime::node_behaviour_names()}};
  bool any = false;
  for (const auto& [option, names] : lists) {
    if (!desc.find_nothrow(option, false)) continue;
    if (!any) os << "valid names:\n";
    any = true;
    os << "  --" << option << ": " << joined(names) << '\n';
  }
  if (any) os << '\n';
}

void print_help(std::ostream& os, const std::string& command, const po::options_description& desc) {
  os << "usage: troupe " << command << " [options]\n\n" << desc << '\n';
  print_valid_names(os, desc);
  os << "Every option can also be set in the environment as TROUPE_<OPTION> (e.g.\n"
        "TROUPE_LOCAL_EPOCHS=2); the command line wins over the environment, the\n"
        "environment over --config. Exit codes: 0 ok, 1 failed, 2 usage or input error.\n";
}

/// `message` with the environment variable named when the option it is about came from one.
std::string naming_variable(std::string message, const std::map<std::string, std::string>& env) {
  for (const auto& [option, variable] : env)
    if (message.find("--" + option) != std::string::npos ||
        message.find("'" + option + "'") != std::string::npos)
      return message + " (set by the environment variable " + variable + ")";
  return message;
}

}  // namespace

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
  std::map<std::string, std::string> from_environment;
  try {
    po::command_line_parser parser(argc, argv);
    // No guessing from prefixes: `--port 0` was taken as `--port-file 0` (the
    // one option starting so), so the scheduler wrote its port to a file named
    // 0 and listened where it always does. An unknown name is an error.
    parser.style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing);
    parser.options(desc);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      // Plugins first, so that the names they register are listed.
      if (auto code = load_plugins(command, vm)) return code;
      print_help(std::cout, command, desc);
      return kExitOk;
    }
    // Precedence: what is stored first wins, so the command line, then the
    // environment, then the --config file (itself possibly named by either).
    from_environment = store_environment(desc, environ, vm);
    if (vm.count("config")) {
      const auto path = vm["config"].as<std::string>();
      std::ifstream in(path);
      if (!in) return usage_error(command, "cannot read config file '" + path + "'");
      record_job_file(path);
      try {
        po::store(po::parse_config_file(in, desc), vm);
      } catch (const po::error& e) {
        return usage_error(command, path + ": " + e.what());
      }
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(command, naming_variable(e.what(), from_environment));
  }
  // Plugins load before the command checks its options, so that the names they
  // register are valid values of --policy and the like.
  return load_plugins(command, vm);
}

}  // namespace troupe::cli
