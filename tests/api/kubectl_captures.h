#pragma once
// Request bodies kubectl v1.32.4 sent for `auth can-i` (captured with a logging server), as
// hex, shared by the protobuf decoder tests and the access-review endpoint tests.

#include <string>
#include <string_view>

namespace edgeway::testing::kubectl_captures {

inline std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

// kubectl auth can-i update services --subresource=status -n kube-system
inline constexpr std::string_view kCanIUpdateServiceStatus =
    "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a6563744163636573735265"
    "76"
    "696577124d0a100a0012001a0022002a00320038004200122f0a2d0a0b6b7562652d73797374656d12067570646174651a002200"
    "2a"
    "08736572766963657332067374617475733a001a08080012001a0020001a002200";
// kubectl auth can-i get secrets/db -n kube-system
inline constexpr std::string_view kCanIGetSecret =
    "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a6563744163636573735265"
    "76"
    "69657712450a100a0012001a0022002a0032003800420012270a250a0b6b7562652d73797374656d12036765741a0022002a0773"
    "65"
    "637265747332003a0264621a08080012001a0020001a002200";
// kubectl auth can-i get /metrics
inline constexpr std::string_view kCanIGetMetrics =
    "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a6563744163636573735265"
    "76"
    "696577122f0a100a0012001a0022002a003200380042001211120f0a082f6d65747269637312036765741a08080012001a002000"
    "1a"
    "002200";
// kubectl auth can-i --list
inline constexpr std::string_view kCanIList =
    "6b3873000a310a17617574686f72697a6174696f6e2e6b38732e696f2f7631121653656c665375626a65637452756c6573526576"
    "69"
    "657712230a100a0012001a0022002a0032003800420012090a0764656661756c741a04180022001a002200";

}  // namespace edgeway::testing::kubectl_captures
