// A job's model file on its way to the nodes and the aggregator: read and
// hashed by the submitter (attach_model_file), checked by every receiver
// (check_model_script, checked_job_model, the aggregator's set-up). The
// modules are built with LibTorch's C++ API, so the tests need no Python.
#include <gtest/gtest.h>
#include <torch/script.h>

#include <fstream>
#include <sstream>

#include "runtime/core/job_model.hpp"
#include "runtime/io/aggregator_setup.hpp"
#include "runtime/io/model_file.hpp"
#include "runtime/node/distill_node_behaviour.hpp"
#include "runtime/node/libtorch_node_behaviour.hpp"
#include "runtime/node/local_data.hpp"
#include "runtime/node/model_check.hpp"
#include "test_util.hpp"

using namespace troupe;
using namespace troupe::runtime;

namespace {

/// A linear TorchScript classifier of 28x28 images into `classes` classes.
std::string linear_image_model(int classes) {
  torch::jit::Module m("M");
  m.register_parameter("w", torch::zeros({classes, 784}).requires_grad_(), /*is_buffer=*/false);
  m.define("def forward(self, x):\n    return x.reshape([x.size(0), 784]).matmul(self.w.t())\n");
  std::ostringstream out;
  m.save(out);
  return out.str();
}

/// A job shipping `bytes` as the model file /tmp/m.pt (hashed as the submitter does).
JobSpec job_with_script(const std::string& bytes) {
  JobSpec job;
  job.nodes = 2;
  job.data.data_dir = test::fashion_mnist_dir();
  job.data.train_limit = 200;
  job.data.test_limit = 100;
  job.train.model_file = "/tmp/m.pt";
  job.train.model_script = bytes;
  job.train.model_sha256 = sha256_hex(bytes);
  return job;
}

/// The message LibTorchNodeBehaviour's set-up fails with on node-2, or "(set up)".
std::string setup_error(const JobSpec& job) {
  NodeSetup setup;
  setup.node = "node-2";
  setup.job = job;
  setup.data = std::make_shared<DataCatalog>(job.data.data_dir, 200, 100);
  LibTorchNodeBehaviour node;
  try {
    node.setup(setup);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(set up)";
}

}  // namespace

TEST(ModelFile, AttachingReadsTheBytesAndTheirSha256) {
  test::TempDir dir;
  std::ofstream(dir.file("m.pt"), std::ios::binary) << std::string("abc");
  JobSpec job;
  job.train.model_file = dir.file("m.pt");
  attach_model_file(job);
  EXPECT_EQ(job.train.model_script, "abc");
  // SHA-256("abc"), FIPS 180-2's first example.
  EXPECT_EQ(job.train.model_sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(check_model_script(job).empty());
}

TEST(ModelFile, AMissingEmptyOrDirectoryPathIsRefusedNamingIt) {
  test::TempDir dir;
  std::ofstream(dir.file("empty.pt")) << "";
  for (const auto& [path, why] :
       {std::pair<std::string, std::string>{dir.file("none.pt"), "no such file"},
        {dir.file("empty.pt"), "the file is empty"},
        {dir.path().string(), "not a regular file"}}) {
    JobSpec job;
    job.train.model_file = path;
    try {
      attach_model_file(job);
      ADD_FAILURE() << path << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("--model-file " + path + ": " + why), std::string::npos)
          << e.what();
    }
  }
}

TEST(ModelFile, BytesThatDoNotMatchTheirHashAreNamedAsSuch) {
  auto job = job_with_script("the real bytes");
  job.train.model_script = "other bytes";
  const auto why = check_model_script(job);
  EXPECT_NE(why.find("model file /tmp/m.pt: the model bytes do not match their SHA-256"),
            std::string::npos)
      << why;
}

TEST(NodeModelCheck, ANodeReceivingBytesThatDoNotMatchTheHashRefusesSetUp) {
  auto job = job_with_script(linear_image_model(10));
  std::string bytes = job.train.model_script;
  bytes.back() ^= 1;  // one bit flipped on the way
  job.train.model_script = bytes;
  const auto why = setup_error(job);
  EXPECT_NE(why.find("node-2: model file /tmp/m.pt: the model bytes do not match their SHA-256"),
            std::string::npos)
      << why;
}

TEST(NodeModelCheck, ANodeWithItsOwnDataChecksTheHashBeforeItProbesTheScript) {
  // A node with local data loads the script to learn its outputs: only
  // bytes that match the job's hash are loaded.
  models::Dataset data;
  data.rows = data.cols = 28;
  data.images.assign(2 * 784, 0);
  data.labels = {0, 1};
  auto job = job_with_script(linear_image_model(10));
  EXPECT_EQ(local_data_problem("node-2", "mine.csv", data, job), "");
  std::string bytes = job.train.model_script;
  bytes.back() ^= 1;
  job.train.model_script = bytes;
  const auto why = local_data_problem("node-2", "mine.csv", data, job);
  EXPECT_NE(why.find("node-2: mine.csv: model file /tmp/m.pt: the model bytes do not match"),
            std::string::npos)
      << why;
}

TEST(NodeModelCheck, ANodeSetsUpAGoodScriptAndTrainsIt) {
  const auto job = job_with_script(linear_image_model(10));
  EXPECT_EQ(setup_error(job), "(set up)");
  const auto initial = initial_global_model(job);
  ASSERT_EQ(initial.tensors.size(), 1u);
  EXPECT_EQ(initial.tensors[0].name, "w");
}

TEST(NodeModelCheck, BytesThatAreNotTorchScriptAreRefusedNamingTheNodeAndTheFile) {
  const auto why = setup_error(job_with_script("a text file, not a model\n"));
  EXPECT_NE(why.find("node-2: model file /tmp/m.pt: not a TorchScript module"), std::string::npos)
      << why;
}

TEST(NodeModelCheck, AnOutputSizeThatDoesNotMatchTheClassesIsRefused) {
  auto job = job_with_script(linear_image_model(7));
  job.data.classes = 10;
  auto why = setup_error(job);
  EXPECT_NE(
      why.find("node-2: model file /tmp/m.pt: output size 7 does not match the job's 10 classes"),
      std::string::npos)
      << why;
  // Without --classes the data's ten classes do not fit seven outputs either.
  job.data.classes = 0;
  why = setup_error(job);
  EXPECT_NE(why.find("output size 7 is smaller than the data's 10 classes"), std::string::npos)
      << why;
}

TEST(NodeModelCheck, AnInputShapeTheModelCannotTakeIsRefused) {
  auto job = job_with_script(linear_image_model(10));
  job.data.input_shape = "64";
  const auto why = setup_error(job);
  EXPECT_NE(why.find("node-2: model file /tmp/m.pt: cannot take an input of shape 64"),
            std::string::npos)
      << why;
}

TEST(AggregatorModelCheck, AScriptThatDoesNotLoadIsRefusedAsTheSubmittersInput) {
  auto job = job_with_script(linear_image_model(10).substr(0, 100));
  try {
    open_aggregator(job);
    ADD_FAILURE() << "a truncated model was accepted";
  } catch (const SetupRefused& e) {
    EXPECT_NE(std::string(e.what()).find("model file /tmp/m.pt: not a TorchScript module"),
              std::string::npos)
        << e.what();
  }
  job = job_with_script(linear_image_model(10));
  job.train.model_sha256 = sha256_hex("something else");
  EXPECT_THROW(open_aggregator(job), SetupRefused);
}

TEST(AggregatorModelCheck, AModelOverTheUpdateByteLimitRaisesTheLimitToItsOwnSize) {
  // An update has the model's layout: a model over the byte limit (one of
  // 2 GB under the default 1 GiB) must not have every update refused.
  auto job = job_with_script(linear_image_model(10));  // 31,360 bytes of parameters
  AggregatorSettings settings;
  settings.limits.max_bytes = 1024;
  auto opened = open_aggregator(job, settings);
  Update u;
  u.task_id = 1;
  u.round = 1;
  u.node = "node-1";
  u.shard = 0;
  u.samples = 10;
  u.params = *opened.core->get(opened.core->version());
  const auto verdict = opened.core->accept(std::move(u));
  EXPECT_FALSE(verdict.refused()) << verdict.reason;
}

TEST(AggregatorModelCheck, AModelWhoseDirectoryPointsPastItsEndIsRefused) {
  // The zip's directory (at the end) kept, a middle cut out: its records'
  // offsets point past the bytes there are. The loader reads the bytes in
  // place (models/script_module.cpp) and must refuse them, not read beyond.
  const auto whole = linear_image_model(10);
  ASSERT_GT(whole.size(), 8000u);
  auto job = job_with_script(whole.substr(0, 200) + whole.substr(whole.size() - 2000));
  try {
    open_aggregator(job);
    ADD_FAILURE() << "a cut model was accepted";
  } catch (const SetupRefused& e) {
    EXPECT_NE(std::string(e.what()).find("not a TorchScript module"), std::string::npos)
        << e.what();
  }
}

TEST(DistillRefusals, AShippedTestSetIsRefusedRatherThanIgnored) {
  troupe::runtime::JobSpec job;
  job.cluster.node_behaviour = "distill";
  job.train.model = troupe::runtime::ModelKind::mlp;
  job.data.test_data = "/tmp/test.csv";
  job.data.test_set = "packed";
  troupe::runtime::DistillNodeBehaviour distill;
  try {
    distill.initial_global(job);
    FAIL() << "a distillation job with --test-data was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--test-data needs --node-behaviour libtorch"),
              std::string::npos)
        << e.what();
  }
}
