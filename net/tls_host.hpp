#pragma once
/// \file
/// Host name verification for a process's outgoing TLS connections. CAF
/// 0.17.6's openssl module checks only that the peer's certificate chains to
/// the CA; it has no setting for the host name. OpenSSL looks up the
/// verification parameters of every client-side handshake under the name
/// "ssl_server" in its process-wide table, and that entry's host name is
/// inherited by the handshake; expect_tls_host() installs one, so CAF's own
/// handshakes refuse a certificate that does not name the host dialled.
/// What is checked: a DNS name against the certificate's subjectAltName DNS
/// entries (the subject CN only when it has none; no partial wildcards), an IP
/// address against its subjectAltName IP entries.

#include <cstdint>
#include <string>

namespace troupe {

/// From now on, every TLS connection this process opens verifies that the
/// peer's certificate names `host` (a DNS name or an IPv4/IPv6 address). A
/// process dials one peer host; call it before the first connection.
/// Returns false when OpenSSL refused the parameters.
bool expect_tls_host(const std::string& host);

/// Why a TLS handshake with `host`:`port`, presenting `cert`/`key` and trusting
/// `ca` (PEM files), fails verification of the peer's certificate, host name
/// included ("the certificate of 127.0.0.1:7070 does not name 127.0.0.1 (IP
/// address mismatch)"); empty when it succeeds or fails for another reason
/// (no connection). Used to explain a refused connection, not to secure one.
std::string tls_certificate_problem(const std::string& host, std::uint16_t port,
                                    const std::string& cert, const std::string& key,
                                    const std::string& ca);

}  // namespace troupe
