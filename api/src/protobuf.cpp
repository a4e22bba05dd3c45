#include "api/protobuf.h"

#include <cstdint>
#include <cstring>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/schema.h"
#include "api/src/protobuf_wire.h"

namespace edgeway::api {
namespace {

using nlohmann::json;
using pb::WireReader;

// Kubernetes objects nest about ten messages deep; the schema bounds recursion already,
// this is a second fence.
constexpr int kMaxDepth = 32;
constexpr std::string_view kMagic("k8s\0", 4);

Status bad(const TypeDef& type, const Field& field, const std::string& what) {
  return invalidArgument("protobuf body: " + type.name + "." + field.name + ": " + what);
}

Status bad(const TypeDef& type, const std::string& what) {
  return invalidArgument("protobuf body: " + type.name + ": " + what);
}

bool isZero(const json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>().empty();
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number_integer()) return v.get<int64_t>() == 0;
  if (v.is_number_float()) return v.get<double>() == 0.0;
  return false;
}

bool isPackable(ValueType t) {
  return t == ValueType::kBool || t == ValueType::kInt32 || t == ValueType::kInt64 || t == ValueType::kNumber;
}

class Decoder {
 public:
  Status message(std::string_view data, const TypeDef& type, json& out, int depth);

 private:
  // Reads the fields of `data`; `wrapper` is 0 for an ordinary message, or the number of an
  // inline-embedded struct whose fields are matched by Field::protoInner.
  Status fields(std::string_view data, const TypeDef& type, int wrapper, json& out, int depth);
  Status field(const TypeDef& type, const Field& f, int wire, WireReader& r, json& out, int depth);
  // One value of a scalar-like type (everything but kObject/kArray/kMap/kAny).
  Status scalar(const TypeDef& type, const Field& f, ValueType t, int wire, WireReader& r, json& value);
  Status element(const TypeDef& type, const Field& f, int wire, WireReader& r, json& array, int depth);
  Status mapEntry(const TypeDef& type, const Field& f, std::string_view entry, json& map, int depth);
  Status timestamp(const TypeDef& type, const Field& f, std::string_view data, bool micro, json& value);
  Status intOrString(const TypeDef& type, const Field& f, std::string_view data, json& value);
};

Status Decoder::message(std::string_view data, const TypeDef& type, json& out, int depth) {
  if (depth > kMaxDepth) return bad(type, "nested too deeply");
  if (!out.is_object()) out = json::object();
  return fields(data, type, 0, out, depth);
}

Status Decoder::fields(std::string_view data, const TypeDef& type, int wrapper, json& out, int depth) {
  WireReader r(data);
  while (!r.done()) {
    uint32_t number = 0;
    int wire = 0;
    if (!r.readTag(number, wire)) {
      return bad(type, "malformed field key at byte " + std::to_string(r.position()));
    }
    const Field* match = nullptr;
    bool isWrapper = false;
    for (const Field& f : type.fields) {
      if (wrapper == 0 && f.protoNumber == static_cast<int>(number)) {
        if (f.protoInner == 0) {
          match = &f;
          break;
        }
        isWrapper = true;
      } else if (wrapper != 0 && f.protoNumber == wrapper && f.protoInner == static_cast<int>(number)) {
        match = &f;
        break;
      }
    }
    if (match != nullptr) {
      if (Status s = field(type, *match, wire, r, out, depth); !s) return s;
    } else if (isWrapper && wire == pb::kLengthDelimited) {
      std::string_view inner;
      if (!r.readLengthDelimited(inner))
        return bad(type, "truncated embedded field " + std::to_string(number));
      if (Status s = fields(inner, type, static_cast<int>(number), out, depth + 1); !s) return s;
    } else if (!r.skip(wire)) {
      // Unknown fields are skipped, as newer clients may send fields this server lacks.
      return bad(type, "cannot skip field " + std::to_string(number) + " (wire type " + std::to_string(wire) +
                           "): truncated or unsupported");
    }
  }
  return Status::ok();
}

Status Decoder::field(const TypeDef& type, const Field& f, int wire, WireReader& r, json& out, int depth) {
  switch (f.type) {
    case ValueType::kObject: {
      std::string_view data;
      if (wire != pb::kLengthDelimited) return bad(type, f, "expected a message");
      if (!r.readLengthDelimited(data)) return bad(type, f, "truncated message");
      return message(data, *f.object, out[f.name], depth + 1);
    }
    case ValueType::kArray:
      return element(type, f, wire, r, out[f.name], depth);
    case ValueType::kMap: {
      std::string_view entry;
      if (wire != pb::kLengthDelimited) return bad(type, f, "expected a map entry");
      if (!r.readLengthDelimited(entry)) return bad(type, f, "truncated map entry");
      json& map = out[f.name];
      if (!map.is_object()) map = json::object();
      return mapEntry(type, f, entry, map, depth);
    }
    case ValueType::kAny:
      // Free-form fields have no field numbers to decode by; losing them silently would
      // corrupt the object, so refuse and let the client send JSON.
      return bad(type, f, "not supported in protobuf; send this object as application/json");
    default: {
      json value;
      if (Status s = scalar(type, f, f.type, wire, r, value); !s) return s;
      // Go's JSON drops zero values of omitempty fields; a later occurrence of a field
      // replaces an earlier one, as in protobuf.
      if (value.is_null() || (!f.keepZero && isZero(value))) {
        out.erase(f.name);
      } else {
        out[f.name] = std::move(value);
      }
      return Status::ok();
    }
  }
}

Status Decoder::element(const TypeDef& type, const Field& f, int wire, WireReader& r, json& array,
                        int depth) {
  if (!array.is_array()) array = json::array();
  if (f.elem == ValueType::kObject) {
    std::string_view data;
    if (wire != pb::kLengthDelimited) return bad(type, f, "expected a message");
    if (!r.readLengthDelimited(data)) return bad(type, f, "truncated message");
    json item = json::object();
    if (Status s = message(data, *f.object, item, depth + 1); !s) return s;
    array.push_back(std::move(item));
    return Status::ok();
  }
  if (f.elem == ValueType::kAny || f.elem == ValueType::kArray || f.elem == ValueType::kMap) {
    return bad(type, f, "not supported in protobuf; send this object as application/json");
  }
  if (wire == pb::kLengthDelimited && isPackable(f.elem)) {  // packed repeated scalars
    std::string_view packed;
    if (!r.readLengthDelimited(packed)) return bad(type, f, "truncated packed values");
    const int elemWire = f.elem == ValueType::kNumber ? pb::kFixed64 : pb::kVarint;
    WireReader pr(packed);
    while (!pr.done()) {
      json value;
      if (Status s = scalar(type, f, f.elem, elemWire, pr, value); !s) return s;
      array.push_back(std::move(value));
    }
    return Status::ok();
  }
  json value;
  if (Status s = scalar(type, f, f.elem, wire, r, value); !s) return s;
  array.push_back(value.is_null() ? json("") : std::move(value));
  return Status::ok();
}

Status Decoder::mapEntry(const TypeDef& type, const Field& f, std::string_view entry, json& map, int depth) {
  WireReader r(entry);
  std::string key;
  json value;
  bool haveValue = false;
  while (!r.done()) {
    uint32_t number = 0;
    int wire = 0;
    if (!r.readTag(number, wire)) return bad(type, f, "malformed map entry");
    if (number == 1) {
      std::string_view k;
      if (wire != pb::kLengthDelimited || !r.readLengthDelimited(k)) return bad(type, f, "malformed map key");
      if (!pb::isValidUtf8(k)) return bad(type, f, "map key is not valid UTF-8");
      key.assign(k);
    } else if (number == 2) {
      haveValue = true;
      if (f.elem == ValueType::kObject) {
        std::string_view data;
        if (wire != pb::kLengthDelimited || !r.readLengthDelimited(data))
          return bad(type, f, "malformed map value");
        value = json::object();
        if (Status s = message(data, *f.object, value, depth + 1); !s) return s;
      } else if (f.elem == ValueType::kAny || f.elem == ValueType::kArray || f.elem == ValueType::kMap) {
        return bad(type, f, "not supported in protobuf; send this object as application/json");
      } else if (Status s = scalar(type, f, f.elem, wire, r, value); !s) {
        return s;
      }
    } else if (!r.skip(wire)) {
      return bad(type, f, "malformed map entry");
    }
  }
  if (!haveValue || value.is_null()) {
    // An absent value is the zero value of its type.
    switch (f.elem) {
      case ValueType::kBool:
        value = false;
        break;
      case ValueType::kInt32:
      case ValueType::kInt64:
        value = 0;
        break;
      case ValueType::kNumber:
        value = 0.0;
        break;
      case ValueType::kQuantity:
        value = "0";
        break;
      case ValueType::kObject:
        value = json::object();
        break;
      default:
        value = "";
        break;
    }
  }
  map[key] = std::move(value);
  return Status::ok();
}

Status Decoder::scalar(const TypeDef& type, const Field& f, ValueType t, int wire, WireReader& r,
                       json& value) {
  const auto expect = [&](int want, const char* what) -> Status {
    return wire == want
               ? Status::ok()
               : bad(type, f, std::string("expected ") + what + ", got wire type " + std::to_string(wire));
  };
  uint64_t u64 = 0;
  std::string_view bytes;
  switch (t) {
    case ValueType::kBool:
    case ValueType::kInt32:
    case ValueType::kInt64: {
      if (Status s = expect(pb::kVarint, "a varint"); !s) return s;
      if (!r.readVarint(u64)) return bad(type, f, "truncated varint");
      if (t == ValueType::kBool) {
        value = u64 != 0;
      } else if (t == ValueType::kInt32) {
        // Negative int32 values travel as ten-byte sign-extended varints; keep the low half.
        value = static_cast<int32_t>(static_cast<uint32_t>(u64));
      } else {
        value = static_cast<int64_t>(u64);
      }
      return Status::ok();
    }
    case ValueType::kNumber: {
      if (Status s = expect(pb::kFixed64, "a 64-bit value"); !s) return s;
      if (!r.readFixed64(u64)) return bad(type, f, "truncated 64-bit value");
      double d = 0;
      static_assert(sizeof d == sizeof u64);
      std::memcpy(&d, &u64, sizeof d);
      value = d;
      return Status::ok();
    }
    default:
      break;
  }
  if (Status s = expect(pb::kLengthDelimited, "a length-delimited value"); !s) return s;
  if (!r.readLengthDelimited(bytes)) return bad(type, f, "length runs past the end of the body");
  switch (t) {
    case ValueType::kString:
      if (!pb::isValidUtf8(bytes)) return bad(type, f, "string is not valid UTF-8");
      value = std::string(bytes);
      return Status::ok();
    case ValueType::kBytes:
      value = pb::base64Encode(bytes);
      return Status::ok();
    case ValueType::kTime:
    case ValueType::kMicroTime:
      return timestamp(type, f, bytes, t == ValueType::kMicroTime, value);
    case ValueType::kIntOrString:
      return intOrString(type, f, bytes, value);
    case ValueType::kQuantity: {
      // resource.Quantity{string=1}: the canonical text form.
      WireReader q(bytes);
      std::string text;
      while (!q.done()) {
        uint32_t number = 0;
        int wire2 = 0;
        std::string_view s;
        if (!q.readTag(number, wire2)) return bad(type, f, "malformed quantity");
        if (number == 1 && wire2 == pb::kLengthDelimited) {
          if (!q.readLengthDelimited(s) || !pb::isValidUtf8(s)) return bad(type, f, "malformed quantity");
          text.assign(s);
        } else if (!q.skip(wire2)) {
          return bad(type, f, "malformed quantity");
        }
      }
      value = std::move(text);
      return Status::ok();
    }
    default:
      return bad(type, f, "unexpected value type");
  }
}

Status Decoder::timestamp(const TypeDef& type, const Field& f, std::string_view data, bool micro,
                          json& value) {
  WireReader r(data);
  int64_t seconds = 0;
  int64_t nanos = 0;
  while (!r.done()) {
    uint32_t number = 0;
    int wire = 0;
    uint64_t v = 0;
    if (!r.readTag(number, wire)) return bad(type, f, "malformed timestamp");
    if ((number == 1 || number == 2) && wire == pb::kVarint) {
      if (!r.readVarint(v)) return bad(type, f, "malformed timestamp");
      if (number == 1) {
        seconds = static_cast<int64_t>(v);
      } else {
        nanos = static_cast<int32_t>(static_cast<uint32_t>(v));
      }
    } else if (!r.skip(wire)) {
      return bad(type, f, "malformed timestamp");
    }
  }
  // Go writes the zero time as an empty message and reads {0, 0} back as the zero time,
  // whose JSON form is null: leave the field out.
  if (seconds == 0 && nanos == 0) return Status::ok();
  std::optional<std::string> text = pb::formatRfc3339(seconds, nanos, micro);
  if (!text) return bad(type, f, "timestamp out of range");
  value = std::move(*text);
  return Status::ok();
}

Status Decoder::intOrString(const TypeDef& type, const Field& f, std::string_view data, json& value) {
  // intstr.IntOrString{type=1 (0 int, 1 string), intVal=2, strVal=3}.
  WireReader r(data);
  uint64_t kind = 0;
  int32_t intVal = 0;
  std::string strVal;
  while (!r.done()) {
    uint32_t number = 0;
    int wire = 0;
    uint64_t v = 0;
    std::string_view s;
    if (!r.readTag(number, wire)) return bad(type, f, "malformed int-or-string");
    if ((number == 1 || number == 2) && wire == pb::kVarint) {
      if (!r.readVarint(v)) return bad(type, f, "malformed int-or-string");
      if (number == 1) {
        kind = v;
      } else {
        intVal = static_cast<int32_t>(static_cast<uint32_t>(v));
      }
    } else if (number == 3 && wire == pb::kLengthDelimited) {
      if (!r.readLengthDelimited(s) || !pb::isValidUtf8(s)) return bad(type, f, "malformed int-or-string");
      strVal.assign(s);
    } else if (!r.skip(wire)) {
      return bad(type, f, "malformed int-or-string");
    }
  }
  if (kind > 1) return bad(type, f, "int-or-string has unknown type " + std::to_string(kind));
  if (kind == 1) {
    value = std::move(strVal);
  } else {
    value = intVal;
  }
  return Status::ok();
}

// "networking.k8s.io/v1" -> group and version; "v1" is the core group.
void splitApiVersion(std::string_view apiVersion, std::string_view& group, std::string_view& version) {
  const size_t slash = apiVersion.rfind('/');
  if (slash == std::string_view::npos) {
    group = {};
    version = apiVersion;
  } else {
    group = apiVersion.substr(0, slash);
    version = apiVersion.substr(slash + 1);
  }
}

struct Envelope {
  std::string_view apiVersion, kind, raw, contentEncoding;
};

Status readEnvelope(std::string_view body, Envelope& env) {
  if (body.size() < kMagic.size() || body.substr(0, kMagic.size()) != kMagic) {
    return invalidArgument("protobuf body: missing the \"k8s\\0\" prefix of Kubernetes protobuf");
  }
  WireReader r(body.substr(kMagic.size()));
  while (!r.done()) {
    uint32_t number = 0;
    int wire = 0;
    if (!r.readTag(number, wire)) return invalidArgument("protobuf body: malformed envelope");
    std::string_view value;
    if (number >= 1 && number <= 4 && wire == pb::kLengthDelimited) {
      if (!r.readLengthDelimited(value))
        return invalidArgument("protobuf body: envelope field runs past the end");
    } else if (!r.skip(wire)) {
      return invalidArgument("protobuf body: malformed envelope");
    }
    if (number == 1) {  // TypeMeta{apiVersion=1, kind=2}
      WireReader t(value);
      while (!t.done()) {
        uint32_t n = 0;
        int w = 0;
        std::string_view s;
        if (!t.readTag(n, w)) return invalidArgument("protobuf body: malformed typeMeta");
        if ((n == 1 || n == 2) && w == pb::kLengthDelimited) {
          if (!t.readLengthDelimited(s)) return invalidArgument("protobuf body: malformed typeMeta");
          (n == 1 ? env.apiVersion : env.kind) = s;
        } else if (!t.skip(w)) {
          return invalidArgument("protobuf body: malformed typeMeta");
        }
      }
    } else if (number == 2) {
      env.raw = value;
    } else if (number == 3) {
      env.contentEncoding = value;
    }
  }
  return Status::ok();
}

}  // namespace

