// An asynchronous job core rebuilt from its checkpoint step's state continues
// with the same tasks (ids, nodes, shards, seeds, base versions) as the core
// that was never stopped: tasks in flight at the checkpoint are started again
// as they were, and the state's text round-trips and refuses what does not fit.
#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <sstream>

#include "runtime/scheduling/async_job_state.hpp"
#include "runtime/scheduling/job_core.hpp"

using namespace troupe::runtime;

namespace {

constexpr int kNodes = 3;
constexpr int kRounds = 5;

JobCoreInputs inputs(Mode mode, const std::vector<NodeInfo>* view) {
  JobCoreInputs in;
  in.spec.collab.mode = mode;
  in.spec.nodes = kNodes;
  in.spec.rounds = kRounds;
  in.spec.checkpoint.dir = "unused: the core only asks for checkpoints";
  in.spec.checkpoint.every = 2;
  in.shard_sizes.assign(kNodes, 100);
  in.test_size = 50;
  in.nodes = [view] { return UsableNodes{*view, ""}; };
  return in;
}

/// Plays the scheduler and a fake aggregator (every update makes a version):
/// answers tasks first in, first out, and writes one line per answered task.
class Driver {
 public:
  explicit Driver(std::unique_ptr<JobCore> core, std::int64_t version)
      : core_(std::move(core)), version_(version) {}

  void start() { apply(core_->start(now_)); }

  /// Answers tasks until the job ends; stops early after the first checkpoint
  /// step of round `stop_at` (its state is kept).
  void run(int stop_at = -1) {
    for (int guard = 0; !ended_ && guard < 1000 && !in_flight_.empty(); ++guard) {
      if (checkpoint_ && checkpoint_->round == stop_at) return;
      const Step s = in_flight_.front();
      in_flight_.pop_front();
      now_ += 1.0;
      std::ostringstream line;
      line << to_string(s.kind) << " task " << s.task << " on " << s.node << " shard " << s.shard
           << " seed " << s.seed << " from version " << s.version;
      trace.push_back(line.str());
      if (s.kind == Step::Kind::train) {
        TrainResult r;
        r.samples = 100;
        r.loss = 0.5;
        r.busy_s = 1.0;
        r.receipt.accepted = true;
        r.receipt.version = ++version_;
        r.receipt.new_version = true;
        r.receipt.staleness = version_ - 1 - s.version;
        r.receipt.fingerprint = 1000 + static_cast<std::uint64_t>(version_);
        apply(core_->train_done(s.task, now_, r));
      } else {
        troupe::models::ClassificationMetrics m;
        m.accuracy = 0.5;
        apply(core_->evaluated(s.task, now_, m));
      }
    }
  }

  JobCore& core() { return *core_; }

  std::vector<std::string> trace;   ///< answered tasks, in order
  std::optional<Step> checkpoint_;  ///< the latest checkpoint step
  std::int64_t version_at_checkpoint = 0;
  std::size_t trace_at_checkpoint = 0;  ///< trace lines before it
  bool ended_ = false;

 private:
  void apply(const Steps& steps) {
    for (const auto& s : steps) {
      if (s.kind == Step::Kind::train || s.kind == Step::Kind::evaluate) {
        core_->task_started(s.task, now_);
        in_flight_.push_back(s);
      } else if (s.kind == Step::Kind::flush) {
        apply(core_->aggregated(
            {version_, false, 1000 + static_cast<std::uint64_t>(version_), 0.0, {}}, now_));
      } else if (s.kind == Step::Kind::checkpoint) {
        if (!checkpoint_ || checkpoint_->round < s.round) {
          checkpoint_ = s;
          version_at_checkpoint = version_;
          trace_at_checkpoint = trace.size();
        }
        apply(core_->checkpointed(now_));
      } else if (s.final()) {
        ended_ = true;
        ASSERT_EQ(s.kind, Step::Kind::done) << s.reason;
      }
    }
  }

