#include "actors/errors.hpp"

#include <caf/all.hpp>

namespace troupe::actors {

caf::error failure(std::string what) {
  return caf::make_error(caf::sec::runtime_error, std::move(what));
}

std::string describe(const caf::error& err, caf::actor_system& system) {
  if (err.category() == caf::atom("system")) {
    const auto code = static_cast<caf::sec>(err.code());
    if (code == caf::sec::request_timeout) return "no answer before the timeout";
    if (code == caf::sec::request_receiver_down) return "the receiving actor is down";
    if (code == caf::sec::cannot_connect_to_node) return "connection refused or host unreachable";
    const auto& ctx = err.context();
    if (ctx.match_elements<std::string>()) return ctx.get_as<std::string>(0);
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
