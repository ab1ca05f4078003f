#include "runtime/node/centralized.hpp"

#include <chrono>
#include <numeric>
#include <stdexcept>

#include "models/trainer.hpp"
#include "runtime/core/job_model.hpp"
#include "runtime/node/central_test_set.hpp"
#include "runtime/node/data_catalog.hpp"
#include "runtime/node/local_data.hpp"

namespace troupe::runtime {

RunReport train_centralized(const JobSpec& job, const RoundCallback& on_round,
                            const CentralData& own) {
  if (auto why = job.validate(); !why.empty()) throw std::invalid_argument(why);
  if (auto why = check_model_script(job); !why.empty()) throw std::invalid_argument(why);
  const auto model = job_model(job);
  const auto started = std::chrono::steady_clock::now();
  auto now = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };

  DataCatalog data(job.data.data_dir, job.data.train_limit, job.data.test_limit);
  std::shared_ptr<const models::Dataset> train;
  if (own.examples) {
    // The same checks and view a node applies to its own data.
    if (auto why = local_data_problem("troupe train", own.source, *own.examples, job); !why.empty())
      throw std::invalid_argument(why);
    train = training_examples(own.examples, job);
  } else {
    train = data.train();
  }
  auto test = central_test_set(job, data);
  const models::DeviceOptions device{job.compute.device, job.compute.threads};
  models::LocalTrainer trainer(model, device);
  std::vector<std::size_t> all(train->size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  trainer.set_data(*train, all, 0);
  models::Evaluator evaluator(model, device, *test);

  RunReport report;
  report.policy = "centralized";
  report.strategy = "none";
  report.config = job;
  report.config.nodes = 1;
  report.config = as_reported(std::move(report.config));
  report.test_size = static_cast<std::int64_t>(test->size());
  auto params = models::initial_parameters(model, job.seed);
  models::Parameters next;
  for (int round = 1; round <= job.rounds; ++round) {
    const double round_start = now();
    const auto opts = job.train.options(task_seed(job.seed, round, 0));
    Task task;
    task.id = round;
    task.round = round;
    task.shard = 0;
    task.node = "local";
    task.priority = 1.0;
    task.queued_at = task.assigned_at = task.started_at = round_start;
    const auto result = trainer.train(params, opts, next);
    std::swap(params, next);
    task.finished_at = now();
    task.state = TaskState::done;
    task.samples = result.samples;
    task.loss = result.mean_loss;
    task.demand = static_cast<double>(result.samples_seen);
    report.tasks.push_back(task);

    const auto m = evaluator.evaluate(params, trainer);  // one network for both
    auto rec = RoundRecord::evaluated(round, round, m);
    rec.train_loss = result.mean_loss;
    rec.updates = 1;
    rec.seconds = now() - round_start;
    report.rounds.push_back(rec);
    report.final_metrics = m;
    if (on_round) on_round(rec);
  }
  report.wall_s = now();
  summarise(report, {"local"});
  return report;
}

}  // namespace troupe::runtime
