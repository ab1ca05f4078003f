#include "cli/progress_printer.hpp"

#include <unistd.h>

#include <iostream>

namespace troupe::cli {

ProgressPrinter::ProgressPrinter(int total_rounds, bool quiet)
    : start_(std::chrono::steady_clock::now()),
      mode_(runtime::progress_mode(quiet, isatty(STDOUT_FILENO) == 1)),
      line_(total_rounds, 0.0) {}

ProgressPrinter::~ProgressPrinter() {
  finish();
}

double ProgressPrinter::now_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressPrinter::round(const runtime::RoundRecord& record) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (mode_ == runtime::ProgressMode::quiet) return;
  std::cout << runtime::progress_output(mode_, line_.update(record, now_s())) << std::flush;
  drew_ = true;
}

void ProgressPrinter::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::cout << runtime::progress_end(mode_, drew_) << std::flush;
  drew_ = false;
}

}  // namespace troupe::cli
