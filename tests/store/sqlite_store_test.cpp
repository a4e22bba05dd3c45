// SqliteStore writes, reads, errors, group commit and reopening. Watches and compaction
// have their own files; the crash test is crash_test.cpp.

#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "store_test_util.h"

namespace edgeway::store {
namespace {

using testing::Completions;
using testing::createSync;
using testing::fixed;
using testing::openStore;
using testing::removeSync;
using testing::stamped;
using testing::TempDir;
using testing::updateSync;
using testing::WriterHold;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = openStore(path()); }
  std::string path() const { return dir_.file("state.db"); }
  void reopen(SqliteStoreOptions options = {}) {
    store_.reset();
    store_ = openStore(path(), options);
  }

  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, FreshStoreIsEmpty) {
  EXPECT_EQ(store_->currentRevision(), 0);
  EXPECT_EQ(store_->compactedRevision(), 0);
  EXPECT_FALSE(store_->get("/core/services/default/a").has_value());
  EXPECT_TRUE(store_->list("").records.empty());
}

TEST_F(SqliteStoreTest, CreateAssignsRevisionAndRendersWithIt) {
  auto a = createSync(*store_, "/k/a", stamped("a"));
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  EXPECT_EQ(a->key, "/k/a");
  EXPECT_EQ(a->modRevision, 1);
  EXPECT_EQ(a->createRevision, 1);
  EXPECT_EQ(a->value, "a@1");

  auto b = createSync(*store_, "/k/b", stamped("b"));
  ASSERT_TRUE(b.isOk());
  EXPECT_EQ(b->modRevision, 2);
  EXPECT_EQ(store_->currentRevision(), 2);

  auto got = store_->get("/k/a");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->value, "a@1");
  EXPECT_EQ(got->modRevision, 1);
}

TEST_F(SqliteStoreTest, CreateOfExistingKeyFails) {
  ASSERT_TRUE(createSync(*store_, "/k/a", "1").isOk());
  auto again = createSync(*store_, "/k/a", "2");
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->get("/k/a")->value, "1");
  EXPECT_EQ(store_->currentRevision(), 1) << "a rejected write must not consume a revision";
}

TEST_F(SqliteStoreTest, UpdateChecksExistenceAndRevision) {
  auto created = createSync(*store_, "/k/a", "v1");
  ASSERT_TRUE(created.isOk());

  auto missing = updateSync(*store_, "/k/missing", 1, "x");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);

  auto updated = updateSync(*store_, "/k/a", created->modRevision, stamped("v2"));
  ASSERT_TRUE(updated.isOk()) << updated.status().toString();
  EXPECT_EQ(updated->modRevision, 2);
  EXPECT_EQ(updated->createRevision, 1);
  EXPECT_EQ(updated->value, "v2@2");

  auto stale = updateSync(*store_, "/k/a", created->modRevision, "v3");
  EXPECT_EQ(stale.status().code(), StatusCode::kConflict);
  EXPECT_NE(stale.status().message().find("the object has been modified"), std::string::npos);
  EXPECT_EQ(store_->get("/k/a")->value, "v2@2");
  EXPECT_EQ(store_->currentRevision(), 2);
}

TEST_F(SqliteStoreTest, RemoveReturnsTombstoneAndFreesTheKey) {
  auto created = createSync(*store_, "/k/a", "v1");
  ASSERT_TRUE(created.isOk());
  EXPECT_EQ(removeSync(*store_, "/k/a", 99, fixed("x")).status().code(), StatusCode::kConflict);
  EXPECT_EQ(removeSync(*store_, "/k/nope", 1, fixed("x")).status().code(), StatusCode::kNotFound);

  auto removed = removeSync(*store_, "/k/a", created->modRevision, stamped("final"));
  ASSERT_TRUE(removed.isOk()) << removed.status().toString();
  EXPECT_EQ(removed->value, "final@2");
  EXPECT_EQ(removed->modRevision, 2);
  EXPECT_EQ(removed->createRevision, 1);
  EXPECT_FALSE(store_->get("/k/a").has_value());

  auto recreated = createSync(*store_, "/k/a", "again");
  ASSERT_TRUE(recreated.isOk());
  EXPECT_EQ(recreated->createRevision, 3);
}

TEST_F(SqliteStoreTest, RenderThatThrowsFailsOnlyItsWrite) {
  auto bad = createSync(*store_, "/k/bad", [](Revision) -> std::string { throw std::runtime_error("boom"); });
  EXPECT_EQ(bad.status().code(), StatusCode::kInternal);
  EXPECT_NE(bad.status().message().find("boom"), std::string::npos);
  auto good = createSync(*store_, "/k/good", "v");
  ASSERT_TRUE(good.isOk());
  EXPECT_EQ(good->modRevision, 1);
}

