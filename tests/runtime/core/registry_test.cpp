#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/allocation/allocator.hpp"
#include "runtime/allocation/priority_allocator.hpp"
#include "runtime/core/registry.hpp"

using namespace troupe::runtime;

namespace {

struct Widget {
  int size = 0;
};
using WidgetRegistry = Registry<Widget, int>;

WidgetRegistry::Factory sized(int extra) {
  return [extra](int n) { return std::make_unique<Widget>(Widget{n + extra}); };
}

}  // namespace

TEST(Registry, MakesTheProductRegisteredUnderTheName) {
  WidgetRegistry r("widget");
  r.add("small", sized(0));
  r.add("large", sized(100));
  EXPECT_EQ(r.make("large", 5)->size, 105);
  EXPECT_EQ(r.make("small", 5)->size, 5);
}

TEST(Registry, ListsNamesInRegistrationOrder) {
  WidgetRegistry r("widget");
  r.add("b", sized(0));
  r.add("a", sized(0));
  EXPECT_EQ(r.names(), (std::vector<std::string>{"b", "a"}));
  EXPECT_TRUE(r.contains("a"));
  EXPECT_FALSE(r.contains("c"));
}

TEST(Registry, RefusesATakenNameAndKeepsTheFirstFactory) {
  WidgetRegistry r("widget");
  r.add("w", sized(1));
  EXPECT_THROW(r.add("w", sized(2)), std::invalid_argument);
  EXPECT_EQ(r.make("w", 0)->size, 1);
}

TEST(Registry, RefusesEmptyNamesNamesWithSpacesAndEmptyFactories) {
  WidgetRegistry r("widget");
  EXPECT_THROW(r.add("", sized(0)), std::invalid_argument);
  EXPECT_THROW(r.add("two words", sized(0)), std::invalid_argument);
  EXPECT_THROW(r.add("a,b", sized(0)), std::invalid_argument);
  EXPECT_THROW(r.add("ok", WidgetRegistry::Factory{}), std::invalid_argument);
  EXPECT_TRUE(r.names().empty());
}

TEST(Registry, UnknownNameErrorListsTheKnownNames) {
  WidgetRegistry r("widget");
  r.add("alpha", sized(0));
  r.add("beta", sized(0));
  try {
    r.make("gamma", 0);
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unknown widget 'gamma' (known: alpha, beta)");
  }
}

TEST(Registry, AFactoryThatReturnsNothingIsAnError) {
  WidgetRegistry r("widget");
  r.add("null", [](int) { return std::unique_ptr<Widget>{}; });
  EXPECT_THROW(r.make("null", 0), std::runtime_error);
}

/// The priority policy under another name: a registered policy names itself
/// as registered, as every listed allocator must (Allocator.EveryListedName...).
class RenamedPriorityAllocator : public Allocator {
 public:
  std::string name() const override { return "registry-test-priority"; }
  Allocation allocate(const AllocationRequest& request) const override {
    return PriorityAllocator{}.allocate(request);
  }
};

TEST(AllocatorRegistry, ARegisteredPolicyIsMadeByNameAndListedAfterTheBuiltIns) {
  // Given a policy registered under a new name
  register_allocator("registry-test-priority",
                     [] { return std::make_unique<RenamedPriorityAllocator>(); });
  // Then make_allocator makes it and allocator_names lists it after the built-ins
  EXPECT_EQ(make_allocator("registry-test-priority")->name(), "registry-test-priority");
  const auto names = allocator_names();
  ASSERT_GE(names.size(), 8u);
  EXPECT_EQ(names.front(), "priority");
  EXPECT_NE(std::find(names.begin(), names.end(), "registry-test-priority"), names.end());
  EXPECT_LT(std::find(names.begin(), names.end(), "exact"),
            std::find(names.begin(), names.end(), "registry-test-priority"));
}

TEST(AllocatorRegistry, ABuiltInPolicyCannotBeReplaced) {
  EXPECT_THROW(register_allocator("exact", [] { return std::make_unique<PriorityAllocator>(); }),
               std::invalid_argument);
  EXPECT_EQ(make_allocator("exact")->name(), "exact");
}
