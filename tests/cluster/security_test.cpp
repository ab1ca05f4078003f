// Admission control, TLS and hostile input against real troupe processes on loopback.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cluster/troupe_cluster.hpp"
#include "socket_util.hpp"

using namespace std::chrono_literals;
using namespace troupe::test;

namespace {

/// Writes a secret file and returns its path.
std::string secret_file(const TempDir& dir, const std::string& name, const std::string& secret) {
  std::ofstream(dir.file(name)) << secret << "\n";
  return dir.file(name);
}

std::vector<std::string> node_args(int port, const std::string& name,
                                   const std::vector<std::string>& extra) {
  std::vector<std::string> args{"node",
                                "--scheduler",
                                "127.0.0.1:" + std::to_string(port),
                                "--name",
                                name,
                                "--threads",
                                "1",
                                "--connect-timeout",
                                "5"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

/// `troupe status` output (with `extra` options).
std::string status(const TempDir& dir, int port, const std::vector<std::string>& extra = {}) {
  return troupe_status(dir, "127.0.0.1:" + std::to_string(port), extra);
}

/// Waits until `troupe status` (with `extra` options) lists `node` as alive.
bool wait_for_alive(const TempDir& dir, int port, const std::string& node,
                    const std::vector<std::string>& extra = {}) {
  return eventually(
      [&] {
        return node_state(troupe_status_json(dir, "127.0.0.1:" + std::to_string(port), extra),
                          node) == "alive";
      },
      20s);
}

/// Opens a TCP connection to 127.0.0.1:`port`, sends `bytes`, waits `linger`, closes.
bool send_raw(int port, const std::string& bytes, std::chrono::milliseconds linger = 300ms) {
  const int fd = connect_loopback(port);
  if (fd < 0) return false;
  send_all(fd, bytes);  // the peer may close on garbage: fine
  std::this_thread::sleep_for(linger);
  close(fd);
  return true;
}

/// Throwaway CA and certificates made with the openssl CLI; `ok` false when it is absent.
struct Pki {
  bool ok = false;
  std::string ca;
  explicit Pki(const TempDir& dir) : dir_(dir) {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) return;
    ca = dir.file("ca.pem");
    ok = run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + dir.file("ca.key") + " -out " +
             ca + " -days 2 -subj /CN=troupe-test-ca") &&
         issue("scheduler", "DNS:localhost,IP:127.0.0.1") && issue("node") &&
         issue("elsewhere", "DNS:elsewhere.example");
  }
  std::vector<std::string> options(const std::string& who) const {
    return {"--tls-cert", dir_.file(who + ".pem"),
            "--tls-key",  dir_.file(who + ".key"),
            "--tls-ca",   ca};
  }

 private:
  const TempDir& dir_;
  bool run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }
  /// A certificate for `who`; `names` (a subjectAltName value) are the host
  /// names and addresses it is good for, which clients check.
  bool issue(const std::string& who, const std::string& names = "") {
    const auto key = dir_.file(who + ".key"), csr = dir_.file(who + ".csr");
    std::string ext;
    if (!names.empty()) {
      std::ofstream(dir_.file(who + ".ext")) << "subjectAltName=" << names << "\n";
      ext = " -extfile " + dir_.file(who + ".ext");
    }
    return run("openssl req -newkey rsa:2048 -nodes -keyout " + key + " -out " + csr +
               " -subj /CN=" + who) &&
           run("openssl x509 -req -in " + csr + " -CA " + ca + " -CAkey " + dir_.file("ca.key") +
               " -CAcreateserial -out " + dir_.file(who + ".pem") + " -days 2" + ext);
  }
};

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const std::string kSecret = "troupe-test-secret-0123456789";

/// A scheduler that admits only holders of kSecret (the file DIR/s), started
/// with `extra` options too, in a fresh directory.
struct SecretScheduler {
  explicit SecretScheduler(const std::vector<std::string>& extra = {})
      : secret(secret_file(dir, "s", kSecret)),
        scheduler(dir, plus({"--secret-file", secret}, extra)) {}
  TempDir dir;
  std::string secret;  ///< the secret file's path
  SchedulerProcess scheduler;
};

}  // namespace

