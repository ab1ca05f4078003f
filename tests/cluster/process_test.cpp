// Real troupe processes on loopback: scheduler, nodes, submit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>

#include "actors/cluster.hpp"
#include "cluster/troupe_cluster.hpp"

using namespace std::chrono_literals;
using namespace troupe::test;

namespace {

/// A scheduler process on a free port with `nodes` node processes joined.
class Cluster {
 public:
  Cluster(const TempDir& dir, int nodes, const std::vector<std::string>& scheduler_args = {})
      : dir_(dir), scheduler_(dir, plus({"--heartbeat-timeout", "10"}, scheduler_args)) {
    for (int i = 1; i <= nodes; ++i) add_node("n" + std::to_string(i));
  }
  Process& add_node(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"node", "--scheduler", endpoint(), "--name",
                                  name,   "--threads",   "1",        "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    nodes_.push_back(std::make_unique<Process>(kTroupe, args, dir_.file(name + ".log")));
    return *nodes_.back();
  }
  std::string endpoint() const { return scheduler_.endpoint(); }
  int port() const { return scheduler_.port(); }
  Process& node(std::size_t i) { return *nodes_.at(i); }
  Process& scheduler() { return scheduler_.process(); }
  /// Waits until `troupe status` lists `n` alive nodes.
  bool wait_for_nodes(int n, std::chrono::milliseconds timeout) {
    return eventually([&] { return alive_nodes(troupe_status_json(dir_, endpoint())) >= n; },
                      timeout, 100ms);
  }

