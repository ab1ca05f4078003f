#include "actors/protocol.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "actors/cluster.hpp"
#include "actors/processes.hpp"

using namespace troupe;

namespace {

models::Parameters sample_parameters(std::int64_t n) {
  models::Parameters p;
  p.add("layer.weight", models::DType::float32, {n / 4, 4});
  p.add("layer.bias", models::DType::float32, {n % 4 + 1});
  for (std::int64_t i = 0; i < p.numel(); ++i)
    p.float_data()[i] = static_cast<float>(i) * 0.5F - 3.0F;
  return p;
}

struct System {
  System() : cfg(make_cfg()), sys(cfg) {}
  static caf::actor_system_config& make_cfg() {
    static caf::actor_system_config c;
    static bool once = [] {
      actors::configure(c);
      return true;
    }();
    (void)once;
    return c;
  }
  caf::actor_system_config& cfg;
  caf::actor_system sys;
};

template <class T>
T round_trip(caf::actor_system& sys, T value, std::size_t* size = nullptr) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  EXPECT_FALSE(sink(value));
  if (size) *size = buf.size();
  T out;
  caf::binary_deserializer source{sys, buf};
  EXPECT_FALSE(source(out));
  return out;
}

}  // namespace

TEST(Protocol, ParametersRoundTripThroughTheBinarySerializer) {
  System s;
  const auto p = sample_parameters(1000);
  const auto q = round_trip(s.sys, p);
  EXPECT_EQ(q.tensors, p.tensors);
  EXPECT_EQ(q.bytes, p.bytes);
}

TEST(Protocol, ParametersSerialiseAsRawBytesPlusASmallHeader) {
  System s;
  const auto p = sample_parameters(1 << 20);  // 4 MiB of floats
  std::size_t size = 0;
  round_trip(s.sys, p, &size);
  // Element-by-element encoding would still be 4 bytes per float, so check the
  // header stays tiny rather than comparing sizes alone; the speed difference is in bench/.
  EXPECT_GE(size, p.bytes.size());
  EXPECT_LT(size - p.bytes.size(), 256u);
}

TEST(Protocol, ParametersReadBackWithoutCafsPathKeepTheWireFormatAndRefuseATruncatedBlock) {
  System s;
  // Written by CAF's own sequence path, read by load_byte_block: the same bytes.
  const auto p = sample_parameters(4096);
  std::vector<char> buf;
  caf::binary_serializer sink{s.sys, buf};
  ASSERT_FALSE(sink(caf::meta::type_name("troupe.Parameters"),
                    const_cast<models::Parameters&>(p).tensors,
                    const_cast<models::Parameters&>(p).bytes));
  models::Parameters q;
  q.bytes.assign(7, 1);  // what was there before is replaced
  {
    caf::binary_deserializer source{s.sys, buf};
    ASSERT_FALSE(source(q));
    EXPECT_EQ(source.remaining(), 0u);
  }
  EXPECT_EQ(q.tensors, p.tensors);
  EXPECT_EQ(q.bytes, p.bytes);
  // An empty block reads back empty.
  models::Parameters none;
  EXPECT_TRUE(round_trip(s.sys, none).bytes.empty());
  // A block cut short is an error, and nothing past the buffer is read.
  for (const std::size_t cut : {std::size_t{1}, std::size_t{100}, buf.size() / 2}) {
    std::vector<char> shorter(buf.begin(), buf.end() - static_cast<std::ptrdiff_t>(cut));
    models::Parameters r;
    caf::binary_deserializer source{s.sys, shorter};
    EXPECT_TRUE(static_cast<bool>(source(r))) << "cut " << cut;
  }
  // A size announcing more than the buffer holds is refused (CAF's own path
  // zero-filled the announced size first; load_byte_block checks it first).
  std::vector<char> lying;
  caf::binary_serializer lie{s.sys, lying};
  std::vector<models::TensorInfo> no_tensors;
  std::size_t huge = 0xF0000000;  // 3.75 GiB: CAF writes sequence sizes in 32 bits
  ASSERT_FALSE(lie(no_tensors));
  ASSERT_FALSE(lie.begin_sequence(huge));
  models::Parameters r;
  caf::binary_deserializer source{s.sys, lying};
  EXPECT_TRUE(static_cast<bool>(source(r)));
  EXPECT_TRUE(r.bytes.empty());
  // Inside a message (a type-erased deserializer, as BASP reads one) the same holds.
  actors::ModelUpdate update;
  update.params = p;
  const auto out = round_trip(s.sys, caf::make_message(update));
  ASSERT_TRUE(out.match_elements<actors::ModelUpdate>());
  EXPECT_EQ(out.get_as<actors::ModelUpdate>(0).params.bytes, p.bytes);
}

