#pragma once

namespace edgeway {
// The edgeway release; /version reports the Kubernetes API level separately.
inline constexpr const char* kEdgewayVersion = "0.1.0";
}  // namespace edgeway
