#include "runtime/scheduling/job_step.hpp"

#include <utility>

namespace troupe::runtime {

Step Step::train(std::int64_t task, std::string node, int round, int shard, std::int64_t version,
                 std::uint64_t seed) {
  Step s;
  s.kind = Kind::train;
  s.task = task;
  s.node = std::move(node);
  s.round = round;
  s.shard = shard;
  s.version = version;
  s.seed = seed;
  return s;
}

Step Step::evaluate(std::int64_t task, std::string node, int round, std::int64_t version) {
  Step s;
  s.kind = Kind::evaluate;
  s.task = task;
  s.node = std::move(node);
  s.round = round;
  s.version = version;
  return s;
}

Step Step::evaluate_held_out(std::int64_t task, std::string node, int round, std::int64_t version) {
  auto s = evaluate(task, std::move(node), round, version);
  s.held_out = true;
  return s;
}

Step Step::aggregate(int round, std::vector<std::int64_t> tasks) {
  Step s;
  s.kind = Kind::aggregate;
  s.round = round;
  s.tasks = std::move(tasks);
  return s;
}

Step Step::flush(std::vector<std::int64_t> accepted) {
  Step s;
  s.kind = Kind::flush;
  s.tasks = std::move(accepted);
  s.round = -1;  // the aggregator's "no round": apply the buffer
  return s;
}

Step Step::checkpoint(int round, std::vector<RoundRecord> records) {
  Step s;
  s.kind = Kind::checkpoint;
  s.round = round;
  s.records = std::move(records);
  return s;
}

Step Step::checkpoint(int round, std::vector<RoundRecord> records, std::string state,
                      std::vector<std::int64_t> in_flight) {
  Step s = checkpoint(round, std::move(records));
  s.state = std::move(state);
  s.tasks = std::move(in_flight);
  return s;
}

Step Step::release(std::int64_t task, std::string node) {
  Step s;
  s.kind = Kind::release;
  s.task = task;
  s.node = std::move(node);
  return s;
}

Step Step::announce(RoundRecord record) {
  Step s;
  s.kind = Kind::announce;
  s.round = record.round;
  s.records.push_back(std::move(record));
  return s;
}

Step Step::done() {
  return Step{};
}

Step Step::failed(std::string reason) {
  Step s;
  s.kind = Kind::failed;
  s.reason = std::move(reason);
  return s;
}

Step Step::degraded(std::string reason) {
  Step s;
  s.kind = Kind::degraded;
  s.reason = std::move(reason);
  return s;
}

Step Step::wake(Seconds at) {
  Step s;
  s.kind = Kind::wake;
  s.at = at;
  return s;
}

Step Step::pause_checkpoint(int round, std::vector<RoundRecord> records) {
  Step s = checkpoint(round, std::move(records));
  s.pause = true;
  return s;
}

Step Step::paused(int round) {
  Step s;
  s.kind = Kind::paused;
  s.round = round;
  return s;
}

const char* to_string(Step::Kind kind) {
  switch (kind) {
    case Step::Kind::train:
      return "train";
    case Step::Kind::evaluate:
      return "evaluate";
    case Step::Kind::aggregate:
      return "aggregate";
    case Step::Kind::flush:
      return "flush";
    case Step::Kind::checkpoint:
      return "checkpoint";
    case Step::Kind::release:
      return "release";
    case Step::Kind::announce:
      return "announce";
    case Step::Kind::done:
      return "done";
    case Step::Kind::failed:
      return "failed";
    case Step::Kind::degraded:
      return "degraded";
    case Step::Kind::wake:
      return "wake";
    case Step::Kind::paused:
      return "paused";
  }
  return "?";
}

}  // namespace troupe::runtime
