#include "base/base64.h"

#include <gtest/gtest.h>

namespace edgeway::base64 {
namespace {

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(encode(""), "");
  EXPECT_EQ(encode("f"), "Zg==");
  EXPECT_EQ(encode("fo"), "Zm8=");
  EXPECT_EQ(encode("foo"), "Zm9v");
  EXPECT_EQ(encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(encode(std::string("\xfb\xff", 2)), "+/8=");
  EXPECT_EQ(encodeUrl(std::string("\xfb\xff", 2)), "-_8");
}

TEST(Base64Test, DecodesWhatItEncodes) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n < all.size(); n += 37) {
    std::string part = all.substr(0, n);
    EXPECT_EQ(decode(encode(part)), part);
    EXPECT_EQ(decodeUrl(encodeUrl(part)), part);
  }
}

TEST(Base64Test, StandardDecodingIsStrictButIgnoresLineBreaks) {
  EXPECT_EQ(decode("Zm9v\r\nYmFy"), "foobar");
  EXPECT_EQ(decode("Zg=="), "f");
  EXPECT_FALSE(decode("Zg"));       // padding required
  EXPECT_FALSE(decode("Zg="));      // wrong padding
  EXPECT_FALSE(decode("Z"));        // a lone sextet carries no byte
  EXPECT_FALSE(decode("Zg==Zg=="));  // data after padding
  EXPECT_FALSE(decode("-_8="));     // URL alphabet
  EXPECT_FALSE(decode("Zm9v YmFy"));
}

TEST(Base64Test, UrlDecodingAcceptsBothAlphabetsAndOptionalPadding) {
  EXPECT_EQ(decodeUrl("-_8"), std::string("\xfb\xff", 2));
  EXPECT_EQ(decodeUrl("+/8="), std::string("\xfb\xff", 2));
  EXPECT_FALSE(decodeUrl("Z"));
  EXPECT_FALSE(decodeUrl("a.b"));
}

}  // namespace
}  // namespace edgeway::base64
