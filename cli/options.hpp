#pragma once
/// \file
/// Command-line parsing shared by every subcommand: --help, --config FILE
/// (INI with the same option names; the command line wins), --plugin PATH
/// (repeatable; see runtime/io/plugin.hpp), and uniform errors (message, usage,
/// exit code 2).

#include <boost/program_options.hpp>

#include <optional>
#include <string>

namespace troupe::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
/// The job ran to its end but some rounds lost shards (status "degraded"; see
/// --allow-partial-rounds).
inline constexpr int kExitDegraded = 3;

/// Adds --help, --config and --plugin to `desc`, parses argv (and the config
/// file) into the bound variables and loads the plugins. Returns an exit code when the command must
/// stop now (help shown, or a usage error reported), nothing when it should run.
std::optional<int> parse_options(const std::string& command, int argc, char** argv,
                                 boost::program_options::options_description& desc);

/// The same, keeping the parsed values in `vm` (to ask which options were given),
/// and taking bare arguments as the options `positional` names (none when null).
std::optional<int> parse_command_line(
    const std::string& command, boost::program_options::options_description& desc, int argc,
    char** argv, boost::program_options::variables_map& vm,
    const boost::program_options::positional_options_description* positional = nullptr);

/// Reports a usage error for `command` and returns kExitUsage.
int usage_error(const std::string& command, const std::string& message);

}  // namespace troupe::cli
