#include "apiserver/src/content.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <limits>

#include "api/protobuf.h"

namespace edgeway::apiserver {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<MediaRange> parseRange(std::string_view text) {
  MediaRange r;
  size_t semi = text.find(';');
  std::string_view mime = trim(text.substr(0, semi));
  size_t slash = mime.find('/');
  if (slash == std::string_view::npos) {
    if (mime != "*") return std::nullopt;
    r.type = r.subtype = "*";
  } else {
    r.type = lower(trim(mime.substr(0, slash)));
    r.subtype = lower(trim(mime.substr(slash + 1)));
  }
  while (semi != std::string_view::npos) {
    text.remove_prefix(semi + 1);
    semi = text.find(';');
    std::string_view kv = trim(text.substr(0, semi));
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key = lower(trim(kv.substr(0, eq)));
    std::string_view value = trim(kv.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (key == "q") {
      char* end = nullptr;
      std::string v(value);
      double q = std::strtod(v.c_str(), &end);
      r.q = (end && *end == '\0') ? std::clamp(q, 0.0, 1.0) : 1.0;
    } else {
      r.params.emplace_back(std::move(key), std::string(value));
    }
  }
  return r;
}

bool isJsonLike(const MediaRange& r) {
  return (r.type == "application" && (r.subtype == "json" || r.subtype == "yaml" || r.subtype == "*")) ||
         (r.type == "*" && r.subtype == "*");
}

bool isMetaV1(const MediaRange& r) {
  std::string_view v = r.param("v");
  return r.param("g") == "meta.k8s.io" && (v == "v1" || v == "v1beta1");
}

}  // namespace

std::string_view MediaRange::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

std::vector<MediaRange> parseAccept(std::string_view header) {
  std::vector<MediaRange> out;
  if (trim(header).empty()) {
    out.push_back(MediaRange{"*", "*", {}, 1.0});
    return out;
  }
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    std::string_view part = header.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (auto r = parseRange(part); r && r->q > 0) out.push_back(std::move(*r));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  std::stable_sort(out.begin(), out.end(), [](const MediaRange& a, const MediaRange& b) { return a.q > b.q; });
  return out;
}

std::optional<Output> negotiateOutput(std::string_view accept) {
  for (const MediaRange& r : parseAccept(accept)) {
    if (!isJsonLike(r)) continue;  // protobuf, CBOR, text/html...: try the next choice
    Output out;
    if (r.subtype == "yaml") out.contentType = "application/yaml";
    std::string_view as = r.param("as");
    if (as.empty()) return out;
    if (!isMetaV1(r)) continue;
    out.metaApiVersion = "meta.k8s.io/" + std::string(r.param("v"));
    if (as == "Table") {
      out.format = OutputFormat::kTable;
      return out;
    }
    if (as == "PartialObjectMetadata" || as == "PartialObjectMetadataList") {
      out.format = OutputFormat::kPartialObjectMetadata;
      return out;
    }
  }
  return std::nullopt;
}

ApiError notAcceptable() {
  return notAcceptableError(
      "only the following media types are accepted: application/json, application/yaml, "
      "application/json;as=Table;v=v1;g=meta.k8s.io");
}

BodyFormat bodyFormat(std::string_view contentType) {
  std::string mime = lower(trim(contentType.substr(0, contentType.find(';'))));
  if (mime.empty() || mime == "application/json") return BodyFormat::kJson;
  if (mime == "application/yaml") return BodyFormat::kYaml;
  if (mime == "application/vnd.kubernetes.protobuf") return BodyFormat::kProtobuf;
  if (mime == "application/json-patch+json") return BodyFormat::kJsonPatch;
  if (mime == "application/merge-patch+json") return BodyFormat::kMergePatch;
  if (mime == "application/strategic-merge-patch+json") return BodyFormat::kStrategicMergePatch;
  if (mime == "application/apply-patch+yaml") return BodyFormat::kApplyPatch;
  return BodyFormat::kUnsupported;
}

std::optional<FieldValidation> parseFieldValidation(std::string_view value) {
  if (value.empty() || value == "Warn") return FieldValidation::kWarn;
  if (value == "Strict") return FieldValidation::kStrict;
  if (value == "Ignore") return FieldValidation::kIgnore;
  return std::nullopt;
}

namespace {

// Tracks the path of the value being parsed so that a repeated key can be reported as
// `duplicate field "spec.ports[0].port"`, the form kube's strict decoder uses.
class DuplicateTracker {
 public:
  explicit DuplicateTracker(std::vector<std::string>& out) : out_(out) {}

