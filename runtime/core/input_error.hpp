#pragma once
/// \file
/// The error every input parser of troupe throws: which file, which line, why.

#include <stdexcept>
#include <string>

namespace troupe::runtime {

/// Malformed input. what() reads "FILE:LINE: REASON" (LINE 0: the file as a whole).
class InputError : public std::runtime_error {
 public:
  InputError(std::string file, int line, std::string reason)
      : std::runtime_error(file + ":" + std::to_string(line) + ": " + reason),
        file_(std::move(file)),
        line_(line),
        reason_(std::move(reason)) {}
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string file_;
  int line_;
  std::string reason_;
};

}  // namespace troupe::runtime
