#pragma once
/// \file
/// The HTTP endpoint of a daemon's metrics: `GET /metrics` (Prometheus' text
/// exposition format 0.0.4, rendered by the caller) and `GET /healthz` (200
/// "ok" while the caller says it is healthy, else 503). A transport, not an
/// actor: it serves from its own thread and only calls the two functions it
/// was given, which must be thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace troupe::actors {

struct MetricsHttpOptions {
  std::string host = "127.0.0.1";        ///< loopback unless asked otherwise
  std::uint16_t port = 0;                ///< 0: the system chooses
  std::function<std::string()> metrics;  ///< the /metrics body
  std::function<bool()> healthy;         ///< /healthz: 200 when true, 503 otherwise
};

class MetricsHttpServer {
 public:
  /// Binds and starts serving; throws std::runtime_error naming the address
  /// when it cannot listen.
  explicit MetricsHttpServer(MetricsHttpOptions options);
  ~MetricsHttpServer();  ///< stops serving and joins its thread
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  std::uint16_t port() const;  ///< the bound port

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace troupe::actors