TEST_F(SqliteStoreTest, ValuesAreByteExact) {
  std::string binary("a\0b\xff\x01", 5);
  std::string key("/k/\xc3\xa9\xff", 6);
  ASSERT_TRUE(createSync(*store_, key, binary).isOk());
  ASSERT_TRUE(createSync(*store_, "/k/empty", "").isOk());
  reopen();
  ASSERT_TRUE(store_->get(key).has_value());
  EXPECT_EQ(store_->get(key)->value, binary);
  EXPECT_EQ(store_->get("/k/empty")->value, "");
}

TEST_F(SqliteStoreTest, ListFiltersByPrefixAndPages) {
  for (const char* key : {"/a/1", "/a/2", "/a/3", "/a/4", "/a/5", "/ab/1", "/b/1"}) {
    ASSERT_TRUE(createSync(*store_, key, key).isOk());
  }
  auto all = store_->list("/a/");
  ASSERT_EQ(all.records.size(), 5u);
  EXPECT_EQ(all.records.front().key, "/a/1");
  EXPECT_EQ(all.records.back().key, "/a/5");
  EXPECT_FALSE(all.more);
  EXPECT_EQ(all.revision, 7);

  auto page1 = store_->list("/a/", "", 2);
  ASSERT_EQ(page1.records.size(), 2u);
  EXPECT_TRUE(page1.more);
  auto page2 = store_->list("/a/", page1.records.back().key, 2);
  ASSERT_EQ(page2.records.size(), 2u);
  EXPECT_EQ(page2.records[0].key, "/a/3");
  EXPECT_TRUE(page2.more);
  auto page3 = store_->list("/a/", page2.records.back().key, 2);
  ASSERT_EQ(page3.records.size(), 1u);
  EXPECT_EQ(page3.records[0].key, "/a/5");
  EXPECT_FALSE(page3.more);

  auto exact = store_->list("/a/", "", 5);
  EXPECT_EQ(exact.records.size(), 5u);
  EXPECT_FALSE(exact.more) << "a limit equal to the count does not cut the list";

  EXPECT_EQ(store_->list("").records.size(), 7u);
  EXPECT_EQ(store_->list("/c/").records.size(), 0u);
  EXPECT_EQ(store_->list("/a").records.size(), 6u);
}

