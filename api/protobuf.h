#pragma once
// Decoder for `application/vnd.kubernetes.protobuf` request bodies. kubectl 1.32 sends
// these for its generator commands (`create service|secret|namespace|ingress ...`); the API
// server turns them into the same JSON a JSON client would have sent and carries on.
//
// Body bytes are untrusted: every malformed input comes back as kInvalidArgument, never a
// crash. Nesting is bounded by the schema (and a hard depth limit); the caller bounds the
// body size, as for JSON bodies.

#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "base/status.h"

namespace edgeway::api {

struct TypeDef;

// Decodes a whole body: the "k8s\0" magic, then runtime.Unknown{typeMeta{apiVersion, kind},
// raw, contentEncoding, contentType}. The kind is looked up with findKind() and `raw` is
// decoded with its schema. The result has apiVersion and kind set, and follows Go's JSON
// encoding of the same object: zero scalars of omitempty fields are left out, nested
// messages present on the wire become objects (so `status: {loadBalancer: {}}` appears),
// Time is RFC 3339, bytes are base64.
Result<nlohmann::json> decodeKubernetesProtobuf(std::string_view body);

// Decodes one protobuf message of the given type (no envelope) into a JSON object.
Result<nlohmann::json> decodeProtobufMessage(std::string_view message, const TypeDef& type);

}  // namespace edgeway::api
