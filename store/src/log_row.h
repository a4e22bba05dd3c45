#pragma once
// One row of the revision log, and how it reads as a watch event.

#include <string>

#include "store/store.h"

namespace edgeway::store::detail {

struct LogRow {
  Revision revision = 0;  // the row id
  std::string key;
  std::string value;  // for a deletion: the tombstone (final object)
  Revision createRevision = 0;
  Revision prevRevision = 0;  // the row this one supersedes; 0 when it created the key
  bool created = false;
  bool deleted = false;
};

inline Event toEvent(LogRow&& row) {
  Event event;
  event.type = row.deleted ? EventType::kDeleted : row.created ? EventType::kAdded : EventType::kModified;
  event.record.key = std::move(row.key);
  event.record.value = std::move(row.value);
  event.record.createRevision = row.createRevision;
  event.record.modRevision = row.revision;
  return event;
}

}  // namespace edgeway::store::detail
