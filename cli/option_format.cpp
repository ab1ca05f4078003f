#include "cli/option_format.hpp"

#include <charconv>

namespace troupe::cli {

std::string shortest_text(double v) {
  // std::to_chars without a precision is specified to give the shortest text
  // that round-trips, which is what a reader of --help wants to see.
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return std::to_string(v);
  return std::string(buf, end);
}

}  // namespace troupe::cli
