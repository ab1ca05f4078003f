#include "runtime/allocation/gap_optima.hpp"

#include <fstream>
#include <sstream>

namespace troupe::runtime {

std::vector<GapOptimum> read_gap_optima(const std::string& path) {
  std::ifstream in(path);
  std::vector<GapOptimum> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream s(line);
    std::vector<std::string> f;
    for (std::string cell; std::getline(s, cell, ',');) f.push_back(cell);
    if (f.size() < 7) continue;
    try {
      out.push_back({f[0], std::stoi(f[1]), f[2], f[5] == "min" ? Sense::minimise : Sense::maximise,
                     std::stod(f[6])});
    } catch (const std::exception&) {
      continue;  // a malformed row names no optimum
    }
  }
  return out;
}

std::optional<double> find_gap_optimum(const std::vector<GapOptimum>& optima,
                                       const std::string& file, int index, Sense sense) {
  for (const auto& o : optima)
    if (o.file == file && o.index == index && o.sense == sense) return o.value;
  return std::nullopt;
}

}  // namespace troupe::runtime
