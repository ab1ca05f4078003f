#include "runtime/system/metrics.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace troupe::runtime {
namespace {

bool valid_name(const std::string& name, bool colon_allowed) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_allowed && c == ':');
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  // Names starting with "__" are reserved for Prometheus' own labels.
  return colon_allowed || name.rfind("__", 0) != 0;
}

const char* type_name(MetricType type) {
  return type == MetricType::counter ? "counter" : "gauge";
}

void check_labels(const MetricLabels& labels) {
  for (const auto& [name, value] : labels)
    if (!valid_name(name, false))
      throw std::invalid_argument("bad metric label name '" + name + "'");
}

}  // namespace

std::string escape_label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_sample(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Shortest text that reads back as the same double ("3", "0.8603", "1e+21").
  char buf[64];
  const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  return std::string(buf, end);
}

void MetricsRegistry::declare(const std::string& name, MetricType type, const std::string& help) {
  if (!valid_name(name, true)) throw std::invalid_argument("bad metric name '" + name + "'");
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& f : families_) {
    if (f.name != name) continue;
    if (f.type != type)
      throw std::invalid_argument("metric '" + name + "' is already a " + type_name(f.type));
    return;
  }
  families_.push_back({name, type, help, {}});
}

MetricsRegistry::Family& MetricsRegistry::family(const std::string& name, MetricType type) {
  for (auto& f : families_) {
    if (f.name != name) continue;
    if (f.type != type)
      throw std::invalid_argument("metric '" + name + "' is a " + type_name(f.type) + ", not a " +
                                  type_name(type));
    return f;
  }
  throw std::invalid_argument("metric '" + name + "' was not declared");
}

void MetricsRegistry::add(const std::string& name, double delta, const MetricLabels& labels) {
  if (!(delta >= 0)) throw std::invalid_argument("counter '" + name + "' cannot decrease");
  check_labels(labels);
  std::lock_guard<std::mutex> lock(mutex_);
  family(name, MetricType::counter).series[labels] += delta;
}

void MetricsRegistry::set(const std::string& name, double value, const MetricLabels& labels) {
  check_labels(labels);
  std::lock_guard<std::mutex> lock(mutex_);
  family(name, MetricType::gauge).series[labels] = value;
}

double MetricsRegistry::value(const std::string& name, const MetricLabels& labels) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& f : families_) {
    if (f.name != name) continue;
    const auto it = f.series.find(labels);
    return it == f.series.end() ? 0.0 : it->second;
  }
  return 0.0;
}

std::string MetricsRegistry::render() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  for (const auto& f : families_) {
    out += "# HELP " + f.name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + f.name + " " + type_name(f.type) + "\n";
    for (const auto& [labels, value] : f.series) {
      out += f.name;
      if (!labels.empty()) {
        out += '{';
        bool first = true;
        for (const auto& [key, text] : labels) {
          if (!first) out += ',';
          first = false;
          out += key + "=\"" + escape_label_value(text) + '"';
        }
        out += '}';
      }
      out += ' ' + format_sample(value) + '\n';
    }
  }
  return out;
}

}  // namespace troupe::runtime
