#include "actors/errors.hpp"

#include <caf/all.hpp>
#include <iterator>

namespace troupe::actors {
namespace {

/// The explanation a caf::error carries in its context, or "".
std::string context_text(const caf::message& ctx) {
  return ctx.match_elements<std::string>() ? ctx.get_as<std::string>(0) : std::string{};
}

/// A troupe error as a sentence: refusals of admission keep the prefix the
/// logs have always shown; the others are their explanation.
std::string render_troupe(std::uint8_t code, const caf::message& ctx) {
  const auto what = context_text(ctx);
  const auto kind = static_cast<troupe_error>(code);
  if (kind == troupe_error::admission_refused) return "admission refused: " + what;
  return what.empty() ? to_string(kind) : what;
}

}  // namespace

const char* to_string(troupe_error code) {
  // Indexed by the codes' values (errors.hpp numbers them from 1; 0 is no error).
  static constexpr const char* kNames[] = {"none",
                                           "admission_refused",
                                           "no_aggregator",
                                           "bad_registration",
                                           "foreign_heartbeat",
                                           "no_challenge",
                                           "version_mismatch",
                                           "job_refused",
                                           "unknown_job",
                                           "not_finished",
                                           "shared_block_unreadable",
                                           "script_unfetched"};
  const auto i = static_cast<std::size_t>(code);
  return i > 0 && i < std::size(kNames) ? kNames[i] : "unknown troupe error";
}

caf::error make_error(troupe_error code, std::string what) {
  return caf::error(static_cast<std::uint8_t>(code), kTroupeErrors,
                    caf::make_message(std::move(what)));
}

bool is(const caf::error& err, troupe_error code) {
  return err && err.category() == kTroupeErrors && err.code() == static_cast<std::uint8_t>(code);
}

void add_troupe_errors(caf::actor_system_config& cfg) {
  cfg.add_error_category(kTroupeErrors,
                         [](std::uint8_t code, caf::atom_value, const caf::message& ctx) {
                           return render_troupe(code, ctx);
                         });
}

caf::error failure(std::string what) {
  return caf::make_error(caf::sec::runtime_error, std::move(what));
}

std::string describe(const caf::error& err, caf::actor_system& system) {
  if (err.category() == kTroupeErrors) return render_troupe(err.code(), err.context());
  if (err.category() == caf::atom("system")) {
    const auto code = static_cast<caf::sec>(err.code());
    if (code == caf::sec::request_timeout) return "no answer before the timeout";
    if (code == caf::sec::request_receiver_down) return "the receiving actor is down";
    if (code == caf::sec::cannot_connect_to_node) return "connection refused or host unreachable";
    if (auto what = context_text(err.context()); !what.empty()) return what;
  }
  if (err.category() == caf::atom("exit")) {
    switch (static_cast<caf::exit_reason>(err.code())) {
      case caf::exit_reason::remote_link_unreachable:
        return "the connection was lost";
      case caf::exit_reason::user_shutdown:
        return "it shut down";
      case caf::exit_reason::kill:
        return "it was killed";
      default:
        break;
    }
  }
  return system.render(err);
}

}  // namespace troupe::actors
