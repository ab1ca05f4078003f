#include "runtime/node/central_test_set.hpp"

#include <stdexcept>

#include "models/data_files.hpp"
#include "models/dataset_pack.hpp"

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
  // The built-in models take 1x28x28 images and predict 10 classes.
  const auto shape = job.data.input_shape.empty() ? std::vector<std::int64_t>{1, 28, 28}
                                                  : models::parse_shape(job.data.input_shape);
  const int classes = job.data.classes > 0 ? job.data.classes : 10;
  if (auto why = models::check_fits(test, shape, classes); !why.empty())
    throw std::invalid_argument("--test-data " + file + ": " + why);
  // Metrics over the job's classes, also when the set lacks the top labels.
  test.num_classes = classes;
  return std::make_shared<const models::Dataset>(
      models::head(test, static_cast<std::size_t>(job.data.test_limit)));
}

}  // namespace troupe::runtime
