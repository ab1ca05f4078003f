#include "runtime/core/federated_metrics.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace troupe::runtime {

std::int64_t examples_of(const models::ClassificationMetrics& metrics) {
  return std::accumulate(metrics.confusion.begin(), metrics.confusion.end(), std::int64_t{0});
}

models::ClassificationMetrics combine_evaluations(
    const std::vector<models::ClassificationMetrics>& parts) {
  // Nodes with their own data may know fewer classes (their largest label + 1):
  // each matrix is counted into one of the largest class count.
  int classes = 0;
  for (const auto& part : parts)
    if (examples_of(part) > 0) classes = std::max(classes, part.num_classes);
  const auto k = static_cast<std::size_t>(classes);
  std::vector<std::int64_t> confusion(k * k, 0);
  double loss_sum = 0.0;
  std::int64_t examples = 0;
  for (const auto& part : parts) {
    const auto n = examples_of(part);
    if (n == 0) continue;
    const auto c = static_cast<std::size_t>(part.num_classes);
    if (part.confusion.size() != c * c)
      throw std::invalid_argument("combine_evaluations: a confusion matrix of " +
                                  std::to_string(part.confusion.size()) + " entries for " +
                                  std::to_string(c) + " classes");
    for (std::size_t t = 0; t < c; ++t)
      for (std::size_t p = 0; p < c; ++p) confusion[t * k + p] += part.confusion[t * c + p];
    loss_sum += part.loss * static_cast<double>(n);
    examples += n;
  }
  if (examples == 0) return {};
  // Summing the confusion matrices makes accuracy exactly the example-weighted
  // mean; precision, recall and F1 are then those of all examples together
  // (averaging the nodes' macro F1s would weight a node's rare classes wrongly).
  auto out = models::metrics_from_confusion(std::move(confusion), classes);
  out.loss = loss_sum / static_cast<double>(examples);
  return out;
}

FederatedRecord federated_record(const std::vector<NodeOutcome>& outcomes) {
  FederatedRecord rec;
  std::vector<models::ClassificationMetrics> ok;
  for (const auto& o : outcomes) {
    NodeEvaluation e;
    e.node = o.node;
    e.error = o.error;
    if (o.error.empty()) {
      e.examples = examples_of(o.metrics);
      e.accuracy = o.metrics.accuracy;
      e.precision = o.metrics.precision;
      e.recall = o.metrics.recall;
      e.f1 = o.metrics.f1;
      e.loss = o.metrics.loss;
      ok.push_back(o.metrics);
      ++rec.nodes;
      rec.examples += e.examples;
    }
    rec.per_node.push_back(std::move(e));
  }
  const auto m = combine_evaluations(ok);
  rec.accuracy = m.accuracy;
  rec.precision = m.precision;
  rec.recall = m.recall;
  rec.f1 = m.f1;
  rec.loss = m.loss;
  return rec;
}

std::vector<NodeEvaluation> latest_node_evaluations(const std::vector<FederatedRecord>& rounds) {
  std::vector<NodeEvaluation> out;
  for (const auto& record : rounds)
    for (const auto& e : record.per_node) {
      auto it = std::find_if(out.begin(), out.end(),
                             [&](const NodeEvaluation& o) { return o.node == e.node; });
      if (it == out.end())
        out.push_back(e);
      else if (e.error.empty() || !it->error.empty())
        *it = e;  // a later success, or a later failure of a node that never succeeded
    }
  return out;
}

models::ClassificationMetrics combined_metrics(const FederatedRecord& record) {
  models::ClassificationMetrics m;
  m.accuracy = record.accuracy;
  m.precision = record.precision;
  m.recall = record.recall;
  m.f1 = record.f1;
  m.loss = record.loss;
  return m;
}

}  // namespace troupe::runtime
