#include "runtime/io/job_json.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace troupe::runtime {
namespace {

template <class T>
void read(const nlohmann::json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  try {
    out = it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw std::runtime_error(std::string("job config: \"") + key + "\" has the wrong type");
  }
}

}  // namespace

nlohmann::json job_to_json(const JobSpec& job) {
  nlohmann::json j;
  j["name"] = job.name;
  j["nodes"] = job.nodes;
  j["rounds"] = job.rounds;
  j["model"] = job.model;
  j["partition"] = job.partition;
  j["alpha"] = job.alpha;
  j["local_epochs"] = job.local_epochs;
  j["local_steps"] = job.local_steps;
  j["batch_size"] = job.batch_size;
  j["lr"] = job.lr;
  j["momentum"] = job.momentum;
  j["seed"] = job.seed;
  j["threads"] = job.threads;
  j["device"] = job.device;
  j["data_dir"] = job.data_dir;
  j["train_limit"] = job.train_limit;
  j["test_limit"] = job.test_limit;
  j["policy"] = job.policy;
  j["task_timeout_s"] = job.task_timeout_s;
  j["min_nodes"] = job.min_nodes;
  j["join_timeout_s"] = job.join_timeout_s;
  j["labels_per_node"] = job.labels_per_node;
  j["node_behaviour"] = job.node_behaviour;
  j["public_examples"] = job.public_examples;
  j["distill_weight"] = job.distill_weight;
  j["distill_temperature"] = job.distill_temperature;
  j["distill_eval"] = job.distill_eval;
  j["mode"] = job.mode;
  j["strategy"] = job.strategy;
  j["prox_mu"] = job.prox_mu;
  j["server_lr"] = job.server_lr;
  j["server_momentum"] = job.server_momentum;
  j["beta1"] = job.beta1;
  j["beta2"] = job.beta2;
  j["tau"] = job.tau;
  j["trim_fraction"] = job.trim_fraction;
  j["byzantine"] = job.byzantine;
  j["multi_krum"] = job.multi_krum;
  j["clip_norm"] = job.clip_norm;
  j["clients_per_round"] = job.clients_per_round;
  j["over_selection"] = job.over_selection;
  j["round_deadline_s"] = job.round_deadline_s;
  j["min_updates"] = job.min_updates;
  j["async_alpha"] = job.async_alpha;
  j["staleness"] = job.staleness;
  j["staleness_a"] = job.staleness_a;
  j["staleness_b"] = job.staleness_b;
  j["buffer_size"] = job.buffer_size;
  j["max_staleness"] = job.max_staleness;
  j["event_log"] = job.event_log;
  j["checkpoint_dir"] = job.checkpoint_dir;
  j["checkpoint_every"] = job.checkpoint_every;
  j["resume"] = job.resume;
  j["slow_nodes"] = job.slow_nodes;
  j["slow_factor"] = job.slow_factor;
  j["dropout"] = job.dropout;
  j["malicious"] = job.malicious;
  j["attack"] = job.attack;
  j["attack_scale"] = job.attack_scale;
  return j;
}

JobSpec job_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::runtime_error("job config: expected a JSON object");
  JobSpec job;
  read(j, "name", job.name);
  read(j, "nodes", job.nodes);
  read(j, "rounds", job.rounds);
  read(j, "model", job.model);
  read(j, "partition", job.partition);
  read(j, "alpha", job.alpha);
  read(j, "local_epochs", job.local_epochs);
  read(j, "local_steps", job.local_steps);
  read(j, "batch_size", job.batch_size);
  read(j, "lr", job.lr);
  read(j, "momentum", job.momentum);
  read(j, "seed", job.seed);
  read(j, "threads", job.threads);
  read(j, "device", job.device);
  read(j, "data_dir", job.data_dir);
  read(j, "train_limit", job.train_limit);
  read(j, "test_limit", job.test_limit);
  read(j, "policy", job.policy);
  read(j, "task_timeout_s", job.task_timeout_s);
  read(j, "min_nodes", job.min_nodes);
  read(j, "join_timeout_s", job.join_timeout_s);
  read(j, "labels_per_node", job.labels_per_node);
  read(j, "node_behaviour", job.node_behaviour);
  read(j, "public_examples", job.public_examples);
  read(j, "distill_weight", job.distill_weight);
  read(j, "distill_temperature", job.distill_temperature);
  read(j, "distill_eval", job.distill_eval);
  read(j, "mode", job.mode);
  read(j, "strategy", job.strategy);
  read(j, "prox_mu", job.prox_mu);
  read(j, "server_lr", job.server_lr);
  read(j, "server_momentum", job.server_momentum);
  read(j, "beta1", job.beta1);
  read(j, "beta2", job.beta2);
  read(j, "tau", job.tau);
  read(j, "trim_fraction", job.trim_fraction);
  read(j, "byzantine", job.byzantine);
  read(j, "multi_krum", job.multi_krum);
  read(j, "clip_norm", job.clip_norm);
  read(j, "clients_per_round", job.clients_per_round);
  read(j, "over_selection", job.over_selection);
  read(j, "round_deadline_s", job.round_deadline_s);
  read(j, "min_updates", job.min_updates);
  read(j, "async_alpha", job.async_alpha);
  read(j, "staleness", job.staleness);
  read(j, "staleness_a", job.staleness_a);
  read(j, "staleness_b", job.staleness_b);
  read(j, "buffer_size", job.buffer_size);
  read(j, "max_staleness", job.max_staleness);
  read(j, "event_log", job.event_log);
  read(j, "checkpoint_dir", job.checkpoint_dir);
  read(j, "checkpoint_every", job.checkpoint_every);
  read(j, "resume", job.resume);
  read(j, "slow_nodes", job.slow_nodes);
  read(j, "slow_factor", job.slow_factor);
  read(j, "dropout", job.dropout);
  read(j, "malicious", job.malicious);
  read(j, "attack", job.attack);
  read(j, "attack_scale", job.attack_scale);
  return job;
}

}  // namespace troupe::runtime
