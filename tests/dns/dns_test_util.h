#pragma once
// Helpers the DNS tests share: queries as a stub resolver sends them, reading a whole TCP
// frame from a socket, and a ClusterIP Service view.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/service_view.h"
#include "cache/snapshot.h"
#include "dns/message.h"

namespace edgeway::dns::testing {

// A ClusterIP Service `ns/name` with one TCP port, http/80.
inline cache::ServicePtr clusterIpService(const std::string& ns, const std::string& name,
                                          const std::string& clusterIp) {
  api::ServiceView s;
  s.ns = ns;
  s.name = name;
  s.clusterIps.push_back(*IpAddress::parse(clusterIp));
  api::ServicePort p;
  p.name = "http";
  p.port = 80;
  s.ports.push_back(p);
  return std::make_shared<const api::ServiceView>(std::move(s));
}

// A recursive-desired query for `name`, class IN.
inline Message query(const std::string& name, Type type = Type::kA, uint16_t id = 0x1234) {
  Message m;
  m.header.id = id;
  m.header.rd = true;
  m.questions.push_back(Question{name, type, kClassIn});
  return m;
}

inline Message withEdns(Message m, uint16_t size, bool dnssecOk = false) {
  Edns edns;
  edns.udpPayloadSize = size;
  edns.dnssecOk = dnssecOk;
  m.edns = edns;
  return m;
}

// Reads exactly `n` bytes; false on EOF, error or timeout.
inline bool readFully(int fd, char* p, size_t n) {
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

}  // namespace edgeway::dns::testing
