// Watch streams: resourceVersion semantics, selector transitions, Table events, limits and
// ending.

#include <thread>

#include "store/sqlite_store.h"
#include "tests/apiserver/api_test_support.h"

namespace edgeway::apiserver::testing {
namespace {

const char* kTableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

std::shared_ptr<TestStream> startWatch(ApiHarness& h, const std::string& target, std::vector<http::Header> headers = {}) {
  Reply r = h.get(target, std::move(headers));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.stream) << r.body;
  return r.stream;
}

std::string typeAndName(const json& e) {
  return e["type"].get<std::string>() + " " + e["object"]["metadata"].value("name", "");
}

TEST(WatchTest, FromZeroSendsCurrentObjectsAsAddedThenChanges) {
  ApiHarness h;
  ASSERT_EQ(h.post(kServices, service("a")).status, 201);
  auto s = startWatch(h, std::string(kServices) + "?watch=true&resourceVersion=0");
  auto initial = s->events(2);
  ASSERT_EQ(initial.size(), 2u);
  EXPECT_EQ(typeAndName(initial[0]), "ADDED a");
  EXPECT_EQ(typeAndName(initial[1]), "ADDED kubernetes");
  EXPECT_EQ(initial[0]["object"]["kind"], "Service");
  EXPECT_EQ(initial[0]["object"]["apiVersion"], "v1");

  ASSERT_EQ(h.patch(std::string(kServices) + "/a", "application/merge-patch+json", {{"metadata", {{"labels", {{"x", "y"}}}}}}).status, 200);
  ASSERT_EQ(h.del(std::string(kServices) + "/a").status, 200);
  auto all = s->events(4);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(typeAndName(all[2]), "MODIFIED a");
  EXPECT_EQ(all[2]["object"]["metadata"]["labels"]["x"], "y");
  EXPECT_EQ(typeAndName(all[3]), "DELETED a");
  EXPECT_EQ(all[3]["object"]["metadata"]["labels"]["x"], "y");  // the final state
  EXPECT_EQ(all[3]["object"]["metadata"]["resourceVersion"], std::to_string(h.store().currentRevision()));
  s->disconnect();
}

TEST(WatchTest, FromTheListRevisionSendsOnlyLaterChanges) {
  ApiHarness h;
  ASSERT_EQ(h.post(kServices, service("a")).status, 201);
  std::string rv = h.get(kServices).obj()["metadata"]["resourceVersion"];
  ASSERT_EQ(h.post(kServices, service("b")).status, 201);
  auto s = startWatch(h, std::string(kServices) + "?watch=1&resourceVersion=" + rv, {{"Accept", "application/json"}});
  auto events = s->events(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(typeAndName(events[0]), "ADDED b");
  ASSERT_EQ(h.post(kServices, service("c")).status, 201);
  events = s->events(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(typeAndName(events[1]), "ADDED c");
  s->disconnect();
}

TEST(WatchTest, CompactedRevisionGivesA410ErrorEvent) {
  ApiHarness h;
  ASSERT_EQ(h.post(kServices, service("a")).status, 201);
  ASSERT_EQ(h.post(kServices, service("b")).status, 201);
  h.fake().compact();
  auto s = startWatch(h, std::string(kServices) + "?watch=true&resourceVersion=1");
  auto events = s->events(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "ERROR");
  EXPECT_EQ(events[0]["object"]["kind"], "Status");
  EXPECT_EQ(events[0]["object"]["code"], 410);
  EXPECT_EQ(events[0]["object"]["reason"], "Expired");
  EXPECT_EQ(events[0]["object"]["message"].get<std::string>().rfind("too old resource version: 1", 0), 0u);
  EXPECT_TRUE(s->waitClosed());
}

TEST(WatchTest, SelectorTransitionsBecomeAddedAndDeleted) {
  ApiHarness h;
  ASSERT_EQ(h.post(kServices, service("a", {{"env", "prod"}})).status, 201);
  auto s = startWatch(h, std::string(kServices) + "?watch=true&labelSelector=env%3Dprod");
  ASSERT_EQ(s->events(1).size(), 1u);
  auto label = [&](const std::string& name, json value) {
    ASSERT_EQ(h.patch(std::string(kServices) + "/" + name, "application/merge-patch+json",
                      {{"metadata", {{"labels", {{"env", value}}}}}}).status, 200);
  };
  ASSERT_EQ(h.post(kServices, service("b", {{"env", "dev"}})).status, 201);  // never matches: nothing
  label("a", "dev");   // leaves the selection
  label("b", "prod");  // enters it
  label("b", nullptr); // leaves again
  auto events = s->events(4);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(typeAndName(events[0]), "ADDED a");
  EXPECT_EQ(typeAndName(events[1]), "DELETED a");
  EXPECT_EQ(typeAndName(events[2]), "ADDED b");
  EXPECT_EQ(typeAndName(events[3]), "DELETED b");
  s->disconnect();
}

// kubectl delete/wait: list, then watch from the list's revision. An object deleted in
// between must still reach the watcher as DELETED, whether the selector reads the key
// (metadata.name) or the object (labels).
TEST(WatchTest, DeletionBetweenListAndWatchIsDelivered) {
  ApiHarness h;
  json svc = service("gone");
  svc["metadata"]["labels"] = {{"app", "gone"}};
  ASSERT_EQ(h.post(kServices, svc).status, 201);
  std::string rv = h.get(kServices).obj()["metadata"]["resourceVersion"];
  ASSERT_EQ(h.del(std::string(kServices) + "/gone").status, 200);
  for (const char* selector : {"fieldSelector=metadata.name%3Dgone", "labelSelector=app%3Dgone"}) {
    auto s = startWatch(h, std::string(kServices) + "?watch=true&" + selector + "&resourceVersion=" + rv,
                        {{"Accept", "application/json"}});
    auto events = s->events(1);
    ASSERT_EQ(events.size(), 1u) << selector;
    EXPECT_EQ(typeAndName(events[0]), "DELETED gone") << selector;
    s->disconnect();
  }
}

TEST(WatchTest, SingleObjectWatchLikeGetNameWatch) {
  ApiHarness h;
  ASSERT_EQ(h.post(kServices, service("a")).status, 201);
  ASSERT_EQ(h.post(kServices, service("b")).status, 201);
  auto s = startWatch(h, std::string(kServices) + "?fieldSelector=metadata.name%3Db&resourceVersion=0&watch=true",
                      {{"Accept", kTableAccept}});
  auto events = s->events(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  json table = events[0]["object"];
  EXPECT_EQ(table["kind"], "Table");
  EXPECT_FALSE(table["columnDefinitions"].empty());
  ASSERT_EQ(table["rows"].size(), 1u);
  EXPECT_EQ(table["rows"][0]["cells"][0], "b");
  EXPECT_EQ(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  ASSERT_EQ(h.patch(std::string(kServices) + "/b", "application/merge-patch+json", {{"metadata", {{"labels", {{"x", "1"}}}}}}).status, 200);
  ASSERT_EQ(h.patch(std::string(kServices) + "/a", "application/merge-patch+json", {{"metadata", {{"labels", {{"x", "1"}}}}}}).status, 200);
  events = s->events(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]["type"], "MODIFIED");
  EXPECT_TRUE(events[1]["object"]["columnDefinitions"].empty());  // only the first event has them
  EXPECT_EQ(events[1]["object"]["rows"][0]["cells"][0], "b");
  s->disconnect();
}

TEST(WatchTest, DisconnectStopsTheStoreWatch) {
  ApiHarness h;
  auto s = startWatch(h, std::string(kServices) + "?watch=true");
  EXPECT_EQ(h.fake().openWatches(), 1u);
  s->disconnect();
  for (int i = 0; i < 100 && h.fake().openWatches() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(h.fake().openWatches(), 0u);
}

TEST(WatchTest, SlowConsumersAreDropped) {
  ApiHarness h;
  auto s = startWatch(h, std::string(kServices) + "?watch=true&resourceVersion=0");
  ASSERT_EQ(s->events(1).size(), 1u);
  s->refuseWrites();
  ASSERT_EQ(h.post(kServices, service("x")).status, 201);
  EXPECT_TRUE(s->waitClosed());
  for (int i = 0; i < 100 && h.fake().openWatches() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(h.fake().openWatches(), 0u);
}

TEST(WatchTest, WatchesAreBoundedAndTimeOut) {
  ApiServerOptions options = ApiHarness::defaultOptions();
  options.maxWatches = 1;
  ApiHarness h(nullptr, options);
  auto s = startWatch(h, std::string(kServices) + "?watch=true&timeoutSeconds=1");
  Reply second = h.get(std::string(kServices) + "?watch=true");
  ASSERT_EQ(second.status, 429);
  EXPECT_EQ(second.obj()["reason"], "TooManyRequests");
  EXPECT_TRUE(s->waitClosed(5000));  // timeoutSeconds=1
  // The slot is free again.
  for (int i = 0; i < 100; ++i) {
    Reply again = h.get(std::string(kServices) + "?watch=true");
    if (again.status == 200) {
      again.stream->disconnect();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "watch slot not released";
}

TEST(WatchTest, BookmarksCarryTheLatestRevision) {
  ApiServerOptions options = ApiHarness::defaultOptions();
  options.bookmarkSeconds = 1;
  ApiHarness h(nullptr, options);
  auto s = startWatch(h, std::string(kServices) + "?watch=true&allowWatchBookmarks=true&resourceVersion=0");
  ASSERT_EQ(s->events(1).size(), 1u);
  ASSERT_EQ(h.post(kServices, service("a")).status, 201);
  auto events = s->events(3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2]["type"], "BOOKMARK");
  EXPECT_EQ(events[2]["object"]["kind"], "Service");
  EXPECT_EQ(events[2]["object"]["metadata"]["resourceVersion"], std::to_string(h.store().currentRevision()));
  s->disconnect();
}

TEST(WatchTest, LegacyWatchPrefixAndInvalidVersions) {
  ApiHarness h;
  auto s = startWatch(h, "/api/v1/watch/namespaces/default/services?resourceVersion=0");
  EXPECT_EQ(s->events(1).size(), 1u);
  s->disconnect();
  EXPECT_EQ(h.get(std::string(kServices) + "?watch=true&resourceVersion=abc").status, 400);
}

TEST(WatchTest, WorksOverTheSqliteStore) {
  char dir[] = "/tmp/edgeway-watch-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  {
    auto opened = store::SqliteStore::open(std::string(dir) + "/state.db");
    ASSERT_TRUE(opened.isOk()) << opened.status().message();
    auto sqlite = std::move(opened).value();
    std::string listRv;
    {
      ApiHarness h(sqlite.get());
      ASSERT_EQ(h.post(kServices, service("a")).status, 201);
      listRv = h.get(kServices).obj()["metadata"]["resourceVersion"];
      auto s = startWatch(h, std::string(kServices) + "?watch=true&resourceVersion=" + listRv);
      Reply b = h.post(kServices, service("b"));
      ASSERT_EQ(b.status, 201);
      ASSERT_EQ(h.del(std::string(kServices) + "/a").status, 200);
      auto events = s->events(2);
      ASSERT_EQ(events.size(), 2u);
      EXPECT_EQ(typeAndName(events[0]), "ADDED b");
      EXPECT_EQ(events[0]["object"]["metadata"]["resourceVersion"], b.obj()["metadata"]["resourceVersion"]);
      EXPECT_EQ(typeAndName(events[1]), "DELETED a");
      s->disconnect();
    }
    // Restart on the same store: bootstrap creates nothing twice; only the kubernetes
    // Service follows the new (ephemeral) port.
    auto rev = sqlite->currentRevision();
    ApiHarness again(sqlite.get());
    EXPECT_EQ(sqlite->currentRevision(), rev + 1);
    EXPECT_EQ(again.get(std::string(kServices) + "/b").status, 200);
    std::string address = again.server().localAddress();
    json kubernetes = again.get(std::string(kServices) + "/kubernetes").obj();
    EXPECT_EQ(kubernetes["spec"]["ports"][0]["targetPort"], std::stoi(address.substr(address.rfind(':') + 1)));
  }
  std::system((std::string("rm -rf ") + dir).c_str());
}

}  // namespace
}  // namespace edgeway::apiserver::testing