Result<nlohmann::json> decodeProtobufMessage(std::string_view message, const TypeDef& type) {
  try {
    json out = json::object();
    if (Status s = Decoder().message(message, type, out, 0); !s) return s;
    return out;
  } catch (const std::exception& e) {  // allocation failure; the decoder itself does not throw
    return invalidArgument(std::string("protobuf body: ") + e.what());
  }
}

Result<nlohmann::json> decodeKubernetesProtobuf(std::string_view body) {
  Envelope env;
  if (Status s = readEnvelope(body, env); !s) return s;
  if (!env.contentEncoding.empty()) {
    return invalidArgument("protobuf body: content encoding \"" + std::string(env.contentEncoding) +
                           "\" is not supported");
  }
  if (env.apiVersion.empty() || env.kind.empty()) {
    return invalidArgument("protobuf body: apiVersion and kind must be set");
  }
  if (!pb::isValidUtf8(env.apiVersion) || !pb::isValidUtf8(env.kind)) {
    return invalidArgument("protobuf body: apiVersion and kind must be UTF-8");
  }
  std::string_view group, version;
  splitApiVersion(env.apiVersion, group, version);
  const TypeDef* type = findKind(group, version, env.kind);
  if (type == nullptr && env.kind == "DeleteOptions") {
    // Typed clients tag DeleteOptions with the group-version of the resource they delete.
    type = findKind("", "v1", "DeleteOptions");
  }
  if (type == nullptr) {
    return invalidArgument("protobuf body: no kind \"" + std::string(env.kind) + "\" is served in \"" +
                           std::string(env.apiVersion) + "\"");
  }
  Result<json> object = decodeProtobufMessage(env.raw, *type);
  if (!object) return object;
  json& out = object.value();
  out["apiVersion"] = std::string(env.apiVersion);
  out["kind"] = std::string(env.kind);
  return object;
}

}  // namespace edgeway::api
