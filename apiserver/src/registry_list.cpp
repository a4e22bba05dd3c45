// LIST with selectors and paging. Pages come from the store's in-memory index in key
// order; a continue token carries the last key returned and the first page's revision, so
// every page reports that revision and a watch started from it misses nothing.

#include <nlohmann/json.hpp>

#include "apiserver/src/registry_runs.h"
#include "base/base64.h"

namespace edgeway::apiserver {
namespace {

struct ContinuePoint {
  store::Revision revision = 0;
  std::string startAfter;
};

std::string encodeContinue(store::Revision rev, const std::string& lastKey) {
  nlohmann::json token = {{"v", "meta.k8s.io/v1"}, {"rv", rev}, {"start", lastKey}};
  return base64::encodeUrl(token.dump());
}

std::optional<ContinuePoint> decodeContinue(const std::string& token) {
  auto raw = base64::decodeUrl(token);
  if (!raw) return std::nullopt;
  auto j = nlohmann::json::parse(*raw, nullptr, false);
  if (!j.is_object() || j.value("v", "") != "meta.k8s.io/v1") return std::nullopt;
  auto rv = j.find("rv");
  auto start = j.find("start");
  if (rv == j.end() || !rv->is_number_integer() || start == j.end() || !start->is_string()) return std::nullopt;
  return ContinuePoint{rv->get<store::Revision>(), start->get<std::string>()};
}

ListPage failure(ApiError e) {
  ListPage p;
  p.error = std::move(e);
  return p;
}

}  // namespace

ListPage Registry::list(const ResourceInfo& info, const std::string& ns, const ListOptions& options) const {
  std::vector<store::Record> records;
  ListPage page = list(info, ns, options, [&](store::Record&& rec) { records.push_back(std::move(rec)); });
  page.records = std::move(records);
  return page;
}

ListPage Registry::list(const ResourceInfo& info, const std::string& ns, const ListOptions& options,
                        const std::function<void(store::Record&&)>& sink) const {
  // Records are read from the store this many at a time, bounding the copies held at once.
  constexpr size_t kBatch = 256;
  const std::string prefix = prefixFor(info, ns);
  std::string startAfter;
  store::Revision listRevision = 0;
  if (!options.continueToken.empty()) {
    auto point = decodeContinue(options.continueToken);
    if (!point || point->startAfter.compare(0, prefix.size(), prefix) != 0) {
      return failure(badRequestError("continue key is not valid: invalid continue token"));
    }
    if (point->revision < store_.compactedRevision()) {
      return failure(expiredError(
          "The provided continue parameter is too old to display a consistent list result. You can start a new "
          "list without the continue parameter, or use the continue token in this response to retrieve the "
          "remainder of the results. Continuing with the provided token results in an inconsistent list - objects "
          "that were created, modified, or deleted between the time the first chunk was returned and now may show "
          "up in the list."));
    }
    startAfter = point->startAfter;
    listRevision = point->revision;
  }

  const api::LabelSelector* labels = options.labels && !options.labels->empty() ? options.labels : nullptr;
  const api::FieldSelector* fields = options.fields && !options.fields->empty() ? options.fields : nullptr;
  // Selectors on name and namespace read the key; anything else needs the object parsed.
  bool fieldsFromKey = fields && fields->onlyNameAndNamespace();
  bool parse = labels || (fields && !fieldsFromKey);
  const size_t storePrefixLen = info.storePrefix().size();

  auto matches = [&](const store::Record& rec) {
    if (fieldsFromKey) {
      std::string_view rest = std::string_view(rec.key).substr(storePrefixLen);
      size_t slash = rest.find('/');
      std::string_view keyNs = rest.substr(0, slash), keyName = rest.substr(slash + 1);
      bool ok = fields->matches([&](std::string_view f) {
        return std::string(f == "metadata.name" ? keyName : keyNs);
      });
      if (!ok) return false;
    }
    if (!parse) return true;
    if (labels && !labels->mayMatchText(rec.value)) return false;
    auto obj = parseStored(rec.value);
    if (!obj) return false;
    if (labels) {
      static const nlohmann::json kNone;
      const nlohmann::json* l = &kNone;
      if (auto m = obj->find("metadata"); m != obj->end() && m->is_object()) {
        if (auto it = m->find("labels"); it != m->end()) l = &*it;
      }
      if (!labels->matches(*l)) return false;
    }
    return !fields || fieldsFromKey || fields->matches(*obj);
  };

  ListPage page;
  const size_t limit = options.limit;
  size_t found = 0;
  bool first = true;
  while (true) {
    size_t want = limit == 0 ? kBatch : std::min(std::max<size_t>(limit - found, 64), kBatch);
    store::ListResult batch = store_.list(prefix, startAfter, want);
    if (first) {
      if (listRevision == 0) listRevision = batch.revision;
      first = false;
    }
    for (size_t i = 0; i < batch.records.size(); ++i) {
      store::Record& rec = batch.records[i];
      startAfter = rec.key;
      if (!matches(rec)) continue;
      sink(std::move(rec));
      if (limit != 0 && ++found == limit) {
        if (i + 1 < batch.records.size() || batch.more) page.continueToken = encodeContinue(listRevision, startAfter);
        page.revision = listRevision;
        return page;
      }
    }
    if (!batch.more || batch.records.empty()) break;
  }
  page.revision = listRevision;
  return page;
}

}  // namespace edgeway::apiserver