 private:
  static std::vector<std::string> plus(std::vector<std::string> a,
                                       const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
  const TempDir& dir_;
  SchedulerProcess scheduler_;
  std::vector<std::unique_ptr<Process>> nodes_;
};

/// `troupe submit` of a small MLP job to `endpoint`: `shards` data shards,
/// `rounds` rounds of `steps` mini-batches per task (0: one epoch), then `extra`.
std::vector<std::string> submit_job(const std::string& endpoint, int shards, int rounds, int steps,
                                    int train_limit, int test_limit,
                                    const std::vector<std::string>& extra = {}) {
  // clang-format off
  std::vector<std::string> args{
      "submit", "--scheduler", endpoint, "--model", "mlp",
      "--nodes", std::to_string(shards), "--rounds", std::to_string(rounds),
      "--local-steps", std::to_string(steps), "--train-limit", std::to_string(train_limit),
      "--test-limit", std::to_string(test_limit), "--threads", "1",
      "--data-dir", troupe::test::fashion_mnist_dir()};
  // clang-format on
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

/// The embedded run of submit_job(endpoint, shards, rounds, steps, 3000, 1000)
/// (with `--seed SEED`):
/// the model a cluster of processes must give.
troupe::runtime::RunReport embedded_run(int shards, int rounds, int steps = 0,
                                        std::uint64_t seed = 42) {
  troupe::runtime::JobSpec job;
  job.seed = seed;
  job.train.model = troupe::runtime::ModelKind::mlp;
  job.nodes = shards;
  job.rounds = rounds;
  if (steps > 0) job.train.local_steps = steps;
  job.data.train_limit = 3000;
  job.data.test_limit = 1000;
  job.compute.threads = 1;
  job.data.data_dir = troupe::test::fashion_mnist_dir();
  return troupe::actors::run_embedded(job);
}

/// Submits a job detached (`args`: submit_job's) as `name`; its id, empty
/// when the submission printed none.
std::string detach_job(TempDir& dir, const std::string& name, std::vector<std::string> args) {
  args.insert(args.end(), {"--quiet", "--detach", "--name", name});
  Process p(kTroupe, args, dir.file(name + ".log"));
  EXPECT_EQ(p.wait_exit(30s), 0) << p.output();
  std::smatch id;
  const auto text = p.output();
  return std::regex_search(text, id, std::regex("job-[0-9]+")) ? id.str() : std::string();
}

/// `troupe wait ID --out DIR/ID.json` against `endpoint` (logged to DIR/wait-ID.log).
std::unique_ptr<Process> wait_job(TempDir& dir, const std::string& endpoint,
                                  const std::string& id) {
  return std::make_unique<Process>(kTroupe,
                                   std::vector<std::string>{"wait", id, "--scheduler", endpoint,
                                                            "--out", dir.file(id + ".json")},
                                   dir.file("wait-" + id + ".log"));
}

/// The reports of jobs `a` and `b`, once their `troupe wait`s ended; each
/// must have ended ok with the model it trains alone (`solo_a`, `solo_b`).
std::pair<nlohmann::json, nlohmann::json> expect_solo_models(
    TempDir& dir, Cluster& cluster, const std::string& a, const std::string& b, Process& wait_a,
    Process& wait_b, const troupe::runtime::RunReport& solo_a,
    const troupe::runtime::RunReport& solo_b) {
  for (auto* wait : {&wait_a, &wait_b})
    EXPECT_EQ(wait->wait_exit(180s), 0) << wait->output() << cluster.scheduler().output();
  auto report_a = read_json(dir.file(a + ".json"));
  auto report_b = read_json(dir.file(b + ".json"));
  EXPECT_EQ(report_a["status"], "ok") << report_a["error"];
  EXPECT_EQ(report_b["status"], "ok") << report_b["error"];
  EXPECT_EQ(report_a["final"]["model_fingerprint"], solo_a.model_fingerprint);
  EXPECT_EQ(report_b["final"]["model_fingerprint"], solo_b.model_fingerprint);
  return {std::move(report_a), std::move(report_b)};
}

/// `troupe jobs --json` at `endpoint`, by job id; empty when it failed.
std::map<std::string, nlohmann::json> jobs_by_id(TempDir& dir, const std::string& endpoint) {
  Process jobs(kTroupe, {"jobs", "--json", "--scheduler", endpoint}, dir.file("jobs.log"));
  std::map<std::string, nlohmann::json> by_id;
  const int rc = jobs.wait_exit(30s);
  EXPECT_EQ(rc, 0) << jobs.output();
  if (rc != 0) return by_id;
  const auto listed = nlohmann::json::parse(jobs.output());
  for (const auto& j : listed.at("jobs")) by_id[j.at("id").get<std::string>()] = j;
  return by_id;
}

/// Submits a job to `cluster` (`nodes` nodes, 2 rounds of 5 steps on 3000
/// training and 1000 test examples) and checks that its model is the embedded
/// run's. The report goes to `name` in `dir`.
void expect_the_embedded_model(Cluster& cluster, const TempDir& dir, int nodes,
                               const std::string& name) {
  Process submit(
      kTroupe,
      submit_job(cluster.endpoint(), nodes, 2, 5, 3000, 1000, {"--quiet", "--out", dir.file(name)}),
      dir.file(name + ".log"));
  ASSERT_EQ(submit.wait_exit(120s), 0) << submit.output() << cluster.scheduler().output();
  const auto embedded = embedded_run(nodes, 2, 5);
  ASSERT_EQ(embedded.status, troupe::runtime::RunStatus::ok) << embedded.error;
  EXPECT_EQ(read_json(dir.file(name))["final"]["model_fingerprint"], embedded.model_fingerprint);
}

}  // namespace

TEST(ClusterProcesses, UpdatesLargerThanTheAggregatorsMessageLimitTravelInParts) {
  TempDir dir;
  // The MLP's update is about 0.39 MiB; the scheduler's port (its aggregator's)
  // takes messages of 0.25 MiB at most. One node sends updates in parts of
  // 0.1 MiB; another, with the default parts of 64 MiB, sends them whole.
  // None of them uses shared memory, which would be the way on one host.
  Cluster cluster(dir, 0, {"--max-message", "0.25"});
  ASSERT_GT(cluster.port(), 0) << cluster.scheduler().output();
  cluster.add_node("n1", {"--update-part-mib", "0.1", "--no-shared-memory"});
  cluster.add_node("n2", {"--update-part-mib", "0.1", "--no-shared-memory"});
  ASSERT_TRUE(cluster.wait_for_nodes(2, 20s));
  expect_the_embedded_model(cluster, dir, 2, "parts.json");
  EXPECT_EQ(cluster.scheduler().output().find("over the limit"), std::string::npos)
      << cluster.scheduler().output();

  // Whole updates are over the limit: the guard closes that node's connection.
  auto& whole = cluster.add_node("n3", {"--no-shared-memory"});
  ASSERT_TRUE(cluster.wait_for_nodes(3, 20s));
  Process again(
      kTroupe,
      submit_job(cluster.endpoint(), 3, 1, 5, 3000, 1000, {"--quiet", "--task-timeout", "20"}),
      dir.file("again.log"));
  again.wait_exit(120s);
  EXPECT_TRUE(eventually(
      [&] { return cluster.scheduler().output().find("over the limit") != std::string::npos; }, 10s,
      100ms))
      << cluster.scheduler().output() << whole.output();
}

TEST(ClusterProcesses, UpdatesAndModelsOverTheDataPlaneTravelWhateverTheAggregatorsMessageLimit) {
  TempDir dir;
  // The MLP's update is about 0.39 MiB; the scheduler's port (its aggregator's)
  // takes messages of 0.25 MiB at most, and these nodes send no parts. Updates
  // of 0.1 MiB or more go over the data plane: the only way through here.
  // Models of that size come back over it too. (Shared memory, the way on
  // one host, is off.) The aggregator writes updates of 0.2 MiB or more to
  // files as they arrive and combines them from there: the same model.
  const auto spool = dir.file("spool");
  std::filesystem::create_directory(spool);
  Cluster cluster(dir, 0,
                  {"--max-message", "0.25", "--spool-dir", spool, "--spool-min-mib", "0.2"});
  ASSERT_GT(cluster.port(), 0) << cluster.scheduler().output();
  auto& n1 = cluster.add_node(
      "n1", {"--bulk-min-mib", "0.1", "--no-shared-memory", "--log-level", "debug"});
  cluster.add_node("n2", {"--bulk-min-mib", "0.1", "--no-shared-memory"});
  ASSERT_TRUE(cluster.wait_for_nodes(2, 20s));
  expect_the_embedded_model(cluster, dir, 2, "bulk.json");
  EXPECT_EQ(cluster.scheduler().output().find("over the limit"), std::string::npos)
      << cluster.scheduler().output();
  EXPECT_EQ(cluster.scheduler().output().find("data-plane connection"), std::string::npos)
      << cluster.scheduler().output();
  EXPECT_NE(cluster.scheduler().output().find("was spooled to " + spool), std::string::npos)
      << cluster.scheduler().output();
  EXPECT_TRUE(std::filesystem::is_empty(spool));  // unlinked files: nothing left behind
  const auto said = n1.output();
  EXPECT_NE(said.find("came over the data plane"), std::string::npos) << said;
  EXPECT_EQ(said.find("in a message, not over the data plane"), std::string::npos) << said;
}

namespace {

/// Two node processes on the scheduler's host, whose updates (about 0.39
/// MiB) are over the 0.25 MiB its port takes, with no parts and no data
/// plane (both at their defaults, 64 and 1 MiB): shared memory is the only
/// way through. Checks the embedded model; `said`: the scheduler's output.
void run_through_shared_memory(TempDir& dir, std::vector<std::string> scheduler_args,
                               std::string& said) {
  scheduler_args.insert(scheduler_args.begin(), {"--max-message", "0.25"});
  Cluster cluster(dir, 0, scheduler_args);
  ASSERT_GT(cluster.port(), 0) << cluster.scheduler().output();
  auto& n1 = cluster.add_node("n1", {"--log-level", "info"});
  cluster.add_node("n2");
  ASSERT_TRUE(cluster.wait_for_nodes(2, 20s));
  expect_the_embedded_model(cluster, dir, 2, "shared.json");
  EXPECT_EQ(cluster.scheduler().output().find("over the limit"), std::string::npos)
      << cluster.scheduler().output();
  const auto node = n1.output();
  EXPECT_NE(node.find("came through shared memory"), std::string::npos) << node;
  EXPECT_EQ(node.find("not through shared memory"), std::string::npos) << node;
  EXPECT_EQ(node.find("in messages"), std::string::npos) << node;
  said = cluster.scheduler().output();
}

}  // namespace

TEST(ClusterProcesses, ModelsAndUpdatesBetweenProcessesOfOneHostGoThroughSharedMemory) {
  TempDir dir;
  std::string said;
  ASSERT_NO_FATAL_FAILURE(run_through_shared_memory(dir, {}, said));
  EXPECT_EQ(said.find("was spooled"), std::string::npos) << said;
}

TEST(ClusterProcesses, ASpoolingAggregatorCopiesUpdatesFromSharedMemoryToFiles) {
  TempDir dir;
  const auto spool = dir.file("spool");
  std::filesystem::create_directory(spool);
  std::string said;
  ASSERT_NO_FATAL_FAILURE(
      run_through_shared_memory(dir, {"--spool-dir", spool, "--spool-min-mib", "0.2"}, said));
  EXPECT_NE(said.find("was spooled to " + spool + " from its node's shared memory"),
            std::string::npos)
      << said;
  EXPECT_EQ(said.find("cannot be spooled"), std::string::npos) << said;
}

TEST(ClusterProcesses, WithoutASpoolDirectoryLargeUpdatesAreSpooledInTheTemporaryDirectory) {
  // No --spool-dir: updates from --spool-min-mib (64 by default; 0.2 here, so
  // that the MLP's 0.39 MiB update counts as large) go to $TMPDIR.
  TempDir dir;
  const auto spool = dir.file("tmp");
  std::filesystem::create_directory(spool);
  // The scheduler started next inherits it; put back at the end of the scope.
  struct TmpDir {
    explicit TmpDir(const std::string& to) : was(std::getenv("TMPDIR") != nullptr) {
      if (was) before = std::getenv("TMPDIR");
      setenv("TMPDIR", to.c_str(), 1);
    }
    ~TmpDir() {
      if (was)
        setenv("TMPDIR", before.c_str(), 1);
      else
        unsetenv("TMPDIR");
    }
    bool was;
    std::string before;
  };
  std::string said;
  {
    TmpDir tmp(spool);
    ASSERT_NO_FATAL_FAILURE(run_through_shared_memory(dir, {"--spool-min-mib", "0.2"}, said));
  }
  EXPECT_NE(said.find("was spooled to " + spool + " from its node's shared memory"),
            std::string::npos)
      << said;
  EXPECT_TRUE(std::filesystem::is_empty(spool));  // unlinked files: nothing left behind

  // --no-spool is taken (and nothing this small would be spooled anyway).
  TempDir other;
  ASSERT_NO_FATAL_FAILURE(run_through_shared_memory(other, {"--no-spool"}, said));
  EXPECT_EQ(said.find("was spooled"), std::string::npos) << said;
}

TEST(ClusterProcesses, UpdatesGoInMessagesToAnAggregatorWithoutADataPlane) {
  TempDir dir;
  // --max-message 0: no guard, so no data plane. Every update asks for a
  // ticket, is refused, and goes in a message; the node says so once.
  // (Shared memory, the way on one host, is off.)
  Cluster cluster(dir, 0, {"--max-message", "0"});
  ASSERT_GT(cluster.port(), 0) << cluster.scheduler().output();
  auto& node =
      cluster.add_node("n1", {"--bulk-min-mib", "0", "--no-shared-memory", "--log-level", "info"});
  ASSERT_TRUE(cluster.wait_for_nodes(1, 20s));
  expect_the_embedded_model(cluster, dir, 1, "plain.json");
  const auto said = node.output();
  const std::string line = "an update goes to the aggregator in messages";
  EXPECT_NE(said.find(line), std::string::npos) << said;
  EXPECT_EQ(said.find(line, said.find(line) + 1), std::string::npos) << said;
  EXPECT_NE(said.find("no data plane here"), std::string::npos) << said;
}

namespace {

/// Sets an environment variable for the processes started while it lives,
/// and puts back what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* was = std::getenv(name)) was_ = was;
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (was_)
      setenv(name_, was_->c_str(), 1);
    else
      unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> was_;
};

/// Whether this process has capability `bit` in effect (CapEff of /proc/self/status).
bool has_capability(int bit) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("CapEff:", 0) == 0)
      return (std::stoull(line.substr(7), nullptr, 16) >> bit) & 1U;
  return false;
}

