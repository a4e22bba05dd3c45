#pragma once
// A real API server over a SqliteStore in a temporary directory, with the cluster-state
// cache fed from that store: what the controllers run against in edgeway server. The
// server and cache can be torn down and reopened on the same database (a restart).

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "cache/cluster_state.h"
#include "cache/local_store_source.h"
#include "store/sqlite_store.h"
#include "tests/apiserver/api_test_support.h"
#include "tests/store/store_test_util.h"

namespace edgeway::apiserver::testing {

class ControllerEnv {
 public:
  ControllerEnv() { open(); }
  ~ControllerEnv() { close(); }

  void open() {
    auto opened = store::SqliteStore::open(dir_.file("state.db"));
    ASSERT_TRUE(opened.isOk()) << opened.status().message();
    store_ = std::move(opened).value();
    api_ = std::make_unique<ApiHarness>(store_.get());
    source_ = std::make_unique<cache::LocalStoreSource>(*store_);
    state_ = std::make_unique<cache::ClusterState>(*source_);
    state_->start();
  }
  // Callers stop their controllers first.
  void close() {
    if (state_) state_->stop();
    state_.reset();
    source_.reset();
    api_.reset();
    store_.reset();
  }

  ApiHarness& api() { return *api_; }
  Registry& registry() { return api_->server().registry(); }
  cache::ClusterState& state() { return *state_; }

 private:
  store::testing::TempDir dir_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<ApiHarness> api_;
  std::unique_ptr<cache::LocalStoreSource> source_;
  std::unique_ptr<cache::ClusterState> state_;
};

// Polls until `done` holds. The bound only turns a hang into a failure; no test depends on
// anything happening within a time.
inline bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 3000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace edgeway::apiserver::testing
