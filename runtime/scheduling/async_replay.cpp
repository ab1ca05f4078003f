#include "runtime/scheduling/async_replay.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "models/model_kind.hpp"
#include "models/trainer.hpp"
#include "runtime/io/job_json.hpp"
#include "runtime/node/attacks.hpp"
#include "runtime/node/data_catalog.hpp"

namespace troupe::runtime {

EventLog read_event_log(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the event log " + path);
  EventLog log;
  std::string line;
  std::size_t n = 0;
  bool have_job = false;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    try {
      if (!have_job) {
        const auto j = nlohmann::json::parse(line);
        if (!j.is_object() || !j.contains("job"))
          throw std::runtime_error("the first line must hold the job ({\"job\": ...})");
        log.job = job_from_json(j.at("job"));
        have_job = true;
        continue;
      }
      log.events.push_back(event_from_json_line(line));
    } catch (const std::exception& e) {
      throw std::runtime_error(path + ":" + std::to_string(n) + ": " + e.what());
    }
  }
  if (!have_job) throw std::runtime_error(path + ": empty event log");
  if (log.job.collab.mode == runtime::Mode::sync)
    throw std::runtime_error(path + ": the job is not asynchronous");
  for (std::size_t i = 0; i < log.events.size(); ++i)
    if (log.events[i].seq != static_cast<std::int64_t>(i) + 1)
      throw std::runtime_error(path + ": event " + std::to_string(i + 1) +
                               " is out of sequence (truncated or edited log?)");
  return log;
}

ReplayResult replay(const EventLog& log, const std::string& data_dir) {
  const auto& job = log.job;
  const auto kind = job.train.model;
  DataCatalog catalog(data_dir.empty() ? job.data.data_dir : data_dir, job.data.train_limit,
                      job.data.test_limit);
  const auto train = catalog.train();
  const auto partition = catalog.partition(partition_spec(job));
  models::LocalTrainer trainer(kind,
                               models::DeviceOptions{job.compute.device, job.compute.threads});
  AsyncAggregator agg(AsyncOptions::from_job(job), models::initial_parameters(kind, job.seed));

  ReplayResult out;
  out.logged_fingerprint = models::fingerprint(agg.current());
  models::Parameters update;
  for (const auto& e : log.events) {
    ++out.events;
    AsyncEvent got;
    if (e.flush) {
      got = agg.flush();
    } else {
      const auto& info = e.update;
      Update u;
      static_cast<UpdateInfo&>(u) = info;
      const auto base = agg.get(info.base_version);
      if (e.accepted && base && info.shard >= 0 &&
          static_cast<std::size_t>(info.shard) < partition->size()) {
        trainer.set_data(*train, (*partition)[static_cast<std::size_t>(info.shard)], info.shard);
        trainer.train(*base, job.train.options(info.seed), update);
        if (!info.attack.empty()) {
          const auto [attack, factor] =
              parse_attack_label(info.attack, job.experiment.attack_scale);
          apply_attack(attack, factor, *base, update, info.seed);
        }
        u.params = std::move(update);
        ++out.retrained;
      }
      got = agg.add(u);
      update = std::move(u.params);  // the training buffer, reused by the next event
    }
    if (got.accepted != e.accepted || got.version != e.version ||
        got.new_version != e.new_version || (e.new_version && got.fingerprint != e.fingerprint))
      out.mismatches.push_back("event " + std::to_string(e.seq) + " (task " +
                               std::to_string(e.update.task_id) + "): logged version " +
                               std::to_string(e.version) + ", replayed " +
                               std::to_string(got.version) +
                               (got.fingerprint != e.fingerprint ? ", different model" : ""));
    if (e.new_version || e.flush) out.logged_fingerprint = e.fingerprint;
  }
  out.version = agg.version();
  out.fingerprint = models::fingerprint(agg.current());
  return out;
}

}  // namespace troupe::runtime
