#pragma once
// Option parsing shared by the allocate and simulate commands: --help,
// --config INI (the command line wins), usage errors as exit code 2.

#include <boost/program_options.hpp>

#include <optional>
#include <string>

namespace troupe::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

/// Adds --help and --config to `desc`, parses, and returns an exit code when
/// the command should stop (help shown: 0; usage error: 2, message on stderr).
std::optional<int> parse_command_line(const std::string& command,
                                      boost::program_options::options_description& desc, int argc,
                                      char** argv, boost::program_options::variables_map& vm);

/// Prints "troupe COMMAND: why" and a pointer to --help; returns kExitUsage.
int usage_error(const std::string& command, const std::string& why);

}  // namespace troupe::cli
