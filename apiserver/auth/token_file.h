#pragma once
// Static bearer tokens, read once at start-up from kube-apiserver's --token-auth-file format:
// one CSV record per line,
//
//   token,user,uid[,"group1,group2"]
//
// The groups column is optional; several groups go in one quoted field. Blank lines are
// skipped, as kube's CSV reader does. Anything else that is not a valid record (too few or
// too many columns, an empty token or user, a broken quote, a token used twice) fails the
// load with a message naming the line, so a typo never silently locks a user out or lets
// a duplicate token pick one of two identities. Tokens themselves never appear in messages.

#include <string>
#include <string_view>
#include <unordered_map>

#include "apiserver/auth/user_info.h"
#include "base/status.h"

namespace edgeway::apiserver::auth {

class TokenFile {
 public:
  // Reads and parses the file at `path`.
  static Result<TokenFile> load(const std::string& path);
  // Parses file contents; `source` names the file in error messages.
  static Result<TokenFile> parse(std::string_view text, const std::string& source);

  // The user a token belongs to, or nullptr. The returned pointer lives as long as this.
  const UserInfo* find(std::string_view token) const;
  size_t size() const { return users_.size(); }

 private:
  std::unordered_map<std::string, UserInfo> users_;
};

}  // namespace edgeway::apiserver::auth
