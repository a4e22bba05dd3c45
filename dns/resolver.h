#pragma once
// resolve(): the cluster DNS answers as a pure function of a parsed query and a
// ClusterZone. It knows nothing of sockets, EDNS sizes or forwarding; the servers frame
// bytes around it and forward what it declines.

#include <optional>

#include "dns/cluster_zone.h"
#include "dns/message.h"

namespace edgeway::dns {

// Answers `query` (as parsed by dns::parse) when its question is ours: a name in the
// cluster zone, or a PTR name (in-addr.arpa / ip6.arpa) of a known ClusterIP or endpoint
// address (or Pod IP when podRecords). nullopt means "not ours: forward it" (unknown
// reverse names fall through to the forwarder as in CoreDNS's default Corefile). The
// returned response has header.qr, aa (for zone answers), id, opcode, rd copied, the
// question copied with its case, sections filled; no EDNS (the server adds OPT and chooses
// the size).
//
// Also answered here, without looking at the name: an opcode other than QUERY (NOTIMP) and
// zero or several questions (FORMERR), since no forwarder would do better.
std::optional<Message> resolve(const Message& query, const ClusterZone& zone);

}  // namespace edgeway::dns
