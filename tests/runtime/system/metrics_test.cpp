#include "runtime/system/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

using namespace troupe::runtime;

namespace {

TEST(Metrics, EveryFamilyHasItsHelpAndTypeLinesBeforeItsSamples) {
  MetricsRegistry m;
  m.declare("troupe_rounds_total", MetricType::counter, "Rounds evaluated");
  m.declare("troupe_accuracy", MetricType::gauge, "Test accuracy");
  m.add("troupe_rounds_total", 3);
  m.set("troupe_accuracy", 0.8603);
  EXPECT_EQ(m.render(),
            "# HELP troupe_rounds_total Rounds evaluated\n"
            "# TYPE troupe_rounds_total counter\n"
            "troupe_rounds_total 3\n"
            "# HELP troupe_accuracy Test accuracy\n"
            "# TYPE troupe_accuracy gauge\n"
            "troupe_accuracy 0.8603\n");
}

TEST(Metrics, LabelsAreWrittenInNameOrderWhateverOrderTheyWereGivenIn) {
  MetricsRegistry m;
  m.declare("troupe_x", MetricType::gauge, "x");
  m.set("troupe_x", 1, {{"zone", "b"}, {"node", "n1"}});
  m.set("troupe_x", 2, {{"node", "n0"}, {"zone", "a"}});
  EXPECT_EQ(m.render(),
            "# HELP troupe_x x\n# TYPE troupe_x gauge\n"
            "troupe_x{node=\"n0\",zone=\"a\"} 2\n"
            "troupe_x{node=\"n1\",zone=\"b\"} 1\n");
}

TEST(Metrics, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  MetricsRegistry m;
  m.declare("troupe_refused_total", MetricType::counter, "help with \\ and\nnewline");
  m.add("troupe_refused_total", 1, {{"reason", "say \"no\"\n"}});
  EXPECT_EQ(m.render(),
            "# HELP troupe_refused_total help with \\\\ and\\nnewline\n"
            "# TYPE troupe_refused_total counter\n"
            "troupe_refused_total{reason=\"say \\\"no\\\"\\n\"} 1\n");
}

TEST(Metrics, CountersAddUpPerLabelSetAndGaugesKeepTheLatestValue) {
  MetricsRegistry m;
  m.declare("troupe_c", MetricType::counter, "c");
  m.declare("troupe_g", MetricType::gauge, "g");
  m.add("troupe_c", 1, {{"reason", "a"}});
  m.add("troupe_c", 2, {{"reason", "a"}});
  m.add("troupe_c", 5, {{"reason", "b"}});
  m.set("troupe_g", 7);
  m.set("troupe_g", 4);
  EXPECT_EQ(m.value("troupe_c", {{"reason", "a"}}), 3);
  EXPECT_EQ(m.value("troupe_c", {{"reason", "b"}}), 5);
  EXPECT_EQ(m.value("troupe_g"), 4);
}

TEST(Metrics, SpecialValuesAreWrittenAsPrometheusSpellsThem) {
  EXPECT_EQ(format_sample(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(format_sample(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_sample(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_sample(1234567), "1234567");
  EXPECT_EQ(format_sample(0.25), "0.25");
}

TEST(Metrics, MisuseIsRefusedRatherThanRenderedAsAnInvalidExposition) {
  MetricsRegistry m;
  EXPECT_THROW(m.declare("troupe-bad", MetricType::gauge, "dash"), std::invalid_argument);
  EXPECT_THROW(m.declare("1troupe", MetricType::gauge, "digit first"), std::invalid_argument);
  m.declare("troupe_c", MetricType::counter, "c");
  EXPECT_THROW(m.declare("troupe_c", MetricType::gauge, "c"), std::invalid_argument);
  EXPECT_THROW(m.add("troupe_c", -1), std::invalid_argument);
  EXPECT_THROW(m.set("troupe_c", 1), std::invalid_argument);
  EXPECT_THROW(m.add("troupe_undeclared"), std::invalid_argument);
  EXPECT_THROW(m.add("troupe_c", 1, {{"bad-label", "x"}}), std::invalid_argument);
  EXPECT_THROW(m.add("troupe_c", 1, {{"__reserved", "x"}}), std::invalid_argument);
  EXPECT_EQ(m.render(), "# HELP troupe_c c\n# TYPE troupe_c counter\n");
}

}  // namespace