/// How many times `needle` occurs in `text`.
std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(ClusterProcesses, UpdatesGoInMessagesWhenTheAggregatorCannotReadTheNodesSharedBlock) {
  // The scheduler (hosting the aggregator) runs as user nobody, the node as
  // root: the node may read the aggregator's blocks, but the aggregator may
  // not open the node's (Linux lets a process open another's descriptors
  // only as the same user or with CAP_SYS_PTRACE, which root has unless a
  // container took it away). Its first update's block is refused, and that
  // update goes in messages: nothing is lost.
  if (geteuid() != 0 || !has_capability(19))
    GTEST_SKIP() << "needs root with CAP_SYS_PTRACE, to run the scheduler as another user";
  const std::string setpriv = "/usr/bin/setpriv";  // util-linux, in every Debian
  if (access(setpriv.c_str(), X_OK) != 0) GTEST_SKIP() << "no " << setpriv;
  TempDir dir;
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);  // nobody writes its port
  const std::vector<std::string> nobody{"--reuid=nobody", "--regid=nogroup", "--clear-groups"};
  auto as_nobody = nobody;
  as_nobody.insert(as_nobody.end(), {"/usr/bin/env", "HOME=" + dir.path().string(), kTroupe});
  {
    auto args = as_nobody;
    args.push_back("--version");
    Process probe(setpriv, args, dir.file("probe.log"));
    if (probe.wait_exit(20s) != 0)
      GTEST_SKIP() << "user nobody cannot run " << kTroupe << ": " << probe.output();
    args = nobody;  // its files, not only the directory
    args.insert(args.end(), {"/bin/sh", "-c", "head -c1 \"$0\"/train-labels* >/dev/null",
                             troupe::test::fashion_mnist_dir()});
    Process data(setpriv, args, dir.file("data.log"));
    if (data.wait_exit(20s) != 0)
      GTEST_SKIP() << "user nobody cannot read the data set: " << data.output();
  }
  auto args = as_nobody;
  args.insert(args.end(), {"scheduler", "--listen", "127.0.0.1:0", "--port-file", dir.file("port"),
                           "--heartbeat-timeout", "10"});
  Process scheduler(setpriv, args, dir.file("scheduler.log"));
  const int port = read_port_file(dir.file("port"), 20s);
  ASSERT_GT(port, 0) << scheduler.output();
  const auto endpoint = "127.0.0.1:" + std::to_string(port);
  Process node(
      kTroupe,
      {"node", "--scheduler", endpoint, "--name", "n1", "--threads", "1", "--log-level", "debug"},
      dir.file("n1.log"));
  Process submit(kTroupe,
                 submit_job(endpoint, 1, 2, 5, 3000, 1000,
                            {"--quiet", "--min-nodes", "1", "--out", dir.file("r.json")}),
                 dir.file("submit.log"));
  ASSERT_EQ(submit.wait_exit(120s), 0) << submit.output() << scheduler.output() << node.output();
  const auto embedded = embedded_run(1, 2, 5);
  ASSERT_EQ(embedded.status, troupe::runtime::RunStatus::ok) << embedded.error;
  EXPECT_EQ(read_json(dir.file("r.json"))["final"]["model_fingerprint"],
            embedded.model_fingerprint);
  const auto said = node.output();
  EXPECT_NE(said.find("came through shared memory"), std::string::npos) << said;
  // Refused once (two tasks train): the second update does not try again.
  EXPECT_EQ(occurrences(said,
                        "an update goes to the aggregator in messages, not through "
                        "shared memory"),
            1u)
      << said;
  EXPECT_NE(said.find("the aggregator cannot read its shared block"), std::string::npos) << said;
  // Why stays with the aggregator: it tells about the processes of its host.
  EXPECT_EQ(said.find("/proc/"), std::string::npos) << said;
  EXPECT_NE(scheduler.output().find("no shared block at /proc/"), std::string::npos)
      << scheduler.output();
}

