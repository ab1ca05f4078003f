#pragma once
/// \file
/// Secure aggregation in the style of SecAgg+ (Bonawitz et al. 2017, "Practical
/// Secure Aggregation for Privacy-Preserving Machine Learning"; Bell et al.
/// 2020, "Secure Single-Server Aggregation with (Poly)Logarithmic Overhead"),
/// free of any transport: one Client per participant and one Server per secure
/// sum (a "cohort": a synchronous round, or one buffer of a buffered job). The
/// actors ship the byte strings these classes make and read; nothing here
/// knows about actors, updates or models (runtime/secagg/secure_update.hpp maps
/// updates to ring vectors).
///
/// One secure sum, four stages, every message relayed by the server:
///
///   0 advertise  client -> server: Advertisement (two X25519 public keys)
///                server -> client: Roster (everyone's keys, the parameters)
///   1 share      client -> server: Shares (to each neighbour in the graph, an
///                  authenticated ciphertext of Shamir shares of its mask-key
///                  secret s_sk and of its self-mask seed b; it keeps one
///                  share of b itself, so k + 1 parties hold each secret)
///                server -> client: Inbox (the ciphertexts addressed to it)
///   2 masked     client -> server: MaskedInput (its ring vector plus the
///                  self mask PRG(b) plus +-PRG(s_uv) for each neighbour v)
///                server -> client: Survivors (who sent a masked input, who
///                  dropped after sharing)
///   3 unmask     client -> server: Unmasking (b shares of surviving
///                  neighbours, s_sk shares of dropped ones, never both)
///                server: reconstructs, removes the masks, returns the sum.
///
/// Byte strings all start with a small header (magic, format version, stage,
/// cohort tag, sender id), so a message of another stage, cohort or sender is
/// refused as such (replays included). Every `add_*` of the Server checks its
/// input and answers a Verdict; a refused message drops only its sender from
/// the cohort (it is treated as a dropout from then on), never the cohort.
/// Randomness comes from libsodium's OS-backed generator unless a test passes
/// a deterministic seed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace troupe::runtime::secagg {

/// The participants of one cohort are identified by 64-bit ids (the troupe
/// task ids); the server numbers them 0..n-1 in roster order.
using ParticipantId = std::int64_t;
using Bytes = std::vector<std::uint8_t>;

/// Public parameters of one cohort, fixed by the server when it closes the
/// advertisements (they travel in the Roster).
struct Params {
  std::int32_t participants = 0;  ///< n: size of the roster
  std::int32_t degree = 0;        ///< k: neighbours per participant (n - 1: complete graph)
  std::int32_t threshold = 0;     ///< t: shares that reconstruct a secret (t > k / 2)
  std::int32_t bits = 48;         ///< elements live in Z_{2^bits}, bits <= 64
  std::int64_t length = 0;        ///< elements per vector
  std::uint64_t graph_seed = 0;   ///< public: every party derives the same neighbour graph
};

/// Degree and threshold for n participants that tolerate up to a third of
/// them dropping after stage 1 (docs/privacy.md says how they were chosen;
/// runtime/secagg/neighbour_graph.cpp gives the argument). graph_seed is left
/// 0: the Server draws it. Throws std::invalid_argument for n < 2 or bits
/// outside 8..64.
Params choose_params(std::int32_t participants, std::int64_t length, std::int32_t bits);

/// The neighbours of participant `index` (roster order) in the cohort's graph:
/// symmetric, deterministic in params.graph_seed, params.degree of them.
std::vector<std::int32_t> neighbours(const Params& params, std::int32_t index);

/// The answer to a message the Server was given.
struct Verdict {
  bool ok = true;
  std::string reason;  ///< why it was refused, a sentence naming the sender
};

/// What a finished secure sum gives.
struct SumResult {
  std::vector<std::uint64_t> sum;        ///< sum over `included` in Z_{2^bits}
  std::vector<ParticipantId> included;   ///< whose inputs are in the sum
  std::vector<ParticipantId> recovered;  ///< dropped after sharing; their masks removed
  std::vector<std::string> excluded;     ///< everyone else, with the reason, one line each
  /// Included participants whose unmasking shares were refused or proved wrong
  /// (their inputs are in the sum, their shares were not used), one line each.
  std::vector<std::string> refused_shares;
};

/// One participant's side of one cohort.
class Client {
 public:
  /// `cohort` tags every message (the run id and round or buffer number mixed
  /// by the caller); `seed` set: deterministic keys and masks (tests only).
  Client(std::uint64_t cohort, ParticipantId id, std::optional<std::uint64_t> seed = {});
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  /// Stage 0: fresh key pairs; the Advertisement to send.
  Bytes advertise();
  /// Stage 1: reads the Roster (throws std::runtime_error when malformed or
  /// when it lacks this client's own keys), draws b, and returns the Shares.
  Bytes share(const Bytes& roster);
  /// Stage 2: reads the Inbox (ciphertexts are decrypted and checked here;
  /// throws when one fails) and masks `input` (params.length ring elements).
  Bytes mask(const Bytes& inbox, const std::vector<std::uint64_t>& input);
  /// Stage 3: reads Survivors and answers the shares asked for. Throws when the
  /// server asks for both secrets of one neighbour, for its own mask key, or
  /// about a neighbour whose shares never reached this client.
  Bytes unmask(const Bytes& survivors);

  ParticipantId id() const;

 private:
  struct Impl;
  Impl* impl_;
};

/// The server's side of one cohort: collects, relays, unmasks.
class Server {
 public:
  /// `expected`: the ids that may join (others are refused);
  /// `length` and `bits`: of every input vector.
  Server(std::uint64_t cohort, std::vector<ParticipantId> expected, std::int64_t length,
         std::int32_t bits = 48);
  ~Server();
  Server(Server&&) noexcept;
  Server& operator=(Server&&) noexcept;

  Verdict add_advertisement(ParticipantId from, const Bytes& message);
  /// Ends stage 0 with whoever advertised (needs at least 2 participants,
  /// else throws std::runtime_error); the Roster every participant gets.
  Bytes close_advertisements();

  Verdict add_shares(ParticipantId from, const Bytes& message);
  /// Ends stage 1; afterwards inbox(id) is the Inbox of each who shared.
  void close_shares();
  Bytes inbox(ParticipantId to) const;

  Verdict add_masked(ParticipantId from, const Bytes& message);
  /// Ends stage 2; the Survivors message every survivor gets. Throws when too
  /// few survived for any secret to be reconstructed.
  Bytes close_masked();

  Verdict add_unmasking(ParticipantId from, const Bytes& message);
  /// Ends stage 3: reconstructs, unmasks and sums. Throws std::runtime_error
  /// naming what could not be reconstructed.
  SumResult finish();

  /// Who is still in, less those refused: while collecting advertisements,
  /// who advertised; shares: the roster; masked inputs: who shared; after
  /// that: who sent a masked input (the ones whose unmasking shares count).
  std::vector<ParticipantId> active() const;
  /// Stage the server is collecting: 0..3, 4 when finished.
  int stage() const;
  /// The masked inputs as held (what an honest-but-curious server sees), for
  /// tests; the slot of an input refused after it arrived is left empty.
  const std::vector<std::vector<std::uint64_t>>& masked_inputs() const;

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace troupe::runtime::secagg
