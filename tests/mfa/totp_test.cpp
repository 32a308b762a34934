#include "policy/mfa/totp.h"

#include <catch2/catch.hpp>

namespace mfa = scimgate::policy::mfa;
using std::chrono::seconds;
using std::chrono::sys_seconds;

namespace {

const std::string kRfcSeed = "12345678901234567890";  // RFC 6238 Appendix B, SHA1 key

sys_seconds at(std::int64_t t) { return sys_seconds{seconds{t}}; }

}  // namespace

TEST_CASE("TOTP generation reproduces the RFC 6238 SHA1 test vectors", "[mfa][totp]") {
  struct Vector {
    std::int64_t time;
    const char* code;
  };
  // RFC 6238 Appendix B, SHA1 column (8 digits).
  const Vector vectors[] = {{59, "94287082"},         {1111111109, "07081804"},
                            {1111111111, "14050471"}, {1234567890, "89005924"},
                            {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (const auto& v : vectors) {
    CAPTURE(v.time);
    CHECK(mfa::generateTotp(kRfcSeed, at(v.time), 8) == v.code);
    // 6 digits are the same truncation mod 10^6: the vector's last six digits.
    const std::string six = std::string(v.code).substr(2);
    CHECK(mfa::generateTotp(kRfcSeed, at(v.time)) == six);
    const auto step = mfa::matchTotp(kRfcSeed, six, at(v.time), 0);
    REQUIRE(step.has_value());
    CHECK(*step == v.time / 30);
  }
}

TEST_CASE("TOTP matching accepts one step either side and refuses two", "[mfa][totp]") {
  const auto now = at(1'700'000'010 + 15);  // mid-step
  const auto step = mfa::totpStep(now);
  SECTION("window 1") {
    CHECK(mfa::matchTotp(kRfcSeed, mfa::generateTotp(kRfcSeed, now - seconds{30}), now, 1) ==
          step - 1);
    CHECK(mfa::matchTotp(kRfcSeed, mfa::generateTotp(kRfcSeed, now), now, 1) == step);
    CHECK(mfa::matchTotp(kRfcSeed, mfa::generateTotp(kRfcSeed, now + seconds{30}), now, 1) ==
          step + 1);
    CHECK_FALSE(mfa::matchTotp(kRfcSeed, mfa::generateTotp(kRfcSeed, now - seconds{60}), now, 1));
    CHECK_FALSE(mfa::matchTotp(kRfcSeed, mfa::generateTotp(kRfcSeed, now + seconds{60}), now, 1));
  }
  SECTION("window 0") {
    CHECK(mfa::matchTotp(kRfcSeed, mfa::generateTotp(kRfcSeed, now), now, 0) == step);
    CHECK_FALSE(mfa::matchTotp(kRfcSeed, mfa::generateTotp(kRfcSeed, now - seconds{30}), now, 0));
  }
  SECTION("step boundaries") {
    const auto start = at(1'700'000'010);  // first second of a step
    CHECK(mfa::totpStep(start) == mfa::totpStep(start + seconds{29}));
    CHECK(mfa::totpStep(start) + 1 == mfa::totpStep(start + seconds{30}));
  }
}

TEST_CASE("TOTP codes must be exactly six ASCII digits", "[mfa][totp]") {
  const auto now = at(59);  // code 287082
  CHECK(mfa::isTotpCodeFormat("287082"));
  for (const std::string_view bad :
       {"", "28708", "2870821", "28a082", " 287082", "287082 ", "287 082", "+28708",
        "\xEF\xBC\x92\xEF\xBC\x98\xEF\xBC\x97\xEF\xBC\x90\xEF\xBC\x98\xEF\xBC\x92",
        "\xD9\xA2\xD9\xA8\xD9\xA7\xD9\xA0\xD9\xA8\xD9\xA2"}) {
    CAPTURE(bad);
    CHECK_FALSE(mfa::isTotpCodeFormat(bad));
    CHECK_FALSE(mfa::matchTotp(kRfcSeed, bad, now, 1));
  }
  CHECK(mfa::matchTotp(kRfcSeed, "287082", now, 1));
}

TEST_CASE("base32 follows RFC 4648 and round-trips", "[mfa][totp]") {
  CHECK(mfa::base32Encode("") == "");
  CHECK(mfa::base32Encode("f") == "MY");
  CHECK(mfa::base32Encode("foobar") == "MZXW6YTBOI");
  CHECK(mfa::base32Encode(kRfcSeed) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  CHECK(mfa::base32Decode("MZXW6YTBOI======") == std::optional<std::string>("foobar"));
  CHECK(mfa::base32Decode("mzxw6ytboi") == std::optional<std::string>("foobar"));
  CHECK_FALSE(mfa::base32Decode("MZXW1"));
}

TEST_CASE("the otpauth URI percent-encodes issuer and label", "[mfa][totp]") {
  CHECK(mfa::otpauthUri("ACME Corp", "alice@example.com", "JBSWY3DPEHPK3PXP") ==
        "otpauth://totp/ACME%20Corp:alice%40example.com?secret=JBSWY3DPEHPK3PXP"
        "&issuer=ACME%20Corp&algorithm=SHA1&digits=6&period=30");
  CHECK(mfa::otpauthUri("a:b&c", "x/y?z", "AB") ==
        "otpauth://totp/a%3Ab%26c:x%2Fy%3Fz?secret=AB&issuer=a%3Ab%26c&algorithm=SHA1&digits=6"
        "&period=30");
  CHECK(mfa::percentEncode("Jos\xC3\xA9 ~._-") == "Jos%C3%A9%20~._-");
}

TEST_CASE("the QR code is a standalone SVG", "[mfa][totp]") {
  const std::string svg = mfa::renderQrSvg(
      "otpauth://totp/scimgate:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=scimgate");
  REQUIRE(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK(svg.find("<path fill=\"#000000\" d=\"M") != std::string::npos);
  CHECK(svg.substr(svg.size() - 6) == "</svg>");
  CHECK(mfa::renderQrSvg(std::string(8000, 'x')).empty());  // too long for any QR version
}
