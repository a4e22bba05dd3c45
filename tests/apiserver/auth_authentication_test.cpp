#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "apiserver/auth/authenticator.h"
#include "apiserver/auth/request_attributes.h"
#include "tests/apiserver/api_test_support.h"

namespace edgeway::apiserver {
namespace {

using auth::Authenticator;
using auth::Listener;
using testing::ApiHarness;
using testing::json;
using Groups = std::vector<std::string>;

std::shared_ptr<const auth::TokenFile> tokens() {
  auto file = auth::TokenFile::parse("view-token,bob,1002,\"edgeway:view\"\nplain-token,dave,1004\n", "test");
  EXPECT_TRUE(file.isOk());
  return std::make_shared<const auth::TokenFile>(std::move(file).value());
}

http::Request request(std::string target, std::vector<http::Header> headers = {},
                      std::shared_ptr<const http::PeerCertificate> peer = nullptr) {
  http::Request r;
  r.method = "GET";
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.peer = std::move(peer);
  r.tls = true;
  return r;
}

auth::Authentication authenticate(const Authenticator& a, const http::Request& r,
                                  Listener listener = Listener::kSecure) {
  return a.authenticate(r, auth::normalizedPath(r.path()), listener);
}

TEST(AuthenticatorTest, ClientCertificateNamesUserAndGroups) {
  Authenticator a(tokens());
  auto out = authenticate(
      a, request("/api/v1/nodes", {}, ApiHarness::certificate("agent-1", {"edgeway:agent", "x"})));
  ASSERT_TRUE(out.ok);
  EXPECT_EQ(out.user.name, "agent-1");
  EXPECT_EQ(out.user.groups, (Groups{"edgeway:agent", "x", "system:authenticated"}));
}

TEST(AuthenticatorTest, CertificateComesBeforeToken) {
  Authenticator a(tokens());
  auto out = authenticate(a, request("/api", {{"Authorization", "Bearer nonsense"}},
                                     ApiHarness::certificate("admin", {"system:masters"})));
  ASSERT_TRUE(out.ok);
  EXPECT_EQ(out.user.name, "admin");
}

TEST(AuthenticatorTest, BearerTokensFromTheTokenFile) {
  Authenticator a(tokens());
  auto out = authenticate(a, request("/api", {{"Authorization", "Bearer view-token"}}));
  ASSERT_TRUE(out.ok);
  EXPECT_EQ(out.user.name, "bob");
  EXPECT_EQ(out.user.uid, "1002");
  EXPECT_EQ(out.user.groups, (Groups{"edgeway:view", "system:authenticated"}));
  // The scheme is case-insensitive, as in kube.
  out = authenticate(a, request("/api", {{"Authorization", "bearer plain-token"}}));
  ASSERT_TRUE(out.ok);
  EXPECT_EQ(out.user.groups, (Groups{"system:authenticated"}));
}

TEST(AuthenticatorTest, InvalidTokenFailsEvenOnPublicPaths) {
  Authenticator a(tokens());
  for (const char* path : {"/api/v1/secrets", "/readyz"}) {
    auto out = authenticate(a, request(path, {{"Authorization", "Bearer wrong"}}));
    EXPECT_FALSE(out.ok) << path;
    EXPECT_EQ(out.failure, "invalid bearer token");
  }
  Authenticator none(nullptr);
  auto out = authenticate(none, request("/api", {{"Authorization", "Bearer view-token"}}));
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.failure, "bearer token, but no token file is configured");
}

TEST(AuthenticatorTest, AnonymousOnlyOnHealthAndVersion) {
  Authenticator a(tokens());
  for (const char* path : {"/healthz", "/livez", "/readyz", "/readyz?verbose", "/readyz/shutdown",
                           "/livez/ping", "/version", "/version/", "/healthz/"}) {
    auto out = authenticate(a, request(path));
    ASSERT_TRUE(out.ok) << path;
    EXPECT_EQ(out.user.name, "system:anonymous");
    EXPECT_EQ(out.user.groups, (Groups{"system:unauthenticated"}));
  }
  for (const char* path :
       {"/", "/api", "/apis", "/openapi/v3", "/api/v1/secrets", "/readyzz", "/versions", "/metrics"}) {
    auto out = authenticate(a, request(path));
    EXPECT_FALSE(out.ok) << path;
    EXPECT_EQ(out.failure, "no credentials");
  }
  // Other schemes are not credentials at all: anonymous where that is allowed.
  EXPECT_TRUE(authenticate(a, request("/livez", {{"Authorization", "Basic YWxpY2U6eA=="}})).ok);
  EXPECT_FALSE(authenticate(a, request("/api", {{"Authorization", "Basic YWxpY2U6eA=="}})).ok);
  EXPECT_FALSE(authenticate(a, request("/api", {{"Authorization", "Bearer"}})).ok);
}

TEST(AuthenticatorTest, CertificateWithoutCommonNameNamesNobody) {
  Authenticator a(tokens());
  auto noName = ApiHarness::certificate("", {"system:masters"});
  auto out = authenticate(a, request("/api/v1/nodes", {}, noName));
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.failure, "client certificate has no common name");
  out = authenticate(a, request("/api/v1/nodes", {{"Authorization", "Bearer plain-token"}}, noName));
  ASSERT_TRUE(out.ok);
  EXPECT_EQ(out.user.name, "dave");
}

