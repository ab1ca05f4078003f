// The plugin's entry point: registers the strategy "fedavg-decay" and the
// allocation policy "round-robin". Load it with `troupe run --plugin PATH
// --strategy fedavg-decay --policy round-robin` (or runtime::load_plugin).
#include <memory>

#include "fedavg_decay.hpp"
#include "round_robin.hpp"
#include "runtime/io/plugin.hpp"

namespace {

/// How fast the server learning rate decays per round.
constexpr double kDecay = 0.5;

}  // namespace

TROUPE_PLUGIN_INIT() {
  troupe::runtime::register_strategy(
      "fedavg-decay", [](const troupe::runtime::StrategyOptions& options) {
        return std::make_unique<example::FedAvgDecay>(options.server_lr, kDecay);
      });
  troupe::runtime::register_allocator("round-robin",
                                      [] { return std::make_unique<example::RoundRobin>(); });
}
