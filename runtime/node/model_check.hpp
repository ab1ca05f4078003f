#pragma once
/// \file
/// What a node checks of a job's model before it trains: the shipped bytes
/// against their SHA-256, that they load as TorchScript, that the model takes
/// the job's examples and that its outputs fit the classes. Every message
/// names the node and the model file, e.g. "node-2: model file /tmp/m.pt:
/// output size 7 does not match the job's 10 classes".

#include "models/dataset.hpp"
#include "models/model_source.hpp"
#include "runtime/node/node_behaviour.hpp"

namespace troupe::runtime {

/// The model `setup.job` trains, checked against `data` (the examples the node
/// trains on): the job's --input-shape when set, else the data's example
/// shape; --classes when set must equal the model's output size, else the
/// data's classes must not exceed it. A built-in model is returned unchecked.
/// Throws std::invalid_argument with the message above.
models::ModelSource checked_job_model(const NodeSetup& setup, const models::Dataset& data);

}  // namespace troupe::runtime
