#include "runtime/node/model_check.hpp"

#include <stdexcept>

#include "models/data_files.hpp"
#include "runtime/core/job_model.hpp"

namespace troupe::runtime {

models::ModelSource checked_job_model(const NodeSetup& setup, const models::Dataset& data) {
  const auto& job = setup.job;
  auto model = job_model(job);
  if (!model.is_script() && job.train.model_file.empty()) return model;
  const auto fail = [&](const std::string& why) {
    throw std::invalid_argument(setup.node + ": " + model_file_prefix(job) + why);
  };
  if (auto why = check_model_script(job); !why.empty())
    throw std::invalid_argument(setup.node + ": " + why);
  std::vector<std::int64_t> shape;
  try {
    shape = job.data.input_shape.empty() ? data.example_shape()
                                         : models::parse_shape(job.data.input_shape);
  } catch (const std::exception& e) {
    fail(std::string("--input-shape: ") + e.what());
  }
  models::ModelProbe probe;
  try {
    probe = models::probe_model(model, shape);
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
  if (job.data.classes > 0 && probe.outputs != job.data.classes)
    fail("output size " + std::to_string(probe.outputs) + " does not match the job's " +
         std::to_string(job.data.classes) + " classes");
  if (job.data.classes <= 0 && data.num_classes > probe.outputs)
    fail("output size " + std::to_string(probe.outputs) + " is smaller than the data's " +
         std::to_string(data.num_classes) + " classes");
  return model;
}

}  // namespace troupe::runtime
