// Parameter transfer between two processes over loopback: troupe's wire path
// (a Parameters message through CAF remoting, acknowledged) against raw TCP
// (the same bytes through a socket, acknowledged), measured in the same run.
// Usage: param_transfer [--sizes 1,10,100] [--repeat 5]
// Prints per size: MB, raw TCP GB/s, troupe GB/s, ratio (best of `repeat`).
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
caf::behavior echo(caf::event_based_actor*) {
  return {[](const models::Parameters& p) { return static_cast<std::int64_t>(p.bytes.size()); }};
}

}  // namespace

int main(int argc, char** argv) {
  runtime::tune_memory_allocator();
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::vector<int> sizes{1, 10, 100};
  int repeat = 5;
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
      std::unique_ptr<actors::MessageGuard> guard;
      if (guarded && p != 0) {
        actors::MessageGuardOptions o;
        o.host = "127.0.0.1";
        o.upstream_port = p;
        guard = std::make_unique<actors::MessageGuard>(o);
        p = guard->port();
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

  std::printf("%8s %14s %14s %8s %14s %12s\n", "MB", "tcp_GB/s", "troupe_GB/s", "ratio",
              "guarded_GB/s", "guard_ratio");
  for (int mb : sizes) {
    models::Parameters params;
    params.add("w", models::DType::float32, {static_cast<std::int64_t>(mb) * 1024 * 1024 / 4});
    std::fill(params.bytes.begin(), params.bytes.end(), static_cast<unsigned char>(7));
    const std::uint64_t n = params.bytes.size();
    // One message object, sent repeatedly: the sender reuses its buffer.
    const auto msg = caf::make_message(params);

    double best_tcp = 1e9, best_caf = 1e9, best_guarded = 1e9;
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
      const double caf_s = via(*echo_handle);
      const double guarded_s = via(*guarded_handle);
      if (r > 0) {
        best_tcp = std::min(best_tcp, tcp_s);
        best_caf = std::min(best_caf, caf_s);
        best_guarded = std::min(best_guarded, guarded_s);
      }
    }
    const double gb = static_cast<double>(n) / 1e9;
    std::printf("%8d %14.2f %14.2f %8.2f %14.2f %12.2f\n", mb, gb / best_tcp, gb / best_caf,
                best_tcp / best_caf, gb / best_guarded, best_caf / best_guarded);
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
