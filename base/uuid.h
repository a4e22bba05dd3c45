#pragma once
// Random (version 4) UUIDs, as Kubernetes assigns to metadata.uid.

#include <string>

namespace edgeway {

// "3f0e9c52-8a1b-4c7d-9e2f-0123456789ab". Thread-safe; each thread has its own generator
// seeded from std::random_device.
std::string newUuid();

}  // namespace edgeway
