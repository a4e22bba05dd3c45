#include "store/src/object_index.h"

#include <mutex>

namespace edgeway::store::detail {
namespace {

Record toRecord(const std::string& key, const StoredObject& object) {
  return Record{key, object.value, object.createRevision, object.modRevision};
}

bool hasPrefix(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

void ObjectIndex::load(std::string key, StoredObject object) {
  // Rows arrive in key order, so hinting at the end makes each insert O(1).
  objects_.emplace_hint(objects_.end(), std::move(key), std::move(object));
}

std::optional<Record> ObjectIndex::get(std::string_view key) const {
  std::shared_lock lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return toRecord(it->first, it->second);
}

ListResult ObjectIndex::list(std::string_view prefix, std::string_view startAfter, size_t limit) const {
  ListResult result;
  std::shared_lock lock(mu_);
  result.revision = revision_.load(std::memory_order_relaxed);
  auto it = startAfter.empty() || startAfter < prefix ? objects_.lower_bound(prefix)
                                                      : objects_.upper_bound(startAfter);
  for (; it != objects_.end() && hasPrefix(it->first, prefix); ++it) {
    if (limit != 0 && result.records.size() == limit) {
      result.more = true;
      break;
    }
    result.records.push_back(toRecord(it->first, it->second));
  }
  return result;
}

size_t ObjectIndex::size() const {
  std::shared_lock lock(mu_);
  return objects_.size();
}

const StoredObject* ObjectIndex::findForWriter(const std::string& key) const {
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : &it->second;
}

void ObjectIndex::apply(IndexChanges&& changes, Revision revision) {
  std::unique_lock lock(mu_);
  for (auto& [key, object] : changes) {
    if (!object) {
      objects_.erase(key);
    } else if (auto it = objects_.find(key); it != objects_.end()) {
      it->second = std::move(*object);
    } else {
      objects_.emplace(key, std::move(*object));
    }
  }
  revision_.store(revision, std::memory_order_release);
}

}  // namespace edgeway::store::detail
