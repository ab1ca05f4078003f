// The option machinery without the executable: environment names, readable
// defaults, --help's section order and the rules for options that do not apply.
#include <gtest/gtest.h>

#include <boost/program_options.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/environment.hpp"
#include "cli/option_format.hpp"
#include "cli/option_rules.hpp"
#include "cli/option_sections.hpp"

namespace {

namespace po = boost::program_options;
using namespace troupe::cli;

po::options_description sample_options(int& epochs, bool& quiet) {
  po::options_description desc("sample");
  desc.add_options()("local-epochs", po::value(&epochs)->default_value(1), "epochs")(
      "quiet", po::bool_switch(&quiet), "switch")("help", "help");
  return desc;
}

/// An environment block as store_environment reads it.
struct Environment {
  explicit Environment(std::vector<std::string> entries) : entries_(std::move(entries)) {
    for (auto& e : entries_) pointers_.push_back(e.data());
    pointers_.push_back(nullptr);
  }
  char** get() { return pointers_.data(); }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;
};

}  // namespace

TEST(EnvironmentNames, AnOptionIsUpperCaseWithUnderscoresAfterTroupe) {
  EXPECT_EQ(environment_name("local-epochs"), "TROUPE_LOCAL_EPOCHS");
  EXPECT_EQ(environment_name("lr"), "TROUPE_LR");
}

TEST(EnvironmentNames, OnlyExactNamesOfTheCommandsOptionsMapBack) {
  int epochs = 0;
  bool quiet = false;
  const auto desc = sample_options(epochs, quiet);
  EXPECT_EQ(option_for_environment("TROUPE_LOCAL_EPOCHS", desc), "local-epochs");
  EXPECT_EQ(option_for_environment("TROUPE_QUIET", desc), "quiet");
  EXPECT_EQ(option_for_environment("TROUPE_local_epochs", desc), "");  // not its spelling
  EXPECT_EQ(option_for_environment("TROUPE_LOCAL", desc), "");         // a prefix is no name
  EXPECT_EQ(option_for_environment("TROUPE_BIN", desc), "");           // a script's variable
  EXPECT_EQ(option_for_environment("TROUPE_HELP", desc), "");          // never from there
  EXPECT_EQ(option_for_environment("LOCAL_EPOCHS", desc), "");
  EXPECT_EQ(option_for_environment("TROUPE_", desc), "");
}

TEST(EnvironmentNames, TheCommandLineWinsOverTheEnvironment) {
  int epochs = 0;
  bool quiet = false;
  auto desc = sample_options(epochs, quiet);
  po::variables_map vm;
  const char* argv[] = {"troupe", "--local-epochs", "3"};
  po::store(po::parse_command_line(3, argv, desc), vm);
  Environment env({"TROUPE_LOCAL_EPOCHS=7", "TROUPE_QUIET=yes", "TROUPE_BIN=/x", "PATH=/bin"});
  const auto used = store_environment(desc, env.get(), vm);
  po::notify(vm);
  EXPECT_EQ(epochs, 3);
  EXPECT_TRUE(quiet);
  EXPECT_EQ(used.count("local-epochs"), 0u);
  EXPECT_EQ(used.at("quiet"), "TROUPE_QUIET");
}

TEST(EnvironmentNames, TheEnvironmentSetsAnOptionNotGivenOnTheCommandLine) {
  int epochs = 0;
  bool quiet = true;
  auto desc = sample_options(epochs, quiet);
  po::variables_map vm;
  Environment env({"TROUPE_LOCAL_EPOCHS=7", "TROUPE_QUIET=off"});
  store_environment(desc, env.get(), vm);
  po::notify(vm);
  EXPECT_EQ(epochs, 7);
  EXPECT_FALSE(vm["local-epochs"].defaulted());
  EXPECT_FALSE(quiet);  // a false switch value leaves it unset
}

