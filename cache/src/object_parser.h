#pragma once
// Stored JSON of any followed kind -> its typed view, ready to share.

#include <string_view>
#include <variant>

#include "base/status.h"
#include "cache/kind.h"
#include "cache/namespaced_name.h"
#include "cache/snapshot.h"

namespace edgeway::cache::detail {

using AnyObject =
    std::variant<ServicePtr, EndpointSlicePtr, PodPtr, NodePtr, IngressPtr, IngressClassPtr, SecretPtr>;

Result<AnyObject> parseObject(Kind kind, std::string_view json);

NamespacedName nameOf(const AnyObject& object);

}  // namespace edgeway::cache::detail
