#include "runtime/scheduling/async_job_state.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace troupe::runtime {

std::string async_job_state_to_json(const AsyncJobState& s) {
  nlohmann::json in_flight = nlohmann::json::array();
  for (const auto& t : s.in_flight)
    in_flight.push_back({{"id", t.id},
                         {"round", t.round},
                         {"shard", t.shard},
                         {"seed", t.seed},
                         {"base_version", t.base_version},
                         {"node", t.node}});
  const auto& m = s.last_metrics;
  const nlohmann::json j{{"next_id", s.next_id},
                         {"accepted", s.accepted},
                         {"shard_rank", s.shard_rank},
                         {"failures", s.failures},
                         {"in_flight", in_flight},
                         {"round_updates", s.round_updates},
                         {"round_failed", s.round_failed},
                         {"round_dropped", s.round_dropped},
                         {"round_staleness", s.round_staleness},
                         {"round_loss", s.round_loss},
                         {"round_samples", s.round_samples},
                         {"last_metrics",
                          {{"accuracy", m.accuracy},
                           {"precision", m.precision},
                           {"recall", m.recall},
                           {"f1", m.f1},
                           {"loss", m.loss},
                           {"num_classes", m.num_classes},
                           {"confusion", m.confusion}}}};
  return j.dump();
}

AsyncJobState async_job_state_from_json(const std::string& text) {
  AsyncJobState s;
  try {
    const auto j = nlohmann::json::parse(text);
    s.next_id = j.at("next_id").get<std::int64_t>();
    s.accepted = j.at("accepted").get<std::int64_t>();
    s.shard_rank = j.at("shard_rank").get<std::vector<int>>();
    s.failures = j.at("failures").get<std::map<std::string, int>>();
    for (const auto& t : j.at("in_flight"))
      s.in_flight.push_back({t.at("id").get<std::int64_t>(), t.at("round").get<int>(),
                             t.at("shard").get<int>(), t.at("seed").get<std::uint64_t>(),
                             t.at("base_version").get<std::int64_t>(),
                             t.at("node").get<std::string>()});
    s.round_updates = j.at("round_updates").get<int>();
    s.round_failed = j.at("round_failed").get<int>();
    s.round_dropped = j.at("round_dropped").get<int>();
    s.round_staleness = j.at("round_staleness").get<double>();
    s.round_loss = j.at("round_loss").get<double>();
    s.round_samples = j.at("round_samples").get<std::int64_t>();
    const auto& m = j.at("last_metrics");
    s.last_metrics.accuracy = m.at("accuracy").get<double>();
    s.last_metrics.precision = m.at("precision").get<double>();
    s.last_metrics.recall = m.at("recall").get<double>();
    s.last_metrics.f1 = m.at("f1").get<double>();
    s.last_metrics.loss = m.at("loss").get<double>();
    s.last_metrics.num_classes = m.at("num_classes").get<int>();
    s.last_metrics.confusion = m.at("confusion").get<std::vector<std::int64_t>>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("asynchronous job state: ") + e.what());
  }
  if (s.next_id < 1 || s.accepted < 0)
    throw std::runtime_error("asynchronous job state: negative task id or update count");
  for (const auto& t : s.in_flight)
    if (t.id < 1 || t.id >= s.next_id || t.shard < 0 || t.base_version < 0)
      throw std::runtime_error("asynchronous job state: in-flight task " + std::to_string(t.id) +
                               " does not fit the job");
  return s;
}

}  // namespace troupe::runtime
