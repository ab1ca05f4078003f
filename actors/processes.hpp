#pragma once
/// \file
/// Cluster bootstrap across processes: the scheduler, aggregator and node
/// processes, and the submit/status clients, over CAF remoting (TCP). Each
/// function runs one process's life: it connects or publishes, works until it
/// is told to stop (SIGINT/SIGTERM) or its peer is gone for good, and returns
/// an exit code (0 ok, 1 failure). Messages go to stdout/stderr.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "actors/node_actor.hpp"
#include "runtime/job_spec.hpp"
#include "runtime/node_table.hpp"
#include "runtime/report.hpp"

namespace troupe::actors {

/// HOST:PORT.
struct Endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string str() const { return host + ":" + std::to_string(port); }
};

/// Parses "HOST:PORT" (PORT 0..65535; 0 lets the system choose when listening).
/// Empty with `error` set when malformed.
std::optional<Endpoint> parse_endpoint(const std::string& text, std::string* error);

/// Authentication and encryption of a process's remoting.
struct SecurityOptions {
  /// Shared secret for admission (the content of --secret-file); empty: none.
  /// Without a secret on the scheduler every process is admitted, as before.
  std::string secret;
  /// TLS for all of this process's remoting, through CAF's openssl module:
  /// certificate and key (PEM) of this process, and the CA that signed its
  /// peers' certificates. All three or none. TLS encrypts and checks that the
  /// peer holds a certificate of that CA; it is not admission: a scheduler with
  /// a secret still asks every joining process to answer its challenge.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;

  bool tls() const { return !tls_cert.empty(); }
  /// Empty when usable, else the problem (incomplete TLS triple, unreadable file).
  std::string validate() const;
};

/// Options every process shares.
struct ProcessOptions {
  double connect_timeout_s = 10.0;    ///< give up connecting after this long
  double reconnect_timeout_s = 60.0;  ///< after losing the peer, keep trying this long
  std::string port_file;              ///< write the bound port here (listening processes)
  bool quiet = false;
  SecurityOptions security;
  /// Listening processes without TLS: the largest message (payload bytes) a
  /// peer may send; larger ones close its connection (--max-message; 0: no
  /// guard, CAF's own port, as before). See actors/message_guard.hpp.
  std::uint64_t max_message = std::uint64_t{1040} << 20;
};

struct SchedulerProcessOptions {
  Endpoint listen;
  std::optional<Endpoint> aggregator;  ///< connect to a separate aggregator instead of hosting one
  double heartbeat_timeout_s = 5.0;
  /// Free memory and disk (bytes) a node must report to get tasks.
  std::uint64_t min_free_memory = std::uint64_t{256} << 20;
  std::uint64_t min_free_disk = std::uint64_t{16} << 20;
  ProcessOptions common;
};
int run_scheduler_process(const SchedulerProcessOptions& options);

struct AggregatorProcessOptions {
  Endpoint listen;
  Endpoint scheduler;
  ProcessOptions common;
};
int run_aggregator_process(const AggregatorProcessOptions& options);

struct NodeProcessOptions {
  Endpoint scheduler;
  std::string name;                  ///< default: host name and process id
  int threads = 0;                   ///< 0: the job's --threads
  std::string device;                ///< empty: the job's --device
  std::string data_dir;              ///< empty: the job's --data-dir
  runtime::DataPlacement placement;  ///< --shard i/n
  double speed = 1.0;
  double heartbeat_interval_s = 1.0;
  double speed_factor = 1.0;  ///< --slow-factor: trains this many times slower
  double dropout = -1.0;      ///< --dropout (< 0: the job's)
  std::string attack;         ///< --attack: scale | signflip | random
  double attack_scale = 10.0;
  std::string behaviour;  ///< --node-behaviour (empty: the job's)
  /// Makes this process's node actor instead of the built-in node, e.g. a
  /// program's own typed node actor (see actors/node_actor.hpp). Empty: built-in.
  NodeSpawner spawn_node;
  ProcessOptions common;
};
int run_node_process(const NodeProcessOptions& options);

struct SubmitOptions {
  Endpoint scheduler;
  runtime::JobSpec job;
  ProcessOptions common;
  /// Shows each round's progress; empty: a plain line per round unless quiet.
  std::function<void(const runtime::RoundRecord&)> on_round;
};
/// Submits, streams progress lines, and returns the report (status "failed"
/// with the reason when the scheduler cannot be reached or is lost).
runtime::RunReport run_submit(const SubmitOptions& options);

/// Prints the cluster's nodes and job progress; returns an exit code.
int run_status(const Endpoint& scheduler, const ProcessOptions& options);

/// Writes "troupe <what> listening on HOST:PORT"; returns false on failure.
bool announce_listening(const std::string& what, const Endpoint& bound,
                        const std::string& port_file);

}  // namespace troupe::actors
