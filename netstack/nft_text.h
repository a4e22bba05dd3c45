#pragma once
// renderNft: a RuleModel as `nft -f` input (nft 1.0.6 syntax). Deterministic: tables,
// sets and chains in model order, elements sorted, one element per line, so a golden
// diff shows exactly which element changed. Used for golden tests and debug output;
// production programs the kernel through libnftnl, never through this text.

#include <string>

#include "netstack/rule_model.h"

namespace edgeway::netstack {

// Every table, preceded by `add table` + `delete table` so that loading the text replaces
// what is there atomically (one nft transaction).
std::string renderNft(const RuleModel& model);

// One table, without the replace preamble.
std::string renderTable(const Table& table);

// One rule as it appears inside its chain (for tracer paths and error messages).
std::string renderRule(const Rule& rule, IpFamily family);

}  // namespace edgeway::netstack
