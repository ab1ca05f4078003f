#pragma once
/// \file
/// A node's own examples (`troupe node --data`) as a job sees them: whether
/// they fit the job (its input shape and classes), and which of them the node
/// trains on. Pure apart from asking the model for its output size.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/dataset.hpp"
#include "runtime/core/job_spec.hpp"

namespace troupe::runtime {

/// The shape of one example the job's model takes: --input-shape, else the
/// built-in models' 1x28x28, else (a TorchScript model) empty: any.
std::vector<std::int64_t> job_input_shape(const JobSpec& job);

/// The classes the job has: --classes, else the model's output size
/// (models::probe_model on job_input_shape, or on `data`'s shape when that is
/// empty).
int job_classes(const JobSpec& job, const models::Dataset& data);

/// Empty when `data` (read from `source`) fits `job`; else the reason, naming
/// the node and the file, e.g. "node-3: /data/a.csv: has label 11, the job has
/// 10 classes (0..9)".
std::string local_data_problem(const std::string& node, const std::string& source,
                               const models::Dataset& data, const JobSpec& job);

/// The examples a node trains on for `job`: all of `local`, viewed in the
/// job's input shape when it has the same number of features in another
/// shape (a copy then; otherwise `local` itself). The one place that picks a
/// node's training examples, so that held-out evaluation can take its part
/// out here.
std::shared_ptr<const models::Dataset> training_examples(
    const std::shared_ptr<const models::Dataset>& local, const JobSpec& job);

}  // namespace troupe::runtime
