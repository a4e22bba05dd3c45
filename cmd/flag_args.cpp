#include "cmd/flag_args.h"

namespace edgeway::cmd {

Status forEachFlag(const std::vector<std::string>& args, const std::function<bool(const std::string&)>& known,
                   const std::function<Status(const std::string& name, const std::string& value)>& take) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::string value;
    bool hasValue = false;
    if (auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      hasValue = true;
    }
    if (!known(name)) return invalidArgument("unknown flag: " + args[i]);
    if (!hasValue) {
      if (i + 1 >= args.size()) return invalidArgument("flag needs a value: " + name);
      value = args[++i];
    }
    if (Status s = take(name, value); !s.isOk()) return s;
  }
  return Status::ok();
}

}  // namespace edgeway::cmd
