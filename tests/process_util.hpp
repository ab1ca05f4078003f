#pragma once
// Child processes for multi-process tests: started with fork/exec, output to a
// file, killed (SIGKILL) and reaped on destruction so no test leaves orphans.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "socket_util.hpp"
#include "test_util.hpp"

namespace troupe::test {

class Process {
 public:
  /// Starts `binary` with `args`; stdout and stderr go to `log`.
  Process(const std::string& binary, const std::vector<std::string>& args, std::string log)
      : log_(std::move(log)) {
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(binary.c_str()));
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
  }
  ~Process() {
    if (running()) kill(SIGKILL);
    wait_exit(std::chrono::seconds(10));
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void kill(int sig) {
    if (pid_ > 0 && exit_code_ == kRunning) ::kill(pid_, sig);
  }
  bool running() {
    poll();
    return exit_code_ == kRunning;
  }
  /// Waits for the process to end; its exit code, or -1 on timeout / signal.
  int wait_exit(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (running() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return exit_code_ == kRunning ? -1 : exit_code_;
  }
  std::string output() const { return read_text(log_); }
  /// Waits until the output contains `text`; false on timeout or exit.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (output().find(text) != std::string::npos) return true;
      if (!running()) return output().find(text) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  pid_t pid() const { return pid_; }

 private:
  static constexpr int kRunning = -1000;
  void poll() {
    if (pid_ <= 0 || exit_code_ != kRunning) return;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_)
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  pid_t pid_ = -1;
  int exit_code_ = kRunning;
  std::string log_;
};

/// Reads a port written by --port-file, waiting up to `timeout`; 0 on failure.
inline int read_port_file(const std::string& path, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream in(path);
    int port = 0;
    if (in >> port && port > 0) return port;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

/// Resident memory of process `pid` in MiB (0 when unreadable).
inline double rss_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

}  // namespace troupe::test