TEST(ClusterAdmission, ANodeWithTheRightSecretJoinsAndOneWithAWrongSecretIsRefusedAndLogged) {
  SecretScheduler secured;
  auto& [dir, good, scheduler] = secured;
  const int port = scheduler.port();
  const auto bad = secret_file(dir, "bad", "not-the-secret-but-long-enough");
  ASSERT_GT(port, 0) << scheduler->output();

  Process member(kTroupe, node_args(port, "member", {"--secret-file", good}), dir.file("m.log"));
  EXPECT_TRUE(wait_for_alive(dir, port, "member", {"--secret-file", good})) << member.output();

  Process intruder(kTroupe, node_args(port, "intruder", {"--secret-file", bad}), dir.file("i.log"));
  EXPECT_EQ(intruder.wait_exit(20s), 1) << intruder.output();
  EXPECT_NE(intruder.output().find("not admitted"), std::string::npos) << intruder.output();
  EXPECT_NE(intruder.output().find("wrong proof"), std::string::npos) << intruder.output();
  EXPECT_NE(scheduler->output().find("refused node 'intruder'"), std::string::npos)
      << scheduler->output();
  const auto listed = status(dir, port, {"--secret-file", good});
  EXPECT_NE(listed.find("member"), std::string::npos) << listed;
  EXPECT_EQ(listed.find("intruder"), std::string::npos) << listed;
  EXPECT_TRUE(member.running());  // the refusal did not disturb the member
}

TEST(ClusterAdmission, ANodeWithoutASecretIsRefusedByASchedulerThatHasOne) {
  SecretScheduler secured;
  auto& [dir, secret, scheduler] = secured;
  const int port = scheduler.port();
  ASSERT_GT(port, 0);
  Process anonymous(kTroupe, node_args(port, "anon", {}), dir.file("a.log"));
  EXPECT_EQ(anonymous.wait_exit(20s), 1) << anonymous.output();
  EXPECT_NE(anonymous.output().find("no answer to a challenge"), std::string::npos)
      << anonymous.output();
}

TEST(ClusterAdmission, AnAggregatorWithAWrongSecretIsRefused) {
  SecretScheduler secured;
  auto& [dir, secret, scheduler] = secured;
  const int port = scheduler.port();
  ASSERT_GT(port, 0);
  Process aggregator(
      kTroupe,
      {"aggregator", "--listen", "127.0.0.1:0", "--scheduler", "127.0.0.1:" + std::to_string(port),
       "--secret-file", secret_file(dir, "w", "a-wrong-secret-of-some-length")},
      dir.file("agg.log"));
  EXPECT_EQ(aggregator.wait_exit(20s), 1) << aggregator.output();
  EXPECT_NE(aggregator.output().find("refused admission"), std::string::npos)
      << aggregator.output();
  EXPECT_NE(scheduler->output().find("refused an aggregator"), std::string::npos);
}

TEST(ClusterAdmission, ASecretProtectedClusterRunsAJobAndReportsBytesPerNode) {
  SecretScheduler secured;
  auto& [dir, secret, scheduler] = secured;
  const int port = scheduler.port();
  ASSERT_GT(port, 0);
  Process n1(kTroupe, node_args(port, "n1", {"--secret-file", secret, "--quiet"}),
             dir.file("n1.log"));
  Process n2(kTroupe, node_args(port, "n2", {"--secret-file", secret, "--quiet"}),
             dir.file("n2.log"));
  // clang-format off
  Process submit(kTroupe, {"submit", "--scheduler", "127.0.0.1:" + std::to_string(port),
      "--model", "mlp", "--nodes", "2", "--rounds", "3", "--local-steps", "40",
      "--train-limit", "3000", "--test-limit", "300", "--threads", "1", "--min-nodes", "2",
      "--data-dir", troupe::test::fashion_mnist_dir(), "--quiet", "--out", dir.file("r.json"),
      "--secret-file", secret}, dir.file("submit.log"));
  // clang-format on
  ASSERT_EQ(submit.wait_exit(180s), 0) << submit.output() << scheduler->output();
  const auto report = read_json(dir.file("r.json"));
  EXPECT_EQ(report["status"], "ok");
  ASSERT_EQ(report["nodes"].size(), 2u);
  // Bytes are counted up to each node's latest report before the job ended
  // (nodes report a change within 20 ms): the first rounds' transfers are in.
  std::uint64_t sent = 0, received = 0;
  for (const auto& n : report["nodes"]) {
    sent += n["bytes_sent"].get<std::uint64_t>();
    received += n["bytes_received"].get<std::uint64_t>();
    EXPECT_FALSE(n["usage"].empty()) << n.dump();
  }
  EXPECT_GT(sent, 0u);
  EXPECT_GE(received,
            sent);  // each update is one model fetched and one sent back, plus evaluations
}

