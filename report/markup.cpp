#include "report/markup.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace troupe::runtime {

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string fixed_digits(double value, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, value);
  return buf;
}

int digits_for_step(double step) {
  if (!(step > 0) || !std::isfinite(step)) return 0;
  const int d = static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  return d < 0 ? 0 : (d > 8 ? 8 : d);
}

std::string exact_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, result.ptr);
}

}  // namespace troupe::runtime