TEST(ClusterProcesses, AfterADataPlaneFailureTheJobsUpdatesAndModelsGoInMessages) {
  TempDir dir;
  // The scheduler offers its data plane at 127.0.0.3, where nothing listens
  // (its guard is on 127.0.0.1): the node's first update and first model fail
  // to connect and go in messages, and so do the job's later ones, without
  // trying again (each try would log a line at debug level).
  std::optional<Cluster> started;
  {
    ScopedEnv offered("TROUPE_DATA_PLANE_HOSTS", " 127.0.0.3 ");  // the scheduler's only
    started.emplace(dir, 0);
  }
  auto& cluster = *started;
  ASSERT_GT(cluster.port(), 0) << cluster.scheduler().output();
  auto& node = cluster.add_node(
      "n1", {"--bulk-min-mib", "0.1", "--no-shared-memory", "--log-level", "debug"});
  ASSERT_TRUE(cluster.wait_for_nodes(1, 20s));
  expect_the_embedded_model(cluster, dir, 1, "fallback.json");
  const auto said = node.output();
  EXPECT_EQ(occurrences(said, "an update goes to the aggregator in messages"), 1u) << said;
  EXPECT_EQ(occurrences(said, "a model comes from the aggregator in a message"), 1u) << said;
  EXPECT_NE(said.find("127.0.0.3"), std::string::npos) << said;
  EXPECT_EQ(said.find("came over the data plane"), std::string::npos) << said;
}

TEST(ClusterProcesses, AMultiProcessRunGivesTheSameModelAsTheEmbeddedRun) {
  TempDir dir;
  Cluster cluster(dir, 2);
  ASSERT_GT(cluster.port(), 0) << cluster.scheduler().output();
  ASSERT_TRUE(cluster.wait_for_nodes(2, 20s));
  Process submit(kTroupe,
                 submit_job(cluster.endpoint(), 3, 2, 0, 3000, 1000,
                            {"--quiet", "--out", dir.file("remote.json")}),
                 dir.file("submit.log"));
  ASSERT_EQ(submit.wait_exit(120s), 0) << submit.output();

  const auto embedded = embedded_run(3, 2);
  ASSERT_EQ(embedded.status, troupe::runtime::RunStatus::ok) << embedded.error;

  const auto remote = read_json(dir.file("remote.json"));
  EXPECT_EQ(remote["status"], "ok");
  EXPECT_FALSE(embedded.model_fingerprint.empty());
  EXPECT_EQ(remote["final"]["model_fingerprint"], embedded.model_fingerprint);
  EXPECT_EQ(remote["final"]["accuracy"].get<double>(), embedded.final_metrics.accuracy);
}

TEST(ClusterProcesses, ANodeKilledMidRoundDoesNotStopTheJob) {
  TempDir dir;
  // The victim joins first, so it also holds each round's evaluation task
  // (highest priority, first node among equals): its loss must not let a
  // round be evaluated before its training has ended.
  Cluster cluster(dir, 1);
  ASSERT_TRUE(cluster.wait_for_nodes(1, 20s));
  cluster.add_node("n2");
  cluster.add_node("n3");
  ASSERT_TRUE(cluster.wait_for_nodes(3, 20s));
  // Long enough tasks that the kill lands inside round 2.
  Process submit(
      kTroupe,
      submit_job(cluster.endpoint(), 3, 3, 1500, 6000, 1000, {"--out", dir.file("r.json")}),
      dir.file("submit.log"));
  ASSERT_TRUE(submit.wait_for_output("round   1/3", 120s)) << submit.output();
  cluster.node(0).kill(SIGKILL);
  ASSERT_EQ(submit.wait_exit(180s), 0) << submit.output();
  const auto report = read_json(dir.file("r.json"));
  ASSERT_EQ(report["rounds"].size(), 3u);
  for (const auto& r : report["rounds"]) EXPECT_EQ(r["updates"], 3);
  bool reassigned = false;
  for (const auto& t : report["tasks"])
    if (!t["reassigned_from"].is_null()) reassigned = true;
  EXPECT_TRUE(reassigned) << "the killed node's task was not reassigned";
  // Each round evaluates a new model, and only after its training tasks ended.
  for (int r = 1; r <= 3; ++r) {
    EXPECT_EQ(report["rounds"][r - 1]["version"], r);
    double last_train_end = 0.0, eval_start = -1.0;
    for (const auto& t : report["tasks"]) {
      if (t["round"] != r || t["state"] != "done") continue;
      if (t["kind"] == "train") last_train_end = std::max(last_train_end, t["end_s"].get<double>());
      if (t["kind"] == "evaluate") eval_start = t["start_s"].get<double>();
    }
    EXPECT_GE(eval_start, last_train_end)
        << "round " << r << " was evaluated before its training ended";
  }
}

TEST(ClusterProcesses, ANodePointedAtNoSchedulerFailsClearlyInBoundedTime) {
  TempDir dir;
  const auto port = std::to_string(troupe::test::free_port());
  const auto start = std::chrono::steady_clock::now();
  Process node(kTroupe, {"node", "--scheduler", "127.0.0.1:" + port, "--connect-timeout", "2"},
               dir.file("n.log"));
  EXPECT_EQ(node.wait_exit(20s), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 15s);
  EXPECT_NE(node.output().find("cannot reach the scheduler"), std::string::npos) << node.output();
}

TEST(ClusterProcesses, SubmitToADeadSchedulerFailsClearlyInBoundedTime) {
  TempDir dir;
  const auto port = std::to_string(troupe::test::free_port());
  Process submit(kTroupe, {"submit", "--scheduler", "127.0.0.1:" + port, "--connect-timeout", "2"},
                 dir.file("s.log"));
  EXPECT_EQ(submit.wait_exit(20s), 1);
  EXPECT_NE(submit.output().find("cannot reach the scheduler"), std::string::npos)
      << submit.output();
}

TEST(ClusterProcesses, SubmitFailsWhenTheSchedulerDiesMidJob) {
  TempDir dir;
  Cluster cluster(dir, 1);
  ASSERT_TRUE(cluster.wait_for_nodes(1, 20s));
  Process submit(kTroupe, submit_job(cluster.endpoint(), 2, 50, 500, 3000, 500),
                 dir.file("submit.log"));
  ASSERT_TRUE(submit.wait_for_output("round   1/50", 60s)) << submit.output();
  cluster.scheduler().kill(SIGKILL);
  EXPECT_EQ(submit.wait_exit(30s), 1);
  EXPECT_NE(submit.output().find("lost the connection to the scheduler"), std::string::npos)
      << submit.output();
}

