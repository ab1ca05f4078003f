#include "runtime/core/job_enums.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace troupe::runtime {
namespace {

template <class E>
void write(nlohmann::json& j, E e) {
  j = to_string(e);
}

template <class E>
void read(const nlohmann::json& j, E& e) {
  if (!j.is_string()) throw std::invalid_argument("expected " + enum_choices<E>());
  const auto text = j.get<std::string>();
  const auto parsed = parse_enum<E>(text);
  if (!parsed)
    throw std::invalid_argument("expected " + enum_choices<E>() + " (got '" + text + "')");
  e = *parsed;
}

}  // namespace

#define TROUPE_ENUM_JSON(E)                       \
  void to_json(nlohmann::json& j, const E& e) {   \
    write(j, e);                                  \
  }                                               \
  void from_json(const nlohmann::json& j, E& e) { \
    read(j, e);                                   \
  }
TROUPE_ENUM_JSON(Mode)
TROUPE_ENUM_JSON(Partition)
TROUPE_ENUM_JSON(Attack)
TROUPE_ENUM_JSON(Staleness)
TROUPE_ENUM_JSON(DistillEval)
TROUPE_ENUM_JSON(EvalMode)
TROUPE_ENUM_JSON(RunStatus)
TROUPE_ENUM_JSON(DpMode)
#undef TROUPE_ENUM_JSON

}  // namespace troupe::runtime
