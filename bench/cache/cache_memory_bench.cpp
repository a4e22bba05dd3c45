// Memory and start-up cost of the cluster-state cache over a real edgeway database: opens a
// copy of DATA_DIR/state.db, then lists every kind into a ClusterState and reports the heap
// the store's index and the synced cache each hold (glibc mallinfo2: bytes in use,
// including mmapped blocks), the objects per kind and the time to the first synced
// snapshot. bench/endpoints/run.sh drives it on a database with 1,000 Services and
// 10,000 Pods.
//
// Usage: edgeway_cache_bench PATH/state.db

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "cache/cluster_state.h"
#include "cache/local_store_source.h"
#include "store/sqlite_store.h"

namespace {

size_t heapInUse() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

double mb(size_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

int main(int argc, char** argv) {
  using namespace edgeway;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PATH/state.db\n", argv[0]);
    return 2;
  }
  size_t before = heapInUse();
  auto store = store::SqliteStore::open(argv[1]);
  if (!store.isOk()) {
    std::fprintf(stderr, "store: %s\n", store.status().message().c_str());
    return 1;
  }
  size_t afterStore = heapInUse();

  cache::LocalStoreSource source(**store);
  auto t0 = std::chrono::steady_clock::now();
  {
    cache::ClusterState state(source);
    state.start();
    while (!state.hasSynced()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    double syncMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    malloc_trim(0);
    size_t afterCache = heapInUse();
    auto snapshot = state.current();
    std::printf("objects: %zu Services, %zu EndpointSlices, %zu Pods, %zu Nodes\n", snapshot->services().size(),
                snapshot->endpointSlices().size(), snapshot->pods().size(), snapshot->nodes().size());
    std::printf("store index: %.1f MB; cache (synced snapshot + indexes): %.1f MB; first sync: %.0f ms\n",
                mb(afterStore - before), mb(afterCache - afterStore), syncMs);
    state.stop();
  }
  return 0;
}
