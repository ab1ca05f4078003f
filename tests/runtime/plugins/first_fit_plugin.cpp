// A test plugin: registers the allocation policy "test-first-fit" (each task on
// the first available node it still fits on).
#include <memory>

#include "runtime/allocator.hpp"
#include "runtime/plugin.hpp"

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

}  // namespace

TROUPE_PLUGIN_INIT() {
  register_allocator("test-first-fit", [] { return std::make_unique<FirstFit>(); });
}
