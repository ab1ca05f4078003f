#pragma once
/// \file
/// The models troupe can train, by name.

#include <optional>
#include <ostream>
#include <string>

namespace troupe::models {

enum class ModelKind { mlp, cnn };

/// "mlp" or "cnn".
const char* to_string(ModelKind kind);
/// Parses "mlp" / "cnn"; empty when the name is unknown.
std::optional<ModelKind> parse_model_kind(const std::string& name);
/// Streams "mlp" or "cnn".
inline std::ostream& operator<<(std::ostream& os, ModelKind kind) {
  return os << to_string(kind);
}

}  // namespace troupe::models
