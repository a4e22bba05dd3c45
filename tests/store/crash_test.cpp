// Durability under SIGKILL: a child process (store_crash_writer) writes under load and
// reports each acknowledged write; we kill it at random moments and check that every
// acknowledged write survived, that the database is intact, and that the revision never
// goes backwards.

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <random>
#include <sstream>

#include "store/sqlite_store.h"
#include "store_test_util.h"

#ifndef EDGEWAY_STORE_CRASH_WRITER
#error "EDGEWAY_STORE_CRASH_WRITER must name the store_crash_writer executable"
#endif

namespace edgeway::store {
namespace {

using testing::openStore;
using testing::TempDir;

struct Child {
  pid_t pid = -1;
  FILE* out = nullptr;  // the child's stdout
};

Child spawnWriter(const std::string& dbPath) {
  int fds[2];
  if (pipe(fds) != 0) {
    ADD_FAILURE() << "pipe failed";
    return {};
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(EDGEWAY_STORE_CRASH_WRITER, EDGEWAY_STORE_CRASH_WRITER, dbPath.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    ADD_FAILURE() << "fork failed";
    return {};
  }
  return Child{pid, fdopen(fds[0], "r")};
}

// Reads one complete "<key> <revision>" line; false at end of stream. A line cut short
// by the kill has no newline and does not count: it was never fully reported.
bool readAck(FILE* in, std::string& key, Revision& revision) {
  char buf[512];
  while (std::fgets(buf, sizeof buf, in) != nullptr) {
    std::string line(buf);
    if (line.empty() || line.back() != '\n') continue;
    std::istringstream fields(line);
    if (fields >> key >> revision) return true;
    ADD_FAILURE() << "unexpected output from the writer: " << line;
  }
  return false;
}

std::string integrityCheck(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open";
  }
  std::string result;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      result += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
  } else {
    result = sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return result;
}

TEST(CrashTest, AcknowledgedWritesSurviveSigkill) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));

  std::map<std::string, Revision> acked;  // newest acknowledged revision of every key
  Revision lastRevision = 0;
  constexpr int kRounds = 8;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    // Round 0 kills at once, possibly while the store is being created or opened.
    const int killAfter = round == 0 ? 0 : static_cast<int>(rng() % 1500);
    Child child = spawnWriter(path);
    ASSERT_GT(child.pid, 0);
    ASSERT_NE(child.out, nullptr);

    int seenThisRound = 0;
    std::string key;
    Revision revision = 0;
    while (seenThisRound < killAfter && readAck(child.out, key, revision)) {
      acked[key] = std::max(acked[key], revision);
      ++seenThisRound;
    }
    ASSERT_EQ(kill(child.pid, SIGKILL), 0);
    // Whatever it printed before dying was acknowledged too.
    while (readAck(child.out, key, revision)) {
      acked[key] = std::max(acked[key], revision);
      ++seenThisRound;
    }
    fclose(child.out);
    int status = 0;
    ASSERT_EQ(waitpid(child.pid, &status, 0), child.pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer ended on its own (status " << status << ") after " << seenThisRound << " writes";

    auto store = openStore(path);
    ASSERT_NE(store, nullptr);
    Revision maxAcked = 0;
    for (const auto& [k, rev] : acked) {
      auto got = store->get(k);
      ASSERT_TRUE(got.has_value()) << k << " was acknowledged at revision " << rev << " but is missing";
      EXPECT_GE(got->modRevision, rev) << k;
      EXPECT_EQ(got->value.substr(got->value.rfind('@') + 1), std::to_string(got->modRevision)) << k;
      maxAcked = std::max(maxAcked, rev);
    }
    const Revision current = store->currentRevision();
    EXPECT_GE(current, lastRevision) << "revision went backwards";
    EXPECT_GE(current, maxAcked);
    lastRevision = current;
    store.reset();
    EXPECT_EQ(integrityCheck(path), "ok");
  }
  EXPECT_GT(acked.size(), 0u);
}

}  // namespace
}  // namespace edgeway::store
