// A test plugin: registers the allocation policy "test-first-fit" (each task on
// the first available node it still fits on) and the node behaviour
// "test-echo" (returns the global model unchanged; no data, no LibTorch).
#include <memory>

#include "runtime/allocation/allocator.hpp"
#include "runtime/io/plugin.hpp"
#include "runtime/node/node_behaviour.hpp"

namespace {

using namespace troupe::runtime;

class FirstFit final : public Allocator {
 public:
  std::string name() const override { return "test-first-fit"; }
  Allocation allocate(const AllocationRequest& request) const override {
    Allocation out;
    std::vector<Resources> left;
    for (const auto& n : request.nodes) left.push_back(n.capacity);
    for (std::size_t t = 0; t < request.tasks.size(); ++t) {
      int chosen = Allocation::kUnplaced;
      for (std::size_t n = 0; n < request.nodes.size() && chosen == Allocation::kUnplaced; ++n) {
        if (!request.nodes[n].available() || !fits(request.demand(t, n), left[n])) continue;
        chosen = static_cast<int>(n);
        subtract(left[n], request.demand(t, n));
      }
      out.node_of_task.push_back(chosen);
    }
    out.objective = objective_of(request, out.node_of_task);
    return out;
  }
};

class Echo final : public NodeBehaviour {
 public:
  std::string name() const override { return "test-echo"; }
  NodeData setup(const NodeSetup& s) override {
    return {std::vector<std::int64_t>(static_cast<std::size_t>(s.job.nodes), 10), 10};
  }
  troupe::models::TrainResult train(const troupe::models::Parameters& global, const LocalTask&,
                                    troupe::models::Parameters& update) override {
    update = global;
    troupe::models::TrainResult r;
    r.samples = r.samples_seen = 10;
    return r;
  }
  troupe::models::ClassificationMetrics evaluate(const troupe::models::Parameters&) override {
    troupe::models::ClassificationMetrics m;
    m.accuracy = 0.25;  // a marker the tests look for
    return m;
  }
};

}  // namespace

TROUPE_PLUGIN_INIT() {
  register_allocator("test-first-fit", [] { return std::make_unique<FirstFit>(); });
  register_node_behaviour("test-echo", [] { return std::make_unique<Echo>(); });
}
