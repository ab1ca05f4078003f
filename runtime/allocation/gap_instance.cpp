#include "runtime/allocation/gap_instance.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "runtime/core/input_error.hpp"

namespace troupe::runtime {
namespace {

/// Whitespace-separated numbers with the line each one started on.
class NumberReader {
 public:
  NumberReader(std::istream& in, std::string name) : in_(in), name_(std::move(name)) {}

  /// The next number; `what` names it in the error when it is missing or bad.
  double next(const std::string& what) {
    std::string token;
    if (!next_token(token))
      throw InputError(name_, line_, "unexpected end of file, expected " + what);
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(token.c_str(), &end);
    if (end != token.c_str() + token.size() || errno == ERANGE || !std::isfinite(v))
      throw InputError(name_, line_, "'" + token + "' is not a number (" + what + ")");
    return v;
  }

  int next_count(const std::string& what, int max) {
    const double v = next(what);
    if (v != std::floor(v) || v < 1 || v > max)
      throw InputError(
          name_, line_,
          what + " must be an integer in 1.." + std::to_string(max) + ", got " + std::to_string(v));
    return static_cast<int>(v);
  }

  bool at_end() {
    std::string token;
    return !next_token(token);
  }
  int line() const { return line_; }
  const std::string& name() const { return name_; }

 private:
  bool next_token(std::string& token) {
    int c;
    while ((c = in_.get()) != EOF && std::isspace(c))
      if (c == '\n') ++line_;
    if (c == EOF) return false;
    token.assign(1, static_cast<char>(c));
    while ((c = in_.peek()) != EOF && !std::isspace(c))
      token.push_back(static_cast<char>(in_.get()));
    return true;
  }

  std::istream& in_;
  std::string name_;
  int line_ = 1;
};

constexpr int kMaxProblems = 1000;
constexpr int kMaxSide = 1'000'000;

}  // namespace

std::vector<GapProblem> parse_gap(std::istream& in, const std::string& name) {
  NumberReader r(in, name);
  const int count = r.next_count("the number of problems", kMaxProblems);
  std::vector<GapProblem> problems;
  for (int p = 1; p <= count; ++p) {
    const std::string where = "problem " + std::to_string(p) + ": ";
    GapProblem g;
    g.agents = r.next_count(where + "number of agents", kMaxSide);
    g.jobs = r.next_count(where + "number of jobs", kMaxSide);
    const long long cells = static_cast<long long>(g.agents) * g.jobs;
    if (cells > kMaxGapCells) throw InputError(name, r.line(), where + "agents x jobs too large");
    g.value.resize(static_cast<std::size_t>(cells));
    g.demand.resize(static_cast<std::size_t>(cells));
    for (auto& v : g.value) v = r.next(where + "a value c[i][j]");
    for (auto& a : g.demand) {
      a = r.next(where + "a demand a[i][j]");
      if (a < 0) throw InputError(name, r.line(), where + "negative demand");
    }
    g.capacity.resize(static_cast<std::size_t>(g.agents));
    for (auto& b : g.capacity) {
      b = r.next(where + "a capacity b[i]");
      if (b < 0) throw InputError(name, r.line(), where + "negative capacity");
    }
    problems.push_back(std::move(g));
  }
  if (!r.at_end())
    throw InputError(name, r.line(),
                     "trailing data after " + std::to_string(count) + " problem(s)");
  return problems;
}

std::vector<GapProblem> read_gap_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, "cannot open file");
  return parse_gap(in, path);
}

AllocationRequest to_request(const GapProblem& g, Sense sense, Placement placement) {
  AllocationRequest r;
  r.options.sense = sense;
  r.options.placement = placement;
  const auto agents = static_cast<std::size_t>(g.agents);
  const auto jobs = static_cast<std::size_t>(g.jobs);
  for (std::size_t j = 0; j < jobs; ++j)
    r.tasks.push_back(TaskDemand::simple(static_cast<std::int64_t>(j + 1), 0.0, 0.0));
  for (std::size_t i = 0; i < agents; ++i)
    r.nodes.push_back(NodeCapacity::simple("agent" + std::to_string(i + 1), g.capacity[i]));
  r.pair_value.resize(jobs * agents);
  r.pair_demand.resize(jobs * agents, Resources{});
  for (std::size_t i = 0; i < agents; ++i)
    for (std::size_t j = 0; j < jobs; ++j) {
      r.pair_value[j * agents + i] = g.value[i * jobs + j];
      r.pair_demand[j * agents + i][0] = g.demand[i * jobs + j];
    }
  return r;
}

}  // namespace troupe::runtime
