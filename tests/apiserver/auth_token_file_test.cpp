#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "apiserver/auth/token_file.h"

namespace edgeway::apiserver::auth {
namespace {

using Groups = std::vector<std::string>;

TokenFile parseOk(std::string_view text) {
  auto parsed = TokenFile::parse(text, "tokens.csv");
  EXPECT_TRUE(parsed.isOk()) << parsed.status().message();
  return parsed.isOk() ? std::move(parsed).value() : TokenFile();
}

std::string parseError(std::string_view text) {
  auto parsed = TokenFile::parse(text, "tokens.csv");
  EXPECT_FALSE(parsed.isOk()) << "accepted: " << text;
  return parsed.isOk() ? "" : parsed.status().message();
}

TEST(TokenFileTest, ReadsKubeApiserversFormat) {
  TokenFile file = parseOk(
      "\xEF\xBB\xBF"  // editors on some systems start files with a BOM
      "t0ken-a,alice,1001\n"
      "\n"
      "t0ken-b,bob,1002,\"edgeway:view, team-b\"\r\n"
      "   \n"
      "t0ken-c, carol ,1003,edgeway:agent\n"
      "\"t0ken-d\",\"dan \"\"the man\"\"\",,\"\"");  // no final newline
  EXPECT_EQ(file.size(), 4u);

  const UserInfo* alice = file.find("t0ken-a");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->name, "alice");
  EXPECT_EQ(alice->uid, "1001");
  EXPECT_TRUE(alice->groups.empty());

  const UserInfo* bob = file.find("t0ken-b");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->name, "bob");
  EXPECT_EQ(bob->groups, (Groups{"edgeway:view", "team-b"}));

  const UserInfo* carol = file.find("t0ken-c");
  ASSERT_NE(carol, nullptr);
  EXPECT_EQ(carol->name, "carol");
  EXPECT_EQ(carol->groups, (Groups{"edgeway:agent"}));

  const UserInfo* dan = file.find("t0ken-d");
  ASSERT_NE(dan, nullptr);
  EXPECT_EQ(dan->name, "dan \"the man\"");
  EXPECT_EQ(dan->uid, "");
  EXPECT_TRUE(dan->groups.empty());

  EXPECT_EQ(file.find("t0ken-x"), nullptr);
  EXPECT_EQ(file.find(""), nullptr);
  EXPECT_EQ(file.find("t0ken-a "), nullptr);
}

TEST(TokenFileTest, EmptyFileHasNoTokens) { EXPECT_EQ(parseOk("").size(), 0u); }

TEST(TokenFileTest, MalformedLinesFailNamingTheLine) {
  EXPECT_EQ(
      parseError("good,alice,1\nshort,bob\n"),
      "token file \"tokens.csv\": line 2: expected token,user,uid[,\"group1,group2\"] but found 2 column(s)");
  EXPECT_EQ(parseError("\n\nsecret1,alice,1,g1,g2\n"),
            "token file \"tokens.csv\": line 3: 5 columns; list several groups in one quoted column, e.g. "
            "\"group1,group2\"");
  EXPECT_EQ(parseError(",alice,1\n"), "token file \"tokens.csv\": line 1: the token is empty");
  EXPECT_EQ(parseError("secret1, ,1\n"), "token file \"tokens.csv\": line 1: the user name is empty");
  EXPECT_EQ(parseError("secret1,alice,1,\"g1,g2\n"),
            "token file \"tokens.csv\": line 1: unterminated quoted field");
  EXPECT_EQ(parseError("secret1,alice,1,\"g1\"x\n"),
            "token file \"tokens.csv\": line 1: unexpected text after the closing quote of column 4");
  EXPECT_EQ(parseError("secret1,al\"ice,1\n"),
            "token file \"tokens.csv\": line 1: a quote inside unquoted column 2 (quote the whole column)");
  EXPECT_EQ(
      parseError("sec ret1,alice,1\n"),
      "token file \"tokens.csv\": line 1: the token contains whitespace, which a bearer token cannot carry");
  EXPECT_EQ(parseError("secret1,alice,1\nsecret2,bob,2\nsecret1,carol,3\n"),
            "token file \"tokens.csv\": line 3: the token is already used on line 1");
}

TEST(TokenFileTest, ErrorsNeverQuoteTheToken) {
  for (const char* text : {"hunter2-token,alice\n", "hunter2-token,,1\n", "hunter2-token,a,1,g,h\n",
                           "hunter2-token,a,1\nhunter2-token,b,2\n"}) {
    EXPECT_EQ(parseError(text).find("hunter2"), std::string::npos) << text;
  }
}

TEST(TokenFileTest, LoadsFromDiskAndReportsUnreadableFiles) {
  char path[] = "/tmp/edgeway-tokens-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream out(path);
    out << "abc123,alice,1,\"edgeway:view\"\n";
  }
  auto loaded = TokenFile::load(path);
  ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
  ASSERT_NE(loaded->find("abc123"), nullptr);
  EXPECT_EQ(loaded->find("abc123")->groups, (Groups{"edgeway:view"}));
  std::remove(path);

  auto missing = TokenFile::load(path);
  ASSERT_FALSE(missing.isOk());
  EXPECT_EQ(missing.status().message(),
            std::string("token file \"") + path + "\": cannot read it: No such file or directory");
}

}  // namespace
}  // namespace edgeway::apiserver::auth
