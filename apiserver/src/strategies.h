#pragma once
// Strategies of the kinds served besides Service (whose strategy owns the address allocators,
// see apiserver/service_strategy.h). Each follows kube-apiserver's strategy for its kind:
// defaults, which fields a write may set, and validation with kube's messages.

#include <memory>

#include "apiserver/strategy.h"

namespace edgeway::apiserver {

std::unique_ptr<Strategy> makeNamespaceStrategy();
std::unique_ptr<Strategy> makeEndpointsStrategy();
std::unique_ptr<Strategy> makePodStrategy();
std::unique_ptr<Strategy> makeNodeStrategy();
std::unique_ptr<Strategy> makeSecretStrategy();
std::unique_ptr<Strategy> makeEventStrategy();
std::unique_ptr<Strategy> makeEndpointSliceStrategy();
std::unique_ptr<Strategy> makeIngressStrategy();
std::unique_ptr<Strategy> makeIngressClassStrategy();

}  // namespace edgeway::apiserver
