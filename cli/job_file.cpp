#include "cli/job_file.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/invocation.hpp"
#include "cli/option_rules.hpp"
#include "runtime/core/job_fields.hpp"
#include "runtime/io/job_json.hpp"

namespace troupe::cli {

std::string merge_job_file(const std::string& path, const boost::program_options::variables_map& vm,
                           runtime::JobSpec& job) {
  const std::string where = "--job " + path + ": ";
  std::ifstream in(path);
  if (!in) return where + "cannot read the file";
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    return where + "not valid JSON (" + e.what() + ")";
  }
  if (!doc.is_object() || !doc.contains("config") || !doc["config"].is_object())
    return where + "no \"config\" object: give a report that troupe run, train or submit wrote";
  // Through JSON both ways: the file's job, with each given option's value on top.
  auto merged = doc["config"];
  const auto mine = runtime::job_to_json(job);
  runtime::for_each_field(job, [&](const runtime::JobField& field, const auto&) {
    if (given(vm, field.flag)) merged[field.key] = mine.at(field.key);
  });
  try {
    job = runtime::job_from_json(merged);
  } catch (const std::exception& e) {
    return where + e.what();
  }
  record_job_file(path);
  return {};
}

}  // namespace troupe::cli