  bool onEvent(int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    switch (event) {
      case E::object_start:
      case E::array_start:
        enterChild();
        frames_.push_back(Frame{event == E::array_start, {}, {}, 0});
        break;
      case E::object_end:
      case E::array_end:
        frames_.pop_back();
        break;
      case E::key: {
        Frame& f = frames_.back();
        const auto& key = parsed.get_ref<const std::string&>();
        if (std::find(f.keys.begin(), f.keys.end(), key) != f.keys.end()) out_.push_back(
            "duplicate field \"" + pathTo(key) + "\"");
        else f.keys.push_back(key);
        f.key = key;
        break;
      }
      case E::value:
        enterChild();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool array;
    std::vector<std::string> keys;
    std::string key;  // current key (objects)
    size_t count;     // elements seen so far (arrays)
  };

  // A value starts: in an array it takes the next index.
  void enterChild() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().count;
  }

  std::string pathTo(const std::string& leaf) const {
    std::string path;
    // The innermost frame is the object holding `leaf`; outer frames give its location.
    for (size_t i = 0; i + 1 < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      if (f.array) {
        path += "[" + std::to_string(f.count - 1) + "]";
      } else {
        if (!path.empty()) path += ".";
        path += f.key;
      }
    }
    return path.empty() ? leaf : path + "." + leaf;
  }

  std::vector<std::string>& out_;
  std::vector<Frame> frames_;
};

const char* jsonTypeName(const nlohmann::json& v) {
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "bool";
  if (v.is_number()) return "number";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "null";
}

const char* goTypeName(api::ValueType t) {
  switch (t) {
    case api::ValueType::kString: return "string";
    case api::ValueType::kBytes: return "[]uint8";
    case api::ValueType::kBool: return "bool";
    case api::ValueType::kInt32: return "int32";
    case api::ValueType::kInt64: return "int64";
    case api::ValueType::kNumber: return "float64";
    case api::ValueType::kIntOrString: return "intstr.IntOrString";
    case api::ValueType::kQuantity: return "resource.Quantity";
    case api::ValueType::kTime: return "v1.Time";
    case api::ValueType::kMicroTime: return "v1.MicroTime";
    case api::ValueType::kObject: return "struct";
    case api::ValueType::kArray: return "slice";
    case api::ValueType::kMap: return "map";
    case api::ValueType::kAny: return "interface {}";
  }
  return "value";
}

std::string shortTypeName(const api::TypeDef& t) {
  size_t dot = t.name.rfind('.');
  return dot == std::string::npos ? t.name : t.name.substr(dot + 1);
}

// Where a value sits, as a chain through the caller's stack frames, rendered only when a
// problem is reported: the walk runs on every write and must not allocate per field.
struct PathNode {
  const PathNode* parent;
  std::string_view key;  // object member or map key; empty for an array element
  size_t index;          // array element index

  // "spec.ports[0].port", the form kube's strict decoder reports.
  std::string render() const {
    std::string out = parent ? parent->render() : std::string();
    if (key.empty()) return out + "[" + std::to_string(index) + "]";
    return out.empty() ? std::string(key) : out + "." + std::string(key);
  }
  // "spec.ports.port": Go's encoding/json names fields without indices.
  std::string renderGo() const {
    std::string out = parent ? parent->renderGo() : std::string();
    if (key.empty()) return out;
    return out.empty() ? std::string(key) : out + "." + std::string(key);
  }
};

// Walks a decoded object against its schema, like kube's typed decoding: wrong JSON types
// are errors, unknown fields are dropped and reported, nulls are dropped (a Go zero value).
class SchemaWalker {
 public:
  explicit SchemaWalker(std::vector<std::string>& problems) : problems_(problems) {}

