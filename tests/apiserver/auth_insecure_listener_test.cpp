// The optional plain-HTTP listener on loopback whose requests act as system:admin.
#include <gtest/gtest.h>

#include "http/client.h"
#include "tests/apiserver/api_test_support.h"

namespace edgeway::apiserver {
namespace {

using testing::ApiHarness;
using testing::json;

Status createWith(const std::string& insecureListen) {
  http::IoContext io(1);
  testing::FakeStore store;
  ApiServerOptions options = ApiHarness::defaultOptions();
  options.insecureListen = insecureListen;
  auto created = ApiServer::create(io, store, options);
  return created.isOk() ? Status::ok() : created.status();
}

TEST(InsecureListenerTest, OnlyLoopbackAddresses) {
  for (const char* listen : {"0.0.0.0:0", "[::]:0", "192.168.1.10:8080", "localhost:8080", "127.0.0.1",
                             "8080", "[::1]", "::1:8080"}) {
    Status st = createWith(listen);
    ASSERT_FALSE(st.isOk()) << listen;
    EXPECT_EQ(st.message(),
              std::string("insecure listen address \"") + listen +
                  "\" must be a loopback HOST:PORT such as 127.0.0.1:8080 or [::1]:8080: requests "
                  "there skip authentication");
  }
}

std::pair<std::string, uint16_t> split(const std::string& hostPort) {
  size_t colon = hostPort.rfind(':');
  return {hostPort.substr(0, colon), static_cast<uint16_t>(std::stoi(hostPort.substr(colon + 1)))};
}

http::Request get(std::string target) {
  http::Request r;
  r.method = "GET";
  r.target = std::move(target);
  r.headers = {{"Accept", "application/json"}};
  return r;
}

TEST(InsecureListenerTest, RequestsThereAreSystemAdmin) {
  ApiServerOptions options = ApiHarness::defaultOptions();
  options.insecureListen = "127.0.0.2:0";
  ApiHarness h(nullptr, options);
  h.server().start();
  std::string insecure = h.server().insecureLocalAddress();
  ASSERT_EQ(insecure.rfind("127.0.0.2:", 0), 0u) << insecure;

  auto [host, port] = split(insecure);
  auto client = http::Client::connect(host, port);
  ASSERT_TRUE(client.isOk()) << client.status().message();
  auto secrets = client->request(get("/api/v1/namespaces/kube-system/secrets"));
  ASSERT_TRUE(secrets.isOk());
  EXPECT_EQ(secrets->status, 200) << secrets->body;

  http::Request ask;
  ask.method = "POST";
  ask.target = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
  ask.headers = {{"Content-Type", "application/json"}};
  ask.body = R"({"spec":{"nonResourceAttributes":{"path":"/metrics","verb":"get"}}})";
  auto answer = client->request(ask);
  ASSERT_TRUE(answer.isOk());
  ASSERT_EQ(answer->status, 201) << answer->body;
  EXPECT_EQ(json::parse(answer->body)["status"],
            json({{"allowed", true},
                  {"reason", "allowed by role \"cluster-admin\" granted to group \"system:masters\""}}));

  // The main listener still wants credentials from the same client.
  auto [mainHost, mainPort] = split(h.server().localAddress());
  auto plain = http::Client::connect(mainHost, mainPort);
  ASSERT_TRUE(plain.isOk());
  auto denied = plain->request(get("/api/v1/namespaces/kube-system/secrets"));
  ASSERT_TRUE(denied.isOk());
  EXPECT_EQ(denied->status, 401);
}

TEST(InsecureListenerTest, OffByDefault) {
  ApiHarness h;
  EXPECT_EQ(h.server().insecureLocalAddress(), "");
}

}  // namespace
}  // namespace edgeway::apiserver
