#include "apiserver/controllers/slice_plan.h"

#include <utility>

namespace edgeway::apiserver::controllers {
namespace {

using nlohmann::json;

// An existing slice while the plan is made: what it will hold, if it is kept.
struct Slot {
  const json* stored = nullptr;
  std::string addressType;
  json ports;
  std::vector<json> endpoints;
  bool assigned = false;
};

// A slice the plan needs that no existing slice of its group provides.
struct Fresh {
  std::string addressType;
  json ports;
  std::vector<json> endpoints;
};

const json& arrayField(const json& obj, const char* key) {
  static const json kEmpty = json::array();
  auto it = obj.find(key);
  return it != obj.end() && it->is_array() ? *it : kEmpty;
}

std::string stringField(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Empty and absent lists read the same, so a stored slice that dropped an empty list is
// not rewritten forever.
json normalized(const json& slice) {
  json out = slice;
  out["endpoints"] = arrayField(slice, "endpoints");
  out["ports"] = arrayField(slice, "ports");
  if (!out.contains("metadata") || !out["metadata"].is_object()) out["metadata"] = json::object();
  json& meta = out["metadata"];
  if (!meta.contains("labels")) meta["labels"] = json::object();
  if (!meta.contains("ownerReferences")) meta["ownerReferences"] = json::array();
  return out;
}

}  // namespace

SlicePlan planSlices(std::vector<EndpointGroup> desired, const std::vector<json>& existing,
                     const SliceTemplate& tmpl, size_t maxPerSlice) {
  bool anyEndpoint = false;
  for (const auto& g : desired) anyEndpoint |= !g.endpoints.empty();
  const bool placeholder = !anyEndpoint;
  if (placeholder) {
    desired.clear();
    desired.push_back(EndpointGroup{tmpl.placeholderAddressType, json::array(), {}});
  }

  std::vector<Slot> slots;
  slots.reserve(existing.size());
  for (const json& e : existing) {
    Slot s;
    s.stored = &e;
    s.addressType = stringField(e, "addressType");
    s.ports = arrayField(e, "ports");
    slots.push_back(std::move(s));
  }

  std::vector<Fresh> fresh;
  for (auto& group : desired) {
    auto& remaining = group.endpoints;
    std::vector<Slot*> mine;
    for (auto& s : slots) {
      if (!s.assigned && s.addressType == group.addressType && s.ports == group.ports) mine.push_back(&s);
    }
    // Endpoints stay where they are.
    for (Slot* s : mine) {
      s->assigned = true;
      for (const json& ep : arrayField(*s->stored, "endpoints")) {
        if (s->endpoints.size() >= maxPerSlice) break;
        auto it = remaining.find(endpointKey(ep));
        if (it == remaining.end()) continue;
        s->endpoints.push_back(std::move(it->second));
        remaining.erase(it);
      }
    }
    // New ones fill slices with room, then new slices.
    for (Slot* s : mine) {
      while (s->endpoints.size() < maxPerSlice && !remaining.empty()) {
        s->endpoints.push_back(std::move(remaining.begin()->second));
        remaining.erase(remaining.begin());
      }
    }
    while (!remaining.empty()) {
      Fresh f{group.addressType, group.ports, {}};
      while (f.endpoints.size() < maxPerSlice && !remaining.empty()) {
        f.endpoints.push_back(std::move(remaining.begin()->second));
        remaining.erase(remaining.begin());
      }
      fresh.push_back(std::move(f));
    }
    // Emptied slices become spares, except one kept as the placeholder.
    bool keptPlaceholder = false;
    for (Slot* s : mine) {
      if (!s->endpoints.empty()) continue;
      if (placeholder && !keptPlaceholder) {
        keptPlaceholder = true;
        continue;
      }
      s->assigned = false;
    }
    if (placeholder && !keptPlaceholder) fresh.push_back(Fresh{group.addressType, group.ports, {}});
  }

  SlicePlan plan;
  for (auto& f : fresh) {
    Slot* spare = nullptr;
    for (auto& s : slots) {
      // addressType is immutable, so only a spare of the same type can be reused.
      if (!s.assigned && s.addressType == f.addressType) {
        spare = &s;
        break;
      }
    }
    if (spare != nullptr) {
      spare->assigned = true;
      spare->ports = std::move(f.ports);
      spare->endpoints = std::move(f.endpoints);
      continue;
    }
    json slice = {{"apiVersion", "discovery.k8s.io/v1"},
                  {"kind", "EndpointSlice"},
                  {"metadata",
                   {{"generateName", tmpl.generateName},
                    {"namespace", tmpl.ns},
                    {"labels", tmpl.labels},
                    {"ownerReferences", tmpl.ownerReferences}}},
                  {"addressType", f.addressType},
                  {"ports", std::move(f.ports)},
                  {"endpoints", std::move(f.endpoints)}};
    plan.creates.push_back(std::move(slice));
  }

  for (auto& s : slots) {
    if (!s.assigned) {
      plan.deletes.push_back(stringField(s.stored->value("metadata", json::object()), "name"));
      continue;
    }
    json before = normalized(*s.stored);
    json after = before;
    after["metadata"]["labels"] = tmpl.labels;
    after["metadata"]["ownerReferences"] = tmpl.ownerReferences;
    after["ports"] = std::move(s.ports);
    after["endpoints"] = json(std::move(s.endpoints));
    if (after != before) plan.updates.push_back(std::move(after));
  }
  return plan;
}

}  // namespace edgeway::apiserver::controllers
