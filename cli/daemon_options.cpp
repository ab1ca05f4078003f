#include "cli/daemon_options.hpp"

#include "cli/options.hpp"
#include "runtime/system/log.hpp"

namespace troupe::cli {

namespace po = boost::program_options;

void add_log_options(po::options_description& desc, DaemonOptions& o) {
  desc.add_options()("log-level", po::value(&o.log_level)->default_value(o.log_level),
                     "trace | debug | info | warn | error | off")(
      "log-format", po::value(&o.log_format)->default_value(o.log_format),
      "text (time, level, message) | json (one object per line)");
}

void add_metrics_options(po::options_description& desc, DaemonOptions& o) {
  desc.add_options()("metrics-listen", po::value(&o.metrics_listen),
                     "serve /metrics (Prometheus) and /healthz on HOST:PORT (PORT or :PORT: "
                     "127.0.0.1; port 0: any free port)")(
      "metrics-port-file", po::value(&o.metrics_port_file),
      "write the metrics endpoint's bound port to FILE");
}

std::optional<int> apply_log_options(const std::string& command, const DaemonOptions& o,
                                     const std::string& process) {
  runtime::logging::LogOptions log;
  log.process = process;
  const auto level = runtime::logging::parse_level(o.log_level);
  if (!level)
    return usage_error(
        command,
        "--log-level must be trace, debug, info, warn, error or off (got '" + o.log_level + "')");
  const auto format = runtime::logging::parse_format(o.log_format);
  if (!format)
    return usage_error(command, "--log-format must be text or json (got '" + o.log_format + "')");
  log.level = *level;
  log.format = *format;
  runtime::logging::configure(log);
  return std::nullopt;
}

std::optional<actors::Endpoint> parse_metrics_listen(const std::string& text, std::string* why) {
  auto full = text;
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos)
    full = "127.0.0.1:" + text;
  else if (!text.empty() && text.front() == ':')
    full = "127.0.0.1" + text;
  return actors::parse_endpoint(full, why);
}

}  // namespace troupe::cli