  // Returns an error text ("json: cannot unmarshal ...") or "".
  std::string walkObject(nlohmann::json& obj, const api::TypeDef& type, const PathNode* path, bool topLevel) {
    for (auto it = obj.begin(); it != obj.end();) {
      const std::string& key = it.key();
      if (topLevel && (key == "apiVersion" || key == "kind")) {
        ++it;
        continue;
      }
      PathNode child{path, key, 0};
      const api::Field* field = type.field(key);
      if (!field) {
        problems_.push_back("unknown field \"" + child.render() + "\"");
        it = obj.erase(it);
        continue;
      }
      if (it->is_null()) {
        it = obj.erase(it);
        continue;
      }
      std::string err = walkValue(*it, field->type, field->elem, field->object, child, type);
      if (!err.empty()) return err;
      ++it;
    }
    return "";
  }

 private:
  std::string walkValue(nlohmann::json& v, api::ValueType t, api::ValueType elem, const api::TypeDef* object,
                        const PathNode& path, const api::TypeDef& owner) {
    using VT = api::ValueType;
    auto mismatch = [&](const std::string& goType) {
      return std::string("json: cannot unmarshal ") + jsonTypeName(v) + " into Go struct field " +
             shortTypeName(owner) + "." + path.renderGo() + " of type " + goType;
    };
    auto outOfRange = [&](const char* goType) {
      return "json: cannot unmarshal number " + v.dump() + " into Go struct field " + shortTypeName(owner) + "." +
             path.renderGo() + " of type " + goType;
    };
    switch (t) {
      case VT::kString:
      case VT::kBytes:
      case VT::kTime:
      case VT::kMicroTime:
        return v.is_string() ? "" : mismatch(goTypeName(t));
      case VT::kQuantity:
        return v.is_string() || v.is_number() ? "" : mismatch(goTypeName(t));
      case VT::kBool:
        return v.is_boolean() ? "" : mismatch("bool");
      case VT::kInt32:
      case VT::kInt64: {
        if (!v.is_number_integer()) return mismatch(goTypeName(t));
        if (t == VT::kInt32) {
          bool fits = v.is_number_unsigned() ? v.get<uint64_t>() <= std::numeric_limits<int32_t>::max()
                                             : v.get<int64_t>() >= std::numeric_limits<int32_t>::min() &&
                                                   v.get<int64_t>() <= std::numeric_limits<int32_t>::max();
          if (!fits) return outOfRange("int32");
        } else if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())) {
          return outOfRange("int64");
        }
        return "";
      }
      case VT::kNumber:
        return v.is_number() ? "" : mismatch("float64");
      case VT::kIntOrString:
        return v.is_string() || v.is_number_integer() ? "" : mismatch("intstr.IntOrString");
      case VT::kAny:
        return "";
      case VT::kObject:
        if (!v.is_object()) return mismatch(object ? "v1." + shortTypeName(*object) : std::string("struct"));
        return object ? walkObject(v, *object, &path, false) : "";
      case VT::kArray: {
        if (!v.is_array()) return mismatch("slice");
        for (size_t i = 0; i < v.size(); ++i) {
          if (v[i].is_null()) continue;
          PathNode item{&path, {}, i};
          std::string err = walkValue(v[i], elem, VT::kString, object, item, owner);
          if (!err.empty()) return err;
        }
        return "";
      }
      case VT::kMap: {
        if (!v.is_object()) return mismatch("map");
        for (auto it = v.begin(); it != v.end(); ++it) {
          if (it->is_null()) continue;
          PathNode entry{&path, it.key(), 0};
          std::string err = walkValue(*it, elem, VT::kString, object, entry, owner);
          if (!err.empty()) return err;
        }
        return "";
      }
    }
    return "";
  }

  std::vector<std::string>& problems_;
};

}  // namespace

Result<nlohmann::json> parseJson(std::string_view text, std::vector<std::string>* duplicates) {
  try {
    if (!duplicates) return nlohmann::json::parse(text.begin(), text.end());
    DuplicateTracker tracker(*duplicates);
    return nlohmann::json::parse(
        text.begin(), text.end(),
        [&tracker](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          return tracker.onEvent(depth, event, parsed);
        });
  } catch (const nlohmann::json::exception& e) {
    return invalidArgument(e.what());
  }
}

