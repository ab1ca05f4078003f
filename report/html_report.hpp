#pragma once
/// \file
/// The run report as one self-contained HTML page: inline CSS and SVG, no
/// script, font or image fetched from anywhere, so it opens offline and can be
/// mailed as one file. Sections: a summary table (status, mode, strategy,
/// policy, final metrics, wall time, fingerprint), accuracy and F1 per round
/// and the losses per round (every run overlaid), and per run: the Gantt chart
/// of tasks on nodes, per-node utilisation (bars and busy-over-time strips),
/// the rounds, the allocation table and the configuration.
///
/// The figures are also in the markup for machines: each chart point carries
/// data-run, data-x (the round) and data-<metric> with the exact value, summary
/// cells have ids ("run0-final-accuracy") and a data-value, the allocation
/// table carries data-task-count. Numbers in data attributes read back as the
/// same doubles as the JSON report's.

#include <string>
#include <vector>

#include "runtime/core/report.hpp"

namespace troupe::runtime {

/// The page for `runs`; labels[i] names runs[i] (missing or empty labels
/// become "run N").
std::string html_report(const std::vector<RunReport>& runs, const std::vector<std::string>& labels);

/// Creates `dir` (and its parents) and writes index.html and report.json (the
/// first run's JSON); with several runs also run-1.json … run-N.json.
/// std::runtime_error naming the path when it cannot; std::invalid_argument
/// for no runs.
void write_html_report(const std::string& dir, const std::vector<RunReport>& runs,
                       const std::vector<std::string>& labels);

}  // namespace troupe::runtime
