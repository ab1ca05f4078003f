#pragma once
/// \file
/// Reads a run's JSON report (the text to_json writes) back into a RunReport,
/// so that saved runs can be rendered and compared later (`troupe report`).
/// Tolerant by design: unknown keys are ignored (newer writers add fields) and
/// missing keys keep their defaults (older files lack them). Malformed input —
/// not JSON, not an object, a key with the wrong type — is an InputError that
/// names the file and the key.

#include <string>

#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// Parses `text`; `source` names it in errors (a file name, "<string>").
RunReport report_from_json(const std::string& text, const std::string& source = "<string>");

/// Reads and parses the file at `path`; InputError when it cannot be read or parsed.
RunReport read_report_file(const std::string& path);

}  // namespace troupe::runtime