ApiError decodeError(const ResourceInfo& info, const std::string& why) {
  return badRequestError(info.kind + " in version \"" + info.version + "\" cannot be handled as a " + info.kind +
                         ": " + why);
}

std::optional<ApiError> conformToSchema(nlohmann::json& object, const ResourceInfo& info,
                                        std::vector<std::string>& problems) {
  const api::TypeDef* type = api::findKind(info.group, info.version, info.kind);
  if (!type) return std::nullopt;  // no schema for this kind: accept as is
  SchemaWalker walker(problems);
  std::string err = walker.walkObject(object, *type, nullptr, true);
  if (!err.empty()) return decodeError(info, err);
  return std::nullopt;
}

std::optional<ApiError> decodeObject(BodyFormat format, std::string_view body, const ResourceInfo& info,
                                     nlohmann::json& out, std::vector<std::string>& problems) {
  switch (format) {
    case BodyFormat::kProtobuf: {
      auto decoded = api::decodeKubernetesProtobuf(body);
      if (!decoded.isOk()) return decodeError(info, decoded.status().message());
      out = std::move(decoded).value();
      break;
    }
    case BodyFormat::kJson:
    case BodyFormat::kYaml: {
      auto parsed = parseJson(body, &problems);
      if (!parsed.isOk()) {
        // YAML is accepted only in its JSON form; say so rather than print a JSON error.
        std::string why = format == BodyFormat::kYaml
                              ? "yaml bodies must be written in JSON form: " + parsed.status().message()
                              : parsed.status().message();
        return decodeError(info, why);
      }
      out = std::move(parsed).value();
      break;
    }
    default:
      return unsupportedMediaTypeError("");
  }
  if (!out.is_object()) return decodeError(info, "json: cannot unmarshal " + std::string(jsonTypeName(out)) +
                                                     " into Go value of type struct");
  // Absent apiVersion/kind default to the endpoint's, as kube's decoder does.
  auto apiVersion = out.find("apiVersion");
  if (apiVersion == out.end() || (apiVersion->is_string() && apiVersion->get_ref<const std::string&>().empty())) {
    out["apiVersion"] = info.apiVersion();
  } else if (!apiVersion->is_string()) {
    return decodeError(info, "json: cannot unmarshal " + std::string(jsonTypeName(*apiVersion)) +
                                 " into Go struct field TypeMeta.apiVersion of type string");
  } else if (apiVersion->get_ref<const std::string&>() != info.apiVersion()) {
    return badRequestError("the API version in the data (" + apiVersion->get<std::string>() +
                           ") does not match the expected API version (" + info.apiVersion() + ")");
  }
  auto kind = out.find("kind");
  if (kind == out.end() || (kind->is_string() && kind->get_ref<const std::string&>().empty())) {
    out["kind"] = info.kind;
  } else if (!kind->is_string()) {
    return decodeError(info, "json: cannot unmarshal " + std::string(jsonTypeName(*kind)) +
                                 " into Go struct field TypeMeta.kind of type string");
  } else if (kind->get_ref<const std::string&>() != info.kind) {
    const std::string& k = kind->get_ref<const std::string&>();
    return badRequestError(k + " in version \"" + info.version + "\" cannot be handled as a " + info.kind +
                           ": converting (" + info.version + "." + k + ") to (" + info.version + "." + info.kind +
                           "): unknown conversion");
  }
  return conformToSchema(out, info, problems);
}

std::optional<ApiError> enforceFieldValidation(FieldValidation mode, const ResourceInfo& info,
                                               const std::vector<std::string>& problems,
                                               std::vector<std::string>& warnings, bool decodePrefix) {
  if (problems.empty() || mode == FieldValidation::kIgnore) return std::nullopt;
  if (mode == FieldValidation::kWarn) {
    warnings.insert(warnings.end(), problems.begin(), problems.end());
    return std::nullopt;
  }
  std::string why = "strict decoding error: ";
  for (size_t i = 0; i < problems.size(); ++i) why += (i ? ", " : "") + problems[i];
  return decodePrefix ? decodeError(info, why) : badRequestError(why);
}

std::string warningHeaderValue(std::string_view text) {
  std::string out = "299 - \"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace edgeway::apiserver
