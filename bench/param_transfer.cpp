// Parameter transfer between two processes over loopback: troupe's wire paths
// against raw TCP (the same bytes through a socket, acknowledged), measured in
// the same run:
//  - a Parameters message through CAF remoting, acknowledged ("troupe");
//  - the same through the message guard, as scheduler and aggregator ports
//    run by default ("guarded");
//  - the data plane behind that guard (net/bulk_channel.hpp), as nodes send
//    updates of at least --bulk-min-mib: a ticket asked for over CAF, the
//    bytes over their own connection, then a message that takes them. "bulk"
//    times the bytes and the message, as a node's update waits for them (it
//    asks for its ticket while it trains); "cold" times the ticket too;
//  - the other way, a model a node fetches from the guarded process: in CAF's
//    answer ("get_caf"), and over the data plane ("get_bulk": the request,
//    the answer with its ticket, and the bytes read into a fresh buffer, as a
//    node's fetcher reads them).
// Usage: param_transfer [--sizes 1,10,100] [--repeat 5] [--runs 1]
// (Sizes in MB; over 1040 only raw TCP and the data plane run, e.g. --sizes 2048.)
// Prints per size: MB, and GB/s of each path and its ratio (best of `repeat`);
// with --runs R, R such tables, then per size the median, minimum and maximum
// over the runs of the guarded path's and the data plane's ratio to raw TCP,
// both ways.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "actors/cluster.hpp"
#include "actors/protocol.hpp"
#include "net/bulk_channel.hpp"
#include "net/message_guard.hpp"
#include "runtime/system/memory_tuning.hpp"

using namespace troupe;
using Clock = std::chrono::steady_clock;

namespace {

int g_workers = 0;

struct Config : caf::actor_system_config {
  Config() {
    actors::configure(*this);
    load<caf::io::middleman>();
    set("middleman.workers", g_workers);
  }
};

// ---- raw TCP ---------------------------------------------------------------
void read_all(int fd, char* buf, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    const auto r = ::read(fd, buf + got, n - got);
    if (r <= 0) _exit(3);
    got += static_cast<std::size_t>(r);
  }
}
void write_all(int fd, const char* buf, std::size_t n) {
  std::size_t put = 0;
  while (put < n) {
    const auto w = ::write(fd, buf + put, n - put);
    if (w <= 0) _exit(4);
    put += static_cast<std::size_t>(w);
  }
}

/// Child: accept one connection; for each (size, payload) answer one byte.
void tcp_server(int listen_fd) {
  const int fd = accept(listen_fd, nullptr, nullptr);
  std::vector<char> buf;
  for (;;) {
    std::uint64_t n = 0;
    if (::read(fd, &n, sizeof n) != sizeof n || n == 0) break;
    buf.resize(n);
    read_all(fd, buf.data(), n);
    const char ack = 1;
    write_all(fd, &ack, 1);
  }
  _exit(0);
}

// ---- CAF ---------------------------------------------------------------------
/// The model the echo process hands out, of `bytes` bytes (made once per size).
std::shared_ptr<const models::Parameters> model_of(std::int64_t bytes) {
  static std::shared_ptr<models::Parameters> model;
  if (!model || static_cast<std::int64_t>(model->bytes.size()) != bytes) {
    model = std::make_shared<models::Parameters>();
    model->add("w", models::DType::float32, {bytes / 4});
    std::fill(model->bytes.begin(), model->bytes.end(), static_cast<unsigned char>(7));
  }
  return model;
}

