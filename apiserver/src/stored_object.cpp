#include "apiserver/src/stored_object.h"

#include "apiserver/src/object_meta.h"
#include "base/uuid.h"

namespace edgeway::apiserver {
namespace {

// A per-process random marker: only our own serializer writes it, and no client can
// predict it, so its one occurrence is the resourceVersion we put there.
const std::string& marker() {
  static const std::string m = "edgeway-rv-" + newUuid();
  return m;
}

}  // namespace

std::string dumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<nlohmann::json> parseStored(std::string_view bytes) {
  auto parsed = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

StoredObject::StoredObject(nlohmann::json& obj) {
  nlohmann::json& meta = metadataOf(obj);
  meta["resourceVersion"] = marker();
  std::string text = dumpJson(obj);
  meta.erase("resourceVersion");
  const std::string quoted = "\"" + marker() + "\"";
  size_t pos = text.find(quoted);
  head_ = text.substr(0, pos);
  tail_ = text.substr(pos + quoted.size());
}

std::string StoredObject::render(store::Revision rev) const {
  std::string digits = std::to_string(rev);
  std::string out;
  out.reserve(head_.size() + digits.size() + 2 + tail_.size());
  out += head_;
  out += '"';
  out += digits;
  out += '"';
  out += tail_;
  return out;
}

}  // namespace edgeway::apiserver
