// An asynchronous aggregator (FedAsync, FedBuff) resumed from its snapshot
// goes on exactly as the one that was never stopped, and a snapshot that does
// not fit it is refused with the reason.
#include <gtest/gtest.h>

#include <cstring>

#include "runtime/aggregation/async_aggregation.hpp"

using namespace troupe;
using namespace troupe::runtime;

namespace {

models::Parameters params(const std::vector<float>& v) {
  models::Parameters p;
  p.add("w", models::DType::float32, {static_cast<std::int64_t>(v.size())});
  std::memcpy(p.bytes.data(), v.data(), v.size() * sizeof(float));
  return p;
}

Update update(std::int64_t task, std::int64_t base, float x) {
  Update u;
  u.task_id = task;
  u.node = "n" + std::to_string(task % 3);
  u.base_version = base;
  u.samples = 10;
  u.params = params({x, 1.0F - x, 0.25F * x});
  return u;
}

AsyncOptions options(bool buffered) {
  AsyncOptions o;
  o.buffered = buffered;
  o.buffer_size = 3;
  o.server_lr = 0.7;
  o.alpha = 0.6;
  o.staleness = StalenessFunction::parse("polynomial", 0.5, 0);
  o.versions_kept = 4;
  return o;
}

/// Updates whose bases lag behind, as in-flight tasks' do.
std::vector<Update> arrivals() {
  std::vector<Update> out;
  for (int i = 1; i <= 14; ++i) out.push_back(update(i, 0, 0.1F * static_cast<float>(i)));
  return out;
}

/// Feeds `u` with a base version a little behind the aggregator's.
AsyncEvent feed(AsyncAggregator& agg, Update u) {
  u.base_version = std::max<std::int64_t>(0, agg.version() - (u.task_id % 3));
  return agg.add(u);
}

void resumes_exactly(bool buffered) {
  const auto initial = params({0.5F, -0.5F, 2.0F});
  AsyncAggregator undisturbed(options(buffered), initial);
  const auto all = arrivals();
  // Stopped after 7 arrivals: FedBuff holds one update in its buffer then.
  for (std::size_t i = 0; i < 7; ++i) feed(undisturbed, all[i]);
  if (buffered) {
    ASSERT_EQ(undisturbed.buffered(), 1);
  }
  const auto snapshot = undisturbed.snapshot(2);

  AsyncAggregator resumed(options(buffered), initial);
  resumed.resume(snapshot);
  EXPECT_EQ(resumed.version(), undisturbed.version());
  for (std::size_t i = 7; i < all.size(); ++i) {
    const auto a = feed(undisturbed, all[i]);
    const auto b = feed(resumed, all[i]);
    EXPECT_EQ(b.seq, a.seq);
    EXPECT_EQ(b.accepted, a.accepted) << b.reason;
    EXPECT_EQ(b.version, a.version);
    EXPECT_EQ(b.fingerprint, a.fingerprint);
  }
  EXPECT_EQ(resumed.flush().fingerprint, undisturbed.flush().fingerprint);
  EXPECT_EQ(resumed.current().bytes, undisturbed.current().bytes);
}

}  // namespace

TEST(AsyncAggregatorResume, FedAsyncGoesOnBitForBitFromItsSnapshot) {
  resumes_exactly(false);
}

TEST(AsyncAggregatorResume, FedBuffGoesOnBitForBitWithAPartlyFilledBuffer) {
  resumes_exactly(true);
}

TEST(AsyncAggregatorResume, ASnapshotThatDoesNotFitIsRefusedWithTheReason) {
  const auto initial = params({0.5F, -0.5F, 2.0F});
  AsyncAggregator agg(options(true), initial);
  for (int i = 1; i <= 4; ++i) feed(agg, update(i, 0, 0.1F * static_cast<float>(i)));
  const auto good = agg.snapshot(1);
  auto refusal = [&](AggregatorSnapshot s) -> std::string {
    AsyncAggregator fresh(options(true), initial);
    try {
      fresh.resume(std::move(s));
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_TRUE(refusal(good).empty());
  auto sync_like = good;
  sync_like.async = {};
  EXPECT_NE(refusal(sync_like).find("no asynchronous state"), std::string::npos);
  auto other_model = good;
  other_model.async.held_models.back() = params({1, 2});
  EXPECT_NE(refusal(other_model).find("does not fit the job's model"), std::string::npos);
  auto wrong_version = good;
  wrong_version.version += 5;
  EXPECT_NE(refusal(wrong_version).find("not the checkpoint's version"), std::string::npos);
  auto overfull = good;
  overfull.async.buffered = 3;
  EXPECT_NE(refusal(overfull).find("buffer holds 3"), std::string::npos);
}
