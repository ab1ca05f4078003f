// Secure aggregation against a plain float sum of the same updates: time per
// stage, bytes each participant sends and receives, and the decoded average's
// error, with no dropouts and with a share dropping after stage 1.
// Usage: secagg_bench [PARTICIPANTS=100] [LENGTH=101770] [DROPOUT=0 0.3 ...]
// (101,770 floats: the MLP 784-128-10). Not a ctest: about a minute.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "runtime/secagg/secure_aggregation.hpp"
#include "runtime/secagg/secure_update.hpp"

namespace sa = troupe::runtime::secagg;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Stage {
  double client_s = 0;  ///< summed over participants
  double server_s = 0;
  double sent = 0, received = 0;  ///< bytes, summed over participants
};

troupe::models::Parameters vector_of(std::size_t length) {
  troupe::models::Parameters p;
  p.add("w", troupe::models::DType::float32, {static_cast<std::int64_t>(length)});
  return p;
}

void run(int n, std::size_t length, double dropout) {
  // Updates as a node would make them: a base, trained = base + small change.
  std::mt19937_64 gen(17);
  std::normal_distribution<float> change(0.0f, 0.01f);
  std::uniform_real_distribution<double> weight(0.5, 1.0);
  const auto base = vector_of(length);
  std::vector<troupe::models::Parameters> trained(n, base);
  std::vector<double> weights(n);
  for (int i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < length; ++k) trained[i].float_data()[k] = change(gen);
    weights[i] = weight(gen);
  }
  std::vector<sa::ParticipantId> ids(n);
  for (int i = 0; i < n; ++i) ids[i] = 1000 + i;
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), gen);
  const int dropped_count = static_cast<int>(std::lround(dropout * n));
  const std::set<int> dropped(order.begin(), order.begin() + dropped_count);

  // Plain: the weighted average of the survivors' float updates.
  auto start = Clock::now();
  std::vector<double> plain(length, 0.0);
  double plain_weight = 0;
  for (int i = 0; i < n; ++i) {
    if (dropped.count(i) != 0) continue;
    const float* t = trained[i].float_data();
    for (std::size_t k = 0; k < length; ++k) plain[k] += weights[i] * t[k];
    plain_weight += weights[i];
  }
  for (auto& v : plain) v /= plain_weight;
  const double plain_s = seconds_since(start);

  // Secure: encode, four stages, decode.
  const auto code = sa::FixedPoint::for_cohort(n, 1.0, 48);
  start = Clock::now();
  std::vector<std::vector<std::uint64_t>> inputs(n);
  for (int i = 0; i < n; ++i) inputs[i] = sa::encode_update(trained[i], base, weights[i], code);
  const double encode_s = seconds_since(start);

  Stage st[4];
  sa::Server server(99, ids, static_cast<std::int64_t>(length + 1), code.bits);
  std::vector<sa::Client> clients;
  for (int i = 0; i < n; ++i) clients.emplace_back(99, ids[i]);
  for (int i = 0; i < n; ++i) {
    start = Clock::now();
    const auto m = clients[i].advertise();
    st[0].client_s += seconds_since(start);
    st[0].sent += m.size();
    start = Clock::now();
    server.add_advertisement(ids[i], m);
    st[0].server_s += seconds_since(start);
  }
  start = Clock::now();
  const auto roster = server.close_advertisements();
  st[0].server_s += seconds_since(start);
  for (int i = 0; i < n; ++i) {
    st[0].received += roster.size();
    start = Clock::now();
    const auto m = clients[i].share(roster);
    st[1].client_s += seconds_since(start);
    st[1].sent += m.size();
    start = Clock::now();
    server.add_shares(ids[i], m);
    st[1].server_s += seconds_since(start);
  }
  start = Clock::now();
  server.close_shares();
  st[1].server_s += seconds_since(start);
  for (int i = 0; i < n; ++i) {
    if (dropped.count(i) != 0) continue;
    const auto inbox = server.inbox(ids[i]);
    st[1].received += inbox.size();
    start = Clock::now();
    const auto m = clients[i].mask(inbox, inputs[i]);
    st[2].client_s += seconds_since(start);
    st[2].sent += m.size();
    start = Clock::now();
    server.add_masked(ids[i], m);
    st[2].server_s += seconds_since(start);
  }
  start = Clock::now();
  const auto survivors = server.close_masked();
  st[2].server_s += seconds_since(start);
  for (int i = 0; i < n; ++i) {
    if (dropped.count(i) != 0) continue;
    st[2].received += survivors.size();
    start = Clock::now();
    const auto m = clients[i].unmask(survivors);
    st[3].client_s += seconds_since(start);
    st[3].sent += m.size();
    start = Clock::now();
    server.add_unmasking(ids[i], m);
    st[3].server_s += seconds_since(start);
  }
  start = Clock::now();
  const auto result = server.finish();
  st[3].server_s += seconds_since(start);
  start = Clock::now();
  const auto decoded = sa::decode_sum(result.sum, vector_of(length), code);
  const double decode_s = seconds_since(start);

  // Relative L2 error of the decoded weighted average change.
  double diff = 0, norm = 0, worst = 0;
  const float* avg = decoded.average_change.float_data();
  for (std::size_t k = 0; k < length; ++k) {
    const double d = avg[k] - plain[k];
    diff += d * d;
    norm += plain[k] * plain[k];
    worst = std::max(worst, std::fabs(d));
  }

  const int survivors_n = n - dropped_count;
  const double plain_bytes = 4.0 * length;
  std::printf("\n%d participants, %zu floats, %.0f%% dropping after stage 1 (%zu recovered)\n", n,
              length, 100 * dropout, result.recovered.size());
  std::printf("%-22s %14s %14s %16s %16s\n", "stage", "client s/node", "server s", "sent B/node",
              "received B/node");
  const char* names[4] = {"0 advertise", "1 share", "2 mask", "3 unmask"};
  double client_total = 0, server_total = 0, sent_total = 0, received_total = 0;
  for (int s = 0; s < 4; ++s) {
    // Stages 2 and 3 are sent by survivors only, as is the Inbox received after stage 1.
    const int senders = s >= 2 ? survivors_n : n;
    const int receivers = s >= 1 ? survivors_n : n;
    std::printf("%-22s %14.4f %14.4f %16.0f %16.0f\n", names[s], st[s].client_s / senders,
                st[s].server_s, st[s].sent / senders, st[s].received / receivers);
    client_total += st[s].client_s / senders;
    server_total += st[s].server_s;
    sent_total += st[s].sent / senders;
    received_total += st[s].received / receivers;
  }
  std::printf("%-22s %14.4f %14.4f %16.0f %16.0f\n", "secure, all stages", client_total,
              server_total, sent_total, received_total);
  std::printf("%-22s %14.4f %14.4f %16.0f %16.0f\n", "plain float32", 0.0, plain_s, plain_bytes,
              plain_bytes);
  std::printf(
      "encode %.4f s/node, decode %.4f s; traffic sent / plain = %.3f, "
      "sent+received / (2 x plain) = %.3f\n",
      encode_s / n, decode_s, sent_total / plain_bytes,
      (sent_total + received_total) / (2 * plain_bytes));
  std::printf(
      "server time secure / plain = %.1f; relative L2 error of the average = %.3g, "
      "max abs error = %.3g (step 2^-%d)\n",
      (server_total + decode_s) / plain_s, std::sqrt(diff / norm), worst, code.frac_bits);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int n = argc > 1 ? std::stoi(argv[1]) : 100;
    const std::size_t length = argc > 2 ? std::stoul(argv[2]) : 101770;
    if (n < 2 || length == 0) {
      std::fprintf(stderr, "usage: secagg_bench [PARTICIPANTS>=2] [LENGTH>0] [DROPOUT...]\n");
      return 2;
    }
    const auto p = sa::choose_params(n, static_cast<std::int64_t>(length) + 1, 48);
    std::printf("secure aggregation: %d participants, degree %d, threshold %d, 48-bit ring\n", n,
                p.degree, p.threshold);
    std::vector<double> dropouts;
    for (int i = 3; i < argc; ++i) dropouts.push_back(std::stod(argv[i]));
    if (dropouts.empty()) dropouts = {0.0, 0.3};
    for (double d : dropouts) {
      if (d < 0 || d > 1.0 / 3) {
        std::fprintf(stderr, "secagg_bench: dropout %g outside [0, 1/3]\n", d);
        return 2;
      }
      run(n, length, d);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "secagg_bench: %s\n", e.what());
    return 2;
  }
  return 0;
}
