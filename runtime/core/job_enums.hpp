#pragma once
/// \file
/// The closed choices of a job (mode, partition, model, attack, staleness,
/// distillation evaluation) and of a run's outcome, with their one spelling.
/// The names are public interface: CLI values, JSON values and report keys
/// use exactly these strings, so they are written down once, here.

#include <array>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>

#include <nlohmann/json_fwd.hpp>

#include "models/model_kind.hpp"

namespace troupe::runtime {

/// How nodes collaborate: synchronous rounds, FedAsync or FedBuff.
enum class Mode { sync, async, buffered };
/// How the training set is split into shards.
enum class Partition { iid, dirichlet, labels };
/// The network trained (the models library's own enum).
using ModelKind = models::ModelKind;
/// What a node sends instead of its honest update (none: the honest update).
enum class Attack { none, scale, signflip, random, inflate_samples };
/// The staleness discount s(tau) of asynchronous modes.
enum class Staleness { constant, polynomial, hinge };
/// The model a distillation job's evaluation measures.
enum class DistillEval { local, student };
/// Where global models are evaluated (runtime/core/job_spec.hpp EvalOptions).
enum class EvalMode { central, federated, both };
/// Differential privacy of a job's updates (runtime/privacy/): none; central
/// (the aggregator clips each update and noises their sum); local (each node
/// clips and noises its own update before sending it); distributed (each node
/// clips and adds its share of central DP's noise, and only the secure sum of
/// the updates, which carries all of it, is seen).
enum class DpMode { none, central, local, distributed };
/// How a job ended: ok; failed (it stopped); degraded (it ran to its end, but
/// some rounds lost work and --allow-partial-rounds was not given); refused
/// (before it started, because of its own input: a usage error of whoever
/// submitted it); cancelled (stopped on request, `troupe cancel`).
enum class RunStatus { ok, failed, degraded, refused, cancelled };

/// The spelling of each enumerator, in declaration order. Specialised only for
/// the enums above; `is_named_enum` tells them apart from other types.
/// Enumerators before `first_option` exist inside the program but are no
/// valid option value (Attack::none: a malicious node always attacks).
template <class E>
struct EnumNames {
  static constexpr bool named = false;
};

#define TROUPE_ENUM_NAMES(E, ...)                   \
  template <>                                       \
  struct EnumNames<E> {                             \
    static constexpr bool named = true;             \
    static constexpr std::size_t first_option = 0;  \
    static constexpr std::array names{__VA_ARGS__}; \
  }

TROUPE_ENUM_NAMES(Mode, std::string_view{"sync"}, std::string_view{"async"},
                  std::string_view{"buffered"});
TROUPE_ENUM_NAMES(Partition, std::string_view{"iid"}, std::string_view{"dirichlet"},
                  std::string_view{"labels"});
TROUPE_ENUM_NAMES(ModelKind, std::string_view{"mlp"}, std::string_view{"cnn"});
TROUPE_ENUM_NAMES(Staleness, std::string_view{"constant"}, std::string_view{"polynomial"},
                  std::string_view{"hinge"});
TROUPE_ENUM_NAMES(EvalMode, std::string_view{"central"}, std::string_view{"federated"},
                  std::string_view{"both"});
TROUPE_ENUM_NAMES(DpMode, std::string_view{"none"}, std::string_view{"central"},
                  std::string_view{"local"}, std::string_view{"distributed"});
TROUPE_ENUM_NAMES(DistillEval, std::string_view{"local"}, std::string_view{"student"});
TROUPE_ENUM_NAMES(RunStatus, std::string_view{"ok"}, std::string_view{"failed"},
                  std::string_view{"degraded"}, std::string_view{"refused"},
                  std::string_view{"cancelled"});

#undef TROUPE_ENUM_NAMES

template <>
struct EnumNames<Attack> {
  static constexpr bool named = true;
  static constexpr std::size_t first_option = 1;
  static constexpr std::array names{std::string_view{"none"}, std::string_view{"scale"},
                                    std::string_view{"signflip"}, std::string_view{"random"},
                                    std::string_view{"inflate-samples"}};
};

template <class E>
inline constexpr bool is_named_enum = EnumNames<E>::named;

/// The public spelling of `e` ("async", "dirichlet", ...).
template <class E, std::enable_if_t<is_named_enum<E>, int> = 0>
std::string to_string(E e) {
  return std::string(EnumNames<E>::names[static_cast<std::size_t>(e)]);
}

/// Streams the public spelling (ModelKind's operator<< is in models/model_kind.hpp).
template <class E, std::enable_if_t<is_named_enum<E> && !std::is_same_v<E, ModelKind>, int> = 0>
std::ostream& operator<<(std::ostream& os, E e) {
  return os << EnumNames<E>::names[static_cast<std::size_t>(e)];
}

/// The option value spelled `text`, nothing when no option value is.
template <class E, std::enable_if_t<is_named_enum<E>, int> = 0>
std::optional<E> parse_enum(std::string_view text) {
  const auto& names = EnumNames<E>::names;
  for (std::size_t i = EnumNames<E>::first_option; i < names.size(); ++i)
    if (names[i] == text) return static_cast<E>(i);
  return std::nullopt;
}

/// The option values joined for a sentence: "sync, async or buffered".
template <class E, std::enable_if_t<is_named_enum<E>, int> = 0>
std::string enum_choices() {
  const auto& names = EnumNames<E>::names;
  std::string out;
  for (std::size_t i = EnumNames<E>::first_option; i < names.size(); ++i) {
    if (i > EnumNames<E>::first_option) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

/// The error of a bad value for option `flag` (without dashes), as the CLI
/// has always worded it: "--mode must be sync, async or buffered (got 'x')".
template <class E, std::enable_if_t<is_named_enum<E>, int> = 0>
std::string bad_choice(std::string_view flag, std::string_view text) {
  return "--" + std::string(flag) + " must be " + enum_choices<E>() + " (got '" +
         std::string(text) + "')";
}

/// JSON values of the enums: their names, never their numbers (nlohmann's
/// default). Reading an unknown name throws std::invalid_argument.
#define TROUPE_ENUM_JSON(E)                    \
  void to_json(nlohmann::json& j, const E& e); \
  void from_json(const nlohmann::json& j, E& e)
TROUPE_ENUM_JSON(Mode);
TROUPE_ENUM_JSON(Partition);
TROUPE_ENUM_JSON(Attack);
TROUPE_ENUM_JSON(Staleness);
TROUPE_ENUM_JSON(DistillEval);
TROUPE_ENUM_JSON(EvalMode);
TROUPE_ENUM_JSON(RunStatus);
TROUPE_ENUM_JSON(DpMode);
#undef TROUPE_ENUM_JSON

}  // namespace troupe::runtime