TEST(ClusterAdmission, SubmitAndStatusNeedTheSecretToo) {
  SecretScheduler secured;
  auto& [dir, good, scheduler] = secured;
  const int port = scheduler.port();
  const auto bad = secret_file(dir, "bad", "not-the-secret-but-long-enough");
  ASSERT_GT(port, 0) << scheduler->output();
  const std::string ep = "127.0.0.1:" + std::to_string(port);
  const std::vector<std::string> job{
      "--model",  "mlp", "--nodes",    "1",
      "--rounds", "1",   "--data-dir", troupe::test::fashion_mnist_dir(),
      "--quiet"};
  for (const auto& extra : std::vector<std::vector<std::string>>{{}, {"--secret-file", bad}}) {
    Process submit(kTroupe, plus(plus({"submit", "--scheduler", ep}, job), extra),
                   dir.file("submit.log"));
    EXPECT_EQ(submit.wait_exit(30s), 1) << submit.output();
    EXPECT_NE(submit.output().find("admission refused"), std::string::npos) << submit.output();
    const auto st = status(dir, port, extra);
    EXPECT_NE(st.find("admission refused"), std::string::npos) << st;
    EXPECT_EQ(st.find("job:"), std::string::npos) << st;
  }
  EXPECT_NE(scheduler->output().find("refused a job: no answer to a challenge"), std::string::npos)
      << scheduler->output();
  EXPECT_NE(scheduler->output().find("refused a job: wrong proof"), std::string::npos)
      << scheduler->output();
  // With the secret, status answers (and nothing was queued by the refused jobs).
  const auto st = status(dir, port, {"--secret-file", good});
  EXPECT_NE(st.find("job: idle"), std::string::npos) << st;
  EXPECT_NE(st.find("queued: 0"), std::string::npos) << st;
}

TEST(HostileInput, GarbageAndForgedHeadersOnTheSchedulerPortLeaveItServing) {
  SecretScheduler secured;
  auto& [dir, secret, scheduler] = secured;
  const int port = scheduler.port();
  ASSERT_GT(port, 0);
  std::string random(4096, '\0');
  std::uint32_t x = 12345;
  for (auto& c : random) c = static_cast<char>((x = x * 1103515245 + 12345) >> 16);
  EXPECT_TRUE(send_raw(port, random));                          // random bytes
  EXPECT_TRUE(send_raw(port, "GET / HTTP/1.1\r\n\r\n"));        // the wrong protocol
  EXPECT_TRUE(send_raw(port, basp_header(100).substr(0, 10)));  // truncated header
  EXPECT_TRUE(send_raw(port, basp_header(100) + "short"));      // truncated handshake
  EXPECT_TRUE(send_raw(port, basp_header(1000, 0x7f)));         // unknown operation
  EXPECT_TRUE(send_raw(port, basp_header(0, 0x00)));            // handshakes without payload: CAF
  EXPECT_TRUE(send_raw(port, basp_header(0, 0x01)));            // 0.17.6 crashed on them (SIGSEGV)
  EXPECT_TRUE(send_raw(port, basp_header(64u << 20)));          // announces 64 MiB, sends none
  EXPECT_TRUE(send_raw(port, std::string()));                   // connect and close at once
  ASSERT_TRUE(scheduler->running()) << scheduler->output();
  Process member(kTroupe, node_args(port, "member", {"--secret-file", secret}), dir.file("m.log"));
  EXPECT_TRUE(wait_for_alive(dir, port, "member", {"--secret-file", secret}))
      << member.output() << scheduler->output();
}