TEST(AuthenticatorTest, TrustedListenerIsSystemAdmin) {
  Authenticator a(nullptr);
  // Whatever the request carries: trust comes from the listener.
  auto out = authenticate(
      a, request("/api/v1/secrets", {{"Authorization", "Bearer wrong"}}, ApiHarness::certificate("eve")),
      Listener::kTrustedLocal);
  ASSERT_TRUE(out.ok);
  EXPECT_EQ(out.user.name, "system:admin");
  EXPECT_EQ(out.user.groups, (Groups{"system:masters", "system:authenticated"}));
}

// --- through the API server's handler --------------------------------------------------

class TokenFileFixture {
 public:
  TokenFileFixture() {
    char path[] = "/tmp/edgeway-authn-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    path_ = path;
    std::ofstream(path_) << "view-token,bob,1002,\"edgeway:view\"\n";
  }
  ~TokenFileFixture() { std::remove(path_.c_str()); }
  ApiServerOptions options() const {
    ApiServerOptions o = ApiHarness::defaultOptions();
    o.tokenAuthFile = path_;
    return o;
  }

 private:
  std::string path_;
};

class AuthenticationTest : public ::testing::Test {
 protected:
  TokenFileFixture tokens_;
  ApiHarness h_{nullptr, tokens_.options()};
};

const json kUnauthorized = json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
    "message":"Unauthorized","reason":"Unauthorized","code":401})");

TEST_F(AuthenticationTest, WithoutCredentialsResourcesAre401Statuses) {
  h_.setPeer(nullptr);
  for (const char* target :
       {"/api/v1/namespaces/default/services", "/api/v1/secrets", "/api", "/apis", "/openapi/v3",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "/nope"}) {
    auto r = h_.get(target);
    EXPECT_EQ(r.status, 401) << target;
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    EXPECT_EQ(r.obj(), kUnauthorized) << target;
  }
  EXPECT_EQ(h_.post(testing::kServices, testing::service("web")).status, 401);
  // Nothing was written.
  h_.setPeer(ApiHarness::certificate("admin", {"system:masters"}));
  EXPECT_EQ(h_.get(std::string(testing::kServices) + "/web").status, 404);
}

TEST_F(AuthenticationTest, AnonymousHealthAndVersion) {
  h_.setPeer(nullptr);
  EXPECT_EQ(h_.get("/readyz").body, "ok");
  EXPECT_EQ(h_.get("/livez").status, 200);
  EXPECT_EQ(h_.get("/healthz").status, 200);
  EXPECT_EQ(h_.get("/readyz/shutdown").status, 200);
  auto verbose = h_.get("/readyz?verbose");
  EXPECT_EQ(verbose.status, 200);
  EXPECT_NE(verbose.body.find("readyz check passed"), std::string::npos);
  auto version = h_.get("/version");
  EXPECT_EQ(version.status, 200);
  EXPECT_EQ(version.obj()["minor"], "32");
  // Anonymous callers may read these, not change them.
  auto post = h_.call("POST", "/healthz", "{}");
  EXPECT_EQ(post.status, 403);
  EXPECT_EQ(post.obj()["message"], "forbidden: User \"system:anonymous\" cannot post path \"/healthz\"");
}

TEST_F(AuthenticationTest, TokensAuthenticateAndBadTokensAreRejected) {
  h_.setPeer(nullptr);
  std::vector<http::Header> good{{"Authorization", "Bearer view-token"}};
  EXPECT_EQ(h_.get(testing::kServices, good).status, 200);
  for (const char* value : {"Bearer wrong-token", "Bearer view-token-and-more", "Bearer VIEW-TOKEN"}) {
    auto r = h_.get("/readyz", {{"Authorization", value}});
    EXPECT_EQ(r.status, 401) << value;
    EXPECT_EQ(r.obj(), kUnauthorized);
  }
}

TEST_F(AuthenticationTest, FailuresAreLoggedWithPeerAndReasonButNotTheToken) {
  h_.setPeer(nullptr);
  ::testing::internal::CaptureStderr();
  h_.get("/api/v1/secrets", {{"Authorization", "Bearer hunter2-secret"}});
  h_.get("/api/v1/nodes");
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("authentication failed for 127.0.0.1:40000 (GET /api/v1/secrets): invalid bearer token"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("authentication failed for 127.0.0.1:40000 (GET /api/v1/nodes): no credentials"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("hunter2"), std::string::npos) << log;
}

TEST(AuthenticationStartupTest, BadTokenFileFailsCreate) {
  char path[] = "/tmp/edgeway-authn-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  std::ofstream(path) << "ok-token,alice,1\nbroken-token,bob\n";
  http::IoContext io(1);
  testing::FakeStore store;
  ApiServerOptions options = ApiHarness::defaultOptions();
  options.tokenAuthFile = path;
  auto created = ApiServer::create(io, store, options);
  ASSERT_FALSE(created.isOk());
  EXPECT_EQ(created.status().message(),
            std::string("token file \"") + path +
                "\": line 2: expected token,user,uid[,\"group1,group2\"] but found 2 column(s)");
  std::remove(path);
  options.tokenAuthFile = path;  // now missing
  created = ApiServer::create(io, store, options);
  ASSERT_FALSE(created.isOk());
  EXPECT_NE(created.status().message().find("No such file or directory"), std::string::npos);
}

}  // namespace
}  // namespace edgeway::apiserver
