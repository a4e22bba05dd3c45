#pragma once
// Bounds on untrusted JSON. The patch and apply code is recursive, so every entry point checks
// its inputs with these (iterative) walks first: no document can exhaust the stack, and a JSON
// Patch cannot grow a document without limit by copying it into itself.

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace edgeway::api::detail {

// Nesting depth of containers: a scalar is 0, [] and {} are 1, [[1]] is 2. Counting stops
// once it passes `cap`, so the answer is at most cap + 1.
int jsonDepth(const nlohmann::json& value, int cap);

// Number of JSON values in `value` (containers and scalars); counting stops past `cap`.
size_t countValues(const nlohmann::json& value, size_t cap);

// The message every entry point uses when an input nests too deeply.
std::string tooDeepMessage(const char* what);

}  // namespace edgeway::api::detail
