#include "apiserver/src/table.h"

namespace edgeway::apiserver {

std::optional<IncludeObject> parseIncludeObject(std::string_view value) {
  if (value.empty() || value == "Metadata") return IncludeObject::kMetadata;
  if (value == "None") return IncludeObject::kNone;
  if (value == "Object") return IncludeObject::kObject;
  return std::nullopt;
}

TableWriter::TableWriter(const ResourceInfo& info, std::string metaApiVersion, IncludeObject include,
                         std::time_t now)
    : info_(info), metaApiVersion_(std::move(metaApiVersion)), include_(include), now_(now) {}

nlohmann::json TableWriter::columnDefinitions() const {
  nlohmann::json cols = nlohmann::json::array();
  if (info_.table.columns.empty()) {
    // kube-apiserver's default printer for kinds without columns of their own.
    cols.push_back({{"name", "Name"}, {"type", "string"}, {"format", "name"},
                    {"description", "Name must be unique within a namespace."}, {"priority", 0}});
    cols.push_back({{"name", "Created At"}, {"type", "date"}, {"format", ""},
                    {"description", "CreationTimestamp is a timestamp representing the server time when this object was created."},
                    {"priority", 0}});
    return cols;
  }
  for (const TableColumn& c : info_.table.columns) {
    cols.push_back({{"name", c.name}, {"type", c.type}, {"format", c.format}, {"description", c.description},
                    {"priority", c.priority}});
  }
  return cols;
}

nlohmann::json TableWriter::row(const nlohmann::json& object) const {
  nlohmann::json cells;
  if (info_.table.cells) {
    cells = info_.table.cells(object, now_);
  } else {
    const nlohmann::json& meta = object.contains("metadata") ? object["metadata"] : nlohmann::json::object();
    cells = nlohmann::json::array({meta.value("name", ""), meta.value("creationTimestamp", "")});
  }
  nlohmann::json r = {{"cells", std::move(cells)}};
  switch (include_) {
    case IncludeObject::kNone: break;
    case IncludeObject::kMetadata: r["object"] = partialObjectMetadata(object, metaApiVersion_); break;
    case IncludeObject::kObject: r["object"] = object; break;
  }
  return r;
}

nlohmann::json TableWriter::table(const std::vector<nlohmann::json>& objects, bool withColumns,
                                  const nlohmann::json& listMeta) const {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& obj : objects) rows.push_back(row(obj));
  return {{"kind", "Table"},
          {"apiVersion", metaApiVersion_},
          {"metadata", listMeta.is_object() ? listMeta : nlohmann::json::object()},
          {"columnDefinitions", withColumns ? columnDefinitions() : nlohmann::json::array()},
          {"rows", std::move(rows)}};
}

nlohmann::json partialObjectMetadata(const nlohmann::json& object, const std::string& metaApiVersion) {
  nlohmann::json meta = nlohmann::json::object();
  if (auto it = object.find("metadata"); it != object.end() && it->is_object()) meta = *it;
  return {{"kind", "PartialObjectMetadata"}, {"apiVersion", metaApiVersion}, {"metadata", std::move(meta)}};
}

}  // namespace edgeway::apiserver
