#pragma once
/// \file
/// The node actor: holds local data, trains on it and evaluates global models.
/// It translates messages into calls to a runtime::NodeBehaviour (the job's
/// node_behaviour, by default LibTorch training, wrapped in the process's
/// compute gate and the node's runtime::Misbehaviour) and adds what belongs to
/// the protocol: model fetching and sending updates.
///
/// A program can put its own actor in a node's place: anything that implements
/// the typed `node_actor` interface (actors/protocol.hpp) can join an embedded
/// cluster (EmbeddedOptions::spawn_node) or a scheduler
/// (NodeProcessOptions::spawn_node); spawn_node below is the built-in one, to
/// delegate to.

#include <functional>
#include <memory>
#include <string>

#include "actors/protocol.hpp"
#include "models/trainer_pool.hpp"
#include "runtime/node/compute_gate.hpp"
#include "runtime/node/data_catalog.hpp"
#include "runtime/node/misbehaving_node_behaviour.hpp"
#include "runtime/system/traffic.hpp"

namespace troupe::actors {

struct NodeConfig {
  std::string name;  ///< node id in reports
  /// Where models come from and updates go; may arrive later with aggregator_atom.
  aggregator_actor aggregator;
  /// This node's data, shared with other in-process nodes; when empty the node
  /// loads its own from `data_dir` (or the job's --data-dir) at set-up.
  std::shared_ptr<runtime::DataCatalog> data;
  std::string data_dir;
  std::shared_ptr<runtime::ComputeGate> gate;  ///< limits concurrent compute in the process
  std::string device;                          ///< overrides the job's device when not empty
  int threads = 0;                             ///< overrides the job's threads when > 0
  runtime::DataPlacement placement;            ///< shard >= 0: holds only that shard
  /// The node's own examples (`troupe node --data`, read from placement.source),
  /// or null: it trains on shards of the job's data set instead.
  std::shared_ptr<const models::Dataset> local;
  std::string behaviour;  ///< overrides the job's node_behaviour when not empty
  /// Heterogeneity and misbehaviour, for experiments and tests (the job's
  /// --dropout applies unless misbehaviour.dropout >= 0).
  runtime::Misbehaviour misbehaviour;
  /// Counts the model bytes the node fetches and sends (reported with heartbeats); may be null.
  std::shared_ptr<runtime::TrafficMeter> traffic;
  /// Tests and experiments: the node leaves each secure sum after its message
  /// of this stage was answered (0..3, runtime::SecureStage; -1: never), as a
  /// node that vanished mid-protocol.
  int secure_vanish_after = -1;
  /// An update with more parameter bytes than this goes to an aggregator in
  /// another process in parts of at most this size (`troupe node
  /// --update-part-mib`): keep it below the aggregator's --max-message.
  std::uint64_t update_part_bytes = std::uint64_t{64} << 20;
  /// An update with at least this many parameter bytes goes to an aggregator
  /// in another process over the data plane (net/bulk_channel.hpp; `troupe
  /// node --bulk-min-mib`), unless that aggregator has none (TLS).
  std::uint64_t bulk_min_bytes = std::uint64_t{1} << 20;
  /// Models and updates go through shared blocks (net/shared_block.hpp) with
  /// an aggregator in another process of this host (`troupe node
  /// --no-shared-memory` turns it off; so does TLS).
  bool shared_memory = false;
  /// Tests: once its key shares are delivered (its inbox came), the node
  /// blocks this long before masking, so that a process test can kill it
  /// between key sharing and masking (a dropout the others' shares recover).
  double secure_pause_before_masking_s = 0.0;
  /// The node runs on the actor system's worker threads (its training holds
  /// one while it computes) instead of a thread of its own. Embedded runs of
  /// many nodes: every thread costs about 120 KB resident (its stack and the
  /// libraries' thread-local storage), where a pooled actor costs a few KB.
  bool pooled = false;
  /// Trainers shared by the process's nodes (runtime::NodeSetup::trainers),
  /// or null: each node keeps its own. The embedded cluster shares one among
  /// pooled nodes.
  std::shared_ptr<models::TrainerPool> trainers;
};

/// Spawns a node. It blocks while training, so it runs on its own thread,
/// unless config.pooled.
node_actor spawn_node(caf::actor_system& system, NodeConfig config);

/// Makes a node's actor from the configuration the built-in node would get
/// (EmbeddedOptions::spawn_node, NodeProcessOptions::spawn_node). Any actor of
/// the typed node_actor interface will do; the compiler checks its handlers.
/// Return spawn_node(system, std::move(config)) to keep the built-in one.
using NodeSpawner = std::function<node_actor(caf::actor_system&, NodeConfig)>;

}  // namespace troupe::actors