TEST(EnvironmentNames, AMalformedValueNamesTheVariable) {
  int epochs = 0;
  bool quiet = false;
  auto desc = sample_options(epochs, quiet);
  for (const char* entry : {"TROUPE_LOCAL_EPOCHS=many", "TROUPE_QUIET=perhaps"}) {
    po::variables_map vm;
    Environment env({entry});
    try {
      store_environment(desc, env.get(), vm);
      ADD_FAILURE() << entry << " was accepted";
    } catch (const po::error& e) {
      const std::string variable = std::string(entry).substr(0, std::string(entry).find('='));
      EXPECT_NE(std::string(e.what()).find(variable), std::string::npos) << e.what();
    }
  }
}

TEST(ReadableDefaults, NumbersAreTheShortestTextThatReadsBackTheSame) {
  EXPECT_EQ(shortest_text(0.05), "0.05");
  EXPECT_EQ(shortest_text(0.1), "0.1");
  EXPECT_EQ(shortest_text(60.0), "60");
  EXPECT_EQ(shortest_text(1e-8), "1e-08");
  EXPECT_EQ(shortest_text(0.9), "0.9");
  for (const double v : {0.05, 1.0 / 3.0, 123456.789, 2.5e-12})
    EXPECT_EQ(std::stod(shortest_text(v)), v) << shortest_text(v);
  EXPECT_EQ(default_text(true), "true");
  EXPECT_EQ(default_text(std::string("mlp")), "mlp");
  EXPECT_EQ(default_text(42), "42");
}

TEST(ReadableDefaults, HelpShowsTheShortText) {
  double lr = 0.05;
  po::options_description desc("d");
  desc.add_options()("lr", with_default(lr), "rate");
  std::ostringstream help;
  help << desc;
  EXPECT_NE(help.str().find("(=0.05)"), std::string::npos) << help.str();
}

TEST(HelpSections, PrintInTheirFixedOrderWhateverOrderTheyWereFilled) {
  OptionSections sections;
  sections["outputs"].add_options()("out", "o");
  sections["job"].add_options()("rounds", "r");
  sections["extra"].add_options()("x", "x");
  sections["privacy"];  // empty: not shown
  po::options_description desc("all");
  sections.add_to(desc);
  std::ostringstream help;
  help << desc;
  const auto text = help.str();
  EXPECT_LT(text.find("job:"), text.find("outputs:")) << text;
  EXPECT_LT(text.find("outputs:"), text.find("extra:")) << text;
  EXPECT_NE(text.find("extra:"), std::string::npos) << text;
  EXPECT_EQ(text.find("privacy:"), std::string::npos) << text;
}

TEST(OptionRules, OnlyGivenOptionsCount) {
  troupe::runtime::JobSpec job;
  job.collab.mode = troupe::runtime::Mode::async;
  std::string strategy = "fedavg";
  po::options_description desc("d");
  desc.add_options()("strategy", po::value(&strategy)->default_value(strategy), "s");
  po::variables_map defaulted;
  const char* none[] = {"troupe"};
  po::store(po::parse_command_line(1, none, desc), defaulted);
  EXPECT_EQ(inapplicable_option("run", job, defaulted), "");
  po::variables_map given_vm;
  const char* argv[] = {"troupe", "--strategy", "krum"};
  po::store(po::parse_command_line(3, argv, desc), given_vm);
  EXPECT_NE(inapplicable_option("run", job, given_vm)
                .find("--strategy does not apply in --mode "
                      "async"),
            std::string::npos);
  job.collab.mode = troupe::runtime::Mode::sync;
  EXPECT_EQ(inapplicable_option("run", job, given_vm), "");
}

TEST(OptionRules, EmbeddedOnlyAndClusterOnlyOptionsBelongToTheirCommand) {
  troupe::runtime::JobSpec job;
  int n = 0;
  po::options_description desc("d");
  desc.add_options()("slow-nodes", po::value(&n)->default_value(0), "s")(
      "min-nodes", po::value(&n)->default_value(1), "m");
  po::variables_map vm;
  const char* argv[] = {"troupe", "--slow-nodes", "2", "--min-nodes", "2"};
  po::store(po::parse_command_line(5, argv, desc), vm);
  EXPECT_NE(inapplicable_option("submit", job, vm)
                .find("--slow-nodes does not apply to troupe "
                      "submit"),
            std::string::npos);
  EXPECT_NE(inapplicable_option("run", job, vm).find("--min-nodes does not apply to troupe run"),
            std::string::npos);
}
