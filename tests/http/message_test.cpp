#include "http/message.h"

#include <gtest/gtest.h>

namespace edgeway::http {
namespace {

TEST(RequestTest, HeaderLookupIsCaseInsensitive) {
  Request r;
  r.headers = {{"Content-Type", "application/json"}, {"accept", "a"}, {"Accept", "b"}};
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("ACCEPT"), "a");  // the first of repeated headers
  EXPECT_EQ(r.header("X-Missing"), "");
}

TEST(RequestTest, SplitsPathAndQuery) {
  Request r;
  r.target = "/api/v1/namespaces/default/services?limit=500&watch=1";
  EXPECT_EQ(r.path(), "/api/v1/namespaces/default/services");
  EXPECT_EQ(r.query(), "limit=500&watch=1");

  r.target = "/healthz";
  EXPECT_EQ(r.path(), "/healthz");
  EXPECT_EQ(r.query(), "");

  r.target = "/x?";
  EXPECT_EQ(r.path(), "/x");
  EXPECT_EQ(r.query(), "");
}

TEST(ResponseTest, SetHeaderReplacesAllOfThatName) {
  Response r;
  r.headers = {{"Warning", "1"}, {"X-Other", "keep"}, {"warning", "2"}};
  r.setHeader("WARNING", "3");
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[0].name, "X-Other");
  EXPECT_EQ(r.header("warning"), "3");
}

TEST(HeaderNameEqualsTest, ComparesAsciiCaseInsensitively) {
  EXPECT_TRUE(headerNameEquals("Content-Length", "content-length"));
  EXPECT_FALSE(headerNameEquals("Content-Length", "Content-Lengt"));
  EXPECT_FALSE(headerNameEquals("a", "b"));
}

}  // namespace
}  // namespace edgeway::http