TEST(ClusterProcesses, AStragglersBackupOnAnotherNodeDeliversFirstAndTheModelIsUnchanged) {
  TempDir dir;
  Cluster cluster(dir, 3);
  cluster.add_node("slow", {"--slow-factor", "40"});
  ASSERT_TRUE(cluster.wait_for_nodes(4, 20s));
  Process submit(kTroupe,
                 submit_job(cluster.endpoint(), 4, 2, 0, 3000, 1000,
                            {"--backup-after", "1.5", "--quiet", "--out", dir.file("r.json")}),
                 dir.file("submit.log"));
  ASSERT_EQ(submit.wait_exit(120s), 0) << submit.output();

  const auto embedded = embedded_run(4, 2);
  ASSERT_EQ(embedded.status, troupe::runtime::RunStatus::ok) << embedded.error;

  const auto report = read_json(dir.file("r.json"));
  EXPECT_EQ(report["status"], "ok");
  ASSERT_EQ(report["rounds"].size(), 2u);
  EXPECT_EQ(report["rounds"][0]["updates"], 4);
  EXPECT_EQ(report["rounds"][0]["backups"], 1);
  EXPECT_EQ(report["rounds"][0]["backups_won"], 1);
  bool cancelled = false;
  for (const auto& t : report["tasks"]) {
    if (t["round"] != 1 || t["kind"] != "train") continue;
    if (t["node"] == "slow")
      cancelled = t["state"] == "failed" &&
                  t["error"].get<std::string>().rfind("cancelled: its backup task", 0) == 0;
    if (!t["backup_of"].is_null()) {
      EXPECT_NE(t["node"], "slow");
      EXPECT_EQ(t["state"], "done");
    }
  }
  EXPECT_TRUE(cancelled) << "the slow node's round-1 task was not cancelled by its backup";
  EXPECT_EQ(report["final"]["model_fingerprint"], embedded.model_fingerprint);
}

TEST(ClusterProcesses, ANodeJoiningMidJobIsUsedFromTheNextRound) {
  TempDir dir;
  Cluster cluster(dir, 1);
  ASSERT_TRUE(cluster.wait_for_nodes(1, 20s));
  Process submit(
      kTroupe, submit_job(cluster.endpoint(), 2, 8, 2000, 3000, 500, {"--out", dir.file("r.json")}),
      dir.file("submit.log"));
  ASSERT_TRUE(submit.wait_for_output("round   1/8", 60s)) << submit.output();
  cluster.add_node("late");
  ASSERT_EQ(submit.wait_exit(120s), 0) << submit.output();
  const auto report = read_json(dir.file("r.json"));
  bool late_worked = false;
  for (const auto& t : report["tasks"])
    if (t["node"] == "late" && t["state"] == "done") late_worked = true;
  EXPECT_TRUE(late_worked);
}

TEST(ClusterProcesses, BadAddressesAreUsageErrors) {
  TempDir dir;
  Process a(kTroupe, {"node", "--scheduler", "nowhere"}, dir.file("a.log"));
  EXPECT_EQ(a.wait_exit(10s), 2);
  Process b(kTroupe, {"node", "--shard", "3/2"}, dir.file("b.log"));
  EXPECT_EQ(b.wait_exit(10s), 2);
  Process c(kTroupe, {"scheduler", "--listen", "127.0.0.1:99999"}, dir.file("c.log"));
  EXPECT_EQ(c.wait_exit(10s), 2);
}

TEST(ClusterProcesses, JobsSubmittedWhileOneRunsAreQueuedAndAllComplete) {
  TempDir dir;
  Cluster cluster(dir, 2);
  ASSERT_TRUE(cluster.wait_for_nodes(2, 20s));
  std::vector<std::unique_ptr<Process>> submits;
  for (int i = 0; i < 2; ++i) {
    const auto args = submit_job(cluster.endpoint(), 3, 2, 0, 3000, 1000,
                                 {"--quiet", "--name", "job" + std::to_string(i), "--out",
                                  dir.file("r" + std::to_string(i) + ".json")});
    submits.push_back(
        std::make_unique<Process>(kTroupe, args, dir.file("s" + std::to_string(i) + ".log")));
  }
  for (auto& s : submits) EXPECT_EQ(s->wait_exit(120s), 0) << s->output();
  EXPECT_EQ(read_json(dir.file("r0.json"))["final"]["model_fingerprint"],
            read_json(dir.file("r1.json"))["final"]["model_fingerprint"]);
}

TEST(ClusterProcesses, QueuedJobsStartByPriorityThenDeadlineAndReportTheirWait) {
  TempDir dir;
  Cluster cluster(dir, 1);
  ASSERT_TRUE(cluster.wait_for_nodes(1, 20s));
  // Detached submissions: each prints its job's id.
  const auto detach = [&](const std::string& name, int steps, std::vector<std::string> extra) {
    return detach_job(dir, name, submit_job(cluster.endpoint(), 1, 2, steps, 3000, 500, extra));
  };
  // A long job holds the one node while the other two are queued, the lower
  // priority first.
  const auto first = detach("first", 12000, {});  // seconds per round
  const auto low = detach("low", 0, {"--priority", "1"});
  const auto high = detach("high", 0, {"--priority", "5", "--deadline", "600"});
  // Of equal priority to "low" and submitted after it, but with a deadline.
  const auto urgent = detach("urgent", 0, {"--priority", "1", "--deadline", "900"});
  ASSERT_FALSE(first.empty() || low.empty() || high.empty() || urgent.empty());
  // troupe status shows the running job's place: its id, priority and times.
  Process status(kTroupe, {"status", "--json", "--scheduler", cluster.endpoint()},
                 dir.file("status.log"));
  ASSERT_EQ(status.wait_exit(30s), 0) << status.output();
  const auto now = nlohmann::json::parse(status.output());
  const std::map<std::string, double> priorities{
      {first, 1.0}, {low, 1.0}, {high, 5.0}, {urgent, 1.0}};
  if (!now.at("job").is_null()) {  // the first job, unless it ended already
    const auto& job = now.at("job");
    ASSERT_TRUE(priorities.count(job.at("id").get<std::string>())) << status.output();
    EXPECT_EQ(job.at("priority"), priorities.at(job.at("id").get<std::string>()));
    EXPECT_GE(job.at("elapsed_s").get<double>(), job.at("waiting_s").get<double>());
    EXPECT_EQ(job.at("yielding"), false);  // nothing was submitted with --preempt
  }
  for (const auto& id : {first, low, high, urgent}) {
    Process wait(
        kTroupe,
        {"wait", id, "--scheduler", cluster.endpoint(), "--quiet", "--out", dir.file(id + ".json")},
        dir.file("wait-" + id + ".log"));
    ASSERT_EQ(wait.wait_exit(120s), 0) << wait.output();
  }
  auto by_id = jobs_by_id(dir, cluster.endpoint());
  ASSERT_EQ(by_id.size(), 4u);
  EXPECT_EQ(by_id[high]["priority"], 5.0);
  EXPECT_EQ(by_id[high]["deadline_s"], 600.0);
  EXPECT_LT(by_id[first]["started"].get<double>(), by_id[high]["started"].get<double>());
  EXPECT_LT(by_id[high]["started"].get<double>(), by_id[low]["started"].get<double>())
      << "the higher priority, submitted later, should start first";
  EXPECT_LT(by_id[high]["started"].get<double>(), by_id[urgent]["started"].get<double>());
  EXPECT_LT(by_id[urgent]["started"].get<double>(), by_id[low]["started"].get<double>())
      << "among equal priorities the job with a deadline, submitted later, should start first";

  // The table shows each job's priority, wait and deadline.
  Process table(kTroupe, {"jobs", "--scheduler", cluster.endpoint()}, dir.file("table.log"));
  ASSERT_EQ(table.wait_exit(30s), 0) << table.output();
  const auto rows = table.output();
  EXPECT_NE(rows.find("PRIORITY  WAITED    DEADLINE"), std::string::npos) << rows;
  EXPECT_TRUE(std::regex_search(rows, std::regex(high + " .* 5 +[0-9.]+ s +met\n"))) << rows;
  EXPECT_TRUE(std::regex_search(rows, std::regex(low + " .* 1 +[0-9.]+ s +-\n"))) << rows;

  const auto report_high = read_json(dir.file(high + ".json"));
  const auto report_low = read_json(dir.file(low + ".json"));
  EXPECT_EQ(report_high["job"]["priority"], 5.0);
  EXPECT_EQ(report_high["job"]["deadline_met"], true);
  EXPECT_TRUE(report_low["job"]["deadline_met"].is_null());       // no deadline
  EXPECT_GT(report_high["job"]["waiting_s"].get<double>(), 0.0);  // it waited for the first
  EXPECT_GT(report_low["job"]["waiting_s"].get<double>(),
            report_high["job"]["waiting_s"].get<double>());
  EXPECT_GE(report_low["job"]["completion_s"].get<double>(),
            report_low["job"]["waiting_s"].get<double>());
}