/// The local ports process `pid` listens on with TCP, as "ADDR:PORT" (hex as
/// in /proc/net/tcp: 0100007F is 127.0.0.1, 00000000 any address).
std::vector<std::string> listening_sockets(pid_t pid) {
  std::set<std::string> inodes;
  const auto fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& e : std::filesystem::directory_iterator(fd_dir)) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(e.path(), ec).string();
    if (!ec && target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  std::vector<std::string> out;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string slot, local, remote, state, queues, timer, retr, uid, timeout, inode;
      f >> slot >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode;
      if (state == "0A" && inodes.count(inode)) out.push_back(local);
    }
  }
  return out;
}

TEST(HostileInput, AMessageOverTheLimitIsRefusedBeforeTheSchedulerAllocatesIt) {
  TempDir dir;
  SchedulerProcess scheduler(dir, {"--max-message", "8"});
  const int port = scheduler.port();
  ASSERT_GT(port, 0) << scheduler->output();
  const double before = rss_mib(scheduler->pid());
  // 1 GiB and ~4 GiB announced, then bytes that never amount to it.
  EXPECT_TRUE(send_raw(port, basp_header(1u << 30) + std::string(1 << 20, 'x'), 1000ms));
  EXPECT_TRUE(send_raw(port, basp_header(0xfffffff0u), 500ms));
  const double after = rss_mib(scheduler->pid());
  EXPECT_LT(after - before, 64.0) << before << " MiB -> " << after << " MiB";
  ASSERT_TRUE(scheduler->running()) << scheduler->output();
  EXPECT_NE(scheduler->output().find("announces 1024.0 MiB, over the limit of 8.0 MiB"),
            std::string::npos)
      << scheduler->output();
  EXPECT_NE(scheduler->output().find("announces 4096.0 MiB"), std::string::npos)
      << scheduler->output();
  // The scheduler still serves, and a real job's messages pass the guard.
  Process n1(kTroupe, node_args(port, "n1", {"--quiet"}), dir.file("n1.log"));
  // clang-format off
  Process submit(kTroupe, {"submit", "--scheduler", "127.0.0.1:" + std::to_string(port),
      "--model", "mlp", "--nodes", "1", "--rounds", "2", "--local-steps", "5",
      "--train-limit", "600", "--test-limit", "100", "--threads", "1", "--min-nodes", "1",
      "--data-dir", troupe::test::fashion_mnist_dir(), "--quiet"}, dir.file("submit.log"));
  // clang-format on
  EXPECT_EQ(submit.wait_exit(120s), 0) << submit.output() << scheduler->output();
}

TEST(HostileInput, ProcessesListenOnlyOnTheirGuardedPortAndLoopback) {
  TempDir dir;
  SchedulerProcess scheduler(dir);
  const int port = scheduler.port();
  ASSERT_GT(port, 0) << scheduler->output();
  Process member(kTroupe, node_args(port, "member", {}), dir.file("m.log"));
  ASSERT_TRUE(wait_for_alive(dir, port, "member")) << member.output();
  // A node accepts no connections: CAF's extra port for automatic connections
  // (plain TCP on every interface, even under TLS) is closed.
  EXPECT_TRUE(listening_sockets(member.pid()).empty())
      << testing::PrintToString(listening_sockets(member.pid()));
  // The scheduler: the guard on the announced port and CAF's own on loopback.
  const auto sockets = listening_sockets(scheduler->pid());
  ASSERT_EQ(sockets.size(), 2u) << testing::PrintToString(sockets);
  char announced[16];
  std::snprintf(announced, sizeof announced, ":%04X", port);
  int guard = 0, loopback = 0;
  for (const auto& s : sockets) {
    if (s.find(announced) != std::string::npos)
      ++guard;
    else if (s.rfind("0100007F:", 0) == 0)
      ++loopback;
  }
  EXPECT_EQ(guard, 1) << testing::PrintToString(sockets);
  EXPECT_EQ(loopback, 1) << testing::PrintToString(sockets);
}

