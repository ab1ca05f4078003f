#pragma once
/// \file
/// FedBuff's buffers under secure aggregation, free of any transport: which
/// trained tasks sum together. Tasks join the open cohort in arrival order; it
/// closes when it has K members (--buffer-size), at its join deadline (its
/// first join plus the timeout), or when the job ends (close()), and each
/// closed cohort of two or more gets the job's next cohort id (1, 2, ...), the
/// id its secure sum's tag is derived from. A cohort of one cannot be summed
/// securely (the sum would be its update): it closes without an id and its
/// member is excluded.
///
/// A cohort takes at most one task per node: a node's next task, trained
/// while its previous one's sum runs, waits for the next cohort. So a node
/// that crashes costs each buffer one dropout at most, which SecAgg+'s
/// recovery is sized for (a third of a cohort), instead of several at once.
///
/// The aggregator sees each joiner's base version in clear, so a member
/// staler than --max-staleness is refused at its join, before anything of
/// its update leaves the node.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace troupe::runtime {

/// A trained task asking to join a secure buffer.
struct BufferJoiner {
  std::int64_t task_id = 0;
  std::int64_t base_version = 0;  ///< the global version its update was trained from
  std::string node;               ///< where it trained (empty: unknown, never kept apart)
};

/// A cohort that stopped taking members.
struct ClosedCohort {
  std::int64_t id = 0;  ///< 0: a lone member, excluded (no secure sum)
  std::vector<BufferJoiner> members;
  bool summable() const { return id > 0; }
};

/// The answer to a join.
struct JoinResult {
  std::string refused;                 ///< when not empty: why the join is refused (names the task)
  std::optional<ClosedCohort> closed;  ///< the cohort this join closed, if any
};

class BufferCohorts {
 public:
  /// `size`: K; `join_timeout_s`: how long an open cohort waits for more
  /// members; `max_staleness` > 0: joiners more versions behind are refused.
  BufferCohorts(int size, double join_timeout_s, int max_staleness = 0);

  /// Task `joiner` joins at global version `version`, time `now`. A task
  /// joins once; a second join is refused as a replay.
  JoinResult join(const BufferJoiner& joiner, std::int64_t version, double now);
  /// Closes the open cohort when its join deadline passed (call again: the
  /// next one, made of joiners that waited, may be due too).
  std::optional<ClosedCohort> tick(double now);
  /// Closes the open cohort now, whoever joined (the end of the job; call
  /// again until it answers none: joiners that waited form further ones).
  std::optional<ClosedCohort> close();

  /// The open cohort's join deadline (none while it is empty).
  std::optional<double> deadline() const;
  /// Members of the open cohort and joiners waiting for the next one.
  int waiting() const { return static_cast<int>(open_.size() + next_.size()); }
  /// True when task `task` joined (or was refused) before.
  bool seen(std::int64_t task) const { return seen_.count(task) > 0; }

 private:
  struct Waiting {
    BufferJoiner joiner;
    double at = 0.0;  ///< when it joined
  };
  /// Closes the open cohort and opens the next with the joiners that waited.
  ClosedCohort take();
  bool node_in_open(const std::string& node) const;

  int size_;
  double timeout_s_;
  int max_staleness_;
  std::vector<Waiting> open_;
  std::vector<Waiting> next_;  ///< joiners whose node already has a task in the open cohort
  std::int64_t next_id_ = 1;
  std::set<std::int64_t> seen_;
};

}  // namespace troupe::runtime
