// --model-file end to end, with real troupe processes on loopback: a
// TorchScript model exported by examples/models/export_models.py trains
// across node processes that never see the file, survives a checkpoint and
// resume without it, and every bad model file ends the job cleanly with a
// message naming the file (and the node, where a node finds the problem).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/run_troupe.hpp"
#include "cluster/troupe_cluster.hpp"
#include "socket_util.hpp"

using namespace std::chrono_literals;
using namespace troupe::test;

namespace {

/// Output and exit code of a shell command.
CliResult shell(const std::string& command) {
  CliResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  while (fgets(buf, sizeof buf, pipe)) r.output += buf;
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// Writes mlp28.pt, cnn28.pt and mlp64.pt into `dir` with the example's
/// export script (Debian's python3-torch).
void export_models(const TempDir& dir) {
  const auto r = shell("/usr/bin/python3 " + std::string(TROUPE_SOURCE_DIR) +
                       "/examples/models/export_models.py " + dir.path().string());
  ASSERT_EQ(r.code, 0) << r.output;
}

/// A small job's options: `extra` after them.
std::string small_job(const std::string& extra) {
  return "--nodes 2 --rounds 2 --local-steps 5 --train-limit 400 --test-limit 200 --threads 1 "
         "--quiet --data-dir " +
         fashion_mnist_dir() + " " + extra;
}

std::string sha256_of(const std::string& path) {
  return shell("sha256sum " + path + " | cut -c1-64").output.substr(0, 64);
}

/// A scheduler with `nodes` node processes n1, n2, ... joined.
struct SmallCluster {
  explicit SmallCluster(const TempDir& dir, int nodes) : scheduler(dir) {
    for (int i = 1; i <= nodes; ++i) {
      const auto name = "n" + std::to_string(i);
      processes.push_back(std::make_unique<Process>(
          kTroupe,
          std::vector<std::string>{"node", "--scheduler", scheduler.endpoint(), "--name", name,
                                   "--threads", "1", "--quiet"},
          dir.file(name + ".log")));
    }
    ready = eventually(
        [&] { return alive_nodes(troupe_status_json(dir, scheduler.endpoint())) >= nodes; }, 20s,
        100ms);
  }
  SchedulerProcess scheduler;
  std::vector<std::unique_ptr<Process>> processes;
  bool ready = false;
};

}  // namespace

TEST(ModelFile, AMissingModelFileIsAUsageErrorOfRunAndSubmitNamingTheFile) {
  TempDir dir;
  const auto missing = dir.file("none.pt");
  for (const auto& command : {"run", "train"}) {
    const auto r =
        run_troupe_cli(std::string(command) + " " + small_job("--model-file " + missing));
    EXPECT_EQ(r.code, 2) << command << ": " << r.output;
    EXPECT_NE(r.output.find("--model-file " + missing + ": no such file"), std::string::npos)
        << r.output;
  }
  // submit reads the file before it contacts any scheduler.
  const auto r =
      run_troupe_cli("submit --scheduler 127.0.0.1:9 " + small_job("--model-file " + missing));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find(missing), std::string::npos) << r.output;
}

