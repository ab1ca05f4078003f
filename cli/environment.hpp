#pragma once
/// \file
/// Options from the environment: every option of a command can be set as
/// TROUPE_<OPTION> (upper case, dashes as underscores: TROUPE_LOCAL_EPOCHS=2).
/// The command line wins over the environment, the environment over --config.
/// Variables that name no option of the command are ignored, so that scripts'
/// own TROUPE_* variables (TROUPE_BIN, TROUPE_PORT) do not break commands.

#include <boost/program_options.hpp>

#include <map>
#include <string>

namespace troupe::cli {

/// "local-epochs" -> "TROUPE_LOCAL_EPOCHS".
std::string environment_name(const std::string& option);

/// The option of `desc` that `variable` sets ("TROUPE_LOCAL_EPOCHS" ->
/// "local-epochs"); empty when it names none (or --help, which the
/// environment cannot ask for).
std::string option_for_environment(const std::string& variable,
                                   const boost::program_options::options_description& desc);

/// Stores every TROUPE_<OPTION> variable of `envp` that names an option of
/// `desc` into `vm` (options already given keep their value). A switch takes
/// 1/true/yes/on or 0/false/no/off. Throws boost::program_options::error
/// naming the variable when a value is malformed. Returns the variables
/// used, by option name, so that later errors (a notifier's) can name them.
std::map<std::string, std::string> store_environment(
    const boost::program_options::options_description& desc, char** envp,
    boost::program_options::variables_map& vm);

}  // namespace troupe::cli
