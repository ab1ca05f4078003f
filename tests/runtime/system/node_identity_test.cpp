// Node identities: Ed25519 keys, the signed admission statement, the name ->
// key binding and the allowed-nodes file.
#include "runtime/system/node_identity.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "runtime/core/input_error.hpp"
#include "runtime/system/admission.hpp"
#include "runtime/system/node_keys.hpp"
#include "test_util.hpp"

using namespace troupe::runtime;

TEST(NodeIdentity, ASignatureVerifiesOnlyForItsSchedulerNonceAndName) {
  const auto key = NodeKey::generate();
  const auto signature = key.sign(admission_statement("sched-1", "nonce-1", "n1"));
  const auto pk = key.public_key_hex();
  EXPECT_TRUE(verify_signature(pk, admission_statement("sched-1", "nonce-1", "n1"), signature));
  EXPECT_FALSE(verify_signature(pk, admission_statement("sched-2", "nonce-1", "n1"), signature));
  EXPECT_FALSE(verify_signature(pk, admission_statement("sched-1", "nonce-2", "n1"), signature));
  EXPECT_FALSE(verify_signature(pk, admission_statement("sched-1", "nonce-1", "n2"), signature));
  EXPECT_FALSE(verify_signature(NodeKey::generate().public_key_hex(),
                                admission_statement("sched-1", "nonce-1", "n1"), signature));
  EXPECT_FALSE(verify_signature(pk, admission_statement("sched-1", "nonce-1", "n1"), "zz"));
}

TEST(NodeIdentity, FieldsCannotBeShiftedBetweenNonceAndName) {
  EXPECT_NE(admission_statement("s", "ab", "c"), admission_statement("s", "a", "bc"));
}

TEST(NodeIdentity, AMissingKeyFileIsCreatedPrivateAndReadBackTheSame) {
  troupe::test::TempDir dir;
  const auto path = dir.file("keys/node.key");
  const auto created = NodeKey::load_or_create(path);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(NodeKey::load_or_create(path).public_key_hex(), created.public_key_hex());
}

TEST(NodeIdentity, AKeyFileReadableByOthersOrOfTheWrongSizeIsRefusedNamingIt) {
  troupe::test::TempDir dir;
  const auto path = dir.file("node.key");
  NodeKey::load_or_create(path);
  chmod(path.c_str(), 0644);
  EXPECT_THROW(
      {
        try {
          NodeKey::load_or_create(path);
        } catch (const std::runtime_error& e) {
          EXPECT_NE(std::string(e.what()).find("readable by others"), std::string::npos);
          throw;
        }
      },
      std::runtime_error);
  std::ofstream(dir.file("short.key")) << "abc";
  chmod(dir.file("short.key").c_str(), 0600);
  EXPECT_THROW(NodeKey::load_or_create(dir.file("short.key")), std::runtime_error);
}

TEST(NodeIdentity, PublicKeysAreReadAsHexOrBase64) {
  const std::string hex(64, 'a');
  EXPECT_EQ(parse_public_key(hex), hex);
  EXPECT_EQ(parse_public_key("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo="), hex);
  EXPECT_FALSE(parse_public_key("abc"));
  EXPECT_FALSE(parse_public_key(hex + "00"));
}

TEST(NodeKeys, ANameIsBoundToItsFirstKeyAndRefusesAnother) {
  NodeKeys keys;
  const auto a = NodeKey::generate().public_key_hex(), b = NodeKey::generate().public_key_hex();
  EXPECT_EQ(keys.admit("n1", a), "");
  EXPECT_EQ(keys.admit("n1", a), "");  // a restart with the same key
  EXPECT_NE(keys.admit("n1", b).find("bound to another key"), std::string::npos);
  EXPECT_EQ(keys.admit("n2", b), "");
  EXPECT_NE(keys.admit("n3", "").find("no public key"), std::string::npos);
}

TEST(NodeKeys, AnAllowedListRefusesUnknownNamesAndOtherKeys) {
  const auto a = NodeKey::generate().public_key_hex(), b = NodeKey::generate().public_key_hex();
  NodeKeys keys({{"n1", a}});
  EXPECT_EQ(keys.admit("n1", a), "");
  EXPECT_NE(keys.admit("n1", b).find("bound to another key"), std::string::npos);
  EXPECT_NE(keys.admit("n2", b).find("not in the allowed-nodes list"), std::string::npos);
}

TEST(NodeKeys, TheAllowedNodesFileTakesCommentsAndNamesTheLineOfAnError) {
  troupe::test::TempDir dir;
  const auto key = NodeKey::generate().public_key_hex();
  std::ofstream(dir.file("ok")) << "# the lab's nodes\n\nn1 " << key << "  # rack 1\n";
  const auto allowed = read_allowed_nodes(dir.file("ok"));
  ASSERT_EQ(allowed.size(), 1u);
  EXPECT_EQ(allowed.at("n1"), key);
  std::ofstream(dir.file("bad")) << "n1 " << key << "\nn2 not-a-key\n";
  try {
    read_allowed_nodes(dir.file("bad"));
    FAIL() << "read a malformed file";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_NE(std::string(e.what()).find(dir.file("bad") + ":2:"), std::string::npos) << e.what();
  }
  std::ofstream(dir.file("twice")) << "n1 " << key << "\nn1 " << key << "\n";
  EXPECT_THROW(read_allowed_nodes(dir.file("twice")), InputError);
  EXPECT_THROW(read_allowed_nodes(dir.file("missing")), InputError);
}

TEST(Admission, AGateThatRequiresANonceRefusesAnAnswerWithoutOneEvenWithoutASecret) {
  AdmissionOptions options;
  options.require_nonce = true;
  AdmissionGate gate("", options);
  EXPECT_NE(gate.verify("n1", Admission{}, 0.0).find("no nonce from a hello"), std::string::npos);
  gate.issue("00112233445566778899aabbccddeeff", "n1", 0.0);
  Admission a;
  a.nonce = "00112233445566778899aabbccddeeff";
  EXPECT_EQ(gate.verify("n1", a, 1.0), "");
}
