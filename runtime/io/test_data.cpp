#include "runtime/io/test_data.hpp"

#include <stdexcept>

#include "models/data_files.hpp"
#include "models/dataset_pack.hpp"

namespace troupe::runtime {

void attach_test_data(JobSpec& job, std::size_t max_bytes) {
  const auto& path = job.data.test_data;
  if (path.empty()) return;
  models::Dataset data;
  try {
    data = models::load_examples(path);
  } catch (const std::exception& e) {
    // The loader's message names the file already; the option says what it was for.
    throw std::invalid_argument(std::string("--test-data: ") + e.what());
  }
  auto packed = models::pack_dataset(data);
  if (packed.size() > max_bytes)
    throw std::invalid_argument(
        "--test-data " + path + ": " + std::to_string(data.size()) + " examples pack to " +
        std::to_string(packed.size()) + " bytes, more than the " + std::to_string(max_bytes) +
        " bytes a job may ship (the job is one message to every node, and each "
        "node keeps a copy); use a subset");
  job.data.test_set = std::move(packed);
}

}  // namespace troupe::runtime
