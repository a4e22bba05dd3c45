// libFuzzer target for the DNS wire codec (dns/message.h); built and run by scripts/fuzz.sh.
//
// Whatever parse() accepts must encode to bytes that parse again to the same message
// (names compared case-insensitively: compression reads a suffix back in the case of its
// first occurrence), encoding must then be stable, and encoding under a small maxSize
// must yield a well-formed truncated reply. Any violation aborts, which libFuzzer reports
// as a crash with the input saved. The sanitizers catch reads outside the input.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dns/message.h"

namespace {

using namespace edgeway::dns;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "dns_message_fuzzer: %s\n%s\n", what, detail.c_str());
  std::abort();
}

// Every field of the message, rdata through recordText, names lower-cased.
std::string dump(const Message& m) {
  const Header& h = m.header;
  std::string s = std::to_string(h.id) + " " + std::to_string(h.qr) + std::to_string(h.opcode) +
                  std::to_string(h.aa) + std::to_string(h.tc) + std::to_string(h.rd) + std::to_string(h.ra) +
                  std::to_string(h.ad) + std::to_string(h.cd) + std::to_string(static_cast<int>(h.rcode)) +
                  "\n";
  for (const Question& q : m.questions) {
    s += "Q " + lowerName(q.name) + " " + typeName(q.type) + " " + std::to_string(q.qclass) + "\n";
  }
  const char* tags[] = {"AN ", "NS ", "AR "};
  int i = 0;
  for (const auto* section : {&m.answers, &m.authority, &m.additional}) {
    for (const Record& r : *section) {
      Record lowered = r;
      lowered.name = lowerName(r.name);
      if (auto* d = std::get_if<NameData>(&lowered.data)) d->name = lowerName(d->name);
      if (auto* d = std::get_if<SoaData>(&lowered.data)) {
        d->mname = lowerName(d->mname);
        d->rname = lowerName(d->rname);
      }
      if (auto* d = std::get_if<MxData>(&lowered.data)) d->exchange = lowerName(d->exchange);
      if (auto* d = std::get_if<SrvData>(&lowered.data)) d->target = lowerName(d->target);
      s += tags[i] + recordText(lowered) + "\n";
    }
    ++i;
  }
  if (m.edns) {
    s += "EDNS " + std::to_string(m.edns->udpPayloadSize) + " " + std::to_string(m.edns->version) + " " +
         std::to_string(m.edns->dnssecOk) + "\n";
  }
  return s;
}

void checkTruncated(const Message& m, const std::string& full, size_t maxSize) {
  std::string cut = encode(m, maxSize);
  auto back = parse(cut);
  if (!back) fail("a size-limited encoding does not parse", back.status().toString());
  bool hasRecords = !m.answers.empty() || !m.authority.empty() || !m.additional.empty();
  if (full.size() <= maxSize || !hasRecords) {  // fits, or there is nothing to drop
    if (cut != full) fail("a message with nothing to drop was encoded differently under a limit");
    return;
  }
  if (!back->header.tc) fail("a message over the limit has no TC bit");
  if (!back->answers.empty() || !back->authority.empty() || !back->additional.empty()) {
    fail("a truncated message kept records");
  }
  if (back->questions.size() != m.questions.size() || back->edns.has_value() != m.edns.has_value()) {
    fail("a truncated message lost its question or OPT record");
  }
  // Only the header, the questions and the OPT record may push it over the limit.
  std::string minimal = encode(Message{m.header, m.questions, {}, {}, {}, m.edns}, 65535);
  if (cut.size() > maxSize && cut.size() > minimal.size()) fail("a truncated message is over its limit");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view wire(reinterpret_cast<const char*>(data), size);
  auto id = peekId(wire);
  if (id.has_value() != (size >= 12)) fail("peekId disagrees with the input size");

  // The same bytes as presentation text: canonical names must be a fixed point.
  if (auto name = canonicalName(wire)) {
    auto again = canonicalName(*name);
    if (!again || *again != *name) fail("canonicalName is not idempotent", *name);
  }

  auto m = parse(wire);
  if (!m) return 0;
  if (m->header.id != *id) fail("peekId and parse disagree");
  std::string encoded = encode(*m);
  auto back = parse(encoded);
  if (!back) fail("an encoded message does not parse", back.status().toString());
  std::string before = dump(*m), after = dump(*back);
  if (before != after) fail("the round trip changed the message", before + "---\n" + after);
  if (encode(*back) != encoded) fail("encoding is not stable");

  checkTruncated(*m, encoded, 512);
  checkTruncated(*m, encoded, 12 + (size % 256));
  checkTruncated(*m, encoded, encoded.size() > 0 ? encoded.size() - 1 : 0);
  return 0;
}
