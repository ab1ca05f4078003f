#include "runtime/core/privacy_plan.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "runtime/privacy/rdp_accountant.hpp"

namespace troupe::runtime {

int updates_per_step(const JobSpec& job) {
  if (job.collab.mode == Mode::buffered) return std::min(job.async.buffer_size, job.nodes);
  return job.sync.clients_per_round > 0 ? std::min(job.sync.clients_per_round, job.nodes)
                                        : job.nodes;
}

PrivacyPlan plan_privacy(const JobSpec& job, bool sum_only) {
  if (!job.privacy.enabled()) throw std::invalid_argument("the job has no differential privacy");
  PrivacyPlan p;
  p.delta = job.privacy.delta;
  p.updates_per_step = updates_per_step(job);
  const double m = p.updates_per_step;
  p.sampling_rate = m / job.nodes;
  p.noise_multiplier = job.privacy.noise_multiplier;
  if (job.collab.mode == Mode::buffered) {
    p.steps_per_round = static_cast<int>(std::ceil(static_cast<double>(job.nodes) / m));
  }
  if (job.privacy.mode == DpMode::distributed) p.noise_from_updates = true;
  if (job.privacy.mode == DpMode::local) {
    if (sum_only) {
      p.noise_multiplier *= std::sqrt(m);
      p.noise_from_updates = true;
    } else {
      p.sampling_rate = 1.0;
      p.steps_per_round = 1;
    }
  }
  return p;
}

PrivacyPlan plan_privacy(const JobSpec& job) {
  return plan_privacy(job, job.privacy.secure_aggregation);
}

double PrivacyPlan::step_noise_multiplier(const SummedUpdates& round) const {
  if (!noise_from_updates || round.included <= 0) return noise_multiplier;
  const int sums = round.sums > 0 ? round.sums : steps_per_round;
  const double per_sum = static_cast<double>(round.included) / sums;
  if (per_sum >= updates_per_step) return noise_multiplier;
  return noise_multiplier * std::sqrt(per_sum / updates_per_step);
}

namespace {

/// Adds one round's RDP (steps_per_round steps at its multiplier) to `rdp`.
void add_round(const PrivacyPlan& plan, const SummedUpdates& round, std::vector<double>& rdp) {
  const auto& orders = rdp_orders();
  const double sigma = plan.step_noise_multiplier(round);
  for (std::size_t i = 0; i < orders.size(); ++i)
    rdp[i] += plan.steps_per_round * sampled_gaussian_rdp(plan.sampling_rate, sigma, orders[i]);
}

}  // namespace

double PrivacyPlan::epsilon_after(const std::vector<SummedUpdates>& rounds) const {
  if (rounds.empty()) return 0.0;
  std::vector<double> rdp(rdp_orders().size(), 0.0);
  for (const auto& r : rounds) add_round(*this, r, rdp);
  return rdp_to_epsilon(rdp_orders(), rdp, delta).epsilon;
}

double PrivacyPlan::epsilon_after(int rounds) const {
  if (rounds <= 0) return 0.0;
  const std::int64_t steps = static_cast<std::int64_t>(rounds) * steps_per_round;
  return sampled_gaussian_epsilon(sampling_rate, noise_multiplier, steps, delta).epsilon;
}

int PrivacyPlan::rounds_within(double target, int rounds) const {
  // epsilon grows with the rounds: bisection for the last one within target.
  int lo = 0, hi = rounds;
  while (lo < hi) {
    const int mid = lo + (hi - lo + 1) / 2;
    if (epsilon_after(mid) <= target)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

int rounds_within_budget(const JobSpec& job) {
  if (!job.privacy.enabled() || job.privacy.target_epsilon <= 0.0) return job.rounds;
  return plan_privacy(job).rounds_within(job.privacy.target_epsilon, job.rounds);
}

PrivacyRecord privacy_record(const JobSpec& job, int rounds_done, std::vector<double> clip_norms,
                             const std::vector<SummedUpdates>& summed) {
  PrivacyRecord r;
  if (!job.privacy.enabled()) return r;
  const auto plan = plan_privacy(job);
  r.mode = job.privacy.mode;
  r.noise_multiplier = job.privacy.noise_multiplier;
  r.clip_norm = clip_norms.empty() ? job.privacy.clip_norm : clip_norms.back();
  if (job.privacy.adaptive_clip > 0.0) r.clip_norms = std::move(clip_norms);
  r.delta = job.privacy.delta;
  r.target_epsilon = job.privacy.target_epsilon;
  r.sampling_rate = plan.sampling_rate;
  r.steps_per_round = plan.steps_per_round;
  r.accountant =
      "RDP of the sampled Gaussian mechanism (Mironov, Talwar, Zhang 2019), orders 1.25-512, "
      "converted to (epsilon, delta) by Balle et al. 2020";
  if (!plan.noise_from_updates) {
    for (int k = 1; k <= rounds_done; ++k) r.epsilon.push_back(plan.epsilon_after(k));
  } else {
    // Rounds differ in the noise their sums carried: compose them one by one.
    std::vector<double> rdp(rdp_orders().size(), 0.0);
    for (int k = 0; k < rounds_done; ++k) {
      add_round(plan, k < static_cast<int>(summed.size()) ? summed[k] : SummedUpdates{}, rdp);
      r.epsilon.push_back(rdp_to_epsilon(rdp_orders(), rdp, plan.delta).epsilon);
    }
  }
  r.stopped_by_budget = rounds_done < job.rounds && rounds_done == rounds_within_budget(job);
  return r;
}

}  // namespace troupe::runtime
