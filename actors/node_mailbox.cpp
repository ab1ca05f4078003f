// The node's look into its own mailbox while it computes (task preemption on
// shared nodes). A file of its own: it is built without UBSan's vptr check
// (actors/CMakeLists.txt), since CAF 0.17.6's intrusive queues cast their own
// sentinel node to a mailbox element when a message is appended to an empty
// queue (task_queue::back via lifo_append), which that check reports. CAF's
// own library, built without the check, runs the same code for every message.

#include "actors/node_state.hpp"

namespace troupe::actors::node {

/// Whether a task or set-up of a --preempt job above `priority` waits in the
/// node's mailbox, not yet read: the node is busy computing, so it looks there
/// between mini-batches (its own thread owns the queue it reads).
bool preempting_mail(NodePtr self, double priority) {
  auto& box = self->mailbox();
  box.fetch_more();
  bool found = false;
  box.queue().peek_all([&](const caf::mailbox_element& x) {
    const auto& m = x.content();
    if (found) return;
    if (m.match_elements<train_atom, TrainTask>()) {
      const auto& t = m.get_as<TrainTask>(1);
      found = t.preempt && t.priority > priority;
    } else if (m.match_elements<setup_atom, runtime::JobSpec>()) {
      // The job's set-up comes first, then its tasks.
      const auto& job = m.get_as<runtime::JobSpec>(1);
      found = job.cluster.preempt && job.cluster.priority > priority;
    } else if (m.match_elements<eval_atom, EvalTask>()) {
      const auto& t = m.get_as<EvalTask>(1);
      found = t.preempt && t.priority > priority;
    }
  });
  return found;
}

}  // namespace troupe::actors::node