TEST(Protocol, UpdatePartsAndSecureSumMessagesKeepTheirBytesAndRefuseAnInflatedSize) {
  System s;
  actors::UpdatePart part{7, 8, 1024, 4096, std::vector<unsigned char>(1000, 9)};
  const auto p = round_trip(s.sys, part);
  EXPECT_EQ(p.run_id, 7u);
  EXPECT_EQ(p.total, 4096);
  EXPECT_EQ(p.bytes, part.bytes);
  actors::SecAggMessage m;
  m.run_id = 3;
  m.stage = 2;
  m.payload.assign(300, 5);
  m.base_version = 11;
  m.node = "n4";
  const auto q = round_trip(s.sys, m);
  EXPECT_EQ(q.payload, m.payload);
  EXPECT_EQ(q.base_version, 11);  // fields after the bytes still line up
  EXPECT_EQ(q.node, "n4");
  // The block announces 3.75 GiB (CAF writes sizes in 32 bits) and holds 3 bytes.
  auto inflated = [&](auto head) {
    std::vector<char> buf;
    caf::binary_serializer sink{s.sys, buf};
    EXPECT_FALSE(head(sink));
    std::size_t huge = 0xF0000000;
    EXPECT_FALSE(sink.begin_sequence(huge));
    buf.insert(buf.end(), {1, 2, 3});
    return buf;
  };
  // Peak resident memory: CAF's own path would have allocated and cleared the
  // announced 3.75 GiB before it found the bytes missing.
  auto peak_mib = [] {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
      if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6)) / 1024;
    return 0L;
  };
  const auto peak_before = peak_mib();
  const auto part_bytes = inflated([](caf::binary_serializer& f) {
    std::uint64_t run = 1;
    std::int64_t task = 2, offset = 0, total = 4;
    return f(run, task, offset, total);
  });
  actors::UpdatePart got_part;
  caf::binary_deserializer part_source{s.sys, part_bytes};
  EXPECT_TRUE(static_cast<bool>(part_source(got_part)));
  EXPECT_TRUE(got_part.bytes.empty());
  const auto secagg_bytes = inflated([](caf::binary_serializer& f) {
    std::uint64_t run = 1;
    std::int64_t cohort = 1, task = 2;
    std::int32_t stage = 2, participants = 3;
    return f(run, cohort, task, stage, participants);
  });
  actors::SecAggMessage got_secagg;
  caf::binary_deserializer secagg_source{s.sys, secagg_bytes};
  EXPECT_TRUE(static_cast<bool>(secagg_source(got_secagg)));
  EXPECT_TRUE(got_secagg.payload.empty());
  EXPECT_LT(peak_mib() - peak_before, 512);
}

TEST(Protocol, ASharedModelTravelsAsItsParametersAndArrivesAsAModelOfItsOwn) {
  System s;
  actors::SharedModel m{std::make_shared<const models::Parameters>(sample_parameters(1 << 16))};
  std::size_t size = 0;
  const auto q = round_trip(s.sys, m, &size);
  ASSERT_TRUE(q.params);
  EXPECT_NE(q.params, m.params);
  EXPECT_EQ(q.params->tensors, m.params->tensors);
  EXPECT_EQ(q.params->bytes, m.params->bytes);
  EXPECT_LT(size - m.params->bytes.size(), 256u);  // raw bytes plus the tensors' header
  // In a message between actors of one process it is the same model, not a copy.
  auto msg = caf::make_message(m);
  EXPECT_EQ(msg.get_as<actors::SharedModel>(0).params, m.params);
}

TEST(Protocol, ADataSummaryTravelsAsAPlainListAndIsSharedWithinAProcess) {
  System s;
  actors::DataSummary d{
      std::make_shared<const std::vector<std::int64_t>>(std::vector<std::int64_t>{600, 599, 601}),
      10000};
  // The bytes of the list as it travelled before it was shared.
  std::vector<char> plain, shared;
  std::vector<std::int64_t> list = *d.shard_sizes;
  std::int64_t test_size = d.test_size;
  caf::binary_serializer plain_sink{s.sys, plain};
  EXPECT_FALSE(plain_sink(list, test_size));
  caf::binary_serializer shared_sink{s.sys, shared};
  EXPECT_FALSE(shared_sink(d));
  EXPECT_EQ(shared, plain);
  const auto q = round_trip(s.sys, d);
  ASSERT_TRUE(q.shard_sizes);
  EXPECT_NE(q.shard_sizes, d.shard_sizes);
  EXPECT_EQ(q.sizes(), d.sizes());
  EXPECT_EQ(q.test_size, 10000);
  auto msg = caf::make_message(d);
  EXPECT_EQ(msg.get_as<actors::DataSummary>(0).shard_sizes, d.shard_sizes);
  // A summary without sizes reads as none, and travels as an empty list.
  EXPECT_TRUE(round_trip(s.sys, actors::DataSummary{}).sizes().empty());
}

