#include "runtime/io/job_index.hpp"

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "runtime/core/input_error.hpp"

namespace troupe::runtime {
namespace {

using json = nlohmann::json;

constexpr std::array<std::string_view, 5> kStateNames{"queued", "running", "succeeded", "failed",
                                                      "cancelled"};
constexpr int kFormat = 1;
constexpr std::string_view kIdPrefix = "job-";

JobRecord read_record(const json& j, const std::string& where, const std::string& source) {
  if (!j.is_object()) throw InputError(source, 0, where + ": expected an object");
  JobRecord r;
  try {
    r.id = j.at("id").get<std::string>();
    r.name = j.at("name").get<std::string>();
    const auto state = j.at("state").get<std::string>();
    const auto parsed = parse_job_state(state);
    if (!parsed) throw InputError(source, 0, where + ".state: unknown state '" + state + "'");
    r.state = *parsed;
    r.submitted = j.at("submitted").get<double>();
    r.started = j.at("started").get<double>();
    r.finished = j.at("finished").get<double>();
    r.rounds = j.at("rounds").get<std::int32_t>();
    r.rounds_done = j.at("rounds_done").get<std::int32_t>();
    r.accuracy = j.at("accuracy").get<double>();
    r.note = j.at("note").get<std::string>();
    // Added later: an index written before them has neither.
    r.priority = j.value("priority", 1.0);
    r.deadline_s = j.value("deadline_s", 0.0);
    r.preempted = j.value("preempted", 0);
  } catch (const json::exception& e) {
    throw InputError(source, 0, where + ": " + e.what());
  }
  if (!job_serial(r.id)) throw InputError(source, 0, where + ".id: not a job id: '" + r.id + "'");
  return r;
}

json records_json(const std::vector<JobRecord>& records);

}  // namespace

std::string_view to_string(JobState state) {
  return kStateNames[static_cast<std::size_t>(state)];
}

std::optional<JobState> parse_job_state(std::string_view text) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i)
    if (kStateNames[i] == text) return static_cast<JobState>(i);
  return std::nullopt;
}

bool is_final(JobState state) {
  return state != JobState::queued && state != JobState::running;
}

JobState final_state(RunStatus status) {
  switch (status) {
    case RunStatus::ok:
    case RunStatus::degraded:
      return JobState::succeeded;
    case RunStatus::cancelled:
      return JobState::cancelled;
    case RunStatus::failed:
    case RunStatus::refused:
      break;
  }
  return JobState::failed;
}

std::string job_id(std::int64_t serial) {
  return std::string(kIdPrefix) + std::to_string(serial);
}

std::optional<std::int64_t> job_serial(std::string_view id) {
  if (id.substr(0, kIdPrefix.size()) != kIdPrefix) return std::nullopt;
  const auto digits = id.substr(kIdPrefix.size());
  // At most 18 digits, so the number fits; no sign, no leading zero.
  if (digits.empty() || digits.size() > 18 || digits[0] == '0') return std::nullopt;
  std::int64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

namespace {

json records_json(const std::vector<JobRecord>& records) {
  json jobs = json::array();
  for (const auto& r : records)
    jobs.push_back({{"id", r.id},
                    {"name", r.name},
                    {"state", std::string(to_string(r.state))},
                    {"submitted", r.submitted},
                    {"started", r.started},
                    {"finished", r.finished},
                    {"rounds", r.rounds},
                    {"rounds_done", r.rounds_done},
                    {"accuracy", r.accuracy},
                    {"note", r.note},
                    {"priority", r.priority},
                    {"deadline_s", r.deadline_s},
                    {"preempted", r.preempted}});
  return jobs;
}

}  // namespace

std::string index_to_json(const JobIndex& index) {
  return json{{"format", kFormat}, {"next", index.next}, {"jobs", records_json(index.jobs)}}.dump(
             2) +
         "\n";
}

std::string jobs_to_json(const std::vector<JobRecord>& jobs) {
  return json{{"jobs", records_json(jobs)}}.dump(2) + "\n";
}

JobIndex index_from_json(const std::string& text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw InputError(source, 0, std::string("not valid JSON: ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("jobs") || !doc["jobs"].is_array())
    throw InputError(source, 0, "not a troupe job index (expected an object with a 'jobs' array)");
  if (doc.value("format", 0) != kFormat)
    throw InputError(source, 0,
                     "unknown job index format (expected format " + std::to_string(kFormat) + ")");
  JobIndex index;
  try {
    index.next = doc.at("next").get<std::int64_t>();
  } catch (const json::exception& e) {
    throw InputError(source, 0, std::string("next: ") + e.what());
  }
  std::set<std::string> seen;
  const auto& jobs = doc["jobs"];
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto r = read_record(jobs[i], "jobs[" + std::to_string(i) + "]", source);
    if (!seen.insert(r.id).second) throw InputError(source, 0, "job " + r.id + " appears twice");
    // An id is never reused, even when `next` was edited by hand.
    if (*job_serial(r.id) >= index.next) index.next = *job_serial(r.id) + 1;
    index.jobs.push_back(std::move(r));
  }
  return index;
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write '" + path + "'");
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write '" + path + "'");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write '" + path + "'");
  }
}

}  // namespace troupe::runtime
