#pragma once
// What the privileged netstack tests share: whether a skip must be a failure (CI sets
// EDGEWAY_REQUIRE_PRIVILEGED=1), and running a shell command (ip, nft) with its output.

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace edgeway::netstack::testing {

inline bool requirePrivileged() {
  const char* v = std::getenv("EDGEWAY_REQUIRE_PRIVILEGED");
  return v && std::string(v) == "1";
}

// Runs `cmd` through the shell (stderr folded into stdout); its exit status, or -1.
inline int sh(const std::string& cmd, std::string* out = nullptr) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::string text;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  int rc = pclose(p);
  if (out) *out = text;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace edgeway::netstack::testing
