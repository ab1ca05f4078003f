#pragma once
/// \file
/// Which network a trainer builds: one of troupe's built-in models, or a
/// TorchScript module a user saved with torch.jit.save (its bytes). No LibTorch.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/model_kind.hpp"

namespace troupe::models {

struct ModelSource {
  ModelKind kind = ModelKind::mlp;  ///< the built-in model, when `script` is empty
  /// The bytes of a TorchScript module (torch.jit.save); null or empty: `kind`.
  std::shared_ptr<const std::string> script;

  bool is_script() const { return script && !script->empty(); }
  /// "mlp", "cnn" or "torchscript".
  std::string label() const;
};

/// A built-in model.
inline ModelSource builtin_model(ModelKind kind) {
  return ModelSource{kind, nullptr};
}
/// A TorchScript module from its bytes.
inline ModelSource script_model(std::string bytes) {
  return ModelSource{ModelKind::mlp, std::make_shared<const std::string>(std::move(bytes))};
}

/// What a model makes of one batch of examples of `input_shape`.
struct ModelProbe {
  std::int64_t outputs = 0;     ///< output size per example (the classes it predicts)
  std::int64_t parameters = 0;  ///< trainable scalars
};

/// Throws std::invalid_argument with a clear message when `model` is a script
/// whose bytes do not load as a TorchScript module of float32 parameters.
void check_model_loads(const ModelSource& model);

/// Runs `model` on one zero example of `input_shape` (without the batch
/// dimension). Throws std::invalid_argument with a clear message when the bytes
/// are not a TorchScript module, the module cannot take such an input, or its
/// output is not one row of class scores per example.
ModelProbe probe_model(const ModelSource& model, const std::vector<std::int64_t>& input_shape);

}  // namespace troupe::models
