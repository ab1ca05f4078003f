#include "cli/status_table.hpp"

#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace troupe::cli {
namespace {

std::string gib(std::uint64_t bytes) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0)
    << " GiB";
  return s.str();
}

/// A node's jobs as "job-1,job-2 " (with --share-nodes; the space keeps
/// the next column apart when the list is wider than its own).
std::string join_ids(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
  return out + " ";
}

}  // namespace

void print_status(std::ostream& out, const actors::ClusterStatus& st) {
  out << "aggregator: " << (st.aggregator ? "registered" : "none")
      << ", jobs done: " << st.jobs_done << ", queued: " << st.queued << '\n';
  if (st.job.empty()) {
    out << "job: idle\n";
  } else {
    out << "job: " << st.job << (st.job_id.empty() ? "" : " (" + st.job_id + ")") << ", round "
        << st.round << "/" << st.rounds;
    if (!st.progress.empty())
      out << ", accuracy " << std::fixed << std::setprecision(4) << st.progress.back().accuracy;
    out << '\n'
        << std::defaultfloat << "     priority " << st.priority << std::fixed
        << std::setprecision(1) << ", waited " << st.waiting_s << " s, running for "
        << st.elapsed_s - st.waiting_s << " s";
    if (st.deadline_s > 0)
      out << ", deadline "
          << (st.elapsed_s > st.deadline_s
                  ? std::string("missed")
                  : "in " + std::to_string(static_cast<int>(st.deadline_s - st.elapsed_s)) + " s");
    if (st.preempted > 0) out << ", yielded " << st.preempted << "x";
    if (st.yielding) out << ", yielding to a job of higher priority";
    out << '\n';
    if (st.running.size() > 1) {
      out << "     also in hand:";
      for (std::size_t i = 1; i < st.running.size(); ++i) out << ' ' << st.running[i];
      out << " (troupe jobs lists them)\n";
    }
  }
  out << std::left << std::setw(24) << "node" << std::setw(7) << "state" << std::setw(7) << "cores"
      << std::setw(20) << "memory avail/total" << std::setw(6) << "gpus" << std::setw(11) << "rss"
      << std::setw(6) << "cpu" << std::setw(11) << "shard" << std::setw(10) << "speed"
      << std::setw(8) << "task" << std::setw(10) << "job"
      << "last seen\n";
  for (const auto& n : st.nodes) {
    std::ostringstream mem, cpu, shard, seen;
    mem << gib(n.usage.memory_available ? n.usage.memory_available : n.resources.memory_available)
        << "/" << gib(n.resources.memory_total);
    cpu << std::fixed << std::setprecision(0) << 100.0 * n.usage.cpu_utilisation << "%";
    // A node with its own data shows how many examples it registered.
    shard << (n.data.local() ? "own:" + std::to_string(n.data.local_examples)
              : n.data.shard >= 0
                  ? std::to_string(n.data.shard) + "/" + std::to_string(n.data.shards)
                  : "any");
    seen << std::fixed << std::setprecision(1) << n.last_seen_s << " s ago";
    // Its --speed, or what its tasks measured (the model it trained most).
    std::ostringstream speed;
    const runtime::Throughput* most = nullptr;
    for (const auto& [model, t] : n.throughput)
      if (!most || t.tasks > most->tasks) most = &t;
    if (n.speed_given)
      speed << std::setprecision(3) << n.speed << "x";
    else if (most)
      speed << std::fixed << std::setprecision(0) << most->examples_per_s << "/s";
    else
      speed << "-";
    out << std::left << std::setw(24) << n.id << std::setw(7) << n.state << std::setw(7)
        << n.resources.cores << std::setw(20) << mem.str() << std::setw(6)
        << n.resources.gpus.size() << std::setw(11) << gib(n.usage.rss) << std::setw(6) << cpu.str()
        << std::setw(11) << shard.str() << std::setw(10) << speed.str() << std::setw(8)
        << (n.current_task >= 0 ? std::to_string(n.current_task) : "-") << std::setw(10)
        << (n.jobs.size() > 1 ? join_ids(n.jobs)
            : n.job.empty()   ? "-"
                              : n.job)
        << seen.str() << (n.state == "lost" ? "  (" + n.lost_reason + ")" : "")
        << (n.incarnation > 1 ? "  (incarnation " + std::to_string(n.incarnation) + ")" : "")
        << '\n';
  }
}

}  // namespace troupe::cli
