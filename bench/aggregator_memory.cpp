// Aggregator memory: the peak RSS of a process that receives a round of
// updates over the data plane and combines them with FedAvg, as an aggregator
// does, once with the updates in memory and once spooled to files
// (--spool-dir), in the same run. The figure is the peak in model copies,
// against the target of two copies (current and next model) plus a chunk
// per update, and against the in-memory baseline.
//
// Usage: aggregator_memory [--mib 100] [--updates 50] [--senders 8] [--runs 3]
//                          [--spool-dir DIR]
// A forked child sends the updates (each its own bytes) with `senders`
// connections at a time, as node processes would; the parent holds the
// receiver (net::BulkReceiver behind a message guard, as a published
// aggregator does), takes each block as the aggregator does, has a
// runtime::SyncAggregator accept (validate) it and then combines the round.
// Peak RSS comes from VmHWM, reset before each mode (/proc/self/clear_refs);
// the base is the RSS before the first model was allocated. Both modes must
// give the same model fingerprint (the run fails otherwise).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "models/parameters.hpp"
#include "net/bulk_channel.hpp"
#include "net/message_guard.hpp"
#include "runtime/aggregation/strategy_inputs.hpp"
#include "runtime/aggregation/sync_aggregator.hpp"
#include "runtime/spool/spooled_bytes.hpp"

using namespace troupe;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  double mib = 100;
  int updates = 50;
  int senders = 8;
  int runs = 3;
  std::string spool_dir;
};

Options parse(int argc, char** argv) {
  Options o;
  const char* tmp = std::getenv("TMPDIR");
  o.spool_dir = tmp && *tmp ? tmp : "/var/tmp";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--mib")
      o.mib = std::atof(value);
    else if (flag == "--updates")
      o.updates = std::atoi(value);
    else if (flag == "--senders")
      o.senders = std::atoi(value);
    else if (flag == "--runs")
      o.runs = std::atoi(value);
    else if (flag == "--spool-dir")
      o.spool_dir = value;
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      std::exit(2);
    }
  }
  if (!(o.mib > 0) || o.updates < 1 || o.senders < 1 || o.runs < 1) {
    std::fprintf(stderr, "mib, updates, senders and runs must be positive\n");
    std::exit(2);
  }
  if (auto why = runtime::spool_dir_problem(o.spool_dir); !why.empty()) {
    std::fprintf(stderr, "--spool-dir: %s\n", why.c_str());
    std::exit(2);
  }
  return o;
}

/// A field of /proc/self/status in KiB ("VmRSS", "VmHWM").
double status_kib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::atof(line.c_str() + field.size() + 1);
  return 0;
}

void reset_peak() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";  // resets VmHWM to the current RSS (Linux 4.0 on)
}

/// A model of one float32 tensor of `mib` MiB; update `k` has its own values.
models::Parameters model(double mib, int k) {
  models::Parameters p;
  const auto n = static_cast<std::int64_t>(mib * (1 << 20) / sizeof(float));
  p.add("w", models::DType::float32, {n});
  float* x = p.float_data();
  for (std::int64_t i = 0; i < n; ++i)
    x[i] = static_cast<float>((i * 7 + k * 13) % 1001) * 1e-3F - 0.5F;
  return p;
}

/// A listening socket for the guard to relay BASP to (nothing speaks it here;
/// the guard connects to it for every connection it accepts, hence the backlog).
struct Upstream {
  Upstream() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 || listen(fd, 4096) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("no loopback socket");
    port = ntohs(a.sin_port);
  }
  ~Upstream() { close(fd); }
  int fd = -1;
  std::uint16_t port = 0;
};

struct Result {
  double peak_mib = 0;
  double seconds = 0;
  std::uint64_t fingerprint = 0;
  std::uint64_t spooled = 0;
};

/// Sends update k of `tickets` (k = 0, 1, ...) with `senders` threads; the
/// child's exit status: 0 when all arrived.
[[noreturn]] void send_all(const Options& o, const std::vector<std::string>& tickets,
                           std::uint16_t port) {
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int s = 0; s < o.senders; ++s)
    threads.emplace_back([&] {
      for (int k = next++; k < static_cast<int>(tickets.size()); k = next++) {
        const auto p = model(o.mib, k + 1);
        const auto why = net::send_bulk({"127.0.0.1"}, port, tickets[static_cast<std::size_t>(k)],
                                        p.bytes.data(), p.bytes.size(), 60.0);
        if (!why.empty()) {
          std::fprintf(stderr, "update %d: %s\n", k, why.c_str());
          ++failed;
        }
      }
    });
  for (auto& t : threads) t.join();
  std::_Exit(failed == 0 ? 0 : 1);
}