TEST(Protocol, MessagesOfEveryTypeRoundTripByRegisteredName) {
  System s;
  runtime::JobSpec job;
  job.nodes = 7;
  job.train.model = runtime::ModelKind::cnn;
  job.train.model_script = std::string("\x00\x01PK", 4);
  job.train.model_sha256 = "ab";
  job.data.test_set = "packed";
  job.eval.mode = runtime::EvalMode::both;
  job.train.script_offer = {"ticket", 4242, {"127.0.0.1", "::1"}, 123456789};
  job.train.script_upload = "uploaded";
  actors::ModelUpdate update;
  update.task_id = 42;
  update.node = "node-3";
  update.params = sample_parameters(64);
  actors::TrainTask task{1, 2, 3, 4, 5};
  task.priority = 3.0;
  task.preempt = true;
  const auto out =
      round_trip(s.sys, caf::make_message(actors::setup_atom::value, job, update, task));
  ASSERT_TRUE((out.match_elements<actors::setup_atom, runtime::JobSpec, actors::ModelUpdate,
                                  actors::TrainTask>()));
  EXPECT_EQ(out.get_as<runtime::JobSpec>(1).nodes, 7);
  EXPECT_EQ(out.get_as<runtime::JobSpec>(1).train.model, runtime::ModelKind::cnn);
  EXPECT_EQ(out.get_as<runtime::JobSpec>(1).train.model_script, job.train.model_script);
  EXPECT_EQ(out.get_as<runtime::JobSpec>(1).train.model_sha256, "ab");
  EXPECT_EQ(out.get_as<runtime::JobSpec>(1).data.test_set, "packed");
  EXPECT_EQ(out.get_as<runtime::JobSpec>(1).eval.mode, runtime::EvalMode::both);
  const auto& offer = out.get_as<runtime::JobSpec>(1).train.script_offer;
  EXPECT_EQ(offer.ticket, "ticket");
  EXPECT_EQ(offer.port, 4242);
  EXPECT_EQ(offer.hosts, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(offer.size, 123456789u);
  EXPECT_EQ(out.get_as<runtime::JobSpec>(1).train.script_upload, "uploaded");
  EXPECT_EQ(out.get_as<actors::ModelUpdate>(2).params.bytes, update.params.bytes);
  EXPECT_EQ(out.get_as<actors::TrainTask>(3).seed, 5u);
  EXPECT_EQ(out.get_as<actors::TrainTask>(3).priority, 3.0);
  EXPECT_TRUE(out.get_as<actors::TrainTask>(3).preempt);
}

TEST(Protocol, ARunReportRoundTrips) {
  System s;
  runtime::RunReport r;
  r.status = runtime::RunStatus::ok;
  r.tasks.resize(2);
  r.tasks[1].node = "node-2";
  r.tasks[1].state = runtime::TaskState::failed;
  r.rounds.push_back(
      {3, 3, 0.8, 0.7, 0.6, 0.65, 0.4, 0.5, 1.5, 9, 1, 0, 0, 0.0, 2, 1, {2}, {}, {}});
  r.tasks[1].backup_of = 0;
  r.final_metrics = models::compute_metrics({0, 1}, {0, 0}, 2);
  r.job.preempted = 2;
  r.job.tasks_yielded = 5;
  r.job.placed_jointly = 12;
  r.job.placed_with_others = 4;
  const auto q = round_trip(s.sys, r);
  EXPECT_EQ(q.job.preempted, 2);
  EXPECT_EQ(q.job.tasks_yielded, 5);
  EXPECT_EQ(q.job.placed_jointly, 12);
  EXPECT_EQ(q.job.placed_with_others, 4);
  EXPECT_EQ(q.tasks[1].node, "node-2");
  EXPECT_EQ(q.tasks[1].state, runtime::TaskState::failed);
  EXPECT_EQ(q.rounds[0].updates, 9);
  EXPECT_EQ(q.rounds[0].backups, 2);
  EXPECT_EQ(q.rounds[0].backups_won, 1);
  EXPECT_EQ(q.tasks[1].backup_of, 0);
  EXPECT_EQ(q.rounds[0].lost_shards, std::vector<int>{2});
  EXPECT_EQ(q.final_metrics.confusion, r.final_metrics.confusion);
}

TEST(Protocol, TypesAreRegisteredUnderFixedNames) {
  EXPECT_STREQ(caf::type_name<models::Parameters>::value, "troupe::models::Parameters");
  EXPECT_STREQ(caf::type_name<actors::ModelUpdate>::value, "troupe::actors::ModelUpdate");
  EXPECT_STREQ(caf::type_name<actors::SharedModel>::value, "troupe::actors::SharedModel");
}

TEST(Endpoint, ParsesHostAndPortAndRejectsMalformedOnes) {
  std::string why;
  auto ep = actors::parse_endpoint("127.0.0.1:7070", &why);
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->port, 7070);
  EXPECT_EQ(actors::parse_endpoint("[::1]:80", &why)->host, "::1");
  EXPECT_FALSE(actors::parse_endpoint("localhost", &why));
  EXPECT_FALSE(actors::parse_endpoint("h:70000", &why));
  EXPECT_FALSE(actors::parse_endpoint("h:7x", &why));
  EXPECT_FALSE(actors::parse_endpoint(":80", &why));
  EXPECT_NE(why.find("HOST:PORT"), std::string::npos);
}

