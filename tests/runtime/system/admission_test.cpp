#include "runtime/system/admission.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "test_util.hpp"

using namespace troupe::runtime;

namespace {

const std::string kSecret = "correct horse battery staple";
const std::string kNonce = "00112233445566778899aabbccddeeff";

}  // namespace

TEST(Admission, HmacMatchesTheRfc4231TestVector) {
  // RFC 4231, test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Admission, TheRightAnswerIsAccepted) {
  AdmissionGate gate(kSecret);
  gate.issue(kNonce, "n1", 0.0);
  EXPECT_EQ(gate.verify("n1", kNonce, admission_proof(kSecret, kNonce, "n1"), 1.0), "");
}

TEST(Admission, AnAnswerCarriedAsOneFieldVerifiesLikeNonceAndProof) {
  AdmissionGate gate(kSecret);
  gate.issue(kNonce, "n1", 0.0);
  const auto answer = answer_challenge(kSecret, kNonce, "n1");
  EXPECT_FALSE(answer.empty());
  EXPECT_EQ(answer.proof, admission_proof(kSecret, kNonce, "n1"));
  EXPECT_EQ(gate.verify("n1", answer, 1.0), "");
}

TEST(Admission, AnEmptyAnswerIsRefusedOnlyWhenASecretIsSet) {
  EXPECT_TRUE(Admission{}.empty());
  EXPECT_EQ(AdmissionGate(kSecret).verify("n1", Admission{}, 1.0),
            "no answer to a challenge (a secret is required)");
  EXPECT_EQ(AdmissionGate().verify("n1", Admission{}, 1.0), "");
}

TEST(Admission, AWrongSecretIsRefused) {
  AdmissionGate gate(kSecret);
  gate.issue(kNonce, "n1", 0.0);
  const auto why =
      gate.verify("n1", kNonce, admission_proof("wrong secret, long enough", kNonce, "n1"), 1.0);
  EXPECT_EQ(why, "wrong proof (bad secret?)");
}

TEST(Admission, AReplayedAnswerIsRefused) {
  AdmissionGate gate(kSecret);
  gate.issue(kNonce, "n1", 0.0);
  const auto proof = admission_proof(kSecret, kNonce, "n1");
  ASSERT_EQ(gate.verify("n1", kNonce, proof, 1.0), "");
  EXPECT_EQ(gate.verify("n1", kNonce, proof, 2.0), "unknown or already used nonce");
}

TEST(Admission, AnAnswerForANonceNeverIssuedIsRefused) {
  AdmissionGate gate(kSecret);
  EXPECT_EQ(gate.verify("n1", kNonce, admission_proof(kSecret, kNonce, "n1"), 0.0),
            "unknown or already used nonce");
}

TEST(Admission, AnExpiredNonceIsRefused) {
  AdmissionGate gate(kSecret, AdmissionOptions{10.0, 1024});
  gate.issue(kNonce, "n1", 0.0);
  EXPECT_EQ(gate.verify("n1", kNonce, admission_proof(kSecret, kNonce, "n1"), 11.0),
            "nonce expired");
}

TEST(Admission, AnAnswerUnderAnotherNameIsRefused) {
  AdmissionGate gate(kSecret);
  gate.issue(kNonce, "n1", 0.0);
  // An eavesdropper cannot reuse n1's challenge to join as n2.
  const auto why = gate.verify("n2", kNonce, admission_proof(kSecret, kNonce, "n2"), 1.0);
  EXPECT_NE(why.find("issued to 'n1'"), std::string::npos) << why;
}

TEST(Admission, AFailedAnswerUsesTheNonceUp) {
  AdmissionGate gate(kSecret);
  gate.issue(kNonce, "n1", 0.0);
  EXPECT_FALSE(gate.verify("n1", kNonce, "deadbeef", 1.0).empty());
  EXPECT_EQ(gate.verify("n1", kNonce, admission_proof(kSecret, kNonce, "n1"), 1.0),
            "unknown or already used nonce");
}

TEST(Admission, NoAnswerIsRefusedWhenASecretIsConfigured) {
  AdmissionGate gate(kSecret);
  EXPECT_NE(gate.verify("n1", "", "", 0.0).find("no answer"), std::string::npos);
}

TEST(Admission, WithoutASecretEveryoneIsAdmitted) {
  AdmissionGate gate;
  EXPECT_FALSE(gate.enabled());
  EXPECT_EQ(gate.verify("n1", "", "", 0.0), "");
}

TEST(Admission, FloodingWithChallengesKeepsABoundedNumberOfNonces) {
  AdmissionGate gate(kSecret, AdmissionOptions{30.0, 8});
  for (int i = 0; i < 100; ++i) gate.issue(random_nonce(), "flood", 0.0);
  EXPECT_LE(gate.outstanding(), 8u);
}

TEST(Admission, NoncesAreFreshAndOfFixedLength) {
  const auto a = random_nonce();
  const auto b = random_nonce();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
}

TEST(Admission, ConstantTimeCompareComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(Admission, SecretFilesAreTrimmedAndMustBeLongEnough) {
  troupe::test::TempDir dir;
  std::ofstream(dir.file("ok")) << kSecret << "\n";
  EXPECT_EQ(read_secret_file(dir.file("ok")), kSecret);
  std::ofstream(dir.file("short")) << "abc\n";
  EXPECT_THROW(read_secret_file(dir.file("short")), std::runtime_error);
  std::ofstream(dir.file("empty")) << "\n";
  EXPECT_THROW(read_secret_file(dir.file("empty")), std::runtime_error);
  EXPECT_THROW(read_secret_file(dir.file("missing")), std::runtime_error);
}