Result one_round(const Options& o, const models::Parameters& current, bool spool) {
  reset_peak();
  const auto t0 = Clock::now();
  Result r;
  {
    net::BulkReceiverOptions ro;
    ro.log = [](const std::string& line) { std::fprintf(stderr, "receiver: %s\n", line.c_str()); };
    if (spool) {
      ro.spool_dir = o.spool_dir;
      ro.spool_min_bytes = 0;
    }
    auto receiver = std::make_shared<net::BulkReceiver>(ro);
    Upstream upstream;
    actors::MessageGuardOptions go;
    go.host = "127.0.0.1";
    go.upstream_port = upstream.port;
    go.log = [](const std::string& line) { std::fprintf(stderr, "guard: %s\n", line.c_str()); };
    go.bulk = [rc = receiver.get()](int fd, std::string first) { rc->adopt(fd, std::move(first)); };
    auto guard = std::make_unique<actors::MessageGuard>(go);
    std::vector<std::string> tickets;
    for (int k = 0; k < o.updates; ++k) tickets.push_back(receiver->expect(current.bytes.size()));
    const pid_t child = fork();
    if (child == 0) send_all(o, tickets, guard->port());
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
      throw std::runtime_error("the sender failed");
    runtime::SyncOptions so;
    so.limits.max_bytes = current.bytes.size();
    runtime::SyncAggregator agg(runtime::make_strategy("fedavg"), current, so);
    runtime::AggregateRequest request;
    request.round = 1;
    for (int k = 0; k < o.updates; ++k) {
      runtime::Update u;
      u.task_id = k + 1;
      u.shard = k;
      u.round = 1;
      u.node = "n" + std::to_string(k);
      u.samples = 100 + k;
      u.params.tensors = current.tensors;
      int fd = -1;
      const auto why = receiver->take(tickets[static_cast<std::size_t>(k)], u.params.bytes, &fd);
      if (!why.empty()) throw std::runtime_error("update " + std::to_string(k) + ": " + why);
      if (fd >= 0) u.spooled = runtime::SpooledBytes::adopt(fd);
      const auto verdict = agg.accept(std::move(u));
      if (verdict.refused()) throw std::runtime_error(verdict.reason);
      request.task_ids.push_back(k + 1);
    }
    r.spooled = receiver->stats().spooled;
    guard.reset();
    const auto out = agg.aggregate(request);
    if (out.updates != o.updates) throw std::runtime_error("not every update was combined");
    r.fingerprint = out.fingerprint;
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  r.peak_mib = status_kib("VmHWM") / 1024.0;
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const auto o = parse(argc, argv);
  // The bench's own copy of the model (each round's aggregator starts from a
  // copy of it) is part of the base: what counts is the aggregator's.
  const auto current = model(o.mib, 0);
  const double base_mib = status_kib("VmRSS") / 1024.0;
  const double model_mib = static_cast<double>(current.bytes.size()) / (1 << 20);
  // The target: two model copies and a chunk of 1 MiB (the data plane's
  // receiving unit) per update. Spooled, the process holds the receiver's
  // chunks (one per update in flight), a validation chunk and the streamed
  // mean's (kStreamChunkFloats floats per update).
  const double chunk_mib = 1.0;
  const double limit = 2.0 + o.updates * chunk_mib / model_mib;
  const double held_mib =
      o.senders + 1.0 +
      o.updates * static_cast<double>(runtime::kStreamChunkFloats * sizeof(float)) / (1 << 20);
  std::printf(
      "%d updates of %.1f MiB, %d senders, spool dir %s, base RSS %.1f MiB; spooled, "
      "the chunks come to %.1f MiB\n",
      o.updates, model_mib, o.senders, o.spool_dir.c_str(), base_mib, held_mib);
  std::printf("%-4s %-8s %10s %8s %8s %18s\n", "run", "mode", "peak_MiB", "copies", "seconds",
              "fingerprint");
  std::vector<double> copies_mem, copies_spool, time_ratio;
  for (int run = 1; run <= o.runs; ++run) {
    Result res[2];
    // Alternate which goes first.
    for (int i = 0; i < 2; ++i) {
      const bool spool = (i + run) % 2 == 0;
      res[spool ? 1 : 0] = one_round(o, current, spool);
    }
    for (int spool = 0; spool < 2; ++spool) {
      const auto& r = res[spool];
      const double copies = (r.peak_mib - base_mib) / model_mib;
      (spool ? copies_spool : copies_mem).push_back(copies);
      std::printf("%-4d %-8s %10.1f %8.2f %8.2f %18llx\n", run, spool ? "spooled" : "memory",
                  r.peak_mib, copies, r.seconds, static_cast<unsigned long long>(r.fingerprint));
    }
    if (res[1].spooled != static_cast<std::uint64_t>(o.updates)) {
      std::fprintf(stderr, "only %llu of %d updates were spooled\n",
                   static_cast<unsigned long long>(res[1].spooled), o.updates);
      return 1;
    }
    if (res[0].fingerprint != res[1].fingerprint) {
      std::fprintf(stderr, "the spooled round gave another model\n");
      return 1;
    }
    time_ratio.push_back(res[1].seconds / res[0].seconds);
  }
  const auto [smin, smax] = std::minmax_element(copies_spool.begin(), copies_spool.end());
  std::printf(
      "spooled: median %.2f model copies (%.2f-%.2f), target <= %.2f (2 + %d chunks of "
      "%.0f MiB): %s\n",
      median(copies_spool), *smin, *smax, limit, o.updates, chunk_mib,
      median(copies_spool) <= limit ? "met" : "NOT met");
  std::printf(
      "memory:  median %.2f model copies; spooled / memory %.3f; round time spooled / "
      "memory median %.2f\n",
      median(copies_mem), median(copies_spool) / median(copies_mem), median(time_ratio));
  return 0;
}