TEST(Protocol, RegistrationAndStatusMessagesRoundTrip) {
  System s;
  actors::NodeRegistration reg;
  reg.name = "n1";
  reg.resources.cores = 8;
  reg.resources.gpus.push_back({"H100", 80, 70});
  reg.data.shard = 2;
  reg.data.shards = 5;
  reg.data.local_examples = 1000;
  reg.data.label_histogram = {600, 400};
  reg.data.feature_shape = {64};
  reg.data.feature_type = "float32";
  reg.data.source = "a.csv";
  const auto q = round_trip(s.sys, reg);
  EXPECT_EQ(q.resources.gpus.at(0).name, "H100");
  EXPECT_EQ(q.data.shards, 5);
  EXPECT_EQ(q.data.local_examples, 1000);
  EXPECT_EQ(q.data.label_histogram, (std::vector<std::int64_t>{600, 400}));
  EXPECT_EQ(q.data.feature_shape, (std::vector<std::int64_t>{64}));
  EXPECT_EQ(q.data.source, "a.csv");
  actors::ClusterStatus st;
  st.nodes.push_back({});
  st.nodes[0].id = "n1";
  st.progress.push_back({});
  EXPECT_EQ(round_trip(s.sys, st).nodes.at(0).id, "n1");
}

TEST(Protocol, UsageAndAdmissionFieldsSurviveTheWire) {
  System s;
  runtime::NodeUsage u;
  u.disk_free = 123456789;
  u.gpus = {runtime::GpuUsage{0.5, 10, 20}};
  u.bytes_sent = 42;
  u.bytes_received = 43;
  u.transfer_rate = 1e9;
  const auto v = round_trip(s.sys, u);
  EXPECT_EQ(v.disk_free, 123456789u);
  ASSERT_EQ(v.gpus.size(), 1u);
  EXPECT_DOUBLE_EQ(v.gpus[0].utilisation, 0.5);
  EXPECT_EQ(v.bytes_received, 43u);
  EXPECT_DOUBLE_EQ(v.transfer_rate, 1e9);
  actors::NodeRegistration reg;
  reg.name = "n1";
  reg.admission = {"abcd", "ef01", "12ab", "34cd"};
  const auto r = round_trip(s.sys, reg);
  EXPECT_EQ(r.admission.nonce, "abcd");
  EXPECT_EQ(r.admission.proof, "ef01");
  EXPECT_EQ(r.admission.public_key, "12ab");
  EXPECT_EQ(r.admission.signature, "34cd");
  EXPECT_FALSE(r.admission.empty());
  runtime::RunReport report;
  report.nodes.push_back({"n1", 1, 2.0, 0.5, 100, 200, 3.0, {runtime::UsagePoint{1.0, 0.25}}});
  const auto back = round_trip(s.sys, report);
  ASSERT_EQ(back.nodes.at(0).usage.size(), 1u);
  EXPECT_DOUBLE_EQ(back.nodes[0].usage[0].cpu, 0.25);
  EXPECT_EQ(back.nodes[0].bytes_received, 200u);
}