TEST(Tls, ATlsClusterAdmitsANodeWithCertificateAndSecretAndRefusesAPlainOne) {
  TempDir dir;
  Pki pki(dir);
  if (!pki.ok) GTEST_SKIP() << "the openssl command-line tool is not installed";
  const auto secret = secret_file(dir, "s", kSecret);
  SchedulerProcess scheduler(dir, plus(pki.options("scheduler"), {"--secret-file", secret}));
  const int port = scheduler.port();
  ASSERT_GT(port, 0) << scheduler->output();
  Process member(kTroupe,
                 node_args(port, "member", plus(pki.options("node"), {"--secret-file", secret})),
                 dir.file("m.log"));
  EXPECT_TRUE(
      wait_for_alive(dir, port, "member", plus(pki.options("node"), {"--secret-file", secret})))
      << member.output();
  // A plain-TCP client cannot even complete the connection.
  Process plain(kTroupe, node_args(port, "plain", {"--secret-file", secret}), dir.file("p.log"));
  EXPECT_EQ(plain.wait_exit(30s), 1) << plain.output();
  EXPECT_NE(plain.output().find("cannot reach the scheduler"), std::string::npos) << plain.output();
}

TEST(Tls, ACertificateAloneIsNotAdmissionWhenASecretIsConfigured) {
  TempDir dir;
  Pki pki(dir);
  if (!pki.ok) GTEST_SKIP() << "the openssl command-line tool is not installed";
  SchedulerProcess scheduler(
      dir, plus(pki.options("scheduler"), {"--secret-file", secret_file(dir, "s", kSecret)}));
  const int port = scheduler.port();
  ASSERT_GT(port, 0) << scheduler->output();
  Process certified(kTroupe, node_args(port, "certified", pki.options("node")), dir.file("c.log"));
  EXPECT_EQ(certified.wait_exit(30s), 1) << certified.output();
  EXPECT_NE(certified.output().find("not admitted"), std::string::npos) << certified.output();
}

// Under TLS there is no data plane (its bytes would be plain): a node refuses
// --bulk-min-mib with TLS options, naming both, instead of ignoring it.
TEST(Tls, ANodeRefusesBulkMinMibWithTls) {
  TempDir dir;
  Pki pki(dir);
  if (!pki.ok) GTEST_SKIP() << "the openssl command-line tool is not installed";
  Process node(kTroupe,
               node_args(free_port(), "member", plus(pki.options("node"), {"--bulk-min-mib", "0"})),
               dir.file("n.log"));
  EXPECT_EQ(node.wait_exit(30s), 2) << node.output();
  EXPECT_NE(node.output().find("--bulk-min-mib does not apply with TLS"), std::string::npos)
      << node.output();
}

// CAF 0.17.6's openssl module dropped every other TLS connection of a process
// when one handshake failed (see docs/security.md); the scheduler's guard now
// terminates TLS itself, so garbage on the port costs only that connection.
TEST(Tls, GarbageOnATlsPortLeavesOtherTlsPeersConnectedAndAJobRuns) {
  TempDir dir;
  Pki pki(dir);
  if (!pki.ok) GTEST_SKIP() << "the openssl command-line tool is not installed";
  SchedulerProcess scheduler(dir, pki.options("scheduler"));
  const int port = scheduler.port();
  ASSERT_GT(port, 0);
  Process member(kTroupe, node_args(port, "member", plus(pki.options("node"), {"--quiet"})),
                 dir.file("m.log"));
  ASSERT_TRUE(wait_for_alive(dir, port, "member", pki.options("node")));
  send_raw(port, std::string(4096, 'x'));
  send_raw(port, basp_header(1000));  // plain BASP on a TLS port
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(member.output().find("scheduler lost"), std::string::npos) << member.output();
  EXPECT_NE(scheduler->output().find("TLS handshake failed"), std::string::npos)
      << scheduler->output();
  // Models and updates flow through the TLS guard (updates in messages).
  // clang-format off
  Process submit(kTroupe, plus({"submit", "--scheduler", "127.0.0.1:" + std::to_string(port),
      "--model", "mlp", "--nodes", "1", "--rounds", "2", "--local-steps", "5",
      "--train-limit", "600", "--test-limit", "100", "--threads", "1", "--min-nodes", "1",
      "--data-dir", troupe::test::fashion_mnist_dir(), "--quiet"}, pki.options("node")),
      dir.file("submit.log"));
  // clang-format on
  EXPECT_EQ(submit.wait_exit(120s), 0) << submit.output() << scheduler->output();
  EXPECT_EQ(member.output().find("scheduler lost"), std::string::npos) << member.output();
}