caf::behavior echo(caf::event_based_actor*) {
  return {
      [](const models::Parameters& p) { return static_cast<std::int64_t>(p.bytes.size()); },
      // A model fetched, as the aggregator answers it; here the "version"
      // is the model's size in bytes.
      [](actors::model_atom, std::int64_t bytes) { return actors::SharedModel{model_of(bytes)}; },
      [](actors::model_atom, const actors::ModelRequest& r) -> caf::result<actors::ModelOffer> {
        auto receiver = net::process_bulk_receiver();
        if (!receiver) return caf::make_error(caf::sec::runtime_error, "no data plane");
        const auto model = model_of(r.version);
        auto layout = std::make_shared<models::Parameters>();
        layout->tensors = model->tensors;
        const auto size = model->bytes.size();
        return actors::ModelOffer{
            r.version,
            actors::SharedModel{std::move(layout)},
            actors::BulkOffer{receiver->lend(model, model->bytes.data(), size), receiver->port(),
                              receiver->hosts()},
            static_cast<std::int64_t>(size),
            {}};
      },
      // The data plane's two messages, as the aggregator answers them.
      [](actors::bulk_atom, const actors::BulkRequest& r) -> caf::result<actors::BulkOffer> {
        auto receiver = net::process_bulk_receiver();
        if (!receiver) return caf::make_error(caf::sec::runtime_error, "no data plane");
        return actors::BulkOffer{receiver->expect(static_cast<std::uint64_t>(r.size)),
                                 receiver->port(), receiver->hosts()};
      },
      [](actors::bulk_atom, const std::string& ticket) -> caf::result<std::int64_t> {
        auto receiver = net::process_bulk_receiver();
        models::Parameters p;
        const auto why = receiver ? receiver->take(ticket, p.bytes) : "no data plane";
        if (!why.empty()) return caf::make_error(caf::sec::runtime_error, why);
        return static_cast<std::int64_t>(p.bytes.size());
      }};
}

}  // namespace

