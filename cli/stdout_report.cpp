#include "cli/stdout_report.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace troupe::cli {

namespace {

int report_fd = STDOUT_FILENO;  ///< where the report goes: stdout, or its saved copy

}  // namespace

void reserve_stdout_if(const std::string& path) {
  if (!is_stdout(path) || report_fd != STDOUT_FILENO) return;
  std::cout.flush();
  std::fflush(stdout);
  const int saved = dup(STDOUT_FILENO);
  if (saved < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) return;  // then both share stdout
  report_fd = saved;
}

void write_stdout_report(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = write(report_fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw std::runtime_error(std::string("cannot write the report to stdout: ") +
                               std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace troupe::cli