TEST(Tls, ANodeRefusesASchedulerWhoseCertificateNamesAnotherHost) {
  TempDir dir;
  Pki pki(dir);
  if (!pki.ok) GTEST_SKIP() << "the openssl command-line tool is not installed";
  // Signed by the cluster's CA, but for elsewhere.example, not 127.0.0.1.
  SchedulerProcess scheduler(dir, pki.options("elsewhere"));
  const int port = scheduler.port();
  ASSERT_GT(port, 0) << scheduler->output();
  Process node(kTroupe, node_args(port, "n1", pki.options("node")), dir.file("n.log"));
  EXPECT_EQ(node.wait_exit(30s), 1) << node.output();
  EXPECT_NE(node.output().find("does not name 127.0.0.1 (IP address mismatch"), std::string::npos)
      << node.output();
  const auto st = status(dir, port, pki.options("node"));
  EXPECT_NE(st.find("does not name 127.0.0.1"), std::string::npos) << st;
  const auto by_name = troupe_status(dir, "localhost:" + std::to_string(port), pki.options("node"));
  EXPECT_NE(by_name.find("does not name localhost (hostname mismatch"), std::string::npos)
      << by_name;
}

TEST(Tls, ASchedulerCertificateNamingTheDialledHostIsAcceptedByNameAndAddress) {
  TempDir dir;
  Pki pki(dir);
  if (!pki.ok) GTEST_SKIP() << "the openssl command-line tool is not installed";
  SchedulerProcess scheduler(dir, pki.options("scheduler"));  // localhost and 127.0.0.1
  const int port = scheduler.port();
  ASSERT_GT(port, 0) << scheduler->output();
  EXPECT_NE(status(dir, port, pki.options("node")).find("job: idle"), std::string::npos);
  const auto by_name = troupe_status(dir, "localhost:" + std::to_string(port), pki.options("node"));
  EXPECT_NE(by_name.find("job: idle"), std::string::npos) << by_name;
}

TEST(LiveResources, ANodeShortOfFreeMemoryGetsNoTaskAndTheJobSaysWhy) {
  TempDir dir;
  // No machine has 1 PiB of free memory: every node is held back.
  SchedulerProcess scheduler(dir, {"--min-free-memory", "1073741824"});
  const int port = scheduler.port();
  ASSERT_GT(port, 0);
  Process n1(kTroupe, node_args(port, "n1", {"--quiet"}), dir.file("n1.log"));
  // clang-format off
  Process submit(kTroupe, {"submit", "--scheduler", "127.0.0.1:" + std::to_string(port),
      "--model", "mlp", "--nodes", "1", "--rounds", "1", "--local-steps", "2",
      "--train-limit", "300", "--test-limit", "100", "--threads", "1",
      "--data-dir", troupe::test::fashion_mnist_dir(), "--quiet", "--out", dir.file("r.json")},
      dir.file("submit.log"));
  // clang-format on
  EXPECT_EQ(submit.wait_exit(120s), 1) << submit.output();
  const auto report = read_json(dir.file("r.json"));
  EXPECT_EQ(report["status"], "failed");
  const auto error = report["error"].get<std::string>();
  EXPECT_NE(error.find("node n1: free memory"), std::string::npos) << error;
  for (const auto& t : report["tasks"]) EXPECT_NE(t["state"], "done") << t.dump();
}
