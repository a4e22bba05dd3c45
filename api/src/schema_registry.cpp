// The lookups of api/schema.h over the tables in schema_*.cpp.
#include <deque>
#include <functional>
#include <map>

#include "api/src/schema_build.h"

namespace edgeway::api {
namespace {

struct Registry {
  std::vector<const TypeDef*> kinds;                          // served object kinds
  std::deque<TypeDef> lists;                                  // their <Kind>List (deque: stable addresses)
  std::vector<const TypeDef*> findable;                       // everything findKind answers
  std::map<std::string, const TypeDef*, std::less<>> byName;  // every reachable type
};

void index(Registry& r, const TypeDef& t) {
  if (!r.byName.emplace(t.name, &t).second) return;
  for (const Field& f : t.fields) {
    if (f.object != nullptr) index(r, *f.object);
  }
}

Registry build() {
  Registry r;
  r.kinds = {&schema::service(), &schema::namespaceKind(), &schema::endpoints(), &schema::pod(),
             &schema::node(),    &schema::secret(),        &schema::event(),     &schema::endpointSlice(),
             &schema::ingress(), &schema::ingressClass()};
  for (const TypeDef* k : r.kinds) r.lists.push_back(schema::listOf(*k));
  r.findable = r.kinds;
  for (const TypeDef& l : r.lists) r.findable.push_back(&l);
  // Create-only review kinds: decodable (kubectl sends them as protobuf), but not stored
  // objects, so they have no list kind and are not among the served kinds.
  r.findable.push_back(&schema::selfSubjectAccessReview());
  r.findable.push_back(&schema::selfSubjectRulesReview());
  r.findable.push_back(&schema::status());
  r.findable.push_back(&schema::deleteOptions());
  for (const TypeDef* t : r.findable) index(r, *t);
  index(r, schema::patch());
  return r;
}

const Registry& registry() {
  static const Registry r = build();
  return r;
}

}  // namespace

const TypeDef* findKind(std::string_view group, std::string_view version, std::string_view kind) {
  for (const TypeDef* t : registry().findable) {
    if (t->group == group && t->version == version && t->kind == kind) return t;
  }
  return nullptr;
}

const TypeDef* findType(std::string_view name) {
  const auto& byName = registry().byName;
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : it->second;
}

const std::vector<const TypeDef*>& allKinds() { return registry().kinds; }

}  // namespace edgeway::api