int main(int argc, char** argv) {
  runtime::tune_memory_allocator();
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::vector<int> sizes{1, 10, 100};
  int repeat = 5;
  int runs = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--sizes") {
      sizes.clear();
      std::stringstream s(argv[i + 1]);
      for (std::string tok; std::getline(s, tok, ',');) sizes.push_back(std::stoi(tok));
    } else if (a == "--workers") {
      g_workers = std::stoi(argv[i + 1]);
    } else if (a == "--repeat") {
      repeat = std::stoi(argv[i + 1]);
    } else if (a == "--runs") {
      runs = std::max(1, std::stoi(argv[i + 1]));
    }
  }

  // Raw TCP server and CAF echo server, both in children started before any thread.
  const int listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  listen(listen_fd, 1);
  const int tcp_port = ntohs(addr.sin_port);
  const pid_t tcp_child = fork();
  if (tcp_child == 0) tcp_server(listen_fd);
  close(listen_fd);

  // Two CAF echo processes: one as published by CAF, one behind troupe's
  // message-size guard (net/message_guard.hpp), as scheduler and
  // aggregator processes run by default.
  // port_pipe: child -> parent (the port to use); done_pipe: parent -> child (EOF = stop).
  struct Echo {
    pid_t pid;
    std::uint16_t port;
    int done;
  };
  auto start_echo = [](bool guarded) -> Echo {
    int port_pipe[2], done_pipe[2];
    if (pipe(port_pipe) != 0 || pipe(done_pipe) != 0) _exit(1);
    const pid_t child = fork();
    if (child == 0) {
      close(port_pipe[0]);
      close(done_pipe[1]);
      Config cfg;
      caf::actor_system sys{cfg};
      auto e = sys.spawn(echo);
      auto port = sys.middleman().publish(e, 0, "127.0.0.1");
      std::uint16_t p = port ? *port : 0;
      auto receiver = std::make_shared<net::BulkReceiver>();
      std::unique_ptr<actors::MessageGuard> guard;
      if (guarded && p != 0) {
        actors::MessageGuardOptions o;
        o.host = "127.0.0.1";
        o.upstream_port = p;
        o.bulk = [r = receiver.get()](int fd, std::string first) {
          r->adopt(fd, std::move(first));
        };
        guard = std::make_unique<actors::MessageGuard>(o);
        p = guard->port();
        receiver->set_address(p, {"127.0.0.1"});
        net::set_process_bulk_receiver(receiver);
      }
      write_all(port_pipe[1], reinterpret_cast<const char*>(&p), sizeof p);
      char c;
      [[maybe_unused]] auto r = ::read(done_pipe[0], &c, 1);
      caf::anon_send_exit(e, caf::exit_reason::user_shutdown);
      _exit(0);
    }
    close(port_pipe[1]);
    close(done_pipe[0]);
    std::uint16_t port = 0;
    read_all(port_pipe[0], reinterpret_cast<char*>(&port), sizeof port);
    close(port_pipe[0]);
    return {child, port, done_pipe[1]};
  };
  const Echo plain = start_echo(false), guarded = start_echo(true);

  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  addr.sin_port = htons(static_cast<std::uint16_t>(tcp_port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 1;

  Config cfg;
  caf::actor_system sys{cfg};
  auto echo_handle = sys.middleman().remote_actor<caf::actor>("127.0.0.1", plain.port);
  auto guarded_handle = sys.middleman().remote_actor<caf::actor>("127.0.0.1", guarded.port);
  if (!echo_handle || !guarded_handle) {
    std::cerr << "cannot reach the echo processes\n";
    return 1;
  }
  caf::scoped_actor self{sys};

  // Per size, over the runs: guarded / raw TCP and data plane / raw TCP.
  std::vector<std::vector<double>> guarded_ratios(sizes.size()), bulk_ratios(sizes.size()),
      get_caf_ratios(sizes.size()), get_bulk_ratios(sizes.size());
  for (int run = 1; run <= runs; ++run) {
    if (runs > 1) std::printf("run %d\n", run);
    std::printf("%6s %9s %12s %6s %13s %12s %10s %11s %11s %14s %15s\n", "MB", "tcp_GB/s",
                "troupe_GB/s", "ratio", "guarded_GB/s", "guard_ratio", "bulk_GB/s", "bulk_ratio",
                "cold_ratio", "get_caf_ratio", "get_bulk_ratio");
    for (std::size_t size_index = 0; size_index < sizes.size(); ++size_index) {
      const int mb = sizes[size_index];
      models::Parameters params;
      params.add("w", models::DType::float32, {static_cast<std::int64_t>(mb) * 1024 * 1024 / 4});
      std::fill(params.bytes.begin(), params.bytes.end(), static_cast<unsigned char>(7));
      const std::uint64_t n = params.bytes.size();
      // One message object, sent repeatedly: the sender reuses its buffer.
      // Over the guard's default --max-message (1040 MiB) only the data plane
      // carries a model: the CAF paths are left out (printed as 0).
      const bool in_messages = n <= actors::MessageGuardOptions{}.max_message;
      const auto msg = in_messages ? caf::make_message(params) : caf::make_message();

      double best_tcp = 1e9, best_caf = 1e9, best_guarded = 1e9, best_bulk = 1e9, best_cold = 1e9,
             best_get_caf = 1e9, best_get_bulk = 1e9;
      for (int r = 0; r < repeat + 1; ++r) {  // first round warms both paths
        auto t0 = Clock::now();
        write_all(fd, reinterpret_cast<const char*>(&n), sizeof n);
        write_all(fd, reinterpret_cast<const char*>(params.bytes.data()), n);
        char ack;
        read_all(fd, &ack, 1);
        const double tcp_s = std::chrono::duration<double>(Clock::now() - t0).count();

        auto via = [&](const caf::actor& echo_actor) {
          const auto start = Clock::now();
          bool ok = false;
          self->request(echo_actor, std::chrono::seconds(60), msg)
              .receive([&](std::int64_t got) { ok = got == static_cast<std::int64_t>(n); },
                       [&](caf::error& err) { std::cerr << sys.render(err) << '\n'; });
          if (!ok) std::exit(1);
          return std::chrono::duration<double>(Clock::now() - start).count();
        };
        const double caf_s = in_messages ? via(*echo_handle) : 1e9;
        const double guarded_s = in_messages ? via(*guarded_handle) : 1e9;
        // The data plane: ticket, bytes, then the message that takes them.
        // Cold: all three timed. As a node sends: it asks for the ticket as its
        // task starts training, so the update waits for the bytes and the message.
        auto ask = [&] {
          actors::BulkOffer offer;
          self->request(*guarded_handle, std::chrono::seconds(60), actors::bulk_atom::value,
                        actors::BulkRequest{0, 0, static_cast<std::int64_t>(n)})
              .receive([&](actors::BulkOffer& o) { offer = std::move(o); },
                       [&](caf::error& err) { std::cerr << sys.render(err) << '\n'; });
          return offer;
        };
        auto bytes_and_take = [&](const actors::BulkOffer& offer) {
          const auto why =
              net::send_bulk(offer.hosts, offer.port, offer.ticket, params.bytes.data(), n, 60.0);
          if (!why.empty()) {
            std::cerr << "data plane: " << why << '\n';
            std::exit(1);
          }
          bool taken = false;
          self->request(*guarded_handle, std::chrono::seconds(60), actors::bulk_atom::value,
                        offer.ticket)
              .receive([&](std::int64_t got) { taken = got == static_cast<std::int64_t>(n); },
                       [&](caf::error& err) { std::cerr << sys.render(err) << '\n'; });
          if (!taken) std::exit(1);
        };
        const auto cold_start = Clock::now();
        bytes_and_take(ask());
        const double cold_s = std::chrono::duration<double>(Clock::now() - cold_start).count();
        const auto offer = ask();
        const auto bulk_start = Clock::now();
        bytes_and_take(offer);
        const double bulk_s = std::chrono::duration<double>(Clock::now() - bulk_start).count();
        // A model fetched: in CAF's answer, or lent over the data plane.
        const auto get_caf_start = Clock::now();
        if (in_messages) {
          bool got = false;
          self->request(*guarded_handle, std::chrono::seconds(60), actors::model_atom::value,
                        static_cast<std::int64_t>(n))
              .receive(
                  [&](actors::SharedModel& m) { got = m.params && m.params->bytes.size() == n; },
                  [&](caf::error& err) { std::cerr << sys.render(err) << '\n'; });
          if (!got) std::exit(1);
        }
        const double get_caf_s =
            in_messages ? std::chrono::duration<double>(Clock::now() - get_caf_start).count() : 1e9;
        const auto get_bulk_start = Clock::now();
        {
          actors::ModelOffer lent;
          self->request(*guarded_handle, std::chrono::seconds(60), actors::model_atom::value,
                        actors::ModelRequest{static_cast<std::int64_t>(n), 0, {}})
              .receive([&](actors::ModelOffer& o) { lent = std::move(o); },
                       [&](caf::error& err) { std::cerr << sys.render(err) << '\n'; });
          std::vector<unsigned char> bytes;  // fresh, as a node's fetcher reads into
          const auto why = net::fetch_bulk(lent.offer.hosts, lent.offer.port, lent.offer.ticket,
                                           static_cast<std::uint64_t>(lent.size), bytes, 60.0);
          if (!why.empty() || bytes.size() != n || bytes[n / 2] != 7) {
            std::cerr << "data plane fetch: " << why << '\n';
            std::exit(1);
          }
        }
        const double get_bulk_s =
            std::chrono::duration<double>(Clock::now() - get_bulk_start).count();
        if (r > 0) {
          best_tcp = std::min(best_tcp, tcp_s);
          best_caf = std::min(best_caf, caf_s);
          best_guarded = std::min(best_guarded, guarded_s);
          best_bulk = std::min(best_bulk, bulk_s);
          best_cold = std::min(best_cold, cold_s);
          best_get_caf = std::min(best_get_caf, get_caf_s);
          best_get_bulk = std::min(best_get_bulk, get_bulk_s);
        }
      }
      const double gb = static_cast<double>(n) / 1e9;
      std::printf("%6d %9.2f %12.2f %6.2f %13.2f %12.2f %10.2f %11.2f %11.2f %14.2f %15.2f\n", mb,
                  gb / best_tcp, gb / best_caf, best_tcp / best_caf, gb / best_guarded,
                  in_messages ? best_caf / best_guarded : 0.0, gb / best_bulk, best_tcp / best_bulk,
                  best_tcp / best_cold, best_tcp / best_get_caf, best_tcp / best_get_bulk);
      guarded_ratios[size_index].push_back(best_tcp / best_guarded);
      bulk_ratios[size_index].push_back(best_tcp / best_bulk);
      get_caf_ratios[size_index].push_back(best_tcp / best_get_caf);
      get_bulk_ratios[size_index].push_back(best_tcp / best_get_bulk);
    }
  }
  if (runs > 1) {
    std::printf("over %d runs, ratio to raw TCP: median (min-max)\n%6s %22s %22s %22s %22s\n", runs,
                "MB", "guarded", "data plane", "get: guarded", "get: data plane");
    auto summary = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      char out[64];
      std::snprintf(out, sizeof out, "%.2f (%.2f-%.2f)", v[v.size() / 2], v.front(), v.back());
      return std::string(out);
    };
    for (std::size_t i = 0; i < sizes.size(); ++i)
      std::printf("%6d %22s %22s %22s %22s\n", sizes[i], summary(guarded_ratios[i]).c_str(),
                  summary(bulk_ratios[i]).c_str(), summary(get_caf_ratios[i]).c_str(),
                  summary(get_bulk_ratios[i]).c_str());
  }
  const std::uint64_t zero = 0;
  write_all(fd, reinterpret_cast<const char*>(&zero), sizeof zero);
  close(fd);
  close(plain.done);
  close(guarded.done);
  waitpid(tcp_child, nullptr, 0);
  waitpid(plain.pid, nullptr, 0);
  waitpid(guarded.pid, nullptr, 0);
  return 0;
}
