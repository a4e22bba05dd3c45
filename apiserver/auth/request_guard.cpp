#include "apiserver/auth/request_guard.h"

#include "apiserver/src/rest_handler.h"
#include "base/log.h"

namespace edgeway::apiserver::auth {
namespace {

// Client-chosen text as it goes into a log line: printable ASCII only, bounded, so that a
// hostile request cannot forge or flood log lines.
std::string loggable(std::string_view text) {
  constexpr size_t kMax = 256;
  std::string out;
  for (char c : text.substr(0, kMax)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > kMax) out += "...";
  return out;
}

}  // namespace

RequestGuard::RequestGuard(const Authenticator& authenticator, const Authorizer& authorizer, Next next)
    : authenticator_(authenticator), authorizer_(authorizer), next_(std::move(next)) {}

void RequestGuard::handle(http::Request&& request, std::shared_ptr<http::Exchange> exchange,
                          Listener listener) const {
  std::string path = normalizedPath(request.path());
  Authentication authn;
  RequestAttributes attrs;
  bool allowed = false;
  try {
    authn = authenticator_.authenticate(request, path, listener);
    if (authn.ok) {
      attrs = requestAttributes(request.method, path, request.query());
      allowed = authorizer_.authorize(authn.user, attrs).allowed;
    }
  } catch (const std::exception& e) {  // allocation failure: refuse rather than guess
    return respondError(*exchange, internalServerError(e.what()));
  }
  if (!authn.ok) {
    // The path is logged, never the credential; a probe of many paths shows as many lines.
    log::warn("authentication failed for ",
              request.remoteAddress.empty() ? "(unknown peer)" : request.remoteAddress, " (",
              loggable(request.method), " ", loggable(path), "): ", authn.failure);
    return respondError(*exchange, unauthorizedError());
  }
  if (!allowed) return respondError(*exchange, forbiddenError(authn.user, attrs));
  next_(std::move(request), std::move(exchange), authn.user);
}

ApiError forbiddenError(const UserInfo& user, const RequestAttributes& attrs) {
  std::string why = "User \"" + user.name + "\" cannot " + attrs.verb;
  if (!attrs.resourceRequest) {
    return apiserver::forbiddenError(ResourceRef{}, why + " path \"" + attrs.path + "\"");
  }
  std::string resource =
      attrs.subresource.empty() ? attrs.resource : attrs.resource + "/" + attrs.subresource;
  why += " resource \"" + resource + "\" in API group \"" + attrs.apiGroup + "\"";
  why += attrs.ns.empty() ? " at the cluster scope" : " in the namespace \"" + attrs.ns + "\"";
  // The Status names the resource without its subresource, as kube's does.
  return apiserver::forbiddenError(ResourceRef{attrs.apiGroup, attrs.resource, "", attrs.name}, why);
}

}  // namespace edgeway::apiserver::auth
