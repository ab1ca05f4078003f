// A job's TorchScript bytes to another process over the data plane
// (actors/job_bytes.hpp): what job_for sends, and what the receiver fetches.
#include "actors/job_bytes.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>
#include <caf/node_id.hpp>
#include <caf/optional.hpp>

#include <memory>
#include <string>

#include "net/bulk_channel.hpp"
#include "net/message_guard.hpp"
#include "runtime/core/job_model.hpp"
#include "runtime/system/resources.hpp"
#include "socket_util.hpp"

using namespace troupe;
using namespace std::chrono_literals;

namespace {

/// Node ids of two processes of one host.
caf::node_id node(std::uint32_t pid) {
  return *caf::make_node_id(pid, "0123456789abcdef0123456789abcdef01234567");
}

/// A data plane for this process, as a published scheduler has.
struct Plane {
  Plane() {
    upstream = test::listen_loopback(&upstream_port, 64);
    receiver = std::make_shared<net::BulkReceiver>();
    actors::MessageGuardOptions go;
    go.host = "127.0.0.1";
    go.upstream_port = upstream_port;
    go.bulk = [r = receiver.get()](int fd, std::string first) { r->adopt(fd, std::move(first)); };
    guard = std::make_unique<actors::MessageGuard>(go);
    receiver->set_address(guard->port(), {"127.0.0.1"});
    net::set_process_bulk_receiver(receiver);
  }
  ~Plane() {
    guard.reset();
    net::set_process_bulk_receiver(nullptr);
    close(upstream);
  }
  std::uint16_t upstream_port = 0;
  int upstream = -1;
  std::shared_ptr<net::BulkReceiver> receiver;
  std::unique_ptr<actors::MessageGuard> guard;
};

runtime::JobSpec job_with_script(std::size_t n) {
  runtime::JobSpec job;
  std::string bytes(n, '\0');
  for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<char>(i * 31 + 7);
  job.train.model_script = bytes;
  return job;
}

}  // namespace

TEST(JobBytes, ALargeScriptGoesToAnotherProcessAsATicketAndIsFetchedOnce) {
  Plane plane;
  const auto job = job_with_script((std::size_t{3} << 20) + 5);
  const auto here = node(1), there = node(2);
  auto sent = actors::job_for(there, here, job, 10s);
  EXPECT_TRUE(sent.train.model_script.empty());
  EXPECT_EQ(sent.train.script_offer.size, job.train.model_script.size());
  EXPECT_EQ(sent.train.script_offer.port, plane.receiver->port());
  auto again = sent;  // a second receiver of the same message cannot use its ticket
  ASSERT_EQ(actors::fetch_offered_script(sent, 5.0), "");
  EXPECT_EQ(sent.train.model_script, job.train.model_script);
  EXPECT_TRUE(sent.train.script_offer.ticket.empty());
  const auto why = actors::fetch_offered_script(again, 5.0);
  EXPECT_NE(why.find("could not be fetched from the scheduler's data plane"), std::string::npos)
      << why;
  EXPECT_TRUE(again.train.model_script.empty());
  // Nothing offered: nothing to fetch.
  EXPECT_EQ(actors::fetch_offered_script(sent, 5.0), "");
}

TEST(JobBytes, TheJobGoesWholeWithinAProcessForASmallScriptAndWithoutADataPlane) {
  const auto big = job_with_script(std::size_t{2} << 20);
  const auto small = job_with_script(1000);
  const auto here = node(1), there = node(2);
  // No data plane in this process (TLS, or no guard).
  EXPECT_EQ(actors::job_for(there, here, big, 10s).train.model_script, big.train.model_script);
  Plane plane;
  const auto same = actors::job_for(here, here, big, 10s);
  EXPECT_EQ(same.train.model_script, big.train.model_script);
  EXPECT_TRUE(same.train.script_offer.ticket.empty());
  EXPECT_EQ(actors::job_for(there, here, small, 10s).train.model_script, small.train.model_script);
  EXPECT_TRUE(actors::job_for(there, here, small, 10s).train.script_offer.ticket.empty());
  // `whole`: a receiver that could not fetch before gets the bytes in the job.
  const auto whole = actors::job_for(there, here, big, 10s, true);
  EXPECT_EQ(whole.train.model_script, big.train.model_script);
  EXPECT_TRUE(whole.train.script_offer.ticket.empty());
  // An offer that came with the job (from a submitter) never goes on.
  auto foreign = small;
  foreign.train.script_offer = {"elsewhere", 9, {"127.0.0.9"}, 5};
  for (const auto& to : {here, there})
    EXPECT_TRUE(actors::job_for(to, here, foreign, 10s).train.script_offer.ticket.empty());
}

