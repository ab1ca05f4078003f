#pragma once
/// \file
/// The model a job trains, as every process sees it: the built-in kind, or the
/// TorchScript bytes shipped in the job with their SHA-256. The submitter reads
/// the file (runtime/io/model_file.hpp); nodes and the aggregator check the
/// bytes against the hash here before they load them.

#include <string>

#include "models/model_source.hpp"
#include "runtime/core/job_spec.hpp"

namespace troupe::runtime {

/// SHA-256 of `bytes`, 64 lower-case hex digits.
std::string sha256_hex(const std::string& bytes);

/// Empty when the job trains a built-in model or its script's bytes have the
/// SHA-256 the job names, else why not (naming the model file; a job that
/// names a model file but carries no bytes is refused too).
std::string check_model_script(const JobSpec& job);

/// The job's model: its script when it ships one, else its built-in kind.
/// Does not check the hash (check_model_script does).
models::ModelSource job_model(const JobSpec& job);

/// How terminals name the model: "mlp", "cnn" or "torchscript (FILE)".
std::string model_label(const JobSpec& job);

/// "model file FILE: " (the start of a message about the job's script), or
/// "model file: " when the job does not name its file.
std::string model_file_prefix(const JobSpec& job);

}  // namespace troupe::runtime
