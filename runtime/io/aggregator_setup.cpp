#include "runtime/io/aggregator_setup.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "models/model_kind.hpp"
#include "runtime/aggregation/async_aggregation.hpp"
#include "runtime/aggregation/strategy.hpp"
#include "runtime/aggregation/sync_aggregator.hpp"
#include "runtime/core/job_model.hpp"
#include "runtime/dp/central_dp_strategy.hpp"
#include "runtime/io/checkpoint.hpp"
#include "runtime/io/job_json.hpp"
#include "runtime/node/node_behaviour.hpp"

namespace troupe::runtime {
namespace {

/// The same job, ignoring where it checkpoints and whether it is resumed.
bool same_job(JobSpec a, JobSpec b) {
  for (auto* j : {&a, &b}) {
    j->checkpoint.dir.clear();
    j->checkpoint.resume.clear();
    j->name.clear();
  }
  return job_to_json(a) == job_to_json(b);
}

/// The checkpoint `job` resumes from, checked against the job and its model
/// `initial`; empty when the job is not resumed. Refuses a directory that
/// cannot hold the job's checkpoints (the aggregator writes them), rather than
/// run it and write none.
std::optional<Checkpoint> resume_point(const JobSpec& job, const models::Parameters& initial) {
  if (!job.checkpoint.dir.empty())
    if (auto why = checkpoint_dir_problem(job.checkpoint.dir); !why.empty())
      throw SetupRefused(why);
  if (job.checkpoint.resume.empty()) return std::nullopt;
  auto cp = read_checkpoint(job.checkpoint.resume);
  if (!same_job(cp.job, job))
    throw SetupRefused("the checkpoint in " + job.checkpoint.resume + " is of another job");
  if (!cp.model.same_layout(initial))
    throw SetupRefused("the checkpoint's model does not fit model '" + model_label(job) + "'");
  return cp;
}

/// Version 0 of `job`. A model file that does not match its hash or does not
/// load is the submitter's input: refused, not an aggregator failure.
models::Parameters initial_model(const JobSpec& job) {
  if (job.train.model_file.empty() && job.train.model_script.empty())
    return initial_global_model(job);
  if (auto why = check_model_script(job); !why.empty()) throw SetupRefused(why);
  try {
    return initial_global_model(job);
  } catch (const std::invalid_argument& e) {
    throw SetupRefused(model_file_prefix(job) + e.what());
  }
}

/// `settings`' limits for a job whose model is `initial`: an update has the
/// model's layout, so a model over the byte limit (a 2 GB one, say) raises
/// it to its own size; anything larger is still refused.
UpdateLimits limits_for(const AggregatorSettings& settings, const models::Parameters& initial) {
  auto limits = settings.limits;
  limits.max_bytes = std::max<std::uint64_t>(limits.max_bytes, initial.bytes.size());
  return limits;
}

OpenedAggregator open_sync(const JobSpec& job, const AggregatorSettings& settings,
                           models::Parameters initial) {
  SyncOptions options;
  options.limits = limits_for(settings, initial);
  // By default a node may train every shard of a round, never more.
  options.max_pending_per_node = settings.limits.max_pending_per_node > 0
                                     ? settings.limits.max_pending_per_node
                                     : static_cast<std::size_t>(std::max(1, job.nodes));
  const auto& name = settings.strategy.empty() ? job.collab.strategy : settings.strategy;
  auto cp = resume_point(job, initial);
  auto strategy = make_strategy(name, job.collab.strategy_options);
  if (job.privacy.mode == DpMode::central)
    strategy =
        std::make_unique<CentralDpStrategy>(std::move(strategy), CentralDpOptions::from_job(job));
  auto core = std::make_unique<SyncAggregator>(std::move(strategy), std::move(initial), options);
  OpenedAggregator out;
  if (cp) {
    // Continue from the checkpoint: its model, version, strategy state and round.
    core->resume({std::move(cp->model), cp->version, cp->round, std::move(cp->strategy_state), {}});
    out.resumed_after = cp->round;
  }
  out.core = std::move(core);
  return out;
}

OpenedAggregator open_async(const JobSpec& job, const AggregatorSettings& settings,
                            models::Parameters initial) {
  auto options = AsyncOptions::from_job(job);
  options.limits = limits_for(settings, initial);
  auto cp = resume_point(job, initial);
  auto core = std::make_unique<AsyncAggregator>(options, std::move(initial));
  OpenedAggregator out;
  if (cp) {
    // Continue from the checkpoint: its versions, FedBuff buffer and arrival count.
    try {
      core->resume({std::move(cp->model), cp->version, cp->round, {}, std::move(cp->async)});
    } catch (const std::runtime_error& e) {
      throw SetupRefused("the checkpoint in " + job.checkpoint.resume + ": " + e.what());
    }
    out.resumed_after = cp->round;
  }
  if (!job.async.event_log.empty()) {
    // Every arrival goes to the log as it happens, so `troupe replay` can redo the job.
    auto log = std::make_shared<std::ofstream>(job.async.event_log, std::ios::trunc);
    if (!*log) throw SetupRefused("cannot write the event log " + job.async.event_log);
    *log << nlohmann::json{{"job", job_to_json(job)}}.dump() << '\n';
    log->flush();
    core->set_listener([log](const AsyncEvent& e) {
      *log << event_to_json_line(e) << '\n';
      log->flush();
    });
  }
  out.core = std::move(core);
  return out;
}

}  // namespace

OpenedAggregator open_aggregator(const JobSpec& job, const AggregatorSettings& settings) {
  try {
    // The job's node behaviour says what is shared: usually the initialised model.
    auto initial = initial_model(job);
    if (job.collab.mode == runtime::Mode::sync) return open_sync(job, settings, std::move(initial));
    return open_async(job, settings, std::move(initial));
  } catch (const SetupRefused&) {
    throw;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("aggregator set-up failed: ") + e.what());
  }
}

std::string write_aggregator_checkpoint(const AggregatorCore& core, const JobSpec& job,
                                        std::int32_t round, const std::vector<RoundRecord>& rounds,
                                        const AsyncCorePart& async) {
  if (job.checkpoint.dir.empty()) throw std::runtime_error("the job has no --checkpoint-dir");
  if (job.collab.mode != runtime::Mode::sync) {
    if (async.core_state.empty())
      throw std::runtime_error("an asynchronous job's checkpoint needs the job core's state");
    // The model must be the one the core's state describes: an update of a
    // task the core still counts as in flight must not be in it yet.
    if (const auto* a = dynamic_cast<const AsyncAggregator*>(&core))
      for (auto id : async.in_flight)
        if (a->arrived(id))
          throw std::runtime_error("checkpoint after round " + std::to_string(round) +
                                   " skipped: the update of task " + std::to_string(id) +
                                   " arrived while it was taken (the next one will be written)");
  }
  auto snapshot = core.snapshot(round);
  Checkpoint cp;
  cp.job = job;
  cp.mode = job.collab.mode;
  cp.model = std::move(snapshot.model);
  cp.version = snapshot.version;
  cp.round = snapshot.round;
  cp.strategy_state = std::move(snapshot.strategy_state);
  cp.async = std::move(snapshot.async);
  cp.async_events = cp.async.arrivals;
  cp.core_state = async.core_state;
  cp.rounds = rounds;
  try {
    write_checkpoint(job.checkpoint.dir, cp);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("checkpoint failed: ") + e.what());
  }
  return checkpoint_path(job.checkpoint.dir);
}

}  // namespace troupe::runtime
