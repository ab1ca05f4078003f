// Updates whose bytes are in files (--spool-dir): validation a chunk at a
// time, and a weighted mean that gives the bits the strategies give from
// updates in memory, through a SyncAggregator as the aggregator runs it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "runtime/aggregation/parameter_fixtures.hpp"
#include "runtime/aggregation/strategy_inputs.hpp"
#include "runtime/aggregation/sync_aggregator.hpp"
#include "runtime/aggregation/update_validation.hpp"
#include "runtime/spool/spooled_bytes.hpp"

using troupe::models::Parameters;
using namespace troupe::runtime;

namespace {

/// A model of `a` and `b` floats (two tensors) with random values.
Parameters random_model(std::size_t a, std::size_t b, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0F, 1.0F);
  std::vector<float> x(a), y(b);
  for (auto& v : x) v = d(rng);
  for (auto& v : y) v = d(rng);
  return troupe::test::two(x, y);
}

Update update(std::int64_t task, std::int32_t shard, Parameters p, bool spool) {
  Update u;
  u.task_id = task;
  u.shard = shard;
  u.round = 1;
  u.node = "n" + std::to_string(task);
  u.samples = 10 + 7 * task;
  u.score = 0.25 * static_cast<double>(task % 4);
  if (spool) {
    u.spooled = SpooledBytes::write(testing::TempDir(), p.bytes.data(), p.bytes.size());
    p.bytes.clear();
  }
  u.params = std::move(p);
  return u;
}

/// Updates of tasks 1..k, every other one spooled when `spool`.
std::vector<Update> round_of(std::size_t k, bool spool) {
  std::vector<Update> out;
  for (std::size_t i = 1; i <= k; ++i)
    out.push_back(update(static_cast<std::int64_t>(i), static_cast<std::int32_t>(i),
                         random_model(1000, 37, static_cast<unsigned>(i)), spool && i % 2 == 1));
  return out;
}

}  // namespace

TEST(SpooledBytes, AFileGivesBackItsBytesAndAShortFileIsAnError) {
  const std::vector<unsigned char> bytes{1, 2, 3, 4, 5};
  const auto f = SpooledBytes::write(testing::TempDir(), bytes.data(), bytes.size());
  EXPECT_EQ(f->size(), 5u);
  EXPECT_EQ(f->read_all(), bytes);
  unsigned char two[2] = {};
  f->read(3, two, 2);
  EXPECT_EQ(two[0], 4);
  EXPECT_EQ(two[1], 5);
  EXPECT_THROW(f->read(4, two, 2), std::runtime_error);
  EXPECT_THROW(SpooledBytes::write(testing::TempDir() + "/none/here", bytes.data(), 5),
               std::runtime_error);
  EXPECT_EQ(spool_dir_problem(testing::TempDir()), "");
  EXPECT_NE(spool_dir_problem(testing::TempDir() + "/none/here"), "");
}

TEST(StreamedMean, GivesTheBitsOfTheStrategiesInMemoryForEveryChunkSize) {
  const auto current = random_model(1000, 37, 99);
  const auto in_memory = round_of(9, false);
  const auto mixed = round_of(9, true);
  for (const auto* name : {"fedavg", "weighted", "fedprox"}) {
    auto strategy = make_strategy(name);
    ASSERT_TRUE(strategy->mean_weight()) << name;
    const auto want = strategy->aggregate(current, in_memory, {});
    ASSERT_TRUE(want);
    // 1037 floats: chunks that cut a tensor, that end in a short one, and one of all.
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{256},
                                    std::size_t{1037}, kStreamChunkFloats}) {
      const auto got = streamed_mean(name, current, mixed, *strategy->mean_weight(), chunk);
      ASSERT_TRUE(got);
      EXPECT_EQ(troupe::models::fingerprint(*got), troupe::models::fingerprint(*want))
          << name << " chunk " << chunk;
    }
  }
  EXPECT_FALSE(make_strategy("median")->mean_weight());
  EXPECT_FALSE(make_strategy("fedavg",
                             [] {
                               StrategyOptions o;
                               o.clip_norm = 1.0;
                               return o;
                             }())
                   ->mean_weight());
}

