// A report's provenance: the command line as a shell would read it back, the
// UTC time in ISO-8601, hosts listed once each.
#include <gtest/gtest.h>

#include <regex>

#include "runtime/core/provenance.hpp"

namespace troupe::runtime {
namespace {

TEST(Provenance, PlainArgumentsStayAsTheyAreAndOthersAreQuoted) {
  const char* argv[] = {"troupe", "run", "--out", "/tmp/x.json", "--name", "my job", "it's", ""};
  EXPECT_EQ(quoted_command_line(8, argv),
            "troupe run --out /tmp/x.json --name 'my job' 'it'\\''s' ''");
}

TEST(Provenance, TheStartTimeIsIso8601InUtc) {
  EXPECT_TRUE(std::regex_match(utc_now_iso8601(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << utc_now_iso8601();
}

TEST(Provenance, HostsAreListedOnceInTheOrderFirstSeen) {
  std::vector<std::string> hosts;
  add_host(hosts, "a");
  add_host(hosts, "b");
  add_host(hosts, "a");
  add_host(hosts, "");
  EXPECT_EQ(hosts, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(this_host().empty());
}

}  // namespace
}  // namespace troupe::runtime
