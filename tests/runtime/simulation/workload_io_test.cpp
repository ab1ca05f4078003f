#include <gtest/gtest.h>

#include "report/gantt_svg.hpp"
#include "report/schedule_report.hpp"
#include "runtime/core/input_error.hpp"
#include "runtime/simulation/workload_io.hpp"

using namespace troupe::runtime;

namespace {

template <typename F>
InputError error_of(F parse) {
  try {
    parse();
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return InputError("", 0, "");
}

}  // namespace

TEST(WorkloadIo, ReadsTasksFromCsvWithDefaultsAndAnyColumnOrder) {
  const auto tasks = parse_tasks(
      "# a comment\nwork,id,cpu,priority,deadline\n10,1,2,5,\n\n20,2,1,3,40\n", "t.csv");
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].task.task_id, 1);
  EXPECT_DOUBLE_EQ(tasks[0].task.priority, 5.0);
  EXPECT_DOUBLE_EQ(tasks[0].task.demand[0], 2.0);
  EXPECT_DOUBLE_EQ(tasks[0].task.work, 10.0);
  EXPECT_FALSE(tasks[0].task.deadline.has_value());
  EXPECT_DOUBLE_EQ(*tasks[1].task.deadline, 40.0);
}

TEST(WorkloadIo, ReadsNodesFromJsonArraysOrObjects) {
  const auto a = parse_nodes(R"([{"id": "a", "cpu": 8, "speed": 2, "state": "draining"}])", "n");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_DOUBLE_EQ(a[0].capacity[0], 8.0);
  EXPECT_DOUBLE_EQ(a[0].speed, 2.0);
  EXPECT_EQ(a[0].state, NodeState::draining);
  const auto b = parse_nodes(R"({"nodes": [{"id": "b", "memory": 64}]})", "n");
  EXPECT_DOUBLE_EQ(b[0].capacity[1], 64.0);
}

TEST(WorkloadIo, CsvErrorsNameTheLineAndTheReason) {
  auto e = error_of([] { parse_tasks("id,cpu\n1,2\n2,abc\n", "t.csv"); });
  EXPECT_EQ(e.file(), "t.csv");
  EXPECT_EQ(e.line(), 3);
  EXPECT_NE(e.reason().find("'cpu' is not a number"), std::string::npos) << e.what();
  e = error_of([] { parse_tasks("id,cpus\n1,2\n", "t.csv"); });
  EXPECT_EQ(e.line(), 1);
  EXPECT_NE(e.reason().find("unknown column 'cpus'"), std::string::npos);
  e = error_of([] { parse_tasks("id,cpu\n1,2,3\n", "t.csv"); });
  EXPECT_NE(e.reason().find("expected 2 fields"), std::string::npos);
  e = error_of([] { parse_tasks("id,cpu\n1,2\n1,3\n", "t.csv"); });
  EXPECT_EQ(e.line(), 3);
  EXPECT_NE(e.reason().find("twice"), std::string::npos);
  e = error_of([] { parse_nodes("id,cpu\na,-1\n", "n.csv"); });
  EXPECT_NE(e.reason().find("negative"), std::string::npos);
  e = error_of([] { parse_nodes("id,speed\na,0\n", "n.csv"); });
  EXPECT_NE(e.reason().find("speed"), std::string::npos);
}

TEST(WorkloadIo, JsonErrorsNameTheLineOfTheEntry) {
  const std::string text = "[\n  {\"id\": 1},\n  {\"id\": 2,\n   \"cpu\": \"lots\"}\n]\n";
  auto e = error_of([&] { parse_tasks(text, "t.json"); });
  EXPECT_EQ(e.line(), 3);
  EXPECT_NE(e.reason().find("'cpu' is not a number"), std::string::npos) << e.what();
  e = error_of([] { parse_tasks("[\n{\"id\": 1},\n{\"id\": 2,,}\n]", "t.json"); });
  EXPECT_EQ(e.line(), 3);
  EXPECT_NE(e.reason().find("invalid JSON"), std::string::npos) << e.what();
  e = error_of([] { parse_nodes("[{\"cpu\": 3}]", "n.json"); });
  EXPECT_NE(e.reason().find("missing 'id'"), std::string::npos);
}

TEST(WorkloadIo, ReadsAWorkloadWithNodeEvents) {
  const auto w = parse_workload(R"({"tasks": [{"id": 1, "arrival": 3, "work": 5}],
    "nodes": [{"id": "a", "cpu": 4}],
    "node_events": [{"time": 1, "node": "a", "up": false}, {"time": 2, "node": "a", "up": true}]})",
                                "w.json");
  EXPECT_DOUBLE_EQ(w.tasks[0].arrival, 3.0);
  ASSERT_EQ(w.node_events.size(), 2u);
  EXPECT_FALSE(w.node_events[0].up);
  EXPECT_TRUE(w.node_events[1].up);
  const auto e = error_of([] {
    parse_workload(R"({"tasks": [], "nodes": [], "node_events": [{"time": 1, "node": "x"}]})",
                   "w.json");
  });
  EXPECT_NE(e.reason().find("unknown node 'x'"), std::string::npos);
}

TEST(WorkloadIo, EmptyOrBinaryInputIsAnErrorNotACrash) {
  EXPECT_THROW(parse_tasks("", "e.csv"), InputError);
  EXPECT_THROW(parse_tasks(std::string("\0\x01\xff,\n", 5), "b.csv"), InputError);
  EXPECT_THROW(parse_workload("[]", "w.json"), InputError);
  EXPECT_THROW(read_text_file("/nonexistent/tasks.csv"), InputError);
}

TEST(GanttSvg, DrawsOneBarPerRunAndIsSelfContained) {
  AllocationRequest req;
  req.tasks = {TaskDemand::simple(1, 2.0, 1.0), TaskDemand::simple(2, 1.0, 1.0)};
  req.nodes = {NodeCapacity::simple("a<b", 4.0)};
  Allocation a;
  a.node_of_task = {0, 0};
  a.objective = 3.0;
  const auto svg = gantt_svg(report_allocation(req, a, "priority"));
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("a&lt;b"), std::string::npos);  // escaped
  std::size_t bars = 0;
  for (auto p = svg.find("<title>task"); p != std::string::npos; p = svg.find("<title>task", p + 1))
    ++bars;
  EXPECT_EQ(bars, 2u);
  EXPECT_EQ(svg.find("http://"), svg.find("http://www.w3.org/2000/svg"));  // no external refs
}
