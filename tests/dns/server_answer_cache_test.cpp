#include "dns/src/server_answer_cache.h"

#include <gtest/gtest.h>

#include "dns/message.h"
#include "tests/dns/dns_test_util.h"

namespace edgeway::dns::server_detail {
namespace {

// Answer-cache keys ignore the ID; 7 keeps the byte comparisons below readable.
Message query(const std::string& name, Type type = Type::kA) { return testing::query(name, type, 7); }
using testing::withEdns;

std::optional<std::string> keyOf(const std::string& wire) {
  AnswerCache::Key key;
  if (!AnswerCache::keyOf(wire, kDefaultEdnsUdpSize, key)) return std::nullopt;
  return std::string(key.view());
}

std::string keyOf(const Message& m) { return keyOf(encode(m)).value_or("<none>"); }

TEST(AnswerCacheKey, PlainQueriesAreKeyedRegardlessOfTheirId) {
  Message a = query("web.default.svc.cluster.local");
  Message b = a;
  b.header.id = 9;
  ASSERT_TRUE(keyOf(encode(a)).has_value());
  EXPECT_EQ(keyOf(a), keyOf(b));
}

TEST(AnswerCacheKey, WhatTheAnswerDependsOnMakesDistinctKeys) {
  const Message base = query("web.default.svc.cluster.local");
  Message noRd = base;
  noRd.header.rd = false;
  Message cd = base;
  cd.header.cd = true;
  const std::vector<std::string> keys = {
      keyOf(base),
      keyOf(query("Web.default.svc.cluster.local")),  // case is echoed in the answer
      keyOf(query("web.default.svc.cluster.local", Type::kAAAA)),
      keyOf(noRd),
      keyOf(cd),
      keyOf(withEdns(base, 1232)),
      keyOf(withEdns(base, 1232, /*dnssecOk=*/true)),
      keyOf(withEdns(base, 600)),
  };
  for (size_t i = 0; i < keys.size(); ++i)
    for (size_t j = i + 1; j < keys.size(); ++j) EXPECT_NE(keys[i], keys[j]) << i << " vs " << j;
}

TEST(AnswerCacheKey, SizesThatGiveTheSameLimitShareAKey) {
  const Message base = query("web.default.svc.cluster.local");
  // Both are cut to our 1232; below 512 counts as 512 (RFC 6891 6.2.3).
  EXPECT_EQ(keyOf(withEdns(base, 4096)), keyOf(withEdns(base, 1232)));
  EXPECT_EQ(keyOf(withEdns(base, 100)), keyOf(withEdns(base, 512)));
  // Other header bits do not change the answer.
  Message ad = base;
  ad.header.ad = true;
  EXPECT_EQ(keyOf(ad), keyOf(base));
}

TEST(AnswerCacheKey, AnythingButThePlainFormTakesTheSlowPath) {
  const std::string plain = encode(query("web.default.svc.cluster.local"));
  ASSERT_TRUE(keyOf(plain).has_value());

  std::string response = plain;
  response[2] = static_cast<char>(response[2] | 0x80);
  EXPECT_FALSE(keyOf(response));
  std::string notify = plain;
  notify[2] = static_cast<char>(notify[2] | (4 << 3));
  EXPECT_FALSE(keyOf(notify));
  EXPECT_FALSE(keyOf(plain + "x"));                        // bytes left over
  EXPECT_FALSE(keyOf(plain.substr(0, plain.size() - 1)));  // truncated
  EXPECT_FALSE(keyOf(plain.substr(0, 12)));                // header only

  Message two = query("a.cluster.local");
  two.questions.push_back(Question{"b.cluster.local", Type::kA, kClassIn});
  EXPECT_FALSE(keyOf(encode(two)));

  Message withAnswer = query("a.cluster.local");
  withAnswer.answers.push_back(Record{"a.cluster.local", Type::kA, kClassIn, 5, IpAddress::v4(1)});
  EXPECT_FALSE(keyOf(encode(withAnswer)));

  Message withOther = query("a.cluster.local");
  withOther.additional.push_back(Record{"a.cluster.local", Type::kA, kClassIn, 5, IpAddress::v4(1)});
  EXPECT_FALSE(keyOf(encode(withOther)));

  // A compressed question name (a pointer back into the header is never valid anyway).
  std::string pointer = plain.substr(0, 12) + std::string("\x03web\xc0\x0c\x00\x01\x00\x01", 10);
  EXPECT_FALSE(keyOf(pointer));

  // An OPT record whose option runs past its RDATA.
  std::string opt = encode(withEdns(query("a.cluster.local"), 1232));
  opt[opt.size() - 1] = 4;                    // RDLENGTH 4
  opt += std::string("\x00\x0a\x00\x08", 4);  // option 10, 8 bytes, none present
  EXPECT_FALSE(keyOf(opt));
  EXPECT_FALSE(parse(opt).isOk());  // as dns::parse
}

TEST(AnswerCache, FindsWhatWasInsertedUntilCleared) {
  AnswerCache cache(64);
  AnswerCache::Key key;
  ASSERT_TRUE(AnswerCache::keyOf(encode(query("web.cluster.local", Type::kSRV)), 1232, key));
  EXPECT_EQ(cache.find(key), nullptr);
  std::string answer(20, '\0');
  answer[2] = static_cast<char>(0x80 | 0x02);  // QR, TC
  answer[3] = 3;                               // NXDOMAIN
  cache.insert(key, answer);
  const AnswerCache::Entry* hit = cache.find(key);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->answer(), answer);
  EXPECT_EQ(hit->qtype, static_cast<uint16_t>(Type::kSRV));
  EXPECT_EQ(hit->rcode, 3);
  EXPECT_TRUE(hit->truncated);
  cache.clear();
  EXPECT_EQ(cache.find(key), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(AnswerCache, IsBounded) {
  AnswerCache cache(64);
  const std::string answer(40, 'a');
  AnswerCache::Key key;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(AnswerCache::keyOf(encode(query("n" + std::to_string(i) + ".cluster.local")), 1232, key));
    cache.insert(key, answer);
    ASSERT_NE(cache.find(key), nullptr);  // the newest is always there
  }
  EXPECT_EQ(cache.size(), 64u);
}

TEST(AnswerCache, ZeroEntriesDisablesIt) {
  AnswerCache cache(0);
  EXPECT_FALSE(cache.enabled());
  AnswerCache::Key key;
  ASSERT_TRUE(AnswerCache::keyOf(encode(query("web.cluster.local")), 1232, key));
  cache.insert(key, std::string(20, '\0'));
  EXPECT_EQ(cache.find(key), nullptr);
}

}  // namespace
}  // namespace edgeway::dns::server_detail
