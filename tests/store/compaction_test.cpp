// SqliteStore compaction: history goes, current objects and revisions stay, old watches
// get kGone, and a replay in progress is never cut short.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace edgeway::store {
namespace {

using testing::Completions;
using testing::createSync;
using testing::EventRecorder;
using testing::fixed;
using testing::Gate;
using testing::openStore;
using testing::removeSync;
using testing::stamped;
using testing::TempDir;
using testing::updateSync;

int64_t countLogRows(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM log", -1, &stmt, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  int64_t n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

// Updates every key once per round, all of a round's writes in flight together.
void updateRounds(Store& store, const std::vector<std::string>& keys, int rounds) {
  for (int r = 0; r < rounds; ++r) {
    Completions done;
    for (const auto& key : keys) {
      auto current = store.get(key);
      ASSERT_TRUE(current.has_value()) << key;
      store.update(key, current->modRevision, stamped(key), done.add());
    }
    for (auto& result : done.wait()) ASSERT_TRUE(result.isOk()) << result.status().toString();
  }
}

std::vector<std::string> makeKeys(Store& store, int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) {
    keys.push_back("/k/" + std::to_string(i));
    EXPECT_TRUE(createSync(store, keys.back(), stamped(keys.back())).isOk());
  }
  return keys;
}

TEST(CompactionTest, DropsHistoryKeepsObjectsAndSurvivesReopen) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  SqliteStoreOptions options;
  options.compactRetain = 10;
  options.compactInterval = 10;
  auto store = openStore(path, options);
  auto keys = makeKeys(*store, 20);
  updateRounds(*store, keys, 5);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(removeSync(*store, keys[i], store->get(keys[i])->modRevision, fixed("gone")).isOk());
  }
  ASSERT_TRUE(createSync(*store, "/barrier", "b").isOk());
  const Revision current = store->currentRevision();
  EXPECT_EQ(current, 20 + 100 + 5 + 1);
  EXPECT_GT(store->compactedRevision(), 0);
  EXPECT_GT(store->stats().compactions, 0u);
  auto before = store->list("");

  // Opening compacts once more, right up to the retained tail.
  store.reset();
  store = openStore(path, options);
  const Revision compacted = current - options.compactRetain;
  EXPECT_EQ(store->compactedRevision(), compacted);
  store.reset();
  // Left: the whole tail after the compaction point, and below it only the rows that
  // are still some object's current version.
  int64_t currentBelow = 0;
  for (const auto& r : before.records) currentBelow += r.modRevision <= compacted ? 1 : 0;
  EXPECT_EQ(countLogRows(path), (current - compacted) + currentBelow);

  store = openStore(path, options);
  EXPECT_EQ(store->currentRevision(), current);
  EXPECT_EQ(store->compactedRevision(), compacted);
  auto after = store->list("");
  ASSERT_EQ(after.records.size(), before.records.size());
  EXPECT_EQ(after.records.size(), 16u);
  for (size_t i = 0; i < after.records.size(); ++i) {
    EXPECT_EQ(after.records[i].key, before.records[i].key);
    EXPECT_EQ(after.records[i].value, before.records[i].value);
    EXPECT_EQ(after.records[i].modRevision, before.records[i].modRevision);
    EXPECT_EQ(after.records[i].createRevision, before.records[i].createRevision);
  }
}

TEST(CompactionTest, WatchFromACompactedRevisionIsGone) {
  TempDir dir;
  SqliteStoreOptions options;
  options.compactRetain = 5;
  options.compactInterval = 10;
  auto store = openStore(dir.file("state.db"), options);
  auto keys = makeKeys(*store, 5);
  updateRounds(*store, keys, 6);
  ASSERT_TRUE(createSync(*store, "/barrier", "b").isOk());
  const Revision compacted = store->compactedRevision();
  ASSERT_GT(compacted, 1);

  EventRecorder rec;
  auto old = store->watch("", 1, rec.callbacks());
  ASSERT_FALSE(old.isOk());
  EXPECT_EQ(old.status().code(), StatusCode::kGone);
  EXPECT_EQ(old.status().message(), "too old resource version: 1 (" + std::to_string(compacted) + ")");

  // From the compacted revision itself everything newer is still there.
  auto w = store->watch("", compacted, rec.callbacks());
  ASSERT_TRUE(w.isOk()) << w.status().toString();
  const Revision current = store->currentRevision();
  ASSERT_TRUE(rec.waitForRevision(current));
  auto events = rec.events();
  ASSERT_EQ(events.size(), static_cast<size_t>(current - compacted));
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].record.modRevision, compacted + 1 + static_cast<Revision>(i));
  }
}

// A watch that is still replaying pins the history it has yet to read: compaction waits
// for it instead of deleting rows from under it.
TEST(CompactionTest, ReplayInProgressHoldsCompactionBack) {
  TempDir dir;
  SqliteStoreOptions options;
  options.compactRetain = 1000;
  options.compactInterval = 10;
  options.watchQueueLimit = 4096;  // the stuck watcher must not be dropped for lagging
  auto store = openStore(dir.file("state.db"), options);
  auto keys = makeKeys(*store, 10);
  updateRounds(*store, keys, 60);  // revisions 1..610, nothing compacted yet
  ASSERT_EQ(store->compactedRevision(), 0);

  Gate inCallback, release;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Revision> seen;
  WatchCallbacks cb;
  cb.onEvent = [&](const Event& e) {
    {
      std::lock_guard lock(mu);
      seen.push_back(e.record.modRevision);
      cv.notify_all();
    }
    if (e.record.modRevision == 2) {
      inCallback.open();
      release.wait();
    }
    return true;
  };
  auto w = store->watch("", 1, cb);
  ASSERT_TRUE(w.isOk());
  inCallback.wait();  // the replay has read its first chunk and is stuck delivering it

  updateRounds(*store, keys, 100);  // revisions 611..1610: compaction wants to reach 610
  ASSERT_TRUE(createSync(*store, "/barrier", "b").isOk());
  const Revision current = store->currentRevision();
  EXPECT_GT(store->compactedRevision(), 0) << "compaction ran";
  EXPECT_LT(store->compactedRevision(), current - options.compactRetain) << "but stopped at the replay";
  release.open();

  std::unique_lock lock(mu);
  ASSERT_TRUE(
      cv.wait_for(lock, testing::kHangGuard, [&] { return !seen.empty() && seen.back() == current; }));
  ASSERT_EQ(seen.size(), static_cast<size_t>(current - 1));
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], static_cast<Revision>(i) + 2);
}

}  // namespace
}  // namespace edgeway::store