TEST(ModelFile, ACorruptOrNonTorchScriptFileIsRefusedBeforeTheJobStarts) {
  TempDir dir;
  export_models(dir);
  // Truncated bytes, a text file and a state_dict saved with torch.save.
  std::ifstream in(dir.file("mlp28.pt"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir.file("cut.pt"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  std::ofstream(dir.file("text.pt")) << "this is not a model\n";
  ASSERT_EQ(shell("/usr/bin/python3 -c \"import torch; torch.save({'w': torch.zeros(3)}, '" +
                  dir.file("state.pt") + "')\"")
                .code,
            0);
  for (const auto* name : {"cut.pt", "text.pt", "state.pt"}) {
    const auto path = dir.file(name);
    const auto r = run_troupe_cli("run " + small_job("--model-file " + path));
    EXPECT_EQ(r.code, 2) << name << ": " << r.output;
    EXPECT_NE(r.output.find("model file " + path + ": not a TorchScript module"), std::string::npos)
        << r.output;
  }
}

TEST(ModelFile, SubmitRefusesAnOutputSizeThatDoesNotMatchTheClassesWhenTheShapeIsGiven) {
  TempDir dir;
  export_models(dir);
  const auto path = dir.file("mlp28.pt");
  const auto r =
      run_troupe_cli("submit --scheduler 127.0.0.1:9 " +
                     small_job("--model-file " + path + " --input-shape 1,28,28 --classes 7"));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(
      r.output.find("model file " + path + ": output size 10 does not match the job's 7 classes"),
      std::string::npos)
      << r.output;
}

TEST(ModelFile, NodesRefuseAnOutputSizeThatDoesNotMatchTheClassesAndTheJobFailsCleanly) {
  // Given two node processes and a model of 10 outputs
  TempDir dir;
  export_models(dir);
  SmallCluster cluster(dir, 2);
  ASSERT_TRUE(cluster.ready) << cluster.scheduler.process().output();
  // When a job for 7 classes is submitted without --input-shape (only the nodes can check)
  const auto path = dir.file("mlp28.pt");
  Process submit(kTroupe,
                 {"submit",
                  "--scheduler",
                  cluster.scheduler.endpoint(),
                  "--model-file",
                  path,
                  "--classes",
                  "7",
                  "--nodes",
                  "2",
                  "--rounds",
                  "1",
                  "--local-steps",
                  "2",
                  "--train-limit",
                  "200",
                  "--test-limit",
                  "100",
                  "--data-dir",
                  fashion_mnist_dir(),
                  "--quiet",
                  "--out",
                  dir.file("r.json")},
                 dir.file("submit.log"));
  // Then it fails in bounded time, saying which node found what in which file
  EXPECT_EQ(submit.wait_exit(90s), 1) << submit.output();
  const auto all = submit.output() + cluster.scheduler.process().output();
  EXPECT_NE(all.find("model file " + path + ": output size 10 does not match the job's 7 classes"),
            std::string::npos)
      << all;
  EXPECT_TRUE(all.find("n1: set-up failed: model file") != std::string::npos ||
              all.find("n2: set-up failed: model file") != std::string::npos)
      << all;
}

TEST(ModelFile, ATorchScriptModelTrainsAcrossNodeProcessesAndItsHashIsReported) {
  TempDir dir;
  export_models(dir);
  SmallCluster cluster(dir, 2);
  ASSERT_TRUE(cluster.ready) << cluster.scheduler.process().output();
  const auto path = dir.file("mlp28.pt");
  Process submit(kTroupe,
                 {"submit",
                  "--scheduler",
                  cluster.scheduler.endpoint(),
                  "--model-file",
                  path,
                  "--nodes",
                  "2",
                  "--rounds",
                  "2",
                  "--local-steps",
                  "20",
                  "--train-limit",
                  "2000",
                  "--test-limit",
                  "500",
                  "--data-dir",
                  fashion_mnist_dir(),
                  "--quiet",
                  "--out",
                  dir.file("r.json")},
                 dir.file("submit.log"));
  ASSERT_EQ(submit.wait_exit(120s), 0) << submit.output();
  const auto report = read_json(dir.file("r.json"));
  EXPECT_EQ(report["status"], "ok");
  EXPECT_EQ(report["config"]["model_file"], path);
  EXPECT_EQ(report["model_sha256"], sha256_of(path));
  EXPECT_GT(report["final"]["accuracy"].get<double>(), 0.5);
}

TEST(ModelFile, AResumedJobTrainsTheCheckpointedScriptWithoutTheOriginalFile) {
  // Given a --model-file job that checkpointed its last round
  TempDir dir;
  export_models(dir);
  const auto path = dir.file("copy.pt");
  std::filesystem::copy_file(dir.file("mlp28.pt"), path);
  const auto ckpt = dir.file("ckpt");
  auto r = run_troupe_cli("run " + small_job("--model-file " + path + " --checkpoint-dir " + ckpt +
                                             " --out " + dir.file("first.json")));
  ASSERT_EQ(r.code, 0) << r.output;
  // When the model file is gone and the job is resumed from its checkpoint
  std::filesystem::remove(path);
  r = run_troupe_cli("run --resume " + ckpt + " --quiet --out " + dir.file("resumed.json"));
  // Then its aggregator and nodes set up with the script the checkpoint holds
  ASSERT_EQ(r.code, 0) << r.output;
  const auto first = read_json(dir.file("first.json"));
  const auto resumed = read_json(dir.file("resumed.json"));
  EXPECT_EQ(resumed["status"], "ok");
  EXPECT_EQ(resumed["model_sha256"], first["model_sha256"]);
  EXPECT_EQ(resumed["final"]["model_fingerprint"], first["final"]["model_fingerprint"]);
}

namespace {

/// Writes a 784-512-10 MLP (1.6 MB of TorchScript: over the size that goes to
/// nodes in other processes over the scheduler's data plane instead of inside
/// the set-up message, actors/job_bytes.hpp) to DIR/wide.pt; returns its path.
std::string export_wide_model(const TempDir& dir) {
  std::ofstream(dir.file("wide.py")) << R"(import sys
import torch
from torch import nn
torch.manual_seed(7)
class Wide(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 512)
        self.fc2 = nn.Linear(512, 10)
    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x.reshape(x.size(0), 784))))
torch.jit.script(Wide()).save(sys.argv[1])
)";
  const auto path = dir.file("wide.pt");
  const auto exported = shell("/usr/bin/python3 " + dir.file("wide.py") + " " + path);
  EXPECT_EQ(exported.code, 0) << exported.output;
  return path;
}

