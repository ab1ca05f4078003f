// FedBuff under secure aggregation: one securely summed buffer of K updates
// gives today's FedBuff model (within the fixed point's quantisation) when the
// members share their staleness, and the whole buffer is weighted by s(tau)
// of its oldest member's base version.
#include <gtest/gtest.h>

#include <cmath>

#include "parameter_fixtures.hpp"
#include "runtime/aggregation/async_aggregation.hpp"
#include "runtime/secure/secure_round.hpp"

using namespace troupe;
using namespace troupe::runtime;
using test::vec;

namespace {

AsyncOptions fedbuff(int k) {
  AsyncOptions o;
  o.buffered = true;
  o.buffer_size = k;
  o.server_lr = 0.8;
  o.staleness = StalenessFunction::make(Staleness::polynomial, 0.5, 4.0);
  return o;
}

Update update(std::int64_t task, std::int64_t base, std::vector<float> params) {
  Update u;
  u.task_id = task;
  u.base_version = base;
  u.samples = 10;
  u.params = vec(std::move(params));
  return u;
}

/// The average change of `trained` (each from `base`, weight 1) as a secure
/// sum delivers it: encoded, summed in Z_{2^48}, decoded.
models::Parameters securely_averaged(const std::vector<models::Parameters>& trained,
                                     const models::Parameters& base) {
  const auto code = secure_code(static_cast<std::int32_t>(trained.size()));
  std::vector<std::uint64_t> sum;
  for (const auto& t : trained) {
    const auto in = secagg::encode_update(t, base, 1.0, code);
    sum.resize(in.size(), 0);
    for (std::size_t i = 0; i < in.size(); ++i)
      sum[i] = (sum[i] + in[i]) & ((std::uint64_t{1} << kSecureRingBits) - 1);
  }
  return secagg::decode_sum(sum, base, code).average_change;
}

}  // namespace

TEST(SecureBuffer, OneSecureBufferGivesFedBuffsModelOverTheSameUpdatesWithinQuantisation) {
  // Given two FedBuff aggregators at the same version 1 (made by a plain buffer)
  const auto start = vec({0.5f, -1.0f, 2.0f});
  AsyncAggregator plain(fedbuff(3), start), secure(fedbuff(3), start);
  for (auto* a : {&plain, &secure})
    for (int i = 0; i < 3; ++i) a->add(update(i + 1, 0, {0.6f, -1.1f, 2.0f + 0.1f * i}));
  ASSERT_EQ(plain.version(), 1);
  // When three updates from version 0 (staleness 1 each) are buffered in
  // clear, and the same three are applied as one secure buffer
  const std::vector<models::Parameters> trained{vec({0.7f, -0.9f, 2.1f}), vec({0.3f, -1.2f, 1.9f}),
                                                vec({0.55f, -0.8f, 2.4f})};
  for (int i = 0; i < 3; ++i) {
    auto u = update(10 + i, 0, {});
    u.params = trained[static_cast<std::size_t>(i)];
    plain.add(u);
  }
  const auto e = secure.apply_secure_buffer(securely_averaged(trained, start), 0);
  // Then both make version 2, and their models agree to the code's step
  ASSERT_EQ(plain.version(), 2);
  EXPECT_EQ(secure.version(), 2);
  EXPECT_TRUE(e.new_version);
  EXPECT_EQ(e.staleness, 1);
  EXPECT_DOUBLE_EQ(e.weight, std::pow(2.0, -0.5));
  const auto a = test::values(plain.current()), b = test::values(secure.current());
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6) << i;
  EXPECT_NE(models::fingerprint(plain.current()), models::fingerprint(start));
}

TEST(SecureBuffer, TheWholeBufferIsWeightedByTheStalenessOfItsOldestBase) {
  // Given a FedBuff aggregator at version 2 and an average change of +1
  AsyncAggregator agg(fedbuff(2), vec({0.0f}));
  for (int i = 0; i < 4; ++i) agg.add(update(i + 1, agg.version(), {0.0f}));
  ASSERT_EQ(agg.version(), 2);
  // When the buffer's oldest member trained from version 0 (tau = 2)
  agg.apply_secure_buffer(vec({1.0f}), 0);
  // Then the step is server_lr * s(2) = 0.8 * 3^-0.5
  EXPECT_NEAR(test::values(agg.current())[0], 0.8 / std::sqrt(3.0), 1e-6);
  EXPECT_EQ(agg.events().back().update.task_id, -1);
}

TEST(SecureBuffer, ABufferFromAnUnknownVersionOrOfAnotherLayoutIsRefusedAndChangesNothing) {
  AsyncAggregator agg(fedbuff(2), vec({0.0f, 1.0f}));
  EXPECT_THROW(agg.apply_secure_buffer(vec({1.0f, 1.0f}), 1), std::invalid_argument);
  EXPECT_THROW(agg.apply_secure_buffer(vec({1.0f}), 0), std::invalid_argument);
  EXPECT_EQ(agg.version(), 0);
  AsyncOptions fedasync = fedbuff(2);
  fedasync.buffered = false;
  AsyncAggregator mixing(fedasync, vec({0.0f}));
  EXPECT_THROW(mixing.apply_secure_buffer(vec({1.0f}), 0), std::invalid_argument);
}
