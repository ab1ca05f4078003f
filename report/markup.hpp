#pragma once
/// \file
/// Small helpers for writing HTML and SVG text: escaping, and numbers written
/// for people (fixed digits) or for machines (shortest text that reads back
/// as the same double, like the JSON report).

#include <string>

namespace troupe::runtime {

/// Escapes & < > " ' so that `text` is safe in element content and in quoted attributes.
std::string html_escape(const std::string& text);

/// `value` with `digits` decimals ("0.8602").
std::string fixed_digits(double value, int digits);

/// Decimals that tell apart numbers `step` apart (step 0.05 → 2, 20 → 0); 0..8.
int digits_for_step(double step);

/// The shortest text that parses back to exactly `value` ("0.86025"); "nan"/"inf" as such.
std::string exact_number(double value);

}  // namespace troupe::runtime
