#include "runtime/node/local_data.hpp"

#include <stdexcept>

#include "models/data_files.hpp"
#include "models/model_source.hpp"
#include "runtime/core/job_model.hpp"

namespace troupe::runtime {
std::vector<std::int64_t> job_input_shape(const JobSpec& job) {
  if (!job.data.input_shape.empty()) return models::parse_shape(job.data.input_shape);
  if (job.train.model_script.empty()) return {1, 28, 28};  // the built-in MLP and CNN
  return {};
}

int job_classes(const JobSpec& job, const models::Dataset& data) {
  if (job.data.classes > 0) return job.data.classes;
  // The script is loaded to probe it: only bytes that match the job's hash.
  if (auto why = check_model_script(job); !why.empty()) throw std::invalid_argument(why);
  auto shape = job_input_shape(job);
  if (shape.empty()) shape = data.example_shape();
  return static_cast<int>(models::probe_model(job_model(job), shape).outputs);
}

std::string local_data_problem(const std::string& node, const std::string& source,
                               const models::Dataset& data, const JobSpec& job) {
  try {
    auto why = models::check_fits(data, job_input_shape(job), job_classes(job, data));
    return why.empty() ? why : node + ": " + source + ": " + why;
  } catch (const std::exception& e) {
    return node + ": " + source + ": " + e.what();
  }
}

std::shared_ptr<const models::Dataset> training_examples(
    const std::shared_ptr<const models::Dataset>& local, const JobSpec& job) {
  const auto shape = job_input_shape(job);
  if (!local || shape.empty() || shape == local->example_shape()) return local;
  auto viewed = std::make_shared<models::Dataset>(*local);
  viewed->shape = shape;
  return viewed;
}

}  // namespace troupe::runtime