  std::unique_ptr<JobCore> core_;
  std::deque<Step> in_flight_;
  double now_ = 0.0;
  std::int64_t version_ = 0;
};

void resumed_core_repeats_the_undisturbed_one(Mode mode) {
  std::vector<NodeInfo> view{{"node-1"}, {"node-2"}, {"node-3"}};
  // The undisturbed job, keeping its checkpoint after round 2.
  Driver undisturbed(make_job_core(inputs(mode, &view)), 0);
  undisturbed.start();
  undisturbed.run();
  ASSERT_TRUE(undisturbed.ended_);
  // A second run stopped at that checkpoint: the scheduler died there.
  Driver first(make_job_core(inputs(mode, &view)), 0);
  first.start();
  first.run(2);
  ASSERT_TRUE(first.checkpoint_);
  const Step cp = *first.checkpoint_;
  ASSERT_EQ(cp.round, 2);
  ASSERT_FALSE(cp.tasks.empty()) << "the test wants tasks in flight at the checkpoint";

  // Resumed from the checkpoint's state, at the checkpoint's version.
  auto in = inputs(mode, &view);
  in.version = first.version_at_checkpoint;
  in.resume = ResumePoint{cp.round, cp.records, 77, cp.state};
  Driver resumed(make_job_core(std::move(in)), first.version_at_checkpoint);
  resumed.start();
  resumed.run();
  ASSERT_TRUE(resumed.ended_);

  // The tasks answered after the checkpoint are the same, in the same order:
  // first the ones in flight then, started again, then the rest.
  const std::vector<std::string> expected(
      undisturbed.trace.begin() + static_cast<std::ptrdiff_t>(first.trace_at_checkpoint),
      undisturbed.trace.end());
  EXPECT_EQ(resumed.trace, expected);
  EXPECT_EQ(resumed.core().rounds().size(), static_cast<std::size_t>(kRounds));
  EXPECT_EQ(resumed.core().version(), undisturbed.core().version());
  EXPECT_EQ(resumed.core().fingerprint(), undisturbed.core().fingerprint());
}

}  // namespace

TEST(AsyncJobResume, AFedAsyncCoreResumedFromItsCheckpointRepeatsTheUndisturbedTasks) {
  resumed_core_repeats_the_undisturbed_one(Mode::async);
}

TEST(AsyncJobResume, AFedBuffCoreResumedFromItsCheckpointRepeatsTheUndisturbedTasks) {
  resumed_core_repeats_the_undisturbed_one(Mode::buffered);
}

TEST(AsyncJobResume, ACheckpointIsAskedForEveryCheckpointEveryRoundsWithTheTasksInFlight) {
  std::vector<NodeInfo> view{{"node-1"}, {"node-2"}, {"node-3"}};
  Driver d(make_job_core(inputs(Mode::async, &view)), 0);
  d.start();
  d.run(2);
  ASSERT_TRUE(d.checkpoint_);
  const auto state = async_job_state_from_json(d.checkpoint_->state);
  ASSERT_EQ(state.in_flight.size(), d.checkpoint_->tasks.size());
  for (std::size_t i = 0; i < state.in_flight.size(); ++i)
    EXPECT_EQ(state.in_flight[i].id, d.checkpoint_->tasks[i]);
  EXPECT_GE(state.accepted, 2 * kNodes);  // a round is kNodes accepted updates
  EXPECT_EQ(d.checkpoint_->records.size(), 2u);
}

TEST(AsyncJobState, RoundTripsAsTextAndRefusesTextThatDoesNotFit) {
  AsyncJobState s;
  s.next_id = 12;
  s.accepted = 7;
  s.shard_rank = {1, -1, 0};
  s.failures = {{"node-2", 2}};
  s.in_flight = {{9, 3, 2, 12345678901234567ULL, 5, "node-1"}};
  s.round_updates = 2;
  s.round_loss = 0.75;
  s.last_metrics.accuracy = 0.5;
  s.last_metrics.confusion = {1, 2, 3, 4};
  s.last_metrics.num_classes = 2;
  const auto back = async_job_state_from_json(async_job_state_to_json(s));
  EXPECT_EQ(async_job_state_to_json(back), async_job_state_to_json(s));
  EXPECT_EQ(back.in_flight[0].seed, 12345678901234567ULL);

  auto error = [](const std::string& text) -> std::string {
    try {
      async_job_state_from_json(text);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error("{not json").find("asynchronous job state"), std::string::npos);
  EXPECT_NE(error("{}").find("asynchronous job state"), std::string::npos);
  auto future_task = s;
  future_task.in_flight[0].id = 40;  // not below next_id
  EXPECT_NE(error(async_job_state_to_json(future_task)).find("in-flight task 40"),
            std::string::npos);

  // A state of a job with other shards is refused by the core.
  std::vector<NodeInfo> view{{"node-1"}};
  auto in = inputs(Mode::async, &view);
  in.resume = ResumePoint{1, {}, 0, async_job_state_to_json(s)};
  in.shard_sizes.assign(2, 100);
  try {
    make_job_core(std::move(in));
    ADD_FAILURE() << "a state of three shards fitted a job of two";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("3 shards, the job has 2"), std::string::npos) << e.what();
  }
}
