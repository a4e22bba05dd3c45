// Child process for the store crash test (tests/store/crash_test.cpp): writes to the
// store from several threads until it is killed, and prints every write the store has
// acknowledged as "<key> <revision>\n" -- only after the write's callback reported
// success. The parent kills it with SIGKILL at a random moment and checks the printed
// writes against the reopened database.
//
// Usage: store_crash_writer DBPATH

#include <unistd.h>

#include <cstdio>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/log.h"
#include "store/sqlite_store.h"

namespace {

using edgeway::Result;
using edgeway::store::Record;
using edgeway::store::Revision;
using edgeway::store::SqliteStore;

constexpr int kThreads = 6;
// Stop on our own eventually, should the parent never kill us.
constexpr int kMaxWritesPerThread = 50000;

// One write(2) per line: lines into a pipe are atomic, so no lock and no stdio buffer
// stands between the acknowledgement and the parent.
bool report(const std::string& key, Revision revision) {
  std::string line = key + " " + std::to_string(revision) + "\n";
  return ::write(STDOUT_FILENO, line.data(), line.size()) == static_cast<ssize_t>(line.size());
}

Result<Record> await(const std::function<void(edgeway::store::WriteCallback)>& submit) {
  // Shared: the store's writer thread may still be inside set_value when we return.
  auto promise = std::make_shared<std::promise<Result<Record>>>();
  auto future = promise->get_future();
  submit([promise](Result<Record> r) { promise->set_value(std::move(r)); });
  return future.get();
}

int writeLoop(SqliteStore& store, const std::string& run, int thread) {
  std::mt19937 rng(static_cast<unsigned>(getpid() * 131 + thread));
  const std::string prefix = "/crash/" + run + "/" + std::to_string(thread) + "/";
  std::vector<std::pair<std::string, Revision>> mine;  // keys this thread owns, last revision
  for (int i = 0; i < kMaxWritesPerThread; ++i) {
    std::string payload(64 + rng() % 1024, static_cast<char>('a' + rng() % 26));
    auto render = [payload](Revision rev) { return payload + "@" + std::to_string(rev); };
    Result<Record> result = edgeway::internalError("unset");
    size_t slot = 0;
    if (mine.empty() || rng() % 3 == 0) {
      std::string key = prefix + std::to_string(mine.size());
      result = await([&](auto done) { store.create(key, render, std::move(done)); });
      slot = mine.size();
      mine.emplace_back(key, 0);
    } else {
      slot = rng() % mine.size();
      result = await(
          [&](auto done) { store.update(mine[slot].first, mine[slot].second, render, std::move(done)); });
    }
    if (!result.isOk()) {
      std::fprintf(stderr, "crash_writer: write failed: %s\n", result.status().toString().c_str());
      return 1;
    }
    mine[slot].second = result->modRevision;
    if (!report(mine[slot].first, result->modRevision)) return 1;  // the parent went away
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DBPATH\n", argv[0]);
    return 2;
  }
  edgeway::log::setLevel(edgeway::log::Level::kWarn);
  edgeway::store::SqliteStoreOptions options;
  options.compactRetain = 500;  // compact often, so that crashes also hit compactions
  options.compactInterval = 200;
  auto store = SqliteStore::open(argv[1], options);
  if (!store) {
    std::fprintf(stderr, "crash_writer: %s\n", store.status().toString().c_str());
    return 1;
  }
  // Keys unique to this run: a pid may come back, but then the revision has moved on
  // (or the earlier run wrote nothing).
  const std::string run = std::to_string(getpid()) + "-" + std::to_string((*store)->currentRevision());
  std::vector<std::thread> threads;
  std::vector<int> codes(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { codes[t] = writeLoop(**store, run, t); });
  }
  for (auto& t : threads) t.join();
  for (int code : codes) {
    if (code != 0) return code;
  }
  return 0;
}
