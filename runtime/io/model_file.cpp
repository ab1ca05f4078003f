#include "runtime/io/model_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "runtime/core/job_model.hpp"

namespace troupe::runtime {

void attach_model_file(JobSpec& job) {
  const auto& path = job.train.model_file;
  if (path.empty()) return;
  const auto fail = [&](const std::string& why) {
    throw std::invalid_argument("--model-file " + path + ": " + why);
  };
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) fail("no such file");
  if (!std::filesystem::is_regular_file(status)) fail("not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(std::string("cannot be read: ") + std::strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail("read error");
  if (bytes.empty()) fail("the file is empty (expected a TorchScript module from torch.jit.save)");
  job.train.model_sha256 = sha256_hex(bytes);
  job.train.model_script = std::move(bytes);
}

}  // namespace troupe::runtime
