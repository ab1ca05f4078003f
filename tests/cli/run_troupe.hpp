#pragma once
// Runs the troupe binary as a user would, capturing exit code and output.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace troupe::test {

struct CliResult {
  int code = -1;
  std::string output;  // stdout and stderr together
};

/// `env`: optional NAME=VALUE assignments put before the command; `wrapper`:
/// an optional command that runs it (e.g. setpriv, to run as another user).
inline CliResult run_troupe_cli(const std::string& args, const std::string& env = "",
                                const std::string& wrapper = "") {
  const std::string cmd = (env.empty() ? "" : "env " + env + " ") +
                          (wrapper.empty() ? "" : wrapper + " ") + "timeout 120 " + TROUPE_BINARY +
                          " " + args + " 2>&1";
  CliResult r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe)) r.output += buf.data();
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace troupe::test