/// What run_wide_job saw.
struct WideRun {
  std::string path;  ///< the model file
  nlohmann::json cluster, embedded;
  std::string scheduler_log, aggregator_log, submit_log;
  std::vector<std::string> node_logs;
};

/// How run_wide_job sets its cluster up.
struct WideCluster {
  std::string data_plane_hosts;        ///< the scheduler's TROUPE_DATA_PLANE_HOSTS, when not empty
  bool separate_aggregator = false;    ///< a `troupe aggregator` process, logging at debug level
  std::vector<std::string> listening;  ///< options of the scheduler and the aggregator
};

/// The wide model's small job submitted to a scheduler set up as `how` says
/// and two node processes n1, n2 logging at debug level, then run embedded.
void run_wide_job(const TempDir& dir, const WideCluster& how, WideRun& out) {
  out.path = export_wide_model(dir);
  ASSERT_GT(std::filesystem::file_size(out.path), std::uintmax_t{1} << 20);
  const auto endpoint = "127.0.0.1:" + std::to_string(free_port());
  std::vector<std::string> args{"scheduler", "--listen", endpoint, "--connect-timeout", "20"};
  std::unique_ptr<Process> aggregator;
  if (how.separate_aggregator) {
    const auto at = "127.0.0.1:" + std::to_string(free_port());
    std::vector<std::string> a{"aggregator",  "--listen",    at,
                               "--scheduler", endpoint,      "--connect-timeout",
                               "20",          "--log-level", "debug"};
    a.insert(a.end(), how.listening.begin(), how.listening.end());
    aggregator = std::make_unique<Process>(kTroupe, a, dir.file("aggregator.log"));
    args.insert(args.end(), {"--aggregator", at});
  }
  args.insert(args.end(), how.listening.begin(), how.listening.end());
  if (!how.data_plane_hosts.empty())
    setenv("TROUPE_DATA_PLANE_HOSTS", how.data_plane_hosts.c_str(), 1);
  Process scheduler(kTroupe, args, dir.file("scheduler.log"));
  unsetenv("TROUPE_DATA_PLANE_HOSTS");
  std::vector<std::unique_ptr<Process>> nodes;
  for (const auto* name : {"n1", "n2"})
    nodes.push_back(std::make_unique<Process>(
        kTroupe,
        std::vector<std::string>{"node", "--scheduler", endpoint, "--name", name, "--threads", "1",
                                 "--connect-timeout", "20", "--log-level", "debug"},
        dir.file(std::string(name) + ".log")));
  ASSERT_TRUE(
      eventually([&] { return alive_nodes(troupe_status_json(dir, endpoint)) >= 2; }, 30s, 100ms))
      << scheduler.output();
  const auto job = small_job("--model-file " + out.path);
  auto r = run_troupe_cli("submit --scheduler " + endpoint + " " + job + " --out " +
                          dir.file("cluster.json"));
  ASSERT_EQ(r.code, 0) << r.output << scheduler.output()
                       << (aggregator ? aggregator->output() : std::string());
  out.submit_log = r.output;
  r = run_troupe_cli("run " + job + " --out " + dir.file("embedded.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  out.cluster = read_json(dir.file("cluster.json"));
  out.embedded = read_json(dir.file("embedded.json"));
  out.scheduler_log = scheduler.output();
  if (aggregator) out.aggregator_log = aggregator->output();
  for (const auto& node : nodes) out.node_logs.push_back(node->output());
}

/// What a process logs when the wide model came to it over the data plane.
std::string came_over_the_data_plane(const WideRun& run) {
  return "the job's model (" + std::to_string(std::filesystem::file_size(run.path)) +
         " bytes) came over the data plane";
}

}  // namespace

TEST(ModelFile, AModelOverAMebibyteReachesNodeProcessesOverTheDataPlaneAndTrainsTheSame) {
  TempDir dir;
  WideRun run;
  ASSERT_NO_FATAL_FAILURE(run_wide_job(dir, {}, run));
  EXPECT_EQ(run.cluster["status"], "ok");
  EXPECT_EQ(run.cluster["model_sha256"], sha256_of(run.path));
  EXPECT_EQ(run.cluster["final"]["model_fingerprint"], run.embedded["final"]["model_fingerprint"]);
  const auto said = came_over_the_data_plane(run);
  for (const auto& log : run.node_logs) EXPECT_NE(log.find(said), std::string::npos) << log;
}

TEST(ModelFile, AModelOverEveryMessageLimitTravelsFromTheSubmitterToEveryProcessOverTheDataPlane) {
  // The scheduler and a separate aggregator take messages of 1 MiB at most,
  // under the 1.6 MB model: the job reaches the scheduler only if the
  // submitter uploaded the model to its data plane, and the aggregator and
  // the nodes only if they fetched it from there.
  TempDir dir;
  WideRun run;
  ASSERT_NO_FATAL_FAILURE(run_wide_job(dir, {"", true, {"--max-message", "1"}}, run));
  EXPECT_EQ(run.cluster["status"], "ok");
  EXPECT_EQ(run.cluster["model_sha256"], sha256_of(run.path));
  EXPECT_EQ(run.cluster["final"]["model_fingerprint"], run.embedded["final"]["model_fingerprint"]);
  const auto said = came_over_the_data_plane(run);
  for (const auto& log : run.node_logs) EXPECT_NE(log.find(said), std::string::npos) << log;
  EXPECT_NE(run.aggregator_log.find(said), std::string::npos) << run.aggregator_log;
  EXPECT_EQ(run.submit_log.find("goes in the job"), std::string::npos) << run.submit_log;
  EXPECT_EQ(run.scheduler_log.find("over the limit"), std::string::npos) << run.scheduler_log;
}

TEST(ModelFile, ANodeThatCannotReachTheDataPlaneGetsTheModelInTheJobAndTrainsTheSame) {
  // The scheduler tells nodes and its separate aggregator to fetch from
  // 127.0.0.2, where nothing listens (it listens on 127.0.0.1): each fetch
  // fails, the scheduler sends the whole job, and the job trains as if
  // nothing had happened. (The submitter uploads to the address it reached
  // the scheduler at first.)
  TempDir dir;
  WideRun run;
  ASSERT_NO_FATAL_FAILURE(run_wide_job(dir, {"127.0.0.2", true, {}}, run));
  EXPECT_EQ(run.cluster["final"]["model_fingerprint"], run.embedded["final"]["model_fingerprint"]);
  for (const auto* name : {"n1", "n2", "the aggregator"})
    EXPECT_NE(run.scheduler_log.find(std::string(name) + ": the model's"), std::string::npos)
        << run.scheduler_log;
  EXPECT_NE(run.scheduler_log.find("it gets jobs whole"), std::string::npos) << run.scheduler_log;
}
