#include "runtime/io/job_registry.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "runtime/core/input_error.hpp"

namespace troupe::runtime {
namespace {

namespace fs = std::filesystem;

constexpr char kIndexFile[] = "jobs.json";
constexpr char kRestarted[] = "the scheduler restarted before the job finished";

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

fs::path job_dir(const std::string& dir, const std::string& id) {
  return fs::path(dir) / "jobs" / id;
}

}  // namespace

JobRegistry JobRegistry::open(const std::string& dir, double now) {
  JobRegistry reg;
  reg.dir_ = dir;
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "jobs", ec);
  if (ec)
    throw std::runtime_error("cannot create the state directory '" + dir + "': " + ec.message());
  const auto index_path = (fs::path(dir) / kIndexFile).string();
  if (fs::exists(index_path)) {
    auto text = read_text(index_path);
    if (!text) throw InputError(index_path, 0, "cannot read the file");
    reg.index_ = index_from_json(*text, index_path);
  }
  bool changed = false;
  for (auto& job : reg.index_.jobs) {
    if (is_final(job.state)) continue;
    job.state = JobState::failed;
    job.finished = now;
    job.note = kRestarted;
    changed = true;
  }
  if (changed) reg.save();
  return reg;
}

std::string JobRegistry::add(const std::string& name, std::int32_t rounds, double now,
                             double priority, double deadline_s) {
  JobRecord r;
  r.id = job_id(index_.next++);
  r.name = name;
  r.rounds = rounds;
  r.submitted = now;
  r.priority = priority;
  r.deadline_s = deadline_s;
  index_.jobs.push_back(r);
  save();
  return r.id;
}

void JobRegistry::started(const std::string& id, double now) {
  auto* r = find_mutable(id);
  if (!r || is_final(r->state)) return;
  r->state = JobState::running;
  if (r->started <= 0.0) r->started = now;
  save();
}

void JobRegistry::yielded(const std::string& id) {
  auto* r = find_mutable(id);
  if (!r || is_final(r->state)) return;
  r->state = JobState::queued;
  ++r->preempted;
  save();
}

void JobRegistry::progressed(const std::string& id, std::int32_t round, double accuracy) {
  // Kept in memory only: a job still running at a restart fails anyway.
  if (auto* r = find_mutable(id)) {
    r->rounds_done = round;
    r->accuracy = accuracy;
  }
}

void JobRegistry::finished(const std::string& id, JobState state, double now,
                           const std::string& note, JobReports reports) {
  auto* r = find_mutable(id);
  if (!r || is_final(r->state)) return;
  r->state = state;
  r->finished = now;
  r->note = note;
  if (dir_.empty()) {
    memory_[id] = std::move(reports);
  } else {
    // The reports first, so that a job the index calls finished has them.
    const auto where = job_dir(dir_, id);
    fs::create_directories(where);
    write_file_atomically((where / "report.json").string(), reports.json);
    write_file_atomically((where / "report.html").string(), reports.html);
  }
  save();
}

const JobRecord* JobRegistry::find(const std::string& id) const {
  for (const auto& r : index_.jobs)
    if (r.id == id) return &r;
  return nullptr;
}

JobRecord* JobRegistry::find_mutable(const std::string& id) {
  return const_cast<JobRecord*>(find(id));
}

std::optional<JobReports> JobRegistry::reports(const std::string& id) const {
  const auto* r = find(id);
  if (!r || !is_final(r->state)) return std::nullopt;
  if (dir_.empty()) {
    auto it = memory_.find(id);
    if (it == memory_.end()) return std::nullopt;
    return it->second;
  }
  // `id` is an index entry, checked to be `job-N` when read: no path escapes.
  const auto where = job_dir(dir_, id);
  auto json = read_text(where / "report.json");
  auto html = read_text(where / "report.html");
  if (!json || !html) return std::nullopt;
  return JobReports{std::move(*json), std::move(*html)};
}

void JobRegistry::save() const {
  if (dir_.empty()) return;
  write_file_atomically((fs::path(dir_) / kIndexFile).string(), index_to_json(index_));
}

}  // namespace troupe::runtime
