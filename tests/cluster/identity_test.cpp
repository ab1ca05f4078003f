// Node identities and versions against real troupe processes on loopback:
// a name is bound to a key, --allowed-nodes fixes the bindings, and every
// process's hello is refused when it speaks another protocol version.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "actors/protocol.hpp"
#include "cluster/troupe_cluster.hpp"

using namespace std::chrono_literals;
using namespace troupe::test;

namespace {

std::vector<std::string> node_args(int port, const std::string& name, const std::string& key,
                                   const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"node",
                                "--scheduler",
                                "127.0.0.1:" + std::to_string(port),
                                "--name",
                                name,
                                "--key-file",
                                key,
                                "--threads",
                                "1",
                                "--connect-timeout",
                                "5"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

bool wait_for_alive(const TempDir& dir, int port, const std::string& node) {
  return eventually(
      [&] {
        return node_state(troupe_status_json(dir, "127.0.0.1:" + std::to_string(port)), node) ==
               "alive";
      },
      20s);
}

/// The public key of the key file at `path` (created when missing).
std::string public_key(const TempDir& dir, const std::string& path) {
  Process p(kTroupe, {"node", "--key-file", path, "--print-public-key"}, dir.file("pk.log"));
  EXPECT_EQ(p.wait_exit(20s), 0) << p.output();
  auto out = p.output();
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

/// A one-round job on one node against `port`; its exit code.
int run_small_job(const TempDir& dir, int port, const std::vector<std::string>& extra = {}) {
  // clang-format off
  std::vector<std::string> args{"submit", "--scheduler", "127.0.0.1:" + std::to_string(port),
      "--model", "mlp", "--nodes", "1", "--rounds", "1", "--local-steps", "5",
      "--train-limit", "600", "--test-limit", "100", "--threads", "1", "--min-nodes", "1",
      "--data-dir", troupe::test::fashion_mnist_dir(), "--quiet"};
  // clang-format on
  args.insert(args.end(), extra.begin(), extra.end());
  Process submit(kTroupe, args, dir.file("submit.log"));
  const int code = submit.wait_exit(120s);
  if (code != 0) ADD_FAILURE() << submit.output();
  return code;
}

/// Starts a process with TROUPE_FORGE_PROTOCOL_VERSION set to `version` (the
/// child inherits it at fork).
template <class... Args>
std::unique_ptr<Process> forged(const std::string& version, Args&&... args) {
  setenv("TROUPE_FORGE_PROTOCOL_VERSION", version.c_str(), 1);
  auto p = std::make_unique<Process>(std::forward<Args>(args)...);
  unsetenv("TROUPE_FORGE_PROTOCOL_VERSION");
  return p;
}

}  // namespace

TEST(NodeIdentity, ASecondNodeUnderALiveNameWithAnotherKeyIsRefusedAndTheFirstStillTrains) {
  TempDir dir;
  SchedulerProcess scheduler(dir);
  const int port = scheduler.port();
  ASSERT_GT(port, 0) << scheduler->output();
  Process member(kTroupe, node_args(port, "n1", dir.file("a.key")), dir.file("m.log"));
  ASSERT_TRUE(wait_for_alive(dir, port, "n1")) << member.output();

  Process impostor(kTroupe, node_args(port, "n1", dir.file("b.key")), dir.file("i.log"));
  EXPECT_EQ(impostor.wait_exit(20s), 1) << impostor.output();
  EXPECT_NE(impostor.output().find("not admitted"), std::string::npos) << impostor.output();
  EXPECT_NE(impostor.output().find("bound to another key"), std::string::npos) << impostor.output();
  EXPECT_NE(scheduler->output().find("refused node 'n1'"), std::string::npos)
      << scheduler->output();
  // The member was not evicted: it is still the node and trains the next job.
  EXPECT_EQ(member.output().find("scheduler lost"), std::string::npos) << member.output();
  EXPECT_EQ(scheduler->output().find("re-registered"), std::string::npos) << scheduler->output();
  EXPECT_EQ(run_small_job(dir, port), 0) << scheduler->output();
  EXPECT_TRUE(member.running());
}

TEST(NodeIdentity, ANodeRestartedWithItsKeyIsAdmittedAgain) {
  TempDir dir;
  SchedulerProcess scheduler(dir);
  const int port = scheduler.port();
  ASSERT_GT(port, 0) << scheduler->output();
  {
    Process first(kTroupe, node_args(port, "n1", dir.file("a.key")), dir.file("n1.log"));
    ASSERT_TRUE(wait_for_alive(dir, port, "n1")) << first.output();
    first.kill(SIGKILL);
    first.wait_exit(10s);
  }
  Process again(kTroupe, node_args(port, "n1", dir.file("a.key")), dir.file("n1b.log"));
  EXPECT_TRUE(again.wait_for_output("registered", 20s)) << again.output() << scheduler->output();
  EXPECT_TRUE(wait_for_alive(dir, port, "n1")) << again.output();
  EXPECT_EQ(scheduler->output().find("refused"), std::string::npos) << scheduler->output();
}

TEST(NodeIdentity, AllowedNodesRefuseAnUnknownNameAndAListedNameWithAnotherKey) {
  TempDir dir;
  std::ofstream(dir.file("allowed"))
      << "# lab nodes\nn1 " << public_key(dir, dir.file("a.key")) << "\n";
  SchedulerProcess scheduler(dir, {"--allowed-nodes", dir.file("allowed")});
  const int port = scheduler.port();
  ASSERT_GT(port, 0) << scheduler->output();
  Process member(kTroupe, node_args(port, "n1", dir.file("a.key")), dir.file("m.log"));
  ASSERT_TRUE(wait_for_alive(dir, port, "n1")) << member.output() << scheduler->output();

  Process unknown(kTroupe, node_args(port, "n2", dir.file("a.key")), dir.file("u.log"));
  EXPECT_EQ(unknown.wait_exit(20s), 1) << unknown.output();
  EXPECT_NE(unknown.output().find("not in the allowed-nodes list"), std::string::npos)
      << unknown.output();
  // Not listed before first use either: a fresh name with a fresh key.
  Process wrong_key(kTroupe, node_args(port, "n1", dir.file("b.key")), dir.file("w.log"));
  EXPECT_EQ(wrong_key.wait_exit(20s), 1) << wrong_key.output();
  EXPECT_NE(wrong_key.output().find("bound to another key"), std::string::npos)
      << wrong_key.output();
  EXPECT_NE(scheduler->output().find("refused node 'n2'"), std::string::npos)
      << scheduler->output();
  EXPECT_TRUE(member.running());
  EXPECT_EQ(node_state(troupe_status_json(dir, scheduler.endpoint()), "n1"), "alive");
}

TEST(NodeIdentity, AMalformedAllowedNodesFileIsAUsageErrorNamingFileAndLine) {
  TempDir dir;
  std::ofstream(dir.file("allowed")) << "# lab nodes\nn1 not-a-key\n";
  Process scheduler(
      kTroupe, {"scheduler", "--listen", "127.0.0.1:0", "--allowed-nodes", dir.file("allowed")},
      dir.file("s.log"));
  EXPECT_EQ(scheduler.wait_exit(20s), 2) << scheduler.output();
  EXPECT_NE(scheduler.output().find(dir.file("allowed") + ":2:"), std::string::npos)
      << scheduler.output();
}

TEST(Versions, ANodeAndASubmitterSpeakingAnotherProtocolAreRefusedNamingBothVersions) {
  TempDir dir;
  SchedulerProcess scheduler(dir);
  const int port = scheduler.port();
  ASSERT_GT(port, 0) << scheduler->output();
  auto node = forged("99", kTroupe, node_args(port, "n1", dir.file("a.key")), dir.file("n.log"));
  EXPECT_EQ(node->wait_exit(20s), 1) << node->output();
  auto submit = forged("99", kTroupe,
                       std::vector<std::string>{"submit", "--scheduler", scheduler.endpoint(),
                                                "--model", "mlp", "--rounds", "1", "--quiet"},
                       dir.file("submit.log"));
  EXPECT_EQ(submit->wait_exit(30s), 1) << submit->output();
  const std::string ours = "protocol " + std::to_string(troupe::actors::kProtocolVersion),
                    theirs = "protocol 99";
  for (const auto& log : {node->output(), submit->output(), scheduler->output()}) {
    EXPECT_NE(log.find("protocol version mismatch"), std::string::npos) << log;
    EXPECT_NE(log.find(ours + " (troupe "), std::string::npos) << log;
    EXPECT_NE(log.find(theirs + " (troupe "), std::string::npos) << log;
  }
  EXPECT_NE(scheduler->output().find("refused 'n1'"), std::string::npos) << scheduler->output();
  EXPECT_NE(scheduler->output().find("refused 'submit'"), std::string::npos) << scheduler->output();
}

TEST(Versions, ASchedulerSpeakingAnotherProtocolIsRefusedByNodeAndStatus) {
  TempDir dir;
  setenv("TROUPE_FORGE_PROTOCOL_VERSION", "1", 1);
  SchedulerProcess scheduler(dir);
  unsetenv("TROUPE_FORGE_PROTOCOL_VERSION");
  const int port = scheduler.port();
  ASSERT_GT(port, 0) << scheduler->output();
  Process node(kTroupe, node_args(port, "n1", dir.file("a.key")), dir.file("n.log"));
  EXPECT_EQ(node.wait_exit(20s), 1) << node.output();
  EXPECT_NE(node.output().find("protocol version mismatch: the scheduler speaks protocol 1"),
            std::string::npos)
      << node.output();
  EXPECT_NE(node.output().find("'n1' speaks protocol " +
                               std::to_string(troupe::actors::kProtocolVersion)),
            std::string::npos)
      << node.output();
  const auto status = troupe_status(dir, scheduler.endpoint());
  EXPECT_NE(status.find("protocol version mismatch"), std::string::npos) << status;
  EXPECT_NE(scheduler->output().find("refused 'status'"), std::string::npos) << scheduler->output();
}
