#pragma once
// What the privileged netstack tests share: whether a skip must be a failure (CI sets
// EDGEWAY_REQUIRE_PRIVILEGED=1), running a shell command (ip, nft) with its output, running
// code inside a named network namespace, and socket addresses for the connections they make.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>

#include "base/ip.h"

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

// Runs f on a thread that has entered the named network namespace (`ip netns add NAME`);
// the sockets it opens stay there.
inline void inNetns(const std::string& name, const std::function<void()>& f) {
  std::thread t([&] {
    int fd = open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    int rc = setns(fd, CLONE_NEWNET);
    close(fd);
    ASSERT_EQ(rc, 0) << std::strerror(errno);
    f();
  });
  t.join();
}

// `addr`:`port` as a sockaddr; *len is set to its size.
inline sockaddr_storage sockaddrOf(const IpAddress& addr, uint16_t port, socklen_t* len) {
  sockaddr_storage ss{};
  if (addr.isV4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    inet_pton(AF_INET, addr.toString().c_str(), &sin->sin_addr);
    *len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    inet_pton(AF_INET6, addr.toString().c_str(), &sin6->sin6_addr);
    *len = sizeof(sockaddr_in6);
  }
  return ss;
}

}  // namespace edgeway::netstack::testing
