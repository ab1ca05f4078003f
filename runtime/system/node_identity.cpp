#include "runtime/system/node_identity.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace troupe::runtime {
namespace {

/// libsodium must be initialised once before use; sodium_init() is idempotent
/// and thread-safe.
void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

std::string to_hex(const unsigned char* data, std::size_t size) {
  std::string out(2 * size + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, size);
  out.pop_back();
  return out;
}

/// Binary from hex; empty when `hex` is not exactly `bytes` bytes of hex.
std::optional<std::string> from_hex(const std::string& hex, std::size_t bytes) {
  std::string out(bytes, '\0');
  std::size_t got = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(),
                     hex.size(), nullptr, &got, &end) != 0 ||
      got != bytes || end != hex.data() + hex.size())
    return std::nullopt;
  return out;
}

std::string length_prefixed(const std::string& field) {
  return std::to_string(field.size()) + ":" + field;
}

}  // namespace

std::string admission_statement(const std::string& scheduler_id, const std::string& nonce,
                                const std::string& name) {
  return "troupe-admission-v1;" + length_prefixed(scheduler_id) + length_prefixed(nonce) +
         length_prefixed(name);
}

std::optional<std::string> parse_public_key(const std::string& text) {
  init_sodium();
  if (auto bin = from_hex(text, kPublicKeyBytes))
    return to_hex(reinterpret_cast<const unsigned char*>(bin->data()), bin->size());
  unsigned char bin[kPublicKeyBytes];
  std::size_t got = 0;
  const char* end = nullptr;
  if (sodium_base642bin(bin, sizeof bin, text.data(), text.size(), nullptr, &got, &end,
                        sodium_base64_VARIANT_ORIGINAL) == 0 &&
      got == kPublicKeyBytes && end == text.data() + text.size())
    return to_hex(bin, got);
  return std::nullopt;
}

bool verify_signature(const std::string& public_key_hex, const std::string& message,
                      const std::string& signature_hex) {
  init_sodium();
  const auto key = from_hex(public_key_hex, crypto_sign_PUBLICKEYBYTES);
  const auto sig = from_hex(signature_hex, crypto_sign_BYTES);
  if (!key || !sig) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig->data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(key->data())) == 0;
}

NodeKey NodeKey::generate() {
  init_sodium();
  NodeKey k;
  k.secret_.assign(crypto_sign_SECRETKEYBYTES, '\0');
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_keypair(pk, reinterpret_cast<unsigned char*>(k.secret_.data()));
  return k;
}

NodeKey NodeKey::load_or_create(const std::string& path) {
  init_sodium();
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    const auto dir = fs::path(path).parent_path();
    if (!dir.empty()) fs::create_directories(dir, ec);
    auto fresh = generate();
    // Written to a private temporary file and linked into place: two nodes
    // starting at once never see a half-written key, and the loser reads the winner's.
    const auto tmp = path + ".tmp." + std::to_string(getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) throw std::runtime_error("cannot create key file '" + path + "'");
    const bool written = ::write(fd, fresh.secret_.data(), fresh.secret_.size()) ==
                         static_cast<ssize_t>(fresh.secret_.size());
    const bool closed = ::close(fd) == 0;
    const bool linked = written && closed && ::link(tmp.c_str(), path.c_str()) == 0;
    ::unlink(tmp.c_str());
    if (!linked && !fs::exists(path, ec))
      throw std::runtime_error("cannot write key file '" + path + "'");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read key file '" + path + "'");
  std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (secret.size() != crypto_sign_SECRETKEYBYTES)
    throw std::runtime_error("'" + path + "' is not a troupe key file (" +
                             std::to_string(secret.size()) + " bytes, expected " +
                             std::to_string(crypto_sign_SECRETKEYBYTES) + ")");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    throw std::runtime_error("key file '" + path +
                             "' is readable by others: chmod 600 it (it holds the private key)");
  NodeKey k;
  k.secret_ = std::move(secret);
  return k;
}

std::string NodeKey::public_key_hex() const {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_ed25519_sk_to_pk(pk, reinterpret_cast<const unsigned char*>(secret_.data()));
  return to_hex(pk, sizeof pk);
}

std::string NodeKey::sign(const std::string& message) const {
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), reinterpret_cast<const unsigned char*>(secret_.data()));
  return to_hex(sig, sizeof sig);
}

std::string default_key_file() {
  if (const char* env = std::getenv("TROUPE_KEY_FILE"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
    return std::string(xdg) + "/troupe/node.key";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.config/troupe/node.key";
}

}  // namespace troupe::runtime
