#pragma once
/// \file
/// The hello every process sends the scheduler first (hello_atom in
/// protocol.hpp): troupe's version and the protocol version go out, the
/// scheduler's come back with an admission nonce and the scheduler's identity.
/// Either side refuses a different protocol version with a message naming
/// both. The answer to the nonce (a secret's proof, a node's signature) is
/// built here too, so that every client answers the same way.

#include <caf/all.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "actors/protocol.hpp"
#include "runtime/system/admission.hpp"
#include "runtime/system/node_identity.hpp"

namespace troupe::actors {

/// What a process announces of itself.
struct Versions {
  std::string troupe;         ///< troupe's version (the CMake project version)
  std::int32_t protocol = 0;  ///< kProtocolVersion
  /// "protocol 2 (troupe 0.1.0)".
  std::string str() const;
};

/// This process's versions. The protocol version is kProtocolVersion unless
/// the environment variable TROUPE_FORGE_PROTOCOL_VERSION (tests only) names
/// another, so that tests can start a process that speaks another protocol.
Versions own_versions();

/// Empty when `a` and `b` speak the same protocol; otherwise "protocol version
/// mismatch: A speaks protocol .. (troupe ..), B speaks protocol .. (troupe ..)".
/// Processes of different troupe versions that speak one protocol understand
/// each other and are admitted.
std::string version_mismatch(const std::string& a_name, const Versions& a,
                             const std::string& b_name, const Versions& b);

/// The scheduler's answer to a hello.
struct HelloReply {
  std::string nonce;         ///< for the admission answer, single use
  std::string scheduler_id;  ///< what a node signs together with the nonce
  Versions versions;         ///< the scheduler's
};

/// The reply as a HelloReply, or empty with `why` set when the scheduler speaks
/// another protocol version than this process (a scheduler that does not check).
std::optional<HelloReply> check_hello_reply(HelloReply reply, std::string* why);

/// Says hello as `name` and waits for the reply. Empty with `why` set on
/// failure; `refused` (when given) tells a refusal (versions, admission) that
/// retrying cannot cure from a failed request.
std::optional<HelloReply> say_hello(caf::scoped_actor& self, const scheduler_actor& scheduler,
                                    const std::string& name, std::string* why,
                                    bool* refused = nullptr);

/// The answer to `hello`'s nonce for `name`: the proof with `secret` (if any)
/// and, for a node, its public key and signature with `key` (if any).
runtime::Admission answer_hello(const HelloReply& hello, const std::string& name,
                                const std::string& secret, const runtime::NodeKey* key);

}  // namespace troupe::actors
