#pragma once
// Drives one whole secure sum between a Server and n Clients in one process,
// with hooks for dropouts and tampering, so each test states only what differs.
#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <vector>

#include "runtime/secagg/secure_aggregation.hpp"

namespace troupe::runtime::secagg::testing {

struct CohortPlan {
  std::uint64_t cohort = 7;
  int participants = 5;
  std::int64_t length = 16;
  int bits = 48;
  std::uint64_t seed = 1;                   ///< inputs and client keys
  std::set<ParticipantId> never_advertise;  ///< gone before stage 0
  std::set<ParticipantId> drop_before_shares;
  std::set<ParticipantId> drop_before_masked;  ///< gone after sharing
  std::set<ParticipantId> drop_before_unmask;  ///< masked, then gone
  /// Called with (stage 0..3, sender, message) before the server sees it; may alter it.
  std::function<void(int, ParticipantId, Bytes&)> tamper;
};

struct CohortRun {
  std::vector<ParticipantId> ids;
  std::vector<std::vector<std::uint64_t>> inputs;  ///< by position in ids
  std::vector<Verdict> refusals;                   ///< every refused Verdict
  SumResult result;
  std::vector<std::vector<std::uint64_t>> held;  ///< server.masked_inputs() before finish
};

inline std::uint64_t ring(int bits) {
  return bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
}

/// Ids are 100, 101, ...; inputs uniform in the ring unless `input` says otherwise.
inline CohortRun run_cohort(const CohortPlan& plan,
                            const std::function<std::uint64_t(int, std::int64_t)>& input = {}) {
  CohortRun run;
  std::mt19937_64 gen(plan.seed);
  for (int i = 0; i < plan.participants; ++i) run.ids.push_back(100 + i);
  for (int i = 0; i < plan.participants; ++i) {
    std::vector<std::uint64_t> x(static_cast<std::size_t>(plan.length));
    for (std::int64_t k = 0; k < plan.length; ++k)
      x[k] = (input ? input(i, k) : gen()) & ring(plan.bits);
    run.inputs.push_back(std::move(x));
  }
  Server server(plan.cohort, run.ids, plan.length, plan.bits);
  std::vector<Client> clients;
  for (int i = 0; i < plan.participants; ++i)
    clients.emplace_back(plan.cohort, run.ids[i], plan.seed * 1000 + i);
  auto deliver = [&](Verdict v) {
    if (!v.ok) run.refusals.push_back(v);
  };
  auto tampered = [&](int stage, ParticipantId id, Bytes message) {
    if (plan.tamper) plan.tamper(stage, id, message);
    return message;
  };
  std::set<int> alive;
  for (int i = 0; i < plan.participants; ++i)
    if (plan.never_advertise.count(run.ids[i]) == 0) {
      const Verdict v =
          server.add_advertisement(run.ids[i], tampered(0, run.ids[i], clients[i].advertise()));
      deliver(v);
      if (v.ok) alive.insert(i);
    }
  const Bytes roster = server.close_advertisements();
  for (int i : std::set<int>(alive)) {
    if (plan.drop_before_shares.count(run.ids[i]) != 0) {
      alive.erase(i);
      continue;
    }
    deliver(server.add_shares(run.ids[i], tampered(1, run.ids[i], clients[i].share(roster))));
  }
  server.close_shares();
  const auto shared = server.active();
  for (int i : std::set<int>(alive)) {
    const bool has_inbox = std::find(shared.begin(), shared.end(), run.ids[i]) != shared.end();
    if (!has_inbox || plan.drop_before_masked.count(run.ids[i]) != 0) {
      alive.erase(i);
      continue;
    }
    const Bytes masked = clients[i].mask(server.inbox(run.ids[i]), run.inputs[i]);
    const Verdict v = server.add_masked(run.ids[i], tampered(2, run.ids[i], masked));
    deliver(v);
    if (!v.ok) alive.erase(i);  // refused: dropped, and it gets no Survivors
  }
  const Bytes survivors = server.close_masked();
  run.held = server.masked_inputs();
  for (int i : alive) {
    if (plan.drop_before_unmask.count(run.ids[i]) != 0) continue;
    deliver(
        server.add_unmasking(run.ids[i], tampered(3, run.ids[i], clients[i].unmask(survivors))));
  }
  run.result = server.finish();
  return run;
}

/// The plain sum mod 2^bits of the inputs of `who`.
inline std::vector<std::uint64_t> plain_sum(const CohortRun& run,
                                            const std::vector<ParticipantId>& who, int bits) {
  std::vector<std::uint64_t> sum(run.inputs.empty() ? 0 : run.inputs[0].size(), 0);
  for (auto id : who)
    for (std::size_t i = 0; i < run.ids.size(); ++i)
      if (run.ids[i] == id)
        for (std::size_t k = 0; k < sum.size(); ++k)
          sum[k] = (sum[k] + run.inputs[i][k]) & ring(bits);
  return sum;
}

}  // namespace troupe::runtime::secagg::testing
