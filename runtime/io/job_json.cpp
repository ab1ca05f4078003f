#include "runtime/io/job_json.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "runtime/core/job_fields.hpp"

namespace troupe::runtime {
namespace {

[[noreturn]] void wrong_type(const char* key) {
  throw std::runtime_error(std::string("job config: \"") + key + "\" has the wrong type");
}

template <class T>
void read(const nlohmann::json& value, const JobField& field, T& out) {
  try {
    if constexpr (is_named_enum<T>) {
      const auto text = value.get<std::string>();
      const auto parsed = parse_enum<T>(text);
      if (!parsed) throw std::runtime_error("job config: " + bad_choice<T>(field.flag, text));
      out = *parsed;
    } else {
      out = value.get<T>();
    }
  } catch (const nlohmann::json::exception&) {
    wrong_type(field.key);
  }
}

}  // namespace

nlohmann::json job_to_json(const JobSpec& job) {
  nlohmann::json j = nlohmann::json::object();
  for_each_field(job, [&](const JobField& field, const auto& value) {
    if constexpr (is_named_enum<std::decay_t<decltype(value)>>)
      j[field.key] = to_string(value);
    else
      j[field.key] = value;
  });
  return j;
}

JobSpec job_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::runtime_error("job config: expected a JSON object");
  JobSpec job;
  for_each_field(job, [&](const JobField& field, auto& value) {
    auto it = j.find(field.key);
    if (it != j.end() && !it->is_null()) read(*it, field, value);
  });
  return job;
}

}  // namespace troupe::runtime
