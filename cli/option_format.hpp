#pragma once
/// \file
/// Defaults as --help prints them: the shortest text that reads back as the same
/// value (0.05, not 0.050000000000000003, which Boost's lexical_cast writes).

#include <boost/program_options/value_semantic.hpp>

#include <sstream>
#include <string>
#include <type_traits>

namespace troupe::cli {

/// The shortest decimal text that parses back to `v` exactly ("0.05", "1e-08", "60").
std::string shortest_text(double v);

/// `v` as --help shows it: numbers in their shortest round-trip form, text as is.
template <class T>
std::string default_text(const T& v) {
  if constexpr (std::is_floating_point_v<T>) {
    return shortest_text(static_cast<double>(v));
  } else if constexpr (std::is_same_v<T, bool>) {
    return v ? "true" : "false";
  } else {
    std::ostringstream s;
    s << v;
    return s.str();
  }
}

/// po::value bound to `target`, defaulting to its current value, shown readably.
template <class T>
boost::program_options::typed_value<T>* with_default(T& target) {
  return boost::program_options::value(&target)->default_value(target, default_text(target));
}

}  // namespace troupe::cli
