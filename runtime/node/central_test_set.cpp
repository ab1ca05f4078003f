#include "runtime/node/central_test_set.hpp"

#include <stdexcept>

#include "models/data_files.hpp"
#include "models/dataset_pack.hpp"
#include "runtime/node/local_data.hpp"

namespace troupe::runtime {

std::shared_ptr<const models::Dataset> central_test_set(const JobSpec& job, DataCatalog& data) {
  if (job.data.test_set.empty()) return data.test();
  const auto file =
      job.data.test_data.empty() ? std::string("the job's test set") : job.data.test_data;
  models::Dataset test;
  try {
    test = models::unpack_dataset(job.data.test_set);
  } catch (const models::DataError& e) {
    throw models::DataError("--test-data " + file + ": " + e.what());
  }
  // The job's input shape and classes, as for a node's own data (built-in
  // models: 1x28x28 and 10; a script: --input-shape or any, its output size).
  const auto shape = job_input_shape(job);
  const int classes = job_classes(job, test);
  if (auto why = models::check_fits(test, shape, classes); !why.empty())
    throw std::invalid_argument("--test-data " + file + ": " + why);
  // Metrics over the job's classes, also when the set lacks the top labels.
  test.num_classes = classes;
  auto limited = std::make_shared<const models::Dataset>(
      models::head(test, static_cast<std::size_t>(job.data.test_limit)));
  return training_examples(limited, job);  // viewed in the job's input shape
}

}  // namespace troupe::runtime
