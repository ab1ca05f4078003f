// troupe jobs | wait | cancel: a scheduler's jobs, by id (actors/job_client.hpp).
#include <chrono>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "actors/job_client.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/progress_printer.hpp"
#include "report/report_reader.hpp"
#include "runtime/core/input_error.hpp"

namespace troupe::cli {

namespace po = boost::program_options;

namespace {

/// "2026-12-02 12:03:28" (UTC); "-" for no time.
std::string utc(double t) {
  if (t <= 0) return "-";
  const auto secs = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%d %H:%M:%S");
  return out.str();
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string seconds(double s) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << std::max(0.0, s) << " s";
  return out.str();
}

/// Seconds from start to end (to now while it runs); "-" before it started.
std::string duration(const runtime::JobRecord& j, double now) {
  if (j.started <= 0) return "-";
  return seconds((j.finished > 0 ? j.finished : now) - j.started);
}

/// Seconds from submission to the start of its set-up (to now while queued).
std::string waited(const runtime::JobRecord& j, double now) {
  if (j.submitted <= 0) return "-";
  return seconds((j.started > 0 ? j.started : j.finished > 0 ? j.finished : now) - j.submitted);
}

/// "met" or "missed" once it ended (or once the deadline passed), else the
/// time left; "-" without a deadline.
std::string deadline(const runtime::JobRecord& j, double now) {
  if (j.deadline_s <= 0 || j.submitted <= 0) return "-";
  const double due = j.submitted + j.deadline_s;
  if (j.finished > 0) return j.finished <= due ? "met" : "missed";
  return now > due ? "missed" : "in " + seconds(due - now);
}

void print_jobs(std::ostream& out, const std::vector<runtime::JobRecord>& jobs) {
  const double now = unix_now();
  out << std::left << std::setw(9) << "ID" << std::setw(20) << "NAME" << std::setw(11) << "STATE"
      << std::setw(9) << "ROUNDS" << std::setw(10) << "ACCURACY" << std::setw(21) << "SUBMITTED"
      << std::setw(10) << "DURATION" << std::setw(10) << "PRIORITY" << std::setw(10) << "WAITED"
      << "DEADLINE\n";
  for (const auto& j : jobs) {
    std::ostringstream accuracy, priority;
    if (j.rounds_done > 0) accuracy << std::fixed << std::setprecision(4) << j.accuracy;
    priority << j.priority;
    out << std::left << std::setw(9) << j.id << std::setw(20) << j.name << std::setw(11)
        << to_string(j.state) << std::setw(9)
        << (std::to_string(j.rounds_done) + "/" + std::to_string(j.rounds)) << std::setw(10)
        << (j.rounds_done > 0 ? accuracy.str() : "-") << std::setw(21) << utc(j.submitted)
        << std::setw(10) << duration(j, now) << std::setw(10) << priority.str() << std::setw(10)
        << waited(j, now) << deadline(j, now) << '\n';
  }
}

/// Adds the job id as the one positional argument.
po::positional_options_description id_position(po::options_description& desc, std::string& id) {
  desc.add_options()("id", po::value(&id), "the job's id (job-N), also bare");
  po::positional_options_description positional;
  positional.add("id", 1);
  return positional;
}

/// Reports a failed request and returns its exit code.
int failed(const std::string& command, const actors::JobReply& reply) {
  std::cerr << "troupe " << command << ": " << reply.why << '\n';
  return reply.code;
}

}  // namespace

int jobs_command(int argc, char** argv) {
  SchedulerClient client;
  bool as_json = false;
  po::options_description desc("troupe jobs options");
  desc.add_options()("json", po::bool_switch(&as_json), "print the jobs as JSON");
  add_client_options(desc, client);
  if (auto code = parse_options("jobs", argc, argv, desc)) return *code;
  if (auto code = load_client_options("jobs", client)) return *code;
  actors::JobList list;
  if (auto reply = actors::request_jobs({client.endpoint, client.common}, list); reply.code != 0)
    return failed("jobs", reply);
  if (as_json)
    std::cout << runtime::jobs_to_json(list.jobs);
  else
    print_jobs(std::cout, list.jobs);
  return kExitOk;
}

int wait_command(int argc, char** argv) {
  SchedulerClient client;
  std::string id;
  ReportOutputs outputs;
  po::options_description desc("troupe wait options (troupe wait ID)");
  auto positional = id_position(desc, id);
  add_report_options(desc, outputs);
  add_client_options(desc, client);
  po::variables_map vm;
  if (auto code = parse_command_line("wait", desc, argc, argv, vm, &positional)) return *code;
  if (auto code = load_client_options("wait", client)) return *code;
  if (id.empty()) return usage_error("wait", "give the job's id (troupe wait ID)");
  const actors::JobClientOptions where{client.endpoint, client.common};
  // The job's round count, for the progress line.
  actors::JobList list;
  if (auto reply = actors::request_jobs(where, list); reply.code != 0) return failed("wait", reply);
  int rounds = 0;
  for (const auto& j : list.jobs)
    if (j.id == id) rounds = j.rounds;
  ProgressPrinter progress(rounds, client.common.quiet);
  std::string json;
  auto reply = actors::follow(
      where, id, [&](const runtime::RoundRecord& r) { progress.round(r); }, json,
      [](const std::string& text) { std::cerr << "troupe wait: " << text << std::endl; });
  progress.finish();
  if (reply.code != 0) return failed("wait", reply);
  runtime::RunReport report;
  try {
    report = runtime::report_from_json(json, id);
  } catch (const runtime::InputError& e) {
    std::cerr << "troupe wait: the report of " << id << ": " << e.what() << '\n';
    return kExitFailed;
  }
  return finish_report(report, outputs);
}

int cancel_command(int argc, char** argv) {
  SchedulerClient client;
  std::string id;
  po::options_description desc("troupe cancel options (troupe cancel ID)");
  auto positional = id_position(desc, id);
  add_client_options(desc, client);
  po::variables_map vm;
  if (auto code = parse_command_line("cancel", desc, argc, argv, vm, &positional)) return *code;
  if (auto code = load_client_options("cancel", client)) return *code;
  if (id.empty()) return usage_error("cancel", "give the job's id (troupe cancel ID)");
  bool cancelled = false;
  std::string state;
  auto reply = actors::request_cancel({client.endpoint, client.common}, id, cancelled, state);
  if (reply.code != 0) return failed("cancel", reply);
  if (!cancelled) {
    std::cerr << "troupe cancel: " << id << " had already finished (" << state << ")\n";
    return kExitFailed;
  }
  if (!client.common.quiet) std::cout << id << " cancelled\n";
  return kExitOk;
}

}  // namespace troupe::cli
