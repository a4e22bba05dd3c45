#pragma once
// How many CPUs this process may run on: the CPUs in its affinity mask (so that
// `taskset -c 0 edgeway server` sizes its thread pools for one core), or the hardware
// threads when the mask cannot be read. At least 1.

#include <cstddef>

namespace edgeway {

size_t usableCpus();

}  // namespace edgeway
