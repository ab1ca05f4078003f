#include "runtime/system/log.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <vector>

using namespace troupe::runtime::logging;

namespace {

/// The lines written while `body` runs under `options`; the log goes back to
/// its defaults afterwards.
template <class Body>
std::vector<std::string> lines_of(const LogOptions& options, Body body) {
  std::ostringstream out;
  configure(options, out);
  body();
  configure(LogOptions{});
  std::vector<std::string> lines;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(Log, JsonLinesAreOneObjectEachWithUtcMillisecondTimeLevelProcessMessageAndFields) {
  LogOptions o;
  o.format = Format::json;
  o.process = "scheduler";
  const auto lines = lines_of(o, [] {
    info("troupe scheduler: node 'a \"quoted\"' joined", {{"node", "a"}, {"event", "node_joined"}});
    warn("second\nline");
  });
  ASSERT_EQ(lines.size(), 2u);
  const auto first = nlohmann::json::parse(lines[0]);
  EXPECT_TRUE(std::regex_match(first.at("ts").get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << lines[0];
  EXPECT_EQ(first.at("level"), "info");
  EXPECT_EQ(first.at("process"), "scheduler");
  EXPECT_EQ(first.at("msg"), "troupe scheduler: node 'a \"quoted\"' joined");
  EXPECT_EQ(first.at("node"), "a");
  EXPECT_EQ(first.at("event"), "node_joined");
  const auto second = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(second.at("level"), "warn");
  EXPECT_EQ(second.at("msg"), "second\nline");
}

TEST(Log, TextLinesStartWithTheTimeAndLevelAndKeepTheMessageAsWritten) {
  const auto lines = lines_of(LogOptions{}, [] {
    info("troupe node a: connected", {{"node", "a"}});
  });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(std::regex_match(
      lines[0],
      std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info  troupe node a: connected)")))
      << lines[0];
}

TEST(Log, LinesBelowTheConfiguredLevelAreLeftOut) {
  LogOptions o;
  o.level = Level::warn;
  const auto lines = lines_of(o, [] {
    debug("d");
    info("i");
    Line(Level::warn) << "w " << 1;
    error("e");
  });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(" warn  w 1"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(" error e"), std::string::npos) << lines[1];
  o.level = Level::off;
  EXPECT_TRUE(lines_of(o, [] { error("e"); }).empty());
}

TEST(Log, LevelsAndFormatsParseOnlyTheirOwnNames) {
  EXPECT_EQ(parse_level("warn"), Level::warn);
  EXPECT_EQ(parse_level("off"), Level::off);
  EXPECT_FALSE(parse_level("warning"));
  EXPECT_FALSE(parse_level("INFO"));
  EXPECT_EQ(parse_format("json"), Format::json);
  EXPECT_FALSE(parse_format("xml"));
}

}  // namespace