TEST(ClusterProcesses, AJobPreemptedByAHigherPriorityOneIsResumedToItsSoloModel) {
  const int rounds = 6, steps = 3000;
  const auto solo = embedded_run(2, rounds, steps);
  ASSERT_EQ(solo.status, troupe::runtime::RunStatus::ok) << solo.error;

  TempDir dir;
  Cluster cluster(dir, 2);
  ASSERT_TRUE(cluster.wait_for_nodes(2, 20s));
  // A long job of priority 1 runs, followed by `troupe wait`; one of
  // priority 5 with --preempt arrives.
  const auto low =
      detach_job(dir, "low", submit_job(cluster.endpoint(), 2, rounds, steps, 3000, 1000));
  ASSERT_FALSE(low.empty());
  auto wait_low = wait_job(dir, cluster.endpoint(), low);
  // A progress line shows that the scheduler counts it among the job's followers.
  ASSERT_TRUE(wait_low->wait_for_output("/6 ·", 60s))
      << wait_low->output() << cluster.scheduler().output();
  const auto high = detach_job(
      dir, "high",
      submit_job(cluster.endpoint(), 2, 1, 0, 3000, 1000, {"--priority", "5", "--preempt"}));
  ASSERT_FALSE(high.empty());
  auto wait_high = wait_job(dir, cluster.endpoint(), high);
  for (auto* wait : {wait_low.get(), wait_high.get()})
    ASSERT_EQ(wait->wait_exit(120s), 0) << wait->output() << cluster.scheduler().output();
  // The follower of the low job was told, as the scheduler's log says.
  const auto told = wait_low->output();
  EXPECT_NE(told.find("troupe wait: " + low + " (priority 1) yields to " + high), std::string::npos)
      << told;
  EXPECT_NE(told.find("troupe wait: " + low + " paused after round "), std::string::npos) << told;
  const auto report = read_json(dir.file(low + ".json"));
  EXPECT_EQ(report["status"], "ok") << report["error"];
  EXPECT_EQ(report["job"]["preempted"], 1) << cluster.scheduler().output();
  EXPECT_GE(report["resumed_from_round"].get<int>(), 1);
  EXPECT_LT(report["resumed_from_round"].get<int>(), rounds);
  EXPECT_EQ(report["rounds"].size(), static_cast<std::size_t>(rounds));
  EXPECT_EQ(report["config"]["resume"], "") << "the pause is the scheduler's, not the job's";
  // Paused and resumed at a round's end, it trains exactly the model it trains alone.
  EXPECT_EQ(report["final"]["model_fingerprint"], solo.model_fingerprint);

  // The high job ran while the low one waited, and ended first.
  auto by_id = jobs_by_id(dir, cluster.endpoint());
  EXPECT_EQ(by_id[low]["preempted"], 1);
  EXPECT_EQ(by_id[high]["state"], "succeeded");
  EXPECT_LT(by_id[high]["finished"].get<double>(), by_id[low]["finished"].get<double>());
  EXPECT_GT(report["job"]["paused_s"].get<double>(), 0.0);

  // The pause's checkpoint directory is gone once the job ended.
  std::smatch where;
  const auto log = cluster.scheduler().output();
  ASSERT_TRUE(std::regex_search(log, where, std::regex("checkpoint in ([^)]+)\\)"))) << log;
  EXPECT_FALSE(std::filesystem::exists(where[1].str())) << where[1].str();
}

