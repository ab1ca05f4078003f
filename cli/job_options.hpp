#pragma once
/// \file
/// The job options shared by `troupe run`, `troupe train` (and later `submit`):
/// one description, so every subcommand spells them the same way.

#include <boost/program_options.hpp>

#include <string>
#include <vector>

#include "cli/option_sections.hpp"
#include "runtime/core/job_spec.hpp"

namespace troupe::cli {

/// Adds --nodes, --rounds, --model, ... with the JobSpec defaults, bound to
/// `job`, each into its --help section (runtime/core/job_fields.hpp).
void add_job_options(OptionSections& sections, runtime::JobSpec& job);

/// The same, straight into `desc` (its sections as groups of it).
void add_job_options(boost::program_options::options_description& desc, runtime::JobSpec& job);

/// Empty when `name` is one of `known`, else "--OPTION: unknown NAME (known: ...)".
std::string registered_name(const std::string& option, const std::string& name,
                            const std::vector<std::string>& known);

/// Reads the job's --model-file into the job (bytes and SHA-256, shipped with
/// it) and checks early what can be checked here: that it loads as
/// TorchScript and, with --input-shape, that it takes such examples and that
/// its output size matches --classes. Empty when fine, else the problem
/// naming the file (a usage error). Nodes check again at set-up.
std::string attach_model(runtime::JobSpec& job);

/// For jobs run in this process: empty when the job's allocation policy,
/// strategy (sync mode) and node behaviour are registered (built in or from a
/// --plugin), else the problem.
std::string check_registered_names(const runtime::JobSpec& job);

}  // namespace troupe::cli
