#pragma once
/// \file
/// Federated evaluation (--eval federated|both): every node evaluates the
/// global model on the examples it held out from training, and the round's
/// metrics combine theirs weighted by each node's held-out example count,
/// as Flower's evaluate round does. The arithmetic is one pure function
/// (combine_evaluations), also used by a node that holds several shards.

#include <cstdint>
#include <string>
#include <vector>

#include "models/metrics.hpp"

namespace troupe::runtime {

/// One node's evaluation of a round's global model on its held-out examples.
struct NodeEvaluation {
  std::string node;
  int round = 0;              ///< the round whose global model it evaluated
  std::int64_t examples = 0;  ///< held-out examples evaluated
  double accuracy = 0.0;
  double precision = 0.0;
  double recall = 0.0;
  double f1 = 0.0;
  double loss = 0.0;
  /// Non-empty: the evaluation failed, and why; it is left out of the weighted metrics.
  std::string error;
};

/// A round's federated evaluation.
struct FederatedRecord {
  int nodes = 0;              ///< nodes whose evaluation counts in the metrics below
  std::int64_t examples = 0;  ///< their held-out examples together
  double accuracy = 0.0;      ///< of all their examples (the example-weighted mean)
  double precision = 0.0;     ///< macro averages from the summed confusion matrices
  double recall = 0.0;
  double f1 = 0.0;
  double loss = 0.0;                     ///< example-weighted mean of the nodes' losses
  std::vector<NodeEvaluation> per_node;  ///< every node asked, failed ones too

  /// The round had a federated evaluation.
  bool present() const { return !per_node.empty(); }
};

/// Examples `metrics` was computed on: its confusion matrix's total.
std::int64_t examples_of(const models::ClassificationMetrics& metrics);

/// Metrics of the union of the disjoint example sets `parts` were computed
/// on: accuracy and loss weighted by each part's examples (examples_of);
/// precision, recall and F1 from the summed confusion matrices. Parts without
/// examples are skipped; no parts: zero metrics. Parts of fewer classes (a
/// node's data without the top labels) count into the largest class count.
/// Throws std::invalid_argument when a confusion matrix does not match its
/// class count.
models::ClassificationMetrics combine_evaluations(
    const std::vector<models::ClassificationMetrics>& parts);

/// One node's outcome of a federated evaluation task.
struct NodeOutcome {
  std::string node;
  models::ClassificationMetrics metrics;  ///< when `error` is empty
  std::string error;                      ///< non-empty: the task failed, and why
};

/// The round's record: every outcome in `per_node`, the successful ones
/// combined with combine_evaluations.
FederatedRecord federated_record(const std::vector<NodeOutcome>& outcomes);

/// Per node, its latest successful evaluation over `rounds` (in round order),
/// or its latest failure when it never succeeded; nodes in order of first
/// appearance. The report's "node_metrics".
std::vector<NodeEvaluation> latest_node_evaluations(const std::vector<FederatedRecord>& rounds);

/// The record's combined metrics (for a round whose only evaluation is federated).
models::ClassificationMetrics combined_metrics(const FederatedRecord& record);

}  // namespace troupe::runtime
