#pragma once
// The gate in front of the router: authenticates each request, authorizes what it asks
// for, and passes it on with the user, or answers 401 / 403 with the Status kubectl
// expects (`error: You must be logged in to the server (Unauthorized)`,
// `Error from server (Forbidden): services is forbidden: User "bob" cannot ...`).

#include <functional>
#include <memory>

#include "apiserver/api_error.h"
#include "apiserver/auth/authenticator.h"
#include "apiserver/auth/authorizer.h"
#include "http/message.h"

namespace edgeway::apiserver::auth {

class RequestGuard {
 public:
  using Next = std::function<void(http::Request&&, std::shared_ptr<http::Exchange>, const UserInfo&)>;

  // The authenticator and authorizer must outlive the guard.
  RequestGuard(const Authenticator& authenticator, const Authorizer& authorizer, Next next);

  void handle(http::Request&& request, std::shared_ptr<http::Exchange> exchange, Listener listener) const;

 private:
  const Authenticator& authenticator_;
  const Authorizer& authorizer_;
  Next next_;
};

// 403 for a denied request, worded as kube-apiserver's authorization filter words it.
ApiError forbiddenError(const UserInfo& user, const RequestAttributes& attrs);

}  // namespace edgeway::apiserver::auth
