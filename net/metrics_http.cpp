// The metrics endpoint on cpp-httplib (Debian libcpp-httplib-dev): a small,
// maintained HTTP/1.1 server with its own thread pool, so no HTTP parsing is
// written here. Debian bookworm has no prometheus-cpp package to serve the
// format with (runtime/system/metrics.hpp writes it).

#include "net/metrics_http.hpp"

#include <httplib.h>

#include <stdexcept>
#include <thread>

namespace troupe::actors {

struct MetricsHttpServer::Impl {
  httplib::Server server;
  std::thread thread;
  std::uint16_t port = 0;
};

MetricsHttpServer::MetricsHttpServer(MetricsHttpOptions options) : impl_(std::make_unique<Impl>()) {
  auto& server = impl_->server;
  // Two threads are plenty for a scraper or two and a health check.
  server.new_task_queue = [] { return new httplib::ThreadPool(2); };
  server.Get("/metrics",
             [metrics = options.metrics](const httplib::Request&, httplib::Response& res) {
               res.set_content(metrics ? metrics() : std::string(),
                               "text/plain; version=0.0.4; charset=utf-8");
             });
  server.Get("/healthz",
             [healthy = options.healthy](const httplib::Request&, httplib::Response& res) {
               const bool ok = !healthy || healthy();
               res.status = ok ? 200 : 503;
               res.set_content(ok ? "ok\n" : "unhealthy\n", "text/plain; charset=utf-8");
             });
  const int port = options.port == 0 ? server.bind_to_any_port(options.host)
                   : server.bind_to_port(options.host, options.port) ? options.port
                                                                     : -1;
  if (port <= 0)
    throw std::runtime_error("cannot listen on " + options.host + ":" +
                             std::to_string(options.port) + " for metrics");
  impl_->port = static_cast<std::uint16_t>(port);
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
}

MetricsHttpServer::~MetricsHttpServer() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint16_t MetricsHttpServer::port() const {
  return impl_->port;
}

}  // namespace troupe::actors