TEST(ClusterProcesses, TwoJobsRunAtOnceAndANodeKilledInOneLeavesTheOtherUntouched) {
  const int rounds = 6, steps = 3000;
  const auto solo_a = embedded_run(2, rounds, steps);
  const auto solo_b = embedded_run(2, rounds, steps, 7);
  ASSERT_EQ(solo_a.status, troupe::runtime::RunStatus::ok) << solo_a.error;
  ASSERT_EQ(solo_b.status, troupe::runtime::RunStatus::ok) << solo_b.error;
  ASSERT_NE(solo_a.model_fingerprint, solo_b.model_fingerprint);

  TempDir dir;
  // Two jobs at once, each on --nodes 2 of five nodes and an aggregator of its own.
  Cluster cluster(dir, 5, {"--concurrent-jobs", "2"});
  ASSERT_TRUE(cluster.wait_for_nodes(5, 30s)) << cluster.scheduler().output();
  const auto a = detach_job(dir, "a", submit_job(cluster.endpoint(), 2, rounds, steps, 3000, 1000));
  const auto b = detach_job(
      dir, "b", submit_job(cluster.endpoint(), 2, rounds, steps, 3000, 1000, {"--seed", "7"}));
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  auto wait_a = wait_job(dir, cluster.endpoint(), a);
  auto wait_b = wait_job(dir, cluster.endpoint(), b);
  // Both run at once.
  ASSERT_TRUE(eventually(
      [&] {
        auto jobs = jobs_by_id(dir, cluster.endpoint());
        return jobs[a]["state"] == "running" && jobs[b]["state"] == "running";
      },
      60s, 200ms))
      << cluster.scheduler().output();
  // `troupe status` says which job each node serves: two each, one free.
  // (Asked again while the loaded machine keeps `troupe status` from answering in time.)
  std::map<std::string, std::string> served;  // node -> job id ("" when free)
  nlohmann::json status;
  ASSERT_TRUE(eventually(
      [&] {
        status = troupe_status_json(dir, cluster.endpoint());
        return status.is_object() && status.contains("nodes") && status["nodes"].size() == 5;
      },
      60s, 500ms))
      << read_text(dir.file("status-json.log"));
  for (const auto& n : status["nodes"])
    served[n["name"].get<std::string>()] = n["job"].is_null() ? "" : n["job"].get<std::string>();
  std::vector<std::string> of_a, of_b, free;
  for (const auto& [node, job] : served) (job == a ? of_a : job == b ? of_b : free).push_back(node);
  ASSERT_EQ(of_a.size(), 2U) << status.dump() << read_text(dir.file("status-json.log"));
  ASSERT_EQ(of_b.size(), 2U);
  ASSERT_EQ(free.size(), 1U);
  // One of the first job's nodes dies after its first round. Its work moves
  // on, within its job, and the free node takes its place.
  ASSERT_TRUE(wait_a->wait_for_output("/6 ·", 60s)) << wait_a->output();
  const int victim = std::stoi(of_a.front().substr(1)) - 1;  // nN is cluster.node(N - 1)
  cluster.node(victim).kill(SIGKILL);
  // Each job trained exactly the model it trains alone.
  const auto [report_a, report_b] =
      expect_solo_models(dir, cluster, a, b, *wait_a, *wait_b, solo_a, solo_b);
  ASSERT_FALSE(HasFailure());
  std::set<std::string> nodes_a, nodes_b;
  const auto nodes_of = [](const nlohmann::json& report, std::set<std::string>& into) {
    for (const auto& t : report["tasks"])
      if (!t["node"].get<std::string>().empty()) into.insert(t["node"].get<std::string>());
  };
  nodes_of(report_a, nodes_a);
  nodes_of(report_b, nodes_b);
  EXPECT_TRUE(nodes_a.count(of_a.front()));
  EXPECT_TRUE(nodes_a.count(free.front())) << "the free node took the lost one's place";
  EXPECT_EQ(nodes_b, (std::set<std::string>(of_b.begin(), of_b.end())));
  // Neither waited for the other.
  EXPECT_LT(report_b["job"]["waiting_s"].get<double>(),
            0.5 * report_a["job"]["completion_s"].get<double>());
}

TEST(ClusterProcesses, TwoJobsShareNodesAndANodeKilledWhileServingBothFailsOverInBoth) {
  const int rounds = 6, steps = 3000;
  const auto solo_a = embedded_run(2, rounds, steps);
  const auto solo_b = embedded_run(2, rounds, steps, 7);
  ASSERT_EQ(solo_a.status, troupe::runtime::RunStatus::ok) << solo_a.error;
  ASSERT_EQ(solo_b.status, troupe::runtime::RunStatus::ok) << solo_b.error;

  TempDir dir;
  // Two jobs at once of --nodes 2 on three shared nodes: one node serves both.
  Cluster cluster(dir, 3, {"--concurrent-jobs", "2", "--share-nodes"});
  ASSERT_TRUE(cluster.wait_for_nodes(3, 30s)) << cluster.scheduler().output();
  const auto a = detach_job(dir, "a", submit_job(cluster.endpoint(), 2, rounds, steps, 3000, 1000));
  const auto b = detach_job(
      dir, "b", submit_job(cluster.endpoint(), 2, rounds, steps, 3000, 1000, {"--seed", "7"}));
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  auto wait_a = wait_job(dir, cluster.endpoint(), a);
  auto wait_b = wait_job(dir, cluster.endpoint(), b);
  // `troupe status` lists both jobs on the node they share.
  std::string shared;
  nlohmann::json status;
  ASSERT_TRUE(eventually(
      [&] {
        status = troupe_status_json(dir, cluster.endpoint());
        if (!status.is_object() || !status.contains("nodes")) return false;
        for (const auto& n : status["nodes"])
          if (n["jobs"].size() == 2) shared = n["name"].get<std::string>();
        return !shared.empty();
      },
      60s, 500ms))
      << status.dump() << read_text(dir.file("status-json.log"));
  // It dies after the first job's first round, while it serves both.
  ASSERT_TRUE(wait_a->wait_for_output("/6 ·", 60s)) << wait_a->output();
  cluster.node(std::stoi(shared.substr(1)) - 1).kill(SIGKILL);  // nN is cluster.node(N - 1)
  // Each node held the two jobs apart, and both failed over: each job
  // trained exactly the model it trains alone.
  expect_solo_models(dir, cluster, a, b, *wait_a, *wait_b, solo_a, solo_b);
  const auto log = cluster.scheduler().output();
  EXPECT_NE(log.find("node '" + shared + "' lost"), std::string::npos) << log;
}

TEST(ClusterProcesses, APreemptingSubmitterIsToldWhenTheRunningJobCannotYield) {
  TempDir dir;
  Cluster cluster(dir, 2);
  ASSERT_TRUE(cluster.wait_for_nodes(2, 20s));
  // An asynchronous job runs (it cannot pause at a round's end).
  const auto async = detach_job(
      dir, "async", submit_job(cluster.endpoint(), 2, 40, 3000, 3000, 1000, {"--mode", "async"}));
  ASSERT_FALSE(async.empty());
  ASSERT_TRUE(cluster.scheduler().wait_for_output("job 'async' started", 30s))
      << cluster.scheduler().output();
  // A job of higher priority with --preempt arrives, attached: its submitter hears why it waits.
  auto args =
      submit_job(cluster.endpoint(), 2, 1, 0, 3000, 1000,
                 {"--priority", "5", "--preempt", "--quiet", "--out", dir.file("high.json")});
  Process high(kTroupe, args, dir.file("high.log"));
  ASSERT_TRUE(high.wait_for_output("cannot yield to", 30s))
      << high.output() << cluster.scheduler().output();
  EXPECT_NE(high.output().find("troupe submit: " + async + " cannot yield to job-"),
            std::string::npos)
      << high.output();
  EXPECT_NE(high.output().find("only synchronous jobs pause at a round's end"), std::string::npos);
  EXPECT_TRUE(high.running()) << "it waits, it is not refused";
  // Another submission makes the scheduler look again; the waiting job is not told twice.
  ASSERT_FALSE(
      detach_job(dir, "later", submit_job(cluster.endpoint(), 2, 1, 0, 3000, 1000)).empty());
  const auto told = high.output();
  EXPECT_EQ(told.find("cannot yield to"), told.rfind("cannot yield to")) << told;
  // Once the asynchronous job is cancelled, the waiting job runs and its submitter gets the report.
  Process cancel(kTroupe, {"cancel", async, "--scheduler", cluster.endpoint()},
                 dir.file("cancel.log"));
  ASSERT_EQ(cancel.wait_exit(30s), 0) << cancel.output();
  ASSERT_EQ(high.wait_exit(120s), 0) << high.output() << cluster.scheduler().output();
  EXPECT_EQ(read_json(dir.file("high.json"))["status"], "ok");
}