TEST(StreamedMean, RefusesWhatTheStrategyRefusesAndKeepsTheModelWithoutWeight) {
  const auto current = random_model(1000, 37, 1);
  auto bad = round_of(2, true);
  bad[0].spooled = SpooledBytes::write(testing::TempDir(), current.bytes.data(), 8);  // too short
  try {
    streamed_mean("fedavg", current, bad, UpdateWeight::samples);
    ADD_FAILURE() << "a short file was combined";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "fedavg: update of task 1 has a buffer of the wrong size");
  }
  auto none = round_of(2, true);
  for (auto& u : none) u.samples = 0;
  EXPECT_FALSE(streamed_mean("fedavg", current, none, UpdateWeight::samples));
}

TEST(SpooledUpdates, ValidationFindsANonFiniteValueInAnyChunkAndNamesIt) {
  const auto model = random_model(300000, 5, 3);  // 1.2 MB: two chunks of the first tensor
  auto bad = model;
  bad.float_data()[290000] = std::numeric_limits<float>::quiet_NaN();
  const auto file = SpooledBytes::write(testing::TempDir(), bad.bytes.data(), bad.bytes.size());
  EXPECT_EQ(validate_update(model, model.tensors, *file),
            "tensor 'a' value 290000 is not finite (nan)");
  bad.float_data()[290000] = 1.0F;
  bad.float_data()[300003] = std::numeric_limits<float>::infinity();
  const auto inf = SpooledBytes::write(testing::TempDir(), bad.bytes.data(), bad.bytes.size());
  EXPECT_EQ(validate_update(model, model.tensors, *inf), "tensor 'b' value 3 is not finite (inf)");
  const auto good = SpooledBytes::write(testing::TempDir(), model.bytes.data(), model.bytes.size());
  EXPECT_EQ(validate_update(model, model.tensors, *good), "");
  const auto shorter = SpooledBytes::write(testing::TempDir(), model.bytes.data(), 400);
  EXPECT_NE(validate_update(model, model.tensors, *shorter).find("buffer holds 400 bytes"),
            std::string::npos);
}

TEST(SpooledUpdates, ASyncRoundOfThemGivesTheModelOfTheSameRoundInMemory) {
  for (const auto* name : {"fedavg", "median", "fedavgm"}) {
    const auto initial = random_model(1000, 37, 5);
    SyncAggregator memory(make_strategy(name), initial, {});
    SyncAggregator files(make_strategy(name), initial, {});
    AggregateRequest request;
    request.round = 1;
    auto a = round_of(5, false);
    auto b = round_of(5, true);
    // Arrival order differs from shard order; the result does not.
    for (std::size_t i = a.size(); i-- > 0;) {
      ASSERT_FALSE(memory.accept(std::move(a[i])).refused());
      ASSERT_FALSE(files.accept(std::move(b[i])).refused()) << name;
      request.task_ids.push_back(static_cast<std::int64_t>(i + 1));
    }
    const auto want = memory.aggregate(request);
    const auto got = files.aggregate(request);
    EXPECT_TRUE(got.changed) << name;
    EXPECT_EQ(got.updates, 5);
    EXPECT_EQ(got.fingerprint, want.fingerprint) << name;
  }
}

TEST(SpooledUpdates, ASpooledUpdateWithANonFiniteValueIsRefusedAsInMemory) {
  const auto initial = random_model(100, 3, 5);
  SyncAggregator agg(make_strategy("fedavg"), initial, {});
  auto p = random_model(100, 3, 6);
  p.float_data()[101] = -std::numeric_limits<float>::infinity();
  const auto verdict = agg.accept(update(1, 1, p, true));
  ASSERT_TRUE(verdict.refused());
  EXPECT_EQ(verdict.reason, "update of task 1 rejected: tensor 'b' value 1 is not finite (-inf)");
}
