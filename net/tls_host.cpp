#include "net/tls_host.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <memory>

namespace troupe {
namespace {

bool is_ip_address(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

/// Sets `host` as the name or address `param` must find in the certificate.
bool set_host(X509_VERIFY_PARAM* param, const std::string& host) {
  if (is_ip_address(host)) return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1;
}

/// A blocking TCP connection to host:port with 5 s timeouts, or -1.
int dial(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (auto* a = found; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  return fd;
}

}  // namespace

bool expect_tls_host(const std::string& host) {
  X509_VERIFY_PARAM* param = X509_VERIFY_PARAM_new();
  if (!param) return false;
  // The same purpose and trust as OpenSSL's built-in "ssl_server" entry, plus the host.
  const bool ok = X509_VERIFY_PARAM_set1_name(param, "ssl_server") == 1 &&
                  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER) == 1 &&
                  X509_VERIFY_PARAM_set_trust(param, X509_TRUST_SSL_SERVER) == 1 &&
                  set_host(param, host);
  // The table takes ownership and replaces an earlier entry of the same name.
  if (!ok || X509_VERIFY_PARAM_add0_table(param) != 1) {
    X509_VERIFY_PARAM_free(param);
    return false;
  }
  return true;
}

std::string tls_certificate_problem(const std::string& host, std::uint16_t port,
                                    const std::string& cert, const std::string& key,
                                    const std::string& ca) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  if (!ctx || SSL_CTX_use_certificate_chain_file(ctx.get(), cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_load_verify_locations(ctx.get(), ca.c_str(), nullptr) != 1)
    return {};
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  if (!ssl || !set_host(SSL_get0_param(ssl.get()), host)) return {};
  const int fd = dial(host, port);
  if (fd < 0) return {};
  SSL_set_fd(ssl.get(), fd);
  std::string problem;
  if (SSL_connect(ssl.get()) != 1) {
    const long result = SSL_get_verify_result(ssl.get());
    if (result != X509_V_OK) {
      problem = "the TLS certificate of " + host + ":" + std::to_string(port);
      if (result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH)
        problem += " does not name " + host + " (" + X509_verify_cert_error_string(result) +
                   "; its subjectAltName must list the host name or address clients dial)";
      else
        problem += std::string(" is not accepted: ") + X509_verify_cert_error_string(result);
    }
  } else {
    SSL_shutdown(ssl.get());
  }
  close(fd);
  return problem;
}

}  // namespace troupe