TEST_F(SqliteStoreTest, OptimisticConcurrencyLosesNoIncrement) {
  ASSERT_TRUE(createSync(*store_, "/counter", "0").isOk());
  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  std::vector<std::thread> threads;
  std::atomic<int> conflicts{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements;) {
        auto current = store_->get("/counter");
        ASSERT_TRUE(current.has_value());
        std::string next = std::to_string(std::stoi(current->value) + 1);
        auto r = updateSync(*store_, "/counter", current->modRevision, next);
        if (r.isOk()) {
          ++i;
        } else {
          ASSERT_EQ(r.status().code(), StatusCode::kConflict) << r.status().toString();
          ++conflicts;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(store_->get("/counter")->value, std::to_string(kThreads * kIncrements));
  EXPECT_EQ(store_->currentRevision(), 1 + kThreads * kIncrements);
  EXPECT_EQ(store_->stats().rejected, static_cast<uint64_t>(conflicts.load()));
}

TEST_F(SqliteStoreTest, QueuedWritesCommitAsOneGroup) {
  WriterHold hold(*store_);
  Completions done;
  constexpr int kWrites = 100;
  for (int i = 0; i < kWrites; ++i) store_->create("/g/" + std::to_string(i), fixed("v"), done.add());
  hold.release();
  auto results = done.wait();
  for (auto& r : results) ASSERT_TRUE(r.isOk()) << r.status().toString();
  auto stats = store_->stats();
  EXPECT_EQ(stats.writes, static_cast<uint64_t>(kWrites + 1));
  EXPECT_EQ(stats.transactions, 2u) << "the held write, then every queued write in one transaction";
  // Arrival order is revision order.
  for (int i = 0; i < kWrites; ++i) EXPECT_EQ(results[i]->modRevision, i + 2);
}

TEST_F(SqliteStoreTest, GroupsAreBounded) {
  SqliteStoreOptions options;
  options.maxBatch = 8;
  reopen(options);
  WriterHold hold(*store_);
  Completions done;
  for (int i = 0; i < 20; ++i) store_->create("/g/" + std::to_string(i), fixed("v"), done.add());
  hold.release();
  for (auto& r : done.wait()) ASSERT_TRUE(r.isOk());
  EXPECT_EQ(store_->stats().transactions, 4u) << "1 held + 8 + 8 + 4";
}

TEST_F(SqliteStoreTest, WritesInOneGroupSeeEachOther) {
  WriterHold hold(*store_);
  const Revision base = store_->currentRevision() + 1;  // the held write's revision
  Completions done;
  store_->create("/a", fixed("a1"), done.add());                 // base+1
  store_->create("/a", fixed("dup"), done.add());                // exists
  store_->create("/b", fixed("b1"), done.add());                 // base+2
  store_->update("/a", base + 1, stamped("a2"), done.add());     // base+3
  store_->remove("/b", base + 2, fixed("b-final"), done.add());  // base+4
  store_->update("/a", base + 1, fixed("stale"), done.add());    // conflict
  store_->update("/b", base + 4, fixed("gone"), done.add());     // not found
  store_->create("/b", fixed("b2"), done.add());                 // base+5
  hold.release();
  auto r = done.wait();
  ASSERT_TRUE(r[0].isOk());
  EXPECT_EQ(r[0]->modRevision, base + 1);
  EXPECT_EQ(r[1].status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(r[2]->modRevision, base + 2);
  EXPECT_EQ(r[3]->modRevision, base + 3);
  EXPECT_EQ(r[3]->value, "a2@" + std::to_string(base + 3));
  EXPECT_EQ(r[4]->modRevision, base + 4);
  EXPECT_EQ(r[5].status().code(), StatusCode::kConflict);
  EXPECT_EQ(r[6].status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r[7]->modRevision, base + 5);
  EXPECT_EQ(r[7]->createRevision, base + 5);
  EXPECT_EQ(store_->currentRevision(), base + 5) << "rejected writes consumed no revision";
  EXPECT_EQ(store_->stats().transactions, 2u);
}

TEST_F(SqliteStoreTest, ReopenRestoresStateAndRevision) {
  auto a = createSync(*store_, "/k/a", "a");
  auto b = createSync(*store_, "/k/b", "b");
  ASSERT_TRUE(a.isOk() && b.isOk());
  ASSERT_TRUE(updateSync(*store_, "/k/a", a->modRevision, "a2").isOk());
  ASSERT_TRUE(removeSync(*store_, "/k/b", b->modRevision, fixed("b-final")).isOk());
  ASSERT_EQ(store_->currentRevision(), 4);

  reopen();
  EXPECT_EQ(store_->currentRevision(), 4);
  auto got = store_->get("/k/a");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->value, "a2");
  EXPECT_EQ(got->modRevision, 3);
  EXPECT_EQ(got->createRevision, 1);
  EXPECT_FALSE(store_->get("/k/b").has_value());
  auto c = createSync(*store_, "/k/c", "c");
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ(c->modRevision, 5);
}

TEST_F(SqliteStoreTest, RevisionDoesNotGoBackWhenTheNewestRowIsCompacted) {
  SqliteStoreOptions options;
  options.compactRetain = 0;
  options.compactInterval = 1;
  reopen(options);
  auto a = createSync(*store_, "/k/a", "a");
  ASSERT_TRUE(a.isOk());
  ASSERT_TRUE(removeSync(*store_, "/k/a", a->modRevision, fixed("a-final")).isOk());
  // The writer compacts right after that commit, before it can exit: the log is now
  // empty and only sqlite_sequence remembers revision 2.
  reopen(options);
  EXPECT_EQ(store_->currentRevision(), 2);
  EXPECT_EQ(store_->compactedRevision(), 2);
  EXPECT_FALSE(store_->get("/k/a").has_value());
  auto c = createSync(*store_, "/k/c", "c");
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ(c->modRevision, 3);
}

TEST_F(SqliteStoreTest, FailedTransactionFailsItsGroupAndLeavesStateAlone) {
  SqliteStoreOptions options;
  options.maxDatabaseBytes = 64 * 1024;
  reopen(options);
  ASSERT_TRUE(createSync(*store_, "/k/before", "ok").isOk());

  WriterHold hold(*store_);
  const Revision held = store_->currentRevision() + 1;
  Completions done;
  store_->create("/k/small", fixed("small"), done.add());
  store_->create("/k/before", fixed("dup"), done.add());
  store_->create("/k/huge", fixed(std::string(256 * 1024, 'x')), done.add());
  store_->create("/k/later", fixed("later"), done.add());
  hold.release();
  auto r = done.wait();
  EXPECT_EQ(r[0].status().code(), StatusCode::kInternal) << "same transaction as the write that failed";
  EXPECT_EQ(r[1].status().code(), StatusCode::kInternal) << "rejected or not, nothing of the group committed";
  EXPECT_EQ(r[2].status().code(), StatusCode::kInternal);
  EXPECT_EQ(r[3].status().code(), StatusCode::kInternal) << "the group is abandoned at the failure";
  EXPECT_FALSE(store_->get("/k/later").has_value());
  EXPECT_FALSE(store_->get("/k/small").has_value());
  EXPECT_FALSE(store_->get("/k/huge").has_value());
  EXPECT_EQ(store_->currentRevision(), held);
  EXPECT_EQ(store_->stats().failedTransactions, 1u);

  auto after = createSync(*store_, "/k/after", "ok");
  ASSERT_TRUE(after.isOk()) << after.status().toString();
  EXPECT_EQ(after->modRevision, held + 1) << "the failed group's revisions were never used";

  reopen(options);
  EXPECT_FALSE(store_->get("/k/small").has_value());
  EXPECT_EQ(store_->currentRevision(), held + 1);
}

TEST_F(SqliteStoreTest, ShutdownCommitsQueuedWrites) {
  Completions done;
  {
    WriterHold hold(*store_);
    for (int i = 0; i < 10; ++i) store_->create("/q/" + std::to_string(i), fixed("v"), done.add());
    hold.release();
  }
  store_.reset();  // the destructor drains the queue before closing
  for (auto& r : done.wait()) EXPECT_TRUE(r.isOk()) << r.status().toString();
  store_ = openStore(path());
  EXPECT_EQ(store_->list("/q/").records.size(), 10u);
}

TEST_F(SqliteStoreTest, SecondOpenOfTheSameFileIsRefused) {
  auto second = SqliteStore::open(path());
  ASSERT_FALSE(second.isOk());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  store_.reset();
  EXPECT_TRUE(SqliteStore::open(path()).isOk()) << "the lock goes with the store";
}

TEST_F(SqliteStoreTest, StatsCountObjects) {
  ASSERT_TRUE(createSync(*store_, "/a", "1").isOk());
  ASSERT_TRUE(createSync(*store_, "/b", "2").isOk());
  EXPECT_EQ(store_->stats().objects, 2u);
}

// --- Opening bad paths -------------------------------------------------------------

Status openError(const std::string& path) {
  auto store = SqliteStore::open(path);
  return store.isOk() ? Status::ok() : store.status();
}

TEST(SqliteStoreOpenTest, MissingDirectoryIsAnError) {
  TempDir dir;
  Status s = openError(dir.file("no/such/dir/state.db"));
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("no/such/dir"), std::string::npos) << s.message();
}

TEST(SqliteStoreOpenTest, DirectoryIsAnError) {
  TempDir dir;
  ASSERT_TRUE(std::filesystem::create_directory(dir.file("state.db")));
  EXPECT_EQ(openError(dir.file("state.db")).code(), StatusCode::kInternal);
}

TEST(SqliteStoreOpenTest, GarbageFileIsAnError) {
  TempDir dir;
  std::ofstream(dir.file("state.db")) << std::string(8192, 'x');
  Status s = openError(dir.file("state.db"));
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("not a database"), std::string::npos) << s.message();
}

