#pragma once
// LocalStoreSource: a Source over the server's own store (the Store interface only). Lists
// come from the store's memory; watches are the store's, so events arrive on a store thread
// and are handed on as they come.

#include <string>

#include "cache/source.h"
#include "store/store.h"

namespace edgeway::cache {

class LocalStoreSource : public Source {
 public:
  // `store` must outlive this source and every watch it returns.
  explicit LocalStoreSource(store::Store& store) : store_(store) {}

  Result<SourceList> list(Kind kind) override;
  Result<std::unique_ptr<SourceWatch>> watch(Kind kind, int64_t after,
                                             SourceWatchCallbacks callbacks) override;

  // The store key prefix of a kind: "/core/services/", "/discovery.k8s.io/endpointslices/"...
  static std::string prefixOf(Kind kind);

 private:
  store::Store& store_;
};

}  // namespace edgeway::cache
