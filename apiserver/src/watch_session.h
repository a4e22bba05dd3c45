#pragma once
// Watch streams (GET ...?watch=true): newline-separated JSON events over a chunked
// response, with kube-apiserver's semantics:
//  - resourceVersion "" or "0": an ADDED event for every current match, then changes;
//    N: only changes after N; N older than the compacted revision: one ERROR event (410).
//  - selectors follow objects across updates: one that stops matching is DELETED, one
//    that starts matching is ADDED.
//  - Table and PartialObjectMetadata representations, one row per event (column
//    definitions in the first only), BOOKMARKs when asked for, a timeout (the client's, or
//    a random 30-60 minutes), and at most `maxWatches` at a time.
// A client that goes away, or reads too slowly for the stream's buffer, ends its watch.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/selector.h"
#include "apiserver/api_error.h"
#include "apiserver/resource_info.h"
#include "apiserver/src/content.h"
#include "apiserver/src/table.h"
#include "http/message.h"
#include "store/store.h"

namespace edgeway::apiserver {

struct WatchRequest {
  const ResourceInfo* info = nullptr;
  std::string ns;  // "" for every namespace
  api::LabelSelector labels;
  api::FieldSelector fields;
  std::string resourceVersion;
  bool bookmarks = false;
  int timeoutSeconds = 0;  // 0: the server's default
  Output output;
  IncludeObject include = IncludeObject::kMetadata;
};

class WatchSession;

// Owns the watch limit and the list of open watches. Sessions share its bookkeeping (not
// the hub itself), so a session ending late never touches a destroyed hub. The store must
// outlive the hub.
class WatchHub {
 public:
  using Timer = std::function<void(int millis, std::function<void()>)>;

  WatchHub(store::Store& store, Timer timer, size_t maxWatches, int bookmarkSeconds = 60);
  // Ends every open watch.
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Starts a watch answering on `exchange`. An error (e.g. 429, 400) is returned for the
  // caller to answer instead; once streaming, errors travel as ERROR events.
  std::optional<ApiError> start(WatchRequest request, const std::shared_ptr<http::Exchange>& exchange);
  // Ends every open watch (their streams close; clients re-watch elsewhere or later).
  void stopAll();
  size_t active() const;

 private:
  struct State {
    std::mutex mu;
    std::map<WatchSession*, std::weak_ptr<WatchSession>> sessions;
  };
  friend class WatchSession;

  store::Store& store_;
  Timer timer_;
  const size_t maxWatches_;
  const int bookmarkSeconds_;
  std::shared_ptr<State> state_;
};

}  // namespace edgeway::apiserver
