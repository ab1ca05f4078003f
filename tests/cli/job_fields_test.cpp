// Every option of the field table (runtime/core/job_fields.hpp) survives each
// way a job travels: JSON (reports, checkpoints, event logs), CAF messages,
// the command line and INI files (--config).

#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "actors/cluster.hpp"
#include "actors/protocol.hpp"
#include "cli/job_options.hpp"
#include "cli/options.hpp"
#include "runtime/core/job_fields.hpp"
#include "runtime/io/job_json.hpp"
#include "test_util.hpp"

namespace troupe {
namespace {

using runtime::JobField;
using runtime::JobSpec;

/// A job in which every option differs from its default (and stays valid
/// enough to parse): numbers move up, enums take their next option value,
/// strings become "x-KEY".
JobSpec changed_job() {
  JobSpec job;
  runtime::for_each_field(job, [](const JobField& field, auto& v) {
    using T = std::decay_t<decltype(v)>;
    if constexpr (runtime::is_named_enum<T>) {
      const auto& names = runtime::EnumNames<T>::names;
      const auto next = static_cast<std::size_t>(v) + 1;
      v = static_cast<T>(next < names.size() ? next : runtime::EnumNames<T>::first_option);
    } else if constexpr (std::is_same_v<T, bool>) {
      v = !v;
    } else if constexpr (std::is_same_v<T, std::string>) {
      v = std::string("x-") + field.key;
    } else if constexpr (std::is_floating_point_v<T>) {
      v = v + 0.125;
    } else {
      v = v + 3;
    }
  });
  return job;
}

/// Each option's value as text, keyed by JSON key, for comparing two jobs.
std::map<std::string, std::string> values(const JobSpec& job) {
  std::map<std::string, std::string> out;
  runtime::for_each_field(job, [&](const JobField& field, const auto& v) {
    std::ostringstream os;
    os << std::setprecision(17) << v;
    out[field.key] = os.str();
  });
  return out;
}

/// `job` as INI lines (`flag = value`), as --config reads them.
std::string ini_of(const JobSpec& job) {
  std::ostringstream os;
  runtime::for_each_field(job, [&](const JobField& field, const auto& v) {
    os << field.flag << " = " << std::setprecision(17) << v << '\n';
  });
  return os.str();
}

/// Parses `args` with the job options, as `troupe run` does.
JobSpec parse_cli(std::vector<std::string> args) {
  JobSpec job;
  boost::program_options::options_description desc;
  cli::add_job_options(desc, job);
  args.insert(args.begin(), "troupe");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  boost::program_options::variables_map vm;
  const auto code =
      cli::parse_command_line("run", desc, static_cast<int>(argv.size()), argv.data(), vm);
  EXPECT_FALSE(code.has_value());
  return job;
}

TEST(JobFields, EveryOptionHasItsOwnKeyAndFlag) {
  std::set<std::string> keys, flags;
  std::size_t count = 0;
  const JobSpec job;
  runtime::for_each_field(job, [&](const JobField& field, const auto&) {
    ++count;
    keys.insert(field.key);
    flags.insert(field.flag);
    EXPECT_NE(std::string(field.help), "") << field.key;
  });
  EXPECT_EQ(keys.size(), count);
  EXPECT_EQ(flags.size(), count);
}

TEST(JobFields, TheChangedJobDiffersFromTheDefaultInEveryOption) {
  const auto defaults = values(JobSpec{});
  const auto changed = values(changed_job());
  for (const auto& [key, text] : changed) EXPECT_NE(text, defaults.at(key)) << key;
}

TEST(JobFields, EveryOptionRoundTripsThroughJson) {
  const auto job = changed_job();
  const auto json = runtime::job_to_json(job);
  EXPECT_EQ(values(runtime::job_from_json(json)), values(job));
  // And through its text, as reports and checkpoints store it.
  EXPECT_EQ(values(runtime::job_from_json(nlohmann::json::parse(json.dump()))), values(job));
}

TEST(JobFields, EnumOptionsAreWrittenToJsonByName) {
  JobSpec job;
  job.collab.mode = runtime::Mode::buffered;
  const auto json = runtime::job_to_json(job);
  EXPECT_EQ(json.at("mode"), "buffered");
  EXPECT_EQ(json.at("model"), "cnn");
  EXPECT_EQ(json.at("attack"), "signflip");
}

TEST(JobFields, AnUnknownEnumNameInJsonIsRefusedWithTheOptionsSentence) {
  auto json = runtime::job_to_json(JobSpec{});
  json["mode"] = "eventually";
  try {
    runtime::job_from_json(json);
    FAIL() << "accepted mode 'eventually'";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(
        std::string(e.what()).find("--mode must be sync, async or buffered (got 'eventually')"),
        std::string::npos)
        << e.what();
  }
}

TEST(JobFields, EveryOptionRoundTripsThroughCafSerialisation) {
  caf::actor_system_config cfg;
  actors::configure(cfg);
  caf::actor_system sys{cfg};
  const auto job = changed_job();
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto copy = job;
  ASSERT_FALSE(sink(copy));
  JobSpec got;
  caf::binary_deserializer source{sys, buf};
  ASSERT_FALSE(source(got));
  EXPECT_EQ(values(got), values(job));
}

TEST(JobFields, EveryOptionIsReadFromAnIniFile) {
  const auto job = changed_job();
  test::TempDir dir;
  std::ofstream(dir.file("job.ini")) << ini_of(job);
  EXPECT_EQ(values(parse_cli({"--config", dir.file("job.ini")})), values(job));
}

TEST(JobFields, EveryOptionIsReadFromTheCommandLine) {
  const auto job = changed_job();
  std::vector<std::string> args;
  runtime::for_each_field(job, [&](const JobField& field, const auto& v) {
    using T = std::decay_t<decltype(v)>;
    args.push_back(std::string("--") + field.flag);
    if constexpr (std::is_same_v<T, bool>) {
      ASSERT_TRUE(v) << field.flag << ": a switch is only ever turned on";
    } else {
      std::ostringstream os;
      os << std::setprecision(17) << v;
      args.push_back(os.str());
    }
  });
  EXPECT_EQ(values(parse_cli(args)), values(job));
}

TEST(JobFields, WithoutOptionsTheCommandLineGivesTheDefaultJob) {
  EXPECT_EQ(values(parse_cli({})), values(JobSpec{}));
}

}  // namespace
}  // namespace troupe
