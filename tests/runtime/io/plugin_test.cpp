#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "runtime/allocation/allocator.hpp"
#include "runtime/io/plugin.hpp"
#include "test_util.hpp"

using namespace troupe::runtime;

namespace {

/// Runs `load` and returns the PluginError's message (empty if none was thrown).
template <class F>
std::string plugin_error(F load) {
  try {
    load();
  } catch (const PluginError& e) {
    return e.what();
  }
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(Plugin, LoadingRegistersThePluginsAllocator) {
  load_plugin(TROUPE_TEST_PLUGIN_FIRST_FIT);  // false when another test loaded it first
  const auto names = allocator_names();
  ASSERT_NE(std::find(names.begin(), names.end(), "test-first-fit"), names.end());

  auto allocator = make_allocator("test-first-fit");
  AllocationRequest req;
  for (int t = 0; t < 3; ++t) req.tasks.push_back(TaskDemand::simple(t, 1.0, 1.0));
  req.nodes = {NodeCapacity::simple("a", 2.0), NodeCapacity::simple("b", 2.0)};
  const auto a = allocator->allocate(req);
  EXPECT_EQ(check_allocation(req, a), "");
  EXPECT_EQ(a.node_of_task, (std::vector<int>{0, 0, 1}));
}

TEST(Plugin, LoadingTheSamePathTwiceIsANoOp) {
  load_plugin(TROUPE_TEST_PLUGIN_FIRST_FIT);
  const auto before = loaded_plugins().size();
  // A second load (also through another spelling of the path) registers nothing
  // again, so no "already registered" error.
  EXPECT_FALSE(load_plugin(TROUPE_TEST_PLUGIN_FIRST_FIT));
  const auto dir = std::filesystem::path(TROUPE_TEST_PLUGIN_FIRST_FIT).parent_path();
  const auto file = std::filesystem::path(TROUPE_TEST_PLUGIN_FIRST_FIT).filename();
  EXPECT_FALSE(load_plugin((dir / "." / file).string()));
  EXPECT_EQ(loaded_plugins().size(), before);
}

TEST(Plugin, AMissingFileIsAnErrorNamingThePath) {
  const auto why = plugin_error([] { load_plugin("/nonexistent/libnothing.so"); });
  EXPECT_TRUE(contains(why, "/nonexistent/libnothing.so")) << why;
  EXPECT_TRUE(contains(why, "No such file")) << why;
}

TEST(Plugin, AFileThatIsNotASharedLibraryIsAnErrorWithTheLoadersMessage) {
  troupe::test::TempDir dir;
  std::ofstream(dir.file("fake.so")) << "not an ELF file\n";
  const auto why = plugin_error([&] { load_plugin(dir.file("fake.so")); });
  EXPECT_TRUE(contains(why, "cannot load")) << why;
  EXPECT_TRUE(contains(why, "fake.so")) << why;
}

TEST(Plugin, ALibraryWithoutTheEntryPointIsAnError) {
  const auto why = plugin_error([] { load_plugin(TROUPE_TEST_PLUGIN_NO_ENTRY); });
  EXPECT_TRUE(contains(why, "no troupe_plugin_init")) << why;
}

TEST(Plugin, AFailingEntryPointIsAnErrorWithItsMessage) {
  const auto why = plugin_error([] { load_plugin(TROUPE_TEST_PLUGIN_THROWING); });
  EXPECT_TRUE(contains(why, "the test plugin refuses to start")) << why;
}

TEST(Plugin, APluginBuiltForAnotherAbiIsRefusedWithoutRunningIt) {
  // Its init would abort the test binary.
  const auto why = plugin_error([] { load_plugin(TROUPE_TEST_PLUGIN_WRONG_ABI); });
  EXPECT_TRUE(contains(why, "ABI 999")) << why;
}

TEST(Plugin, AnEmptyPathIsAnError) {
  EXPECT_THROW(load_plugin(""), PluginError);
}
