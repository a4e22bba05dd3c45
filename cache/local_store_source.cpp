#include "cache/local_store_source.h"

#include <optional>
#include <string_view>
#include <utility>

#include "base/log.h"

namespace edgeway::cache {
namespace {

// "<namespace>/<name>" after the kind's prefix ("/<name>" for cluster-scoped kinds).
// Neither part may contain '/', so the first one splits them.
std::optional<NamespacedName> nameFromKey(std::string_view key, std::string_view prefix) {
  if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = key.substr(prefix.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view ns = rest.substr(0, slash);
  std::string_view name = rest.substr(slash + 1);
  if (name.empty() || name.find('/') != std::string_view::npos) return std::nullopt;
  return NamespacedName{std::string(ns), std::string(name)};
}

class LocalWatch : public SourceWatch {
 public:
  explicit LocalWatch(std::unique_ptr<store::Watch> watch) : watch_(std::move(watch)) {}
  ~LocalWatch() override { watch_->stop(); }

 private:
  std::unique_ptr<store::Watch> watch_;
};

}  // namespace

std::string LocalStoreSource::prefixOf(Kind kind) {
  switch (kind) {
    case Kind::kService:
      return "/core/services/";
    case Kind::kEndpointSlice:
      return "/discovery.k8s.io/endpointslices/";
    case Kind::kPod:
      return "/core/pods/";
    case Kind::kNode:
      return "/core/nodes/";
    case Kind::kIngress:
      return "/networking.k8s.io/ingresses/";
    case Kind::kIngressClass:
      return "/networking.k8s.io/ingressclasses/";
    case Kind::kSecret:
      return "/core/secrets/";
  }
  return "/";
}

Result<SourceList> LocalStoreSource::list(Kind kind) {
  const std::string prefix = prefixOf(kind);
  store::ListResult listed = store_.list(prefix);
  SourceList out;
  out.revision = listed.revision;
  out.objects.reserve(listed.records.size());
  for (store::Record& record : listed.records) {
    auto name = nameFromKey(record.key, prefix);
    if (!name) {
      log::warn("cache: ignoring stored key ", record.key, ": not <prefix><namespace>/<name>");
      continue;
    }
    out.objects.push_back(SourceObject{std::move(*name), record.modRevision, std::move(record.value)});
  }
  return out;
}

Result<std::unique_ptr<SourceWatch>> LocalStoreSource::watch(Kind kind, int64_t after,
                                                             SourceWatchCallbacks callbacks) {
  std::string prefix = prefixOf(kind);
  store::WatchCallbacks storeCallbacks;
  storeCallbacks.onEvent = [prefix, onEvent = std::move(callbacks.onEvent)](const store::Event& e) {
    auto name = nameFromKey(e.record.key, prefix);
    if (!name) return true;  // logged by list, which sees the same keys
    SourceEvent event;
    event.type =
        e.type == store::EventType::kDeleted ? SourceEvent::Type::kDelete : SourceEvent::Type::kUpsert;
    event.object = SourceObject{std::move(*name), e.record.modRevision, e.record.value};
    onEvent(std::move(event));
    return true;
  };
  storeCallbacks.onClosed = std::move(callbacks.onClosed);
  auto watch = store_.watch(std::move(prefix), after, std::move(storeCallbacks));
  if (!watch) return watch.status();
  return std::unique_ptr<SourceWatch>(std::make_unique<LocalWatch>(std::move(*watch)));
}

}  // namespace edgeway::cache
