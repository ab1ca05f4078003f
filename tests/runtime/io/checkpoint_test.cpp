#include "runtime/io/checkpoint.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "runtime/aggregation/async_aggregation.hpp"
#include "runtime/io/aggregator_setup.hpp"
#include "test_util.hpp"

using troupe::models::DType;
using troupe::models::Parameters;
using namespace troupe::runtime;
using troupe::test::TempDir;

namespace {

Parameters params(float scale, std::int64_t n = 10) {
  Parameters p;
  p.add("w", DType::float32, {n});
  p.add("steps", DType::int64, {1});
  for (std::int64_t i = 0; i < n; ++i) p.float_data()[i] = scale * static_cast<float>(i);
  return p;
}

Checkpoint sample() {
  Checkpoint cp;
  cp.job.name = "ckpt-test";
  cp.job.rounds = 12;
  cp.job.train.model = troupe::runtime::ModelKind::mlp;
  cp.job.train.lr = 0.125;
  cp.mode = troupe::runtime::Mode::sync;
  cp.model = params(0.25F, 1000);
  cp.version = 7;
  cp.round = 6;
  cp.strategy_state = {params(1.0F), params(-2.0F)};
  RoundRecord r;
  r.round = 6;
  r.version = 7;
  r.accuracy = 0.8125;
  r.lost_shards = {1, 3};
  cp.rounds = {r};
  cp.applied_updates = {3, 5, 8, 13};
  cp.async_events = 99;
  return cp;
}

std::string read_error(const std::string& dir) {
  try {
    read_checkpoint(dir);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace

TEST(Checkpoint, RoundTripsEveryField) {
  TempDir dir;
  const auto cp = sample();
  write_checkpoint(dir.file("ck"), cp);
  const auto got = read_checkpoint(dir.file("ck"));
  EXPECT_EQ(got.job.name, "ckpt-test");
  EXPECT_EQ(got.job.rounds, 12);
  EXPECT_DOUBLE_EQ(got.job.train.lr, 0.125);
  EXPECT_EQ(got.mode, troupe::runtime::Mode::sync);
  EXPECT_EQ(got.model.tensors, cp.model.tensors);
  EXPECT_EQ(got.model.bytes, cp.model.bytes);
  EXPECT_EQ(got.version, 7);
  EXPECT_EQ(got.round, 6);
  ASSERT_EQ(got.strategy_state.size(), 2u);
  EXPECT_EQ(got.strategy_state[1].bytes, cp.strategy_state[1].bytes);
  ASSERT_EQ(got.rounds.size(), 1u);
  EXPECT_DOUBLE_EQ(got.rounds[0].accuracy, 0.8125);
  EXPECT_EQ(got.rounds[0].lost_shards, (std::vector<int>{1, 3}));
  EXPECT_EQ(got.applied_updates, cp.applied_updates);
  EXPECT_EQ(got.async_events, 99);
}

TEST(Checkpoint, ANewCheckpointReplacesTheOldOneAndLeavesNoTemporaryFile) {
  TempDir dir;
  auto cp = sample();
  write_checkpoint(dir.path().string(), cp);
  cp.version = 8;
  write_checkpoint(dir.path().string(), cp);
  EXPECT_EQ(read_checkpoint(dir.path().string()).version, 8);
  EXPECT_FALSE(std::filesystem::exists(checkpoint_path(dir.path().string()) + ".tmp"));
}

TEST(Checkpoint, AMissingCheckpointIsAClearError) {
  TempDir dir;
  EXPECT_NE(read_error(dir.path().string()).find("cannot open"), std::string::npos);
}

TEST(Checkpoint, EveryTruncationIsRejected) {
  TempDir dir;
  const auto d = dir.path().string();
  write_checkpoint(d, sample());
  const auto path = checkpoint_path(d);
  const auto full = file_bytes(path);
  // Every length from empty to one byte short; long files step through.
  const std::size_t step = std::max<std::size_t>(1, full.size() / 500);
  for (std::size_t len = 0; len < full.size(); len += (len < 64 ? 1 : step)) {
    write_bytes(path, full.substr(0, len));
    const auto why = read_error(d);
    EXPECT_FALSE(why.empty()) << "length " << len << " was accepted";
    EXPECT_NE(why.find(path), std::string::npos) << why;
  }
}

TEST(Checkpoint, EverySingleBitFlipIsRejected) {
  TempDir dir;
  const auto d = dir.path().string();
  auto cp = sample();
  cp.model = params(0.5F, 8);  // a small file, so that every bit is tried
  write_checkpoint(d, cp);
  const auto path = checkpoint_path(d);
  const auto full = file_bytes(path);
  int accepted = 0;
  for (std::size_t byte = 0; byte < full.size(); ++byte) {
    // Reserved header fields (bytes 12..15 and 28..31) are not checked.
    if ((byte >= 12 && byte < 16) || (byte >= 28 && byte < 32)) continue;
    for (int bit = 0; bit < 8; ++bit) {
      auto flipped = full;
      flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
      write_bytes(path, flipped);
      if (read_error(d).empty()) ++accepted;
    }
  }
  EXPECT_EQ(accepted, 0);
}

TEST(Checkpoint, AFileOfAnotherKindOrVersionIsNamedAsSuch) {
  TempDir dir;
  const auto d = dir.path().string();
  write_bytes(checkpoint_path(d), std::string(64, 'x'));
  EXPECT_NE(read_error(d).find("bad magic"), std::string::npos);
  write_checkpoint(d, sample());
  auto bytes = file_bytes(checkpoint_path(d));
  bytes[8] = 4;  // format version 4
  write_bytes(checkpoint_path(d), bytes);
  EXPECT_NE(read_error(d).find("format version 4"), std::string::npos) << read_error(d);
}

TEST(Checkpoint, RoundTripsAnAsynchronousJobsState) {
  TempDir dir;
  auto cp = sample();
  cp.job.collab.mode = Mode::buffered;
  cp.mode = Mode::buffered;
  cp.async.held_versions = {5, 6, 7};
  cp.async.held_models = {params(0.5F, 1000), params(0.75F, 1000), cp.model};
  cp.async.buffer = params(-0.125F, 1000);
  cp.async.buffered = 2;
  cp.async.arrivals = 23;
  cp.core_state = R"({"next_id":24})";
  write_checkpoint(dir.path().string(), cp);
  const auto got = read_checkpoint(dir.path().string());
  EXPECT_EQ(got.mode, Mode::buffered);
  EXPECT_EQ(got.async.held_versions, cp.async.held_versions);
  ASSERT_EQ(got.async.held_models.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(got.async.held_models[i].bytes, cp.async.held_models[i].bytes);
  EXPECT_EQ(got.async.buffer.bytes, cp.async.buffer.bytes);
  EXPECT_EQ(got.async.buffered, 2);
  EXPECT_EQ(got.async.arrivals, 23);
  EXPECT_EQ(got.core_state, cp.core_state);
}

TEST(Checkpoint, HoldsTheJobsModelScriptAndItsHashSoAResumeNeedsNoModelFile) {
  TempDir dir;
  auto cp = sample();
  cp.job.train.model_file = "/nowhere/model.pt";
  cp.job.train.model_script = std::string("PK\x03\x04 script bytes \0 with a zero", 31);
  cp.job.train.model_sha256 = "00ff";
  write_checkpoint(dir.path().string(), cp);
  const auto got = read_checkpoint(dir.path().string());
  EXPECT_EQ(got.job.train.model_file, "/nowhere/model.pt");
  EXPECT_EQ(got.job.train.model_script, cp.job.train.model_script);
  EXPECT_EQ(got.job.train.model_sha256, "00ff");
}

TEST(Checkpoint, AFormatOneCheckpointOfASyncJobIsStillRead) {
  TempDir dir;
  const auto d = dir.path().string();
  auto cp = sample();
  cp.rounds[0].lost_shards.clear();
  write_checkpoint(d, cp);
  // Format 1 is format 3 without the asynchronous fields, which a sync job
  // leaves empty (52 zero bytes), without the rounds' lost shards (the count
  // of rounds, 1, then an empty list for that round) and without the model
  // script and its hash (two empty strings), at the end of the payload.
  auto bytes = file_bytes(checkpoint_path(d));
  constexpr std::size_t kHeader = 32;
  constexpr std::size_t kAsyncTail = 52 + 8 + 8 + 8 + 8;
  std::string tail(kAsyncTail, '\0');
  tail[52] = 1;  // one round (little-endian u64)
  ASSERT_EQ(bytes.substr(bytes.size() - kAsyncTail), tail);
  bytes.resize(bytes.size() - kAsyncTail);
  const auto payload = bytes.size() - kHeader;
  const auto crc = static_cast<std::uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data() + kHeader),
            static_cast<uInt>(payload)));
  for (int i = 0; i < 4; ++i) {
    bytes[8 + i] = static_cast<char>(i == 0 ? 1 : 0);  // format version 1
    bytes[24 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  }
  for (int i = 0; i < 8; ++i) bytes[16 + i] = static_cast<char>((payload >> (8 * i)) & 0xff);
  write_bytes(checkpoint_path(d), bytes);
  const auto got = read_checkpoint(d);
  EXPECT_EQ(got.version, 7);
  EXPECT_EQ(got.model.bytes, sample().model.bytes);
  EXPECT_TRUE(got.async.empty());
}

TEST(Checkpoint, AnAsynchronousCheckpointWithoutItsStateOrOfAnotherModeIsRefused) {
  TempDir dir;
  const auto d = dir.path().string();
  auto cp = sample();
  cp.job.collab.mode = Mode::async;
  cp.mode = Mode::async;
  write_checkpoint(d, cp);
  EXPECT_NE(read_error(d).find("(mode async) without its asynchronous state"), std::string::npos)
      << read_error(d);
  cp.mode = Mode::sync;
  write_checkpoint(d, cp);
  EXPECT_NE(read_error(d).find("mode sync does not match its job's mode async"), std::string::npos)
      << read_error(d);
  auto sync = sample();
  sync.core_state = "{}";
  write_checkpoint(d, sync);
  EXPECT_NE(read_error(d).find("a sync job's checkpoint with asynchronous state"),
            std::string::npos)
      << read_error(d);
}

TEST(Checkpoint, AnInconsistentModelIsNeitherWrittenNorRead) {
  TempDir dir;
  auto cp = sample();
  cp.model.bytes.pop_back();
  EXPECT_THROW(write_checkpoint(dir.path().string(), cp), std::runtime_error);
}

TEST(Checkpoint, AnUnwritableDirectoryIsAClearError) {
  TempDir dir;
  write_bytes(dir.file("file"), "x");  // a file where the directory should be
  try {
    write_checkpoint(dir.file("file"), sample());
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint"), std::string::npos) << e.what();
  }
}

TEST(CheckpointDir, AMissingDirectoryIsCreatedAndLeftEmpty) {
  TempDir dir;
  const auto path = dir.file("a/b");
  EXPECT_EQ(checkpoint_dir_problem(path), "");
  EXPECT_TRUE(std::filesystem::is_directory(path));
  EXPECT_TRUE(std::filesystem::is_empty(path));  // the probe file is gone
}

TEST(CheckpointDir, ARegularFileIsNotADirectory) {
  TempDir dir;
  std::ofstream(dir.file("f")) << "x";
  const auto why = checkpoint_dir_problem(dir.file("f"));
  EXPECT_NE(why.find("--checkpoint-dir"), std::string::npos) << why;
  EXPECT_NE(why.find("is not a directory"), std::string::npos) << why;
}

TEST(CheckpointDir, APathBelowARegularFileCannotBeCreated) {
  TempDir dir;
  std::ofstream(dir.file("f")) << "x";
  const auto why = checkpoint_dir_problem(dir.file("f") + "/sub");
  EXPECT_NE(why.find("cannot be created"), std::string::npos) << why;
}

TEST(AsyncCheckpoint, IsSkippedWhenAnUpdateTheCoreCountsAsInFlightHasAlreadyArrived) {
  // Given an asynchronous aggregator that has taken the update of task 5
  TempDir dir;
  JobSpec job;
  job.collab.mode = Mode::async;
  job.checkpoint.dir = dir.path().string();
  auto model = [](float x) {
    Parameters p;
    p.add("w", DType::float32, {4});
    for (int i = 0; i < 4; ++i) p.float_data()[i] = x * static_cast<float>(i);
    return p;
  };
  AsyncAggregator core(AsyncOptions{}, model(1.0F));
  Update u;
  u.task_id = 5;
  u.params = model(2.0F);
  ASSERT_TRUE(core.add(u).accepted);
  // When the core's state still counts task 5 in flight, the model does not match it
  try {
    write_aggregator_checkpoint(core, job, 1, {}, {R"({"in_flight":[5]})", {5}});
    ADD_FAILURE() << "a checkpoint was written that holds an update its state counts in flight";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("skipped: the update of task 5 arrived"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(checkpoint_path(job.checkpoint.dir)));
  // Then one whose in-flight tasks have not arrived is written, with the aggregator's state
  write_aggregator_checkpoint(core, job, 1, {}, {R"({"in_flight":[6]})", {6}});
  const auto cp = read_checkpoint(job.checkpoint.dir);
  EXPECT_EQ(cp.async.arrivals, 1);
  EXPECT_EQ(cp.async.held_versions, (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(cp.core_state, R"({"in_flight":[6]})");
}
