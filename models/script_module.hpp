#pragma once
/// \file
/// Loading a TorchScript module from its bytes (nodes have no file, only the
/// bytes shipped with the job), with the error messages a user can act on.
/// Internal to models/ (includes LibTorch).

#include <torch/script.h>

#include <string>

namespace troupe::models {

/// The module saved in `bytes` (torch.jit.save). Throws std::invalid_argument
/// saying that the bytes are not a TorchScript module (a text file, a
/// state_dict saved with torch.save, a truncated file), with LibTorch's reason,
/// or that its parameters are not all float32.
torch::jit::Module load_script_module(const std::string& bytes);

/// The first line of an exception's message: LibTorch's messages carry a
/// C++ stack trace after it.
std::string first_line(const std::string& message);

}  // namespace troupe::models
