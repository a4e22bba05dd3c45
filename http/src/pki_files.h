#pragma once
// Reading the PKI's files. (Writing is writePrivateFile in http/pki_store.h.)

#include <optional>
#include <string>

#include "base/status.h"

namespace edgeway::http::pki {

// The file's bytes; nullopt when it does not exist; an error naming the file when it exists
// but cannot be read (permissions, I/O).
Result<std::optional<std::string>> readFileIfExists(const std::string& path);

bool fileExists(const std::string& path);

// Creates `path` with mode 0700 if missing; if it exists, takes away group and other access.
Status ensurePrivateDirectory(const std::string& path);

}  // namespace edgeway::http::pki
