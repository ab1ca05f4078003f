#include "cli/job_options.hpp"

namespace troupe::cli {

namespace po = boost::program_options;

void add_job_options(po::options_description& desc, runtime::JobSpec& job) {
  // clang-format off
  desc.add_options()
      ("name", po::value(&job.name)->default_value(job.name), "job name")
      ("nodes", po::value(&job.nodes)->default_value(job.nodes), "number of data shards (embedded: nodes)")
      ("rounds", po::value(&job.rounds)->default_value(job.rounds), "training rounds")
      ("model", po::value(&job.model)->default_value(job.model), "model: mlp | cnn")
      ("partition", po::value(&job.partition)->default_value(job.partition), "data split: iid | dirichlet")
      ("alpha", po::value(&job.alpha)->default_value(job.alpha), "Dirichlet concentration (smaller = more skewed)")
      ("local-epochs", po::value(&job.local_epochs)->default_value(job.local_epochs), "local epochs per training task")
      ("local-steps", po::value(&job.local_steps)->default_value(job.local_steps),
       "if > 0: mini-batches per training task instead of epochs")
      ("batch-size", po::value(&job.batch_size)->default_value(job.batch_size), "mini-batch size")
      ("lr", po::value(&job.lr)->default_value(job.lr), "SGD learning rate")
      ("momentum", po::value(&job.momentum)->default_value(job.momentum), "SGD momentum")
      ("seed", po::value(&job.seed)->default_value(job.seed), "random seed (data split, initial model, shuffling)")
      ("threads", po::value(&job.threads)->default_value(job.threads), "CPU threads per training task")
      ("device", po::value(&job.device)->default_value(job.device), "cpu | cuda | cuda:N")
      ("data-dir", po::value(&job.data_dir)->default_value(job.data_dir), "Fashion-MNIST directory (gzipped IDX files)")
      ("train-limit", po::value(&job.train_limit)->default_value(job.train_limit),
       "use only the first N training examples (0 = all)")
      ("test-limit", po::value(&job.test_limit)->default_value(job.test_limit),
       "evaluate on the first N test examples (0 = all)")
      ("policy", po::value(&job.policy)->default_value(job.policy),
       "allocation policy: priority | best-fit | spread | pack | balanced | regret | exact")
      ("task-timeout", po::value(&job.task_timeout_s)->default_value(job.task_timeout_s),
       "seconds before a task counts as failed")
      ("min-nodes", po::value(&job.min_nodes)->default_value(job.min_nodes),
       "nodes that must have joined before round 1 (cluster mode)")
      ("join-timeout", po::value(&job.join_timeout_s)->default_value(job.join_timeout_s),
       "seconds to wait for --min-nodes nodes");
  // clang-format on
}

}  // namespace troupe::cli
