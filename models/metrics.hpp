#pragma once
/// \file
/// Classification metrics of a model's predictions: accuracy, macro-averaged
/// precision, recall and F1, and the confusion matrix.

#include <cstdint>
#include <vector>

namespace troupe::models {

struct ClassificationMetrics {
  double accuracy = 0.0;
  double precision = 0.0;  ///< macro average over classes
  double recall = 0.0;     ///< macro average over classes
  double f1 = 0.0;         ///< macro average of the per-class F1
  double loss = 0.0;       ///< mean cross-entropy, when the evaluator knows it
  int num_classes = 0;
  /// Row-major num_classes x num_classes counts: confusion[truth * n + predicted].
  std::vector<std::int64_t> confusion;

  std::int64_t at(int truth, int predicted) const {
    return confusion[static_cast<std::size_t>(truth * num_classes + predicted)];
  }
};

/// Builds the confusion matrix and metrics. A class that is never predicted has
/// precision 0 and a class that never occurs has recall 0 (scikit-learn's
/// zero_division=0); every class counts in the macro averages.
ClassificationMetrics compute_metrics(const std::vector<std::int64_t>& truth,
                                      const std::vector<std::int64_t>& predicted, int num_classes);

/// Metrics from an already accumulated confusion matrix.
ClassificationMetrics metrics_from_confusion(std::vector<std::int64_t> confusion, int num_classes);

}  // namespace troupe::models
