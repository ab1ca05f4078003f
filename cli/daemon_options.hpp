#pragma once
/// \file
/// The options of the daemons (scheduler, aggregator, node): the log's level
/// and format, and where the scheduler serves its metrics.

#include <boost/program_options.hpp>
#include <optional>
#include <string>

#include "actors/endpoint.hpp"

namespace troupe::cli {

struct DaemonOptions {
  std::string log_level = "info";
  std::string log_format = "text";
  std::string metrics_listen;  ///< empty: no metrics endpoint
  std::string metrics_port_file;
};

/// Adds --log-level and --log-format.
void add_log_options(boost::program_options::options_description& desc, DaemonOptions& o);
/// Adds --metrics-listen and --metrics-port-file.
void add_metrics_options(boost::program_options::options_description& desc, DaemonOptions& o);
/// Configures this process's log as `process` (runtime/system/log.hpp); a
/// usage error's exit code for an unknown level or format.
std::optional<int> apply_log_options(const std::string& command, const DaemonOptions& o,
                                     const std::string& process);
/// --metrics-listen: HOST:PORT, or a bare PORT or :PORT on 127.0.0.1 (port 0:
/// the system chooses). Empty with `why` set when malformed.
std::optional<actors::Endpoint> parse_metrics_listen(const std::string& text, std::string* why);

}  // namespace troupe::cli
