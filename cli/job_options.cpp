#include "cli/job_options.hpp"

#include <algorithm>
#include <type_traits>

#include "cli/option_format.hpp"
#include "models/data_files.hpp"
#include "runtime/aggregation/strategy.hpp"
#include "runtime/allocation/allocator.hpp"
#include "runtime/core/job_fields.hpp"
#include "runtime/core/job_model.hpp"
#include "runtime/io/model_file.hpp"
#include "runtime/node/node_behaviour.hpp"

namespace troupe::cli {

namespace po = boost::program_options;

namespace {

/// An enum option is read as text and checked against its names, so that a bad
/// value gets the same sentence as ever ("--mode must be sync, async or buffered
/// (got 'x')"); parse_command_line reports it as a usage error.
template <class E>
po::typed_value<std::string>* enum_value(const runtime::JobField& field, E& member) {
  const std::string flag = field.flag;
  return po::value<std::string>()
      ->default_value(runtime::to_string(member))
      ->notifier([&member, flag](const std::string& text) {
        const auto parsed = runtime::parse_enum<E>(text);
        if (!parsed) throw po::error(runtime::bad_choice<E>(flag, text));
        member = *parsed;
      });
}

}  // namespace

void add_job_options(OptionSections& sections, runtime::JobSpec& job) {
  runtime::for_each_field(job, [&](const runtime::JobField& field, auto& member) {
    using T = std::decay_t<decltype(member)>;
    auto& desc = sections[runtime::section_name(field.section)];
    if constexpr (runtime::is_named_enum<T>)
      desc.add_options()(field.flag, enum_value(field, member), field.help);
    else if constexpr (std::is_same_v<T, bool>)
      // A switch: `--flag` alone sets it; an INI file or `--flag=false` may spell it out.
      desc.add_options()(field.flag, with_default(member)->implicit_value(true), field.help);
    else if constexpr (std::is_same_v<T, std::string>)
      // An empty default says nothing worth a "(=)" in --help.
      desc.add_options()(field.flag, member.empty() ? po::value(&member) : with_default(member),
                         field.help);
    else
      desc.add_options()(field.flag, with_default(member), field.help);
  });
}

void add_job_options(po::options_description& desc, runtime::JobSpec& job) {
  OptionSections sections;
  add_job_options(sections, job);
  sections.add_to(desc);
}

std::string registered_name(const std::string& option, const std::string& name,
                            const std::vector<std::string>& known) {
  if (std::find(known.begin(), known.end(), name) != known.end()) return {};
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  return "--" + option + ": unknown '" + name + "' (known: " + list + ")";
}

std::string attach_model(runtime::JobSpec& job) {
  try {
    runtime::attach_model_file(job);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  if (job.train.model_script.empty()) return {};
  const auto model = runtime::job_model(job);
  try {
    models::check_model_loads(model);
    // Without --input-shape the nodes' data decides the shape: they probe it.
    if (job.data.input_shape.empty()) return {};
    const auto probe = models::probe_model(model, models::parse_shape(job.data.input_shape));
    if (job.data.classes > 0 && probe.outputs != job.data.classes)
      return runtime::model_file_prefix(job) + "output size " + std::to_string(probe.outputs) +
             " does not match the job's " + std::to_string(job.data.classes) + " classes";
  } catch (const std::invalid_argument& e) {
    return runtime::model_file_prefix(job) + e.what();
  }
  return {};
}

std::string check_registered_names(const runtime::JobSpec& job) {
  if (auto why = registered_name("policy", job.cluster.policy, runtime::allocator_names());
      !why.empty())
    return why;
  if (job.collab.mode == runtime::Mode::sync)
    if (auto why = registered_name("strategy", job.collab.strategy, runtime::strategy_names());
        !why.empty())
      return why;
  return registered_name("node-behaviour", job.cluster.node_behaviour,
                         runtime::node_behaviour_names());
}

}  // namespace troupe::cli
