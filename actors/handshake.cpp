#include "actors/handshake.hpp"

#include <cstdlib>

#include "actors/errors.hpp"

namespace troupe::actors {

std::string Versions::str() const {
  return "protocol " + std::to_string(protocol) + " (troupe " + troupe + ")";
}

Versions own_versions() {
  Versions v{TROUPE_VERSION, kProtocolVersion};
  if (const char* forged = std::getenv("TROUPE_FORGE_PROTOCOL_VERSION"); forged && *forged)
    v.protocol = static_cast<std::int32_t>(std::strtol(forged, nullptr, 10));
  return v;
}

std::string version_mismatch(const std::string& a_name, const Versions& a,
                             const std::string& b_name, const Versions& b) {
  if (a.protocol == b.protocol) return {};
  return "protocol version mismatch: " + a_name + " speaks " + a.str() + ", " + b_name +
         " speaks " + b.str();
}

std::optional<HelloReply> check_hello_reply(HelloReply reply, std::string* why) {
  auto mismatch = version_mismatch("the scheduler", reply.versions, "this process", own_versions());
  if (mismatch.empty()) return reply;
  *why = std::move(mismatch);
  return std::nullopt;
}

std::optional<HelloReply> say_hello(caf::scoped_actor& self, const scheduler_actor& scheduler,
                                    const std::string& name, std::string* why, bool* refused) {
  const auto own = own_versions();
  std::optional<HelloReply> out;
  bool fatal = false;
  self->request(scheduler, std::chrono::seconds(10), hello_atom::value, name, own.troupe,
                own.protocol)
      .receive(
          [&](std::string& nonce, std::string& id, std::string& version, std::int32_t protocol) {
            out = check_hello_reply(
                {std::move(nonce), std::move(id), {std::move(version), protocol}}, why);
            fatal = !out;
          },
          [&](caf::error& err) {
            *why = describe(err, self->system());
            fatal = is(err, troupe_error::version_mismatch);
            // A scheduler before protocol 2 does not know hello at all.
            if (err == caf::sec::unexpected_message) {
              *why = "the scheduler does not understand hello: it speaks a protocol before " +
                     std::to_string(own.protocol) + " (this process: " + own.str() + ")";
              fatal = true;
            }
          });
  if (refused) *refused = fatal;
  return out;
}

runtime::Admission answer_hello(const HelloReply& hello, const std::string& name,
                                const std::string& secret, const runtime::NodeKey* key) {
  runtime::Admission a;
  a.nonce = hello.nonce;
  if (!secret.empty()) a.proof = runtime::admission_proof(secret, hello.nonce, name);
  if (key) {
    a.public_key = key->public_key_hex();
    a.signature = key->sign(runtime::admission_statement(hello.scheduler_id, hello.nonce, name));
  }
  return a;
}

}  // namespace troupe::actors
