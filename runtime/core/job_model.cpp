#include "runtime/core/job_model.hpp"

#include <sodium.h>

#include <stdexcept>

namespace troupe::runtime {

std::string sha256_hex(const std::string& bytes) {
  // libsodium (already linked for node keys) rather than hand-written SHA-256;
  // sodium_init is idempotent and thread-safe.
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::string check_model_script(const JobSpec& job) {
  const auto& t = job.train;
  if (t.model_script.empty()) {
    // A job naming a file must carry it: else a receiver would quietly train
    // the built-in model instead.
    if (!t.model_file.empty() || !t.model_sha256.empty())
      return model_file_prefix(job) + "the job carries none of the model's bytes";
    return {};
  }
  if (t.model_sha256.empty()) return model_file_prefix(job) + "the job carries no SHA-256";
  const auto actual = sha256_hex(t.model_script);
  if (actual != t.model_sha256)
    return model_file_prefix(job) + "the model bytes do not match their SHA-256 (" +
           std::to_string(t.model_script.size()) + " bytes hash to " + actual.substr(0, 16) +
           "..., the job names " + t.model_sha256.substr(0, 16) + "...)";
  return {};
}

models::ModelSource job_model(const JobSpec& job) {
  if (job.train.model_script.empty()) return models::builtin_model(job.train.model);
  // The job's bytes, shared: a copy here was one more model in every process.
  return models::ModelSource{models::ModelKind::mlp, job.train.model_script.shared()};
}

std::string model_label(const JobSpec& job) {
  if (job.train.model_script.empty() && job.train.model_file.empty())
    return models::to_string(job.train.model);
  return "torchscript (" + job.train.model_file + ")";
}

std::string model_file_prefix(const JobSpec& job) {
  if (job.train.model_file.empty()) return "model file: ";
  return "model file " + job.train.model_file + ": ";
}

}  // namespace troupe::runtime
