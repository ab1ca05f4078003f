// troupe scheduler | aggregator | node | submit | status: processes of a cluster.
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "actors/processes.hpp"
#include "actors/remoting.hpp"
#include "cli/commands.hpp"
#include "cli/daemon_options.hpp"
#include "cli/identity_options.hpp"
#include "cli/job_options.hpp"
#include "cli/option_format.hpp"
#include "cli/option_rules.hpp"
#include "cli/option_sections.hpp"
#include "cli/options.hpp"
#include "cli/progress_printer.hpp"
#include "cli/status_json.hpp"
#include "cli/status_table.hpp"
#include "cli/stdout_report.hpp"
#include "models/trainer.hpp"
#include "report/html_report.hpp"
#include "report/report_json.hpp"
#include "runtime/core/job_model.hpp"
#include "runtime/io/test_data.hpp"
#include "runtime/node/node_behaviour.hpp"
#include "runtime/spool/spooled_bytes.hpp"
#include "runtime/system/admission.hpp"

namespace troupe::cli {

namespace po = boost::program_options;

namespace {

constexpr const char* kDefaultScheduler = "127.0.0.1:7070";
constexpr const char* kDefaultAggregator = "127.0.0.1:7071";

/// Paths of the security options until they are loaded.
struct SecurityPaths {
  std::string secret_file;
};

/// Adds --secret-file and --tls-cert/--tls-key/--tls-ca.
void add_security_options(po::options_description& desc, actors::SecurityOptions& s,
                          std::string& secret_file) {
  desc.add_options()("secret-file", po::value(&secret_file),
                     "shared secret for admission (challenge-response; default: "
                     "$TROUPE_SECRET_FILE; none: no authentication)")(
      "tls-cert", po::value(&s.tls_cert), "TLS: this process's certificate (PEM)")(
      "tls-key", po::value(&s.tls_key), "TLS: the certificate's private key (PEM)")(
      "tls-ca", po::value(&s.tls_ca),
      "TLS: CA certificate that signed the peers' certificates (PEM); TLS encrypts but is not "
      "authentication: use --secret-file too");
}

void add_security_options(po::options_description& desc, actors::SecurityOptions& s,
                          SecurityPaths& paths) {
  add_security_options(desc, s, paths.secret_file);
}

/// Reads the secret file (option or TROUPE_SECRET_FILE) and checks the TLS
/// files; an exit code when they are unusable.
std::optional<int> load_security(const std::string& command, actors::SecurityOptions& s,
                                 const SecurityPaths& paths) {
  auto file = paths.secret_file;
  if (file.empty())
    if (const char* env = std::getenv("TROUPE_SECRET_FILE")) file = env;
  if (!file.empty()) {
    try {
      s.secret = runtime::read_secret_file(file);
    } catch (const std::exception& e) {
      return usage_error(command, std::string("--secret-file: ") + e.what());
    }
  }
  if (auto why = s.validate(); !why.empty()) return usage_error(command, why);
  return std::nullopt;
}

/// Adds --connect-timeout, --reconnect-timeout, --quiet (and --port-file when listening).
void add_process_options(po::options_description& desc, actors::ProcessOptions& p, bool listens) {
  desc.add_options()("connect-timeout", with_default(p.connect_timeout_s),
                     "seconds to keep trying to reach a peer at start-up")(
      "reconnect-timeout", with_default(p.reconnect_timeout_s),
      "seconds to keep trying after losing a peer")("quiet,q", po::bool_switch(&p.quiet),
                                                    "fewer messages");
  if (listens)
    desc.add_options()("port-file", po::value(&p.port_file),
                       "write the bound port to FILE (useful with port 0)");
}

/// --max-message MIB of the listening processes; returns a usage error code when invalid.
void add_max_message_option(po::options_description& desc, double& mib) {
  desc.add_options()(
      "max-message", with_default(mib),
      "MiB: a peer sending a larger message is disconnected before it is read (plain TCP; 0: "
      "no limit)");
}

std::optional<int> apply_max_message(const std::string& command, double mib,
                                     actors::ProcessOptions& p) {
  if (!(mib >= 0) || mib > 4096)
    return usage_error(command, "--max-message must be between 0 and 4096 (MiB)");
  p.max_message = static_cast<std::uint64_t>(mib * 1024 * 1024);
  return std::nullopt;
}

/// --spool-dir, --spool-min-mib and --no-spool of the processes that host aggregators.
struct SpoolFlags {
  std::string dir, min_mib;
  bool off = false;
};

void add_spool_options(po::options_description& desc, SpoolFlags& f) {
  desc.add_options()("spool-dir", po::value(&f.dir),
                     "write large updates that come over the data plane or through shared "
                     "memory to unlinked files in DIR as they arrive, and combine them from "
                     "there a chunk at a time (fedavg, weighted, fedprox; other strategies load "
                     "them): the aggregator then holds about two model copies and a chunk per "
                     "update, not every update (default: $TMPDIR, else /var/tmp)")(
      "spool-min-mib", po::value(&f.min_mib),
      "updates of this many MiB or more are spooled (default 64)")(
      "no-spool", po::bool_switch(&f.off), "keep every update in memory");
}

/// The spool directory when none is named: $TMPDIR, else /var/tmp (a disk on
/// most systems, where /tmp may be a tmpfs, which is memory).
std::string default_spool_dir() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/var/tmp";
}

std::optional<int> apply_spool(const std::string& command, const SpoolFlags& f,
                               actors::ProcessOptions& p) {
  const auto& min_text = f.min_mib;
  const bool given = !min_text.empty();
  double min_mib = 0;
  std::size_t used = 0;
  try {
    if (given) min_mib = std::stod(min_text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (given && (used != min_text.size() || !(min_mib >= 0) || min_mib > 1048576))
    return usage_error(
        command, "--spool-min-mib must be between 0 and 1048576 (MiB), got '" + min_text + "'");
  if (f.off) {
    if (!f.dir.empty() || given)
      return usage_error(command, "--no-spool leaves no updates to --spool-dir or --spool-min-mib");
    return std::nullopt;
  }
  if (f.dir.empty()) {
    // By default large updates are spooled where the system keeps temporary
    // files, when that can be done; else they stay in memory, as with --no-spool.
    // Under TLS, or without the message guard, updates travel in messages.
    if (p.security.tls() || p.max_message == 0) {
      if (given)
        return usage_error(command,
                           "--spool-min-mib does not apply with TLS or --max-message 0: "
                           "updates then travel in messages");
      return std::nullopt;
    }
    const auto dir = default_spool_dir();
    if (auto why = runtime::spool_dir_problem(dir); !why.empty()) {
      runtime::logging::Line(runtime::logging::Level::info)
          << "troupe " << command << ": updates stay in memory (" << why << ")";
      return std::nullopt;
    }
    p.spool_dir = dir;
    if (given) p.spool_min_bytes = static_cast<std::uint64_t>(min_mib * 1024 * 1024);
    return std::nullopt;
  }
  const auto& dir = f.dir;
  if (p.security.tls())
    return usage_error(command,
                       "--spool-dir does not apply with TLS: updates then travel in "
                       "messages, not over the data plane");
  if (p.max_message == 0)
    return usage_error(command,
                       "--spool-dir needs the message guard (--max-message above 0), "
                       "which hands the data plane its connections");
  if (auto why = runtime::spool_dir_problem(dir); !why.empty())
    return usage_error(command, "--spool-dir: " + why);
  p.spool_dir = dir;
  if (given) p.spool_min_bytes = static_cast<std::uint64_t>(min_mib * 1024 * 1024);
  return std::nullopt;
}

/// Parses HOST:PORT for `option`; reports a usage error otherwise.
std::optional<int> endpoint(const std::string& command, const std::string& option,
                            const std::string& text, actors::Endpoint& out) {
  std::string why;
  auto ep = actors::parse_endpoint(text, &why);
  if (!ep) return usage_error(command, "--" + option + ": " + why);
  out = *ep;
  return std::nullopt;
}

/// The JSON report and HTML page the scheduler keeps of a finished job.
runtime::JobReports render_job_reports(const runtime::RunReport& report) {
  return {runtime::to_json(report), runtime::html_report({report}, {report.config.name})};
}

/// submit --detach: the id on stdout, one line.
int submit_and_detach(const actors::SubmitOptions& o) {
  std::string why;
  const auto id = actors::submit_detached(o, &why);
  if (!id) {
    std::cerr << "troupe submit: " << why << '\n';
    return kExitFailed;
  }
  std::cout << *id << std::endl;
  return kExitOk;
}

}  // namespace

int scheduler_command(int argc, char** argv) {
  actors::SchedulerProcessOptions o;
  std::string listen = kDefaultScheduler, aggregator;
  po::options_description desc("troupe scheduler options");
  OptionSections sections;
  sections["connection"].add_options()("listen", with_default(listen),
                                       "address to listen on (HOST:PORT)")(
      "aggregator", po::value(&aggregator),
      "use the aggregator at HOST:PORT instead of hosting one");
  sections["cluster"].add_options()("heartbeat-timeout", with_default(o.heartbeat_timeout_s),
                                    "seconds without a heartbeat before a node counts as lost")(
      "concurrent-jobs", with_default(o.concurrent_jobs),
      "jobs run at once, each on nodes (at most its --nodes) and an aggregator of its own; "
      "the scheduler hosts this many aggregators unless --aggregator is given, where further "
      "ones may register with `troupe aggregator`")(
      "share-nodes", po::bool_switch(&o.share_nodes),
      "with --concurrent-jobs above 1: jobs share nodes (each takes its --nodes among all "
      "nodes, the least shared first); a node runs its waiting tasks highest --priority first");
  add_process_options(sections["process"], o.common, true);
  double max_message_mb = static_cast<double>(o.common.max_message >> 20);
  add_max_message_option(sections["security"], max_message_mb);
  SpoolFlags spool;
  add_spool_options(sections["process"], spool);
  double min_memory_mb = static_cast<double>(o.min_free_memory >> 20);
  double min_disk_mb = static_cast<double>(o.min_free_disk >> 20);
  sections["cluster"].add_options()("min-free-memory", with_default(min_memory_mb),
                                    "MiB of free memory a node must report to get tasks")(
      "min-free-disk", with_default(min_disk_mb),
      "MiB of free disk (where its data lives) a node must report to get tasks");
  SecurityPaths paths;
  add_security_options(sections["security"], o.common.security, paths);
  std::string allowed_nodes;
  add_allowed_nodes_option(sections["security"], allowed_nodes);
  sections["jobs"].add_options()("state-dir", po::value(&o.state_dir),
                                 "keep every job and its reports under DIR, across restarts "
                                 "(default: in memory for the scheduler's life)");
  o.render = render_job_reports;
  DaemonOptions daemon;
  add_log_options(sections["logs and metrics"], daemon);
  add_metrics_options(sections["logs and metrics"], daemon);
  sections.add_to(desc);
  if (auto code = parse_options("scheduler", argc, argv, desc)) return *code;
  if (auto code = apply_log_options("scheduler", daemon, "scheduler")) return *code;
  if (!daemon.metrics_listen.empty()) {
    std::string why;
    o.metrics_listen = parse_metrics_listen(daemon.metrics_listen, &why);
    if (!o.metrics_listen) return usage_error("scheduler", "--metrics-listen: " + why);
  } else if (!daemon.metrics_port_file.empty()) {
    return usage_error("scheduler", "--metrics-port-file needs --metrics-listen");
  }
  o.metrics_port_file = daemon.metrics_port_file;
  if (auto code = load_security("scheduler", o.common.security, paths)) return *code;
  if (auto code = load_allowed_nodes(allowed_nodes, o.allowed_nodes)) return *code;
  if (auto code = apply_max_message("scheduler", max_message_mb, o.common)) return *code;
  if (auto code = apply_spool("scheduler", spool, o.common)) return *code;
  if (!(min_memory_mb >= 0) || !(min_disk_mb >= 0))
    return usage_error("scheduler", "--min-free-memory and --min-free-disk must not be negative");
  o.min_free_memory = static_cast<std::uint64_t>(min_memory_mb * 1024 * 1024);
  o.min_free_disk = static_cast<std::uint64_t>(min_disk_mb * 1024 * 1024);
  if (auto code = endpoint("scheduler", "listen", listen, o.listen)) return *code;
  if (!aggregator.empty()) {
    actors::Endpoint ep;
    if (auto code = endpoint("scheduler", "aggregator", aggregator, ep)) return *code;
    o.aggregator = ep;
  }
  if (!(o.heartbeat_timeout_s > 0))
    return usage_error("scheduler", "--heartbeat-timeout must be positive");
  if (o.concurrent_jobs < 1 || o.concurrent_jobs > 64)
    return usage_error("scheduler", "--concurrent-jobs must be between 1 and 64");
  if (o.share_nodes && o.concurrent_jobs < 2)
    return usage_error("scheduler", "--share-nodes needs --concurrent-jobs of 2 or more");
  return actors::run_scheduler_process(o);
}

int aggregator_command(int argc, char** argv) {
  actors::AggregatorProcessOptions o;
  std::string listen = kDefaultAggregator, scheduler = kDefaultScheduler;
  po::options_description desc("troupe aggregator options");
  OptionSections sections;
  sections["connection"].add_options()("listen", with_default(listen),
                                       "address to listen on (HOST:PORT)")(
      "scheduler", with_default(scheduler), "the scheduler to serve (HOST:PORT)");
  add_process_options(sections["process"], o.common, true);
  double max_message_mb = static_cast<double>(o.common.max_message >> 20);
  add_max_message_option(sections["security"], max_message_mb);
  SpoolFlags spool;
  add_spool_options(sections["process"], spool);
  SecurityPaths paths;
  add_security_options(sections["security"], o.common.security, paths);
  DaemonOptions daemon;
  add_log_options(sections["logs and metrics"], daemon);
  sections.add_to(desc);
  if (auto code = parse_options("aggregator", argc, argv, desc)) return *code;
  if (auto code = apply_log_options("aggregator", daemon, "aggregator")) return *code;
  if (auto code = load_security("aggregator", o.common.security, paths)) return *code;
  if (auto code = apply_max_message("aggregator", max_message_mb, o.common)) return *code;
  if (auto code = apply_spool("aggregator", spool, o.common)) return *code;
  if (auto code = endpoint("aggregator", "listen", listen, o.listen)) return *code;
  if (auto code = endpoint("aggregator", "scheduler", scheduler, o.scheduler)) return *code;
  return actors::run_aggregator_process(o);
}

int node_command(int argc, char** argv) {
  actors::NodeProcessOptions o;
  std::string scheduler = kDefaultScheduler, shard;
  po::options_description desc("troupe node options");
  OptionSections sections;
  sections["connection"].add_options()("scheduler", with_default(scheduler),
                                       "the scheduler (HOST:PORT)")(
      "name", po::value(&o.name), "node name (default: HOST-PID)")(
      "heartbeat-interval", with_default(o.heartbeat_interval_s), "seconds between heartbeats")(
      "update-part-mib", with_default(o.update_part_mib),
      "MiB: a larger update (or secure-aggregation masked input) goes to the aggregator in "
      "parts of this size (keep it below the aggregator's --max-message)")(
      "bulk-min-mib", with_default(o.bulk_min_mib),
      "MiB: an update or model at least this large travels between this node and an "
      "aggregator in another process over a connection of its own (the data plane; refused "
      "with TLS), whatever its --max-message")(
      "no-shared-memory", po::bool_switch(&o.no_shared_memory),
      "models and updates between this node and an aggregator in another process on the same "
      "host go over the network too, not through shared memory (no shared memory with TLS)");
  sections["job"].add_options()("threads", with_default(o.threads),
                                "CPU threads per task (0: the job's)")(
      "device", po::value(&o.device), "cpu | cuda | cuda:N (default: the job's)")(
      "speed", with_default(o.speed),
      "relative speed the scheduler plans with (0: measured from the node's tasks)")(
      "node-behaviour", po::value(&o.behaviour),
      "compute with this node behaviour (default: the job's)");
  sections["data"].add_options()("data-dir", po::value(&o.data_dir),
                                 "this node's Fashion-MNIST directory (default: the job's)")(
      "shard", po::value(&shard), "hold only shard I of an N-way split of the data (I/N)")(
      "data", po::value(&o.data_path),
      "this node's own examples: a CSV file, a directory with x.npy and y.npy, or an IDX pair; "
      "a job trains the node on them")(
      "label-column", po::value(&o.label_column),
      "CSV: the label column, by header name or 0-based index (default: the last)");
  sections["robustness"].add_options()(
      "slow-factor", with_default(o.speed_factor),
      "train this many times slower (a straggler, for experiments)")(
      "dropout", with_default(o.dropout),
      "probability of dropping a training task (< 0: the job's --dropout)")(
      "attack", po::value(&o.attack), "send altered updates: scale | signflip | random")(
      "attack-scale", with_default(o.attack_scale), "factor of --attack")(
      "secure-pause-before-masking", with_default(o.secure_pause_before_masking_s),
      "in each secure sum, wait this many seconds before masking (to test dropouts "
      "mid-protocol)");
  add_process_options(sections["process"], o.common, false);
  SecurityPaths paths;
  add_security_options(sections["security"], o.common.security, paths);
  KeyOptions key;
  add_key_options(sections["security"], key);
  DaemonOptions daemon;
  add_log_options(sections["logs and metrics"], daemon);
  sections.add_to(desc);
  po::variables_map vm;
  if (auto code = parse_command_line("node", desc, argc, argv, vm)) return *code;
  if (auto code = apply_log_options("node", daemon, "node")) return *code;
  if (auto code = load_key(key, o.key)) return *code;
  if (auto code = load_security("node", o.common.security, paths)) return *code;
  if (auto code = endpoint("node", "scheduler", scheduler, o.scheduler)) return *code;
  if (o.common.security.tls() && given(vm, "bulk-min-mib"))
    return usage_error("node",
                       "--bulk-min-mib does not apply with TLS: the data plane's bytes would "
                       "travel unencrypted, so updates and models stay in TLS messages");
  if (!o.data_path.empty() && !shard.empty())
    return usage_error("node",
                       "--data and --shard exclude each other (a node holds its own "
                       "examples or a shard of the job's data set)");
  if (!o.label_column.empty() && o.data_path.empty())
    return usage_error("node", "--label-column needs --data");
  if (!shard.empty()) {
    int i = -1, n = 0;
    char extra = 0;
    if (std::sscanf(shard.c_str(), "%d/%d%c", &i, &n, &extra) != 2 || n < 1 || i < 0 || i >= n)
      return usage_error("node", "--shard must be I/N with 0 <= I < N (got '" + shard + "')");
    o.placement.shard = i;
    o.placement.shards = n;
  }
  if (o.threads < 0) return usage_error("node", "--threads must not be negative");
  if (!(o.speed >= 0) || !std::isfinite(o.speed))
    return usage_error("node", "--speed must be a finite number >= 0 (0: measured)");
  if (!(o.speed_factor >= 1.0)) return usage_error("node", "--slow-factor must be >= 1");
  if (!(o.dropout < 1.0)) return usage_error("node", "--dropout must be below 1");
  if (!(o.secure_pause_before_masking_s >= 0.0))
    return usage_error("node", "--secure-pause-before-masking must not be negative");
  if (!o.behaviour.empty())
    if (auto why = registered_name("node-behaviour", o.behaviour, runtime::node_behaviour_names());
        !why.empty())
      return usage_error("node", why);
  if (!o.attack.empty() && !runtime::parse_enum<runtime::Attack>(o.attack))
    return usage_error("node", "--attack must be scale, signflip or random");
  if (!(o.heartbeat_interval_s > 0))
    return usage_error("node", "--heartbeat-interval must be positive");
  if (!(o.update_part_mib >= 0.001) || o.update_part_mib > 4096)
    return usage_error("node", "--update-part-mib must be between 0.001 and 4096 (MiB)");
  if (!(o.bulk_min_mib >= 0) || o.bulk_min_mib > 1048576)
    return usage_error("node", "--bulk-min-mib must be between 0 and 1048576 (MiB)");
  if (!o.device.empty())
    if (auto why = models::check_device(o.device); !why.empty()) return usage_error("node", why);
  return actors::run_node_process(o);
}

int submit_command(int argc, char** argv) {
  actors::SubmitOptions o;
  std::string scheduler = kDefaultScheduler;
  ReportOutputs outputs;
  bool detach = false;
  po::options_description desc("troupe submit options");
  OptionSections sections;
  sections["connection"].add_options()("scheduler", with_default(scheduler),
                                       "the scheduler (HOST:PORT)");
  sections["outputs"].add_options()(
      "detach", po::bool_switch(&detach),
      "print the job's id once the scheduler accepted it and return (follow it with `troupe "
      "wait ID`)");
  add_report_options(sections["outputs"], outputs);
  add_job_options(sections, o.job);
  add_process_options(sections["process"], o.common, false);
  SecurityPaths paths;
  add_security_options(sections["security"], o.common.security, paths);
  sections.add_to(desc);
  po::variables_map vm;
  if (auto code = parse_command_line("submit", desc, argc, argv, vm)) return *code;
  reserve_stdout_if(outputs.json_file);
  if (auto code = load_security("submit", o.common.security, paths)) return *code;
  if (auto code = endpoint("submit", "scheduler", scheduler, o.scheduler)) return *code;
  if (auto why = o.job.validate(); !why.empty()) return usage_error("submit", why);
  if (auto why = inapplicable_option("submit", o.job, vm); !why.empty())
    return usage_error("submit", why);
  try {
    runtime::attach_test_data(o.job);
  } catch (const std::exception& e) {
    return usage_error("submit", e.what());
  }
  if (auto why = attach_model(o.job); !why.empty()) return usage_error("submit", why);
  if (detach) return submit_and_detach(o);
  if (!o.common.quiet)
    std::cout << "troupe submit: job '" << o.job.name << "' to " << o.scheduler.str() << ": "
              << o.job.rounds << " rounds, " << runtime::model_label(o.job) << ", " << o.job.nodes
              << " shards" << std::endl;
  ProgressPrinter progress(o.job.rounds, o.common.quiet);
  o.on_round = [&](const runtime::RoundRecord& r) { progress.round(r); };
  if (!o.common.quiet)
    o.on_id = [](const std::string& id) {
      std::cerr << "troupe submit: job " << id << " submitted" << std::endl;
    };
  const auto report = actors::run_submit(o);
  progress.finish();
  const int code = finish_report(report, outputs);
  // Interrupted: the shell's convention, 128 + the signal.
  return actors::stop_signal() != 0 ? 128 + actors::stop_signal() : code;
}

int status_command(int argc, char** argv) {
  actors::ProcessOptions common;
  std::string scheduler = kDefaultScheduler;
  bool json = false;
  double watch_s = 0.0;
  po::options_description desc("troupe status options");
  OptionSections sections;
  sections["connection"].add_options()("scheduler", with_default(scheduler),
                                       "the scheduler (HOST:PORT)");
  sections["outputs"].add_options()(
      "json", po::bool_switch(&json),
      "print one JSON object (docs/monitoring.md) instead of the table")(
      "watch", po::value(&watch_s)->implicit_value(2.0),
      "redraw every SECONDS (default 2) until interrupted; with --json one object per line");
  add_process_options(sections["process"], common, false);
  SecurityPaths paths;
  add_security_options(sections["security"], common.security, paths);
  sections.add_to(desc);
  if (auto code = parse_options("status", argc, argv, desc)) return *code;
  if (auto code = load_security("status", common.security, paths)) return *code;
  actors::Endpoint ep;
  if (auto code = endpoint("status", "scheduler", scheduler, ep)) return *code;
  if (watch_s < 0 || (watch_s > 0 && watch_s < 0.1))
    return usage_error("status", "--watch must be at least 0.1 (seconds)");
  actors::install_signal_handlers();
  for (;;) {
    std::string why;
    const auto status = actors::fetch_status(ep, common, &why);
    if (!status) {
      std::cerr << "troupe status: " << why << '\n';
      if (watch_s == 0) return 1;
    } else if (json) {
      std::cout << status_json(*status, ep.str()).dump() << std::endl;
    } else {
      if (watch_s > 0) std::cout << "\x1b[H\x1b[2J";  // redraw in place on a terminal
      print_status(std::cout, *status);
      std::cout << std::flush;
    }
    if (watch_s == 0) return 0;
    const auto pause = std::chrono::milliseconds(static_cast<std::int64_t>(watch_s * 1000));
    if (!actors::sleep_unless_stopped(pause)) return 0;
  }
}

void add_client_options(po::options_description& desc, SchedulerClient& client) {
  desc.add_options()("scheduler", po::value(&client.scheduler)->default_value(client.scheduler),
                     "the scheduler (HOST:PORT)");
  add_process_options(desc, client.common, false);
  add_security_options(desc, client.common.security, client.secret_file);
}

std::optional<int> load_client_options(const std::string& command, SchedulerClient& client) {
  if (auto code = load_security(command, client.common.security, SecurityPaths{client.secret_file}))
    return *code;
  return endpoint(command, "scheduler", client.scheduler, client.endpoint);
}

}  // namespace troupe::cli
