#include "runtime/scheduling/job_order.hpp"

namespace troupe::runtime {

JobOrderKey job_order_key(double priority, double deadline_s, double submitted_at) {
  JobOrderKey key;
  key.priority = priority;
  if (deadline_s > 0.0) key.deadline_at = submitted_at + deadline_s;
  return key;
}

bool starts_before(const JobOrderKey& a, const JobOrderKey& b) {
  if (a.priority != b.priority) return a.priority > b.priority;
  return a.deadline_at < b.deadline_at;
}

}  // namespace troupe::runtime