TEST(SqliteStoreOpenTest, EmptyPathIsAnError) {
  EXPECT_EQ(openError("").code(), StatusCode::kInvalidArgument);
}

void runSql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

TEST(SqliteStoreOpenTest, ForeignDatabaseIsAnError) {
  TempDir dir;
  runSql(dir.file("state.db"), "CREATE TABLE t (x)");
  Status s = openError(dir.file("state.db"));
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("not an edgeway database"), std::string::npos) << s.message();
}

TEST(SqliteStoreOpenTest, NewerSchemaIsAnError) {
  TempDir dir;
  ASSERT_TRUE(SqliteStore::open(dir.file("state.db")).isOk());
  runSql(dir.file("state.db"), "PRAGMA user_version = 99");
  Status s = openError(dir.file("state.db"));
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("newer"), std::string::npos) << s.message();
}

TEST(SqliteStoreOpenTest, UnwritableDirectoryIsAnError) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  TempDir dir;
  std::string ro = dir.file("ro");
  ASSERT_TRUE(std::filesystem::create_directory(ro));
  std::filesystem::permissions(ro, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  EXPECT_EQ(openError(ro + "/state.db").code(), StatusCode::kInternal);
  std::filesystem::permissions(ro, std::filesystem::perms::owner_all);
}

}  // namespace
}  // namespace edgeway::store