TEST(ClusterProcesses, EachProcessUsesWhatItsPluginRegisters) {
  // Given a scheduler that loaded a plugin's allocation policy and nodes that
  // loaded its node behaviour
  TempDir dir;
  const std::string plugin = TROUPE_TEST_PLUGIN_FIRST_FIT;
  Cluster cluster(dir, 0, {"--plugin", plugin});
  ASSERT_GT(cluster.port(), 0) << cluster.scheduler().output();
  cluster.add_node("n1", {"--plugin", plugin});
  cluster.add_node("n2", {"--plugin", plugin});
  ASSERT_TRUE(cluster.wait_for_nodes(2, 20s));
  // When a job names both (submit itself needs no plugin)
  Process submit(kTroupe,
                 submit_job(cluster.endpoint(), 2, 1, 1, 1000, 100,
                            {"--quiet", "--policy", "test-first-fit", "--node-behaviour",
                             "test-echo", "--out", dir.file("report.json")}),
                 dir.file("submit.log"));
  ASSERT_EQ(submit.wait_exit(60s), 0) << submit.output() << cluster.scheduler().output();
  // Then the job ran with them: the policy is reported, the accuracy is the behaviour's marker
  const auto report = read_json(dir.file("report.json"));
  EXPECT_EQ(report["policy"], "test-first-fit");
  EXPECT_EQ(report["final"]["accuracy"].get<double>(), 0.25);
}

TEST(ClusterProcesses, ASubmittedJobWhoseCheckpointDirectoryCannotBeWrittenIsRefusedWithExit2) {
  // Given a cluster, and a regular file where the job's checkpoints should go
  TempDir dir;
  std::ofstream(dir.file("file")) << "x";
  Cluster cluster(dir, 1);
  ASSERT_GT(cluster.port(), 0) << cluster.scheduler().output();
  ASSERT_TRUE(cluster.wait_for_nodes(1, 20s));
  // When a job naming it is submitted (the aggregator's host is the one that checks)
  Process submit(kTroupe,
                 submit_job(cluster.endpoint(), 1, 2, 5, 200, 100,
                            {"--quiet", "--checkpoint-dir", dir.file("file"), "--out",
                             dir.file("report.json")}),
                 dir.file("submit.log"));
  // Then it is refused before round 1 as a usage error, saying why
  ASSERT_EQ(submit.wait_exit(60s), 2) << submit.output();
  EXPECT_NE(submit.output().find("--checkpoint-dir '" + dir.file("file") + "' is not a directory"),
            std::string::npos)
      << submit.output();
  const auto report = read_json(dir.file("report.json"));
  EXPECT_EQ(report["status"], "refused");
  EXPECT_TRUE(report["rounds"].empty());
}

TEST(ClusterProcesses, ASchedulerKilledMidJobResumesFromItsCheckpointToTheSameModel) {
  TempDir dir;
  const auto ckpt = dir.file("ckpt");
  // The undisturbed run (embedded and multi-process runs give the same model).
  troupe::runtime::JobSpec job;
  job.train.model = troupe::runtime::ModelKind::mlp;
  job.nodes = 3;
  job.rounds = 6;
  job.train.local_steps = 60;
  job.data.train_limit = 3000;
  job.data.test_limit = 1000;
  job.compute.threads = 1;
  job.data.data_dir = troupe::test::fashion_mnist_dir();
  const auto undisturbed = troupe::actors::run_embedded(job);
  ASSERT_EQ(undisturbed.status, troupe::runtime::RunStatus::ok) << undisturbed.error;

  // A scheduler on a fixed port, so that the restarted one is where the nodes reconnect.
  const auto endpoint = "127.0.0.1:" + std::to_string(troupe::test::free_port());
  const std::vector<std::string> scheduler_args{"scheduler", "--listen", endpoint,
                                                "--heartbeat-timeout", "10"};
  auto scheduler = std::make_unique<Process>(kTroupe, scheduler_args, dir.file("s1.log"));
  std::vector<std::unique_ptr<Process>> nodes;
  for (int i = 1; i <= 2; ++i)
    nodes.push_back(std::make_unique<Process>(
        kTroupe,
        std::vector<std::string>{"node", "--scheduler", endpoint, "--name", "n" + std::to_string(i),
                                 "--threads", "1", "--slow-factor", "3", "--connect-timeout", "20",
                                 "--reconnect-timeout", "60"},
        dir.file("n" + std::to_string(i) + ".log")));
  Process first(
      kTroupe,
      submit_job(endpoint, 3, 6, 60, 3000, 1000, {"--min-nodes", "2", "--checkpoint-dir", ckpt}),
      dir.file("submit1.log"));
  ASSERT_TRUE(first.wait_for_output("round   3/6", 120s)) << first.output();
  scheduler->kill(SIGKILL);  // scheduler and its aggregator die mid-job
  EXPECT_EQ(first.wait_exit(30s), 1);
  ASSERT_TRUE(std::filesystem::exists(ckpt + "/checkpoint.bin"));

  scheduler = std::make_unique<Process>(kTroupe, scheduler_args, dir.file("s2.log"));
  Process resumed(kTroupe,
                  {"submit", "--scheduler", endpoint, "--resume", ckpt, "--min-nodes", "2",
                   "--connect-timeout", "20", "--quiet", "--out", dir.file("resumed.json")},
                  dir.file("submit2.log"));
  ASSERT_EQ(resumed.wait_exit(180s), 0) << resumed.output() << scheduler->output();
  const auto report = read_json(dir.file("resumed.json"));
  EXPECT_EQ(report["status"], "ok");
  // Round 3 was reported; its checkpoint may or may not have been on disk at the kill.
  EXPECT_GE(report["resumed_from_round"].get<int>(), 2);
  EXPECT_LT(report["resumed_from_round"].get<int>(), 6);
  EXPECT_EQ(report["rounds"].size(), 6u);  // the checkpoint's rounds and the rest
  EXPECT_EQ(report["final"]["model_fingerprint"], undisturbed.model_fingerprint);
  // The nodes reconnected by themselves.
  EXPECT_NE(nodes[0]->output().find("reconnect"), std::string::npos) << nodes[0]->output();
}
