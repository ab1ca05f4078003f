#include "models/metrics.hpp"

#include <stdexcept>

namespace troupe::models {

ClassificationMetrics compute_metrics(const std::vector<std::int64_t>& truth,
                                      const std::vector<std::int64_t>& predicted, int num_classes) {
  if (truth.size() != predicted.size())
    throw std::invalid_argument("compute_metrics: truth and predictions differ in length");
  if (num_classes <= 0)
    throw std::invalid_argument("compute_metrics: num_classes must be positive");
  std::vector<std::int64_t> confusion(static_cast<std::size_t>(num_classes * num_classes), 0);
  for (std::size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] < 0 || truth[i] >= num_classes || predicted[i] < 0 || predicted[i] >= num_classes)
      throw std::invalid_argument("compute_metrics: class index out of range");
    ++confusion[static_cast<std::size_t>(truth[i] * num_classes + predicted[i])];
  }
  return metrics_from_confusion(std::move(confusion), num_classes);
}

ClassificationMetrics metrics_from_confusion(std::vector<std::int64_t> confusion, int num_classes) {
  if (confusion.size() != static_cast<std::size_t>(num_classes * num_classes))
    throw std::invalid_argument("metrics_from_confusion: matrix size does not match num_classes");
  ClassificationMetrics m;
  m.num_classes = num_classes;
  m.confusion = std::move(confusion);
  std::int64_t total = 0;
  std::int64_t correct = 0;
  double precision_sum = 0.0;
  double recall_sum = 0.0;
  double f1_sum = 0.0;
  for (int c = 0; c < num_classes; ++c) {
    std::int64_t predicted_as_c = 0;
    std::int64_t truly_c = 0;
    for (int k = 0; k < num_classes; ++k) {
      predicted_as_c += m.at(k, c);
      truly_c += m.at(c, k);
      total += m.at(c, k);
    }
    const auto tp = m.at(c, c);
    correct += tp;
    const double p = predicted_as_c > 0 ? static_cast<double>(tp) / predicted_as_c : 0.0;
    const double r = truly_c > 0 ? static_cast<double>(tp) / truly_c : 0.0;
    precision_sum += p;
    recall_sum += r;
    f1_sum += (p + r) > 0.0 ? 2.0 * p * r / (p + r) : 0.0;
  }
  m.accuracy = total > 0 ? static_cast<double>(correct) / total : 0.0;
  m.precision = precision_sum / num_classes;
  m.recall = recall_sum / num_classes;
  m.f1 = f1_sum / num_classes;
  return m;
}

}  // namespace troupe::models