TEST(JobBytes, ASubmittersUploadedScriptIsTakenOnceAndUploadsAreBounded) {
  // What troupe submit does (upload_script) and the scheduler then.
  const auto job = [] {
    auto j = job_with_script((std::size_t{2} << 20) + 3);
    j.train.model_sha256 = runtime::sha256_hex(j.train.model_script);
    return j;
  }();
  actors::BulkOffer offer;
  // No data plane here: refused, so the job goes whole.
  EXPECT_NE(actors::upload_ticket(job.train.model_script.size(), offer), "");
  Plane plane;
  EXPECT_NE(actors::upload_ticket(0, offer), "");
  EXPECT_NE(actors::upload_ticket(actors::kMostUploadBytes + 1, offer), "");
  if (const auto available = runtime::memory_available_now();
      available > 0 && available / 2 < actors::kMostUploadBytes) {
    const auto why = actors::upload_ticket(actors::kMostUploadBytes, offer);
    EXPECT_NE(why.find("of available memory"), std::string::npos) << why;
  }
  const auto send = [&](runtime::JobSpec& j) {
    ASSERT_EQ(actors::upload_ticket(j.train.model_script.size(), offer), "");
    EXPECT_EQ(offer.port, plane.receiver->port());
    const auto& bytes = j.train.model_script;
    ASSERT_EQ(
        net::send_bulk(offer.hosts, offer.port, offer.ticket,
                       reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), 5.0),
        "");
    j.train.model_script.clear();
    j.train.script_upload = offer.ticket;
  };
  auto sent = job;
  ASSERT_NO_FATAL_FAILURE(send(sent));
  auto replayed = sent;
  ASSERT_EQ(actors::take_uploaded_script(sent), "");
  EXPECT_EQ(sent.train.model_script, job.train.model_script);
  EXPECT_TRUE(sent.train.script_upload.empty());
  EXPECT_EQ(runtime::check_model_script(sent), "");
  // Its ticket is used up: the same job again is refused.
  auto why = actors::take_uploaded_script(replayed);
  EXPECT_NE(why.find("uploaded model is not here"), std::string::npos) << why;
  // Bytes that do not match the job's hash are taken, and refused at set-up.
  auto forged = job;
  forged.train.model_sha256 = std::string(64, '0');
  ASSERT_NO_FATAL_FAILURE(send(forged));
  ASSERT_EQ(actors::take_uploaded_script(forged), "");
  why = runtime::check_model_script(forged);
  EXPECT_NE(why.find("do not match their SHA-256"), std::string::npos) << why;
  // A job with bytes in it and a ticket is refused; one with neither is left alone.
  auto both = job;
  both.train.script_upload = "ticket";
  EXPECT_NE(actors::take_uploaded_script(both), "");
  auto none = job;
  EXPECT_EQ(actors::take_uploaded_script(none), "");
  EXPECT_EQ(none.train.model_script, job.train.model_script);
  // kMostUploads wait at a time; one forgotten (its job refused) frees its place.
  std::vector<runtime::JobSpec> waiting(actors::kMostUploads, job);
  for (auto& w : waiting) ASSERT_NO_FATAL_FAILURE(send(w));
  why = actors::upload_ticket(1, offer);
  EXPECT_NE(why.find("model uploads at a time"), std::string::npos) << why;
  const auto held = plane.receiver->stats().held;
  actors::forget_uploaded_script(waiting.front());
  EXPECT_TRUE(waiting.front().train.script_upload.empty());
  EXPECT_EQ(plane.receiver->stats().held, held - 1);  // its bytes are gone too
  EXPECT_EQ(actors::upload_ticket(1, offer), "");
  waiting.front().train.script_upload = offer.ticket;
  for (auto& w : waiting) actors::forget_uploaded_script(w);
}
