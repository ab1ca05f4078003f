#include "cli/environment.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace troupe::cli {

namespace po = boost::program_options;

namespace {

constexpr const char* kPrefix = "TROUPE_";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// A switch's value from the environment: true, false, or neither (malformed).
std::optional<bool> switch_value(const std::string& text) {
  const auto t = lower(text);
  if (t == "1" || t == "true" || t == "yes" || t == "on") return true;
  if (t.empty() || t == "0" || t == "false" || t == "no" || t == "off") return false;
  return std::nullopt;
}

}  // namespace

std::string environment_name(const std::string& option) {
  std::string name = kPrefix;
  for (const char c : option)
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::string option_for_environment(const std::string& variable,
                                   const po::options_description& desc) {
  const std::string prefix = kPrefix;
  if (variable.compare(0, prefix.size(), prefix) != 0) return {};
  std::string option = lower(variable.substr(prefix.size()));
  std::replace(option.begin(), option.end(), '_', '-');
  // Only exact spellings: TROUPE_local_epochs or a prefix of a name do not count.
  if (option.empty() || option == "help" || environment_name(option) != variable) return {};
  return desc.find_nothrow(option, /*approx=*/false) ? option : std::string();
}

std::map<std::string, std::string> store_environment(const po::options_description& desc,
                                                     char** envp, po::variables_map& vm) {
  std::map<std::string, std::string> used;
  if (!envp) return used;
  for (char** e = envp; *e; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const auto variable = entry.substr(0, eq);
    const auto option = option_for_environment(variable, desc);
    if (option.empty()) continue;
    if (vm.count(option) && !vm[option].defaulted()) continue;  // the command line wins
    po::parsed_options parsed(&desc);
    po::option o;
    o.string_key = option;
    const auto value = entry.substr(eq + 1);
    if (desc.find(option, false).semantic()->max_tokens() == 0) {
      // A switch (--quiet): set by a true value, left alone by a false one.
      const auto on = switch_value(value);
      if (!on)
        throw po::error("environment variable " + variable + ": '" + value +
                        "' is not a switch value (1, true, yes, on, 0, false, no, off)");
      if (!*on) continue;
    } else {
      o.value.push_back(value);
    }
    o.original_tokens = {variable};
    parsed.options.push_back(std::move(o));
    try {
      po::store(parsed, vm);
    } catch (const po::error& err) {
      throw po::error("environment variable " + variable + "='" + value + "': " + err.what());
    }
    used[option] = variable;
  }
  return used;
}

}  // namespace troupe::cli
