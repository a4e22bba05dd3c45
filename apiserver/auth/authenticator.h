#pragma once
// Establishes who sent a request, as kube-apiserver does:
//  1. a request from the trusted local listener is system:admin (group system:masters);
//  2. a verified client certificate names the user (CN) and the groups (O);
//  3. otherwise `Authorization: Bearer <token>` is looked up in the static token file;
//  4. without credentials, only the public paths (health, /version) are served, to the
//     anonymous user system:anonymous in group system:unauthenticated.
// A token that is present but unknown is a failure, never anonymous access. Every
// authenticated user also belongs to system:authenticated.

#include <memory>
#include <string>

#include "apiserver/auth/token_file.h"
#include "apiserver/auth/user_info.h"
#include "http/message.h"

namespace edgeway::apiserver::auth {

// Where a request arrived. Trust comes from the listener the server itself accepted the
// connection on, never from anything the request carries.
enum class Listener { kSecure, kTrustedLocal };

struct Authentication {
  bool ok = false;
  UserInfo user;        // when ok
  std::string failure;  // when not: why, for the log (never the credential itself)
};

class Authenticator {
 public:
  // `tokens` may be null: no bearer token is then valid.
  explicit Authenticator(std::shared_ptr<const TokenFile> tokens);

  // `path` as the router reads it (see normalizedPath), for the anonymous-path check.
  Authentication authenticate(const http::Request& request, const std::string& path, Listener listener) const;

 private:
  std::shared_ptr<const TokenFile> tokens_;
};

}  // namespace edgeway::apiserver::auth
