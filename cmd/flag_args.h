#pragma once
// The one flag syntax every edgeway subcommand accepts: "--name value" or "--name=value".

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgeway::cmd {

// Calls `take(name, value)` for each flag in order. A name `known` rejects is
// "unknown flag: <arg>"; a flag at the end without a value is "flag needs a value: <name>";
// the first error from `take` ends the walk.
Status forEachFlag(const std::vector<std::string>& args, const std::function<bool(const std::string&)>& known,
                   const std::function<Status(const std::string& name, const std::string& value)>& take);

}  // namespace edgeway::cmd
