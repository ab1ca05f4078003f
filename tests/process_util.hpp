#pragma once
// Child processes for multi-process tests: started with fork/exec, output to a
// file, killed (SIGKILL) and reaped on destruction so no test leaves orphans.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

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
  std::string output() const {
    std::ifstream in(log_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
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

/// A TCP port on 127.0.0.1 that was free a moment ago (nothing listens on it).
inline int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

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

}  // namespace troupe::test
