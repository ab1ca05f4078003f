#pragma once
/// \file
/// A process's metrics (counters and gauges with labels) and their rendering
/// in Prometheus' text exposition format 0.0.4, which `GET /metrics` serves
/// (net/metrics_http.hpp). Debian bookworm has no prometheus-cpp package, and
/// the format is a few lines of text, so it is written here.
///
/// Thread-safe: the scheduler actor updates the registry while the HTTP
/// server's thread renders it.

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace troupe::runtime {

enum class MetricType { counter, gauge };

/// A series' labels, name -> value; rendered in name order.
using MetricLabels = std::map<std::string, std::string>;

class MetricsRegistry {
 public:
  /// Declares the family `name` (`# HELP` and `# TYPE`). Throws
  /// std::invalid_argument for a name Prometheus would not accept or one
  /// declared twice with another type.
  void declare(const std::string& name, MetricType type, const std::string& help);
  /// Adds `delta` (>= 0) to a counter's series, created at 0. Throws
  /// std::invalid_argument for an undeclared family, a gauge, a negative
  /// delta or a malformed label name.
  void add(const std::string& name, double delta = 1.0, const MetricLabels& labels = {});
  /// Sets a gauge's series. Throws as add() for an undeclared family or a counter.
  void set(const std::string& name, double value, const MetricLabels& labels = {});
  /// The series' value; 0 when it has none.
  double value(const std::string& name, const MetricLabels& labels = {}) const;
  /// Every family in declaration order, its series in label order.
  std::string render() const;

 private:
  struct Family {
    std::string name;
    MetricType type;
    std::string help;
    std::map<MetricLabels, double> series;
  };
  Family& family(const std::string& name, MetricType type);

  mutable std::mutex mutex_;
  std::vector<Family> families_;
};

/// A label value as the exposition format quotes it (`\\`, `\"`, `\n`).
std::string escape_label_value(const std::string& value);
/// A HELP text as the exposition format writes it (`\\`, `\n`).
std::string escape_help(const std::string& help);
/// A sample value: integers without a fraction, `NaN`, `+Inf`, `-Inf`.
std::string format_sample(double value);

}  // namespace troupe::runtime
