#include "apiserver/auth/authenticator.h"

#include <cctype>

#include "apiserver/auth/request_attributes.h"

namespace edgeway::apiserver::auth {
namespace {

bool isBearerScheme(std::string_view scheme) {
  constexpr std::string_view kBearer = "bearer";
  if (scheme.size() != kBearer.size()) return false;
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(scheme[i])) != kBearer[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The token of `Authorization: Bearer <token>`; empty when the header is absent, uses
// another scheme or carries no token (then it is not a credential at all, as in kube).
std::string_view bearerToken(const http::Request& request) {
  std::string_view value = trim(request.header("Authorization"));
  size_t space = value.find(' ');
  if (space == std::string_view::npos || !isBearerScheme(value.substr(0, space))) return {};
  std::string_view token = value.substr(space + 1);
  return token.substr(0, token.find(' '));
}

Authentication authenticated(UserInfo user) {
  user.addGroup(kAuthenticatedGroup);
  return Authentication{true, std::move(user), {}};
}

}  // namespace

Authenticator::Authenticator(std::shared_ptr<const TokenFile> tokens) : tokens_(std::move(tokens)) {}

Authentication Authenticator::authenticate(const http::Request& request, const std::string& path,
                                           Listener listener) const {
  if (listener == Listener::kTrustedLocal) return authenticated(UserInfo{kAdminUser, "", {kMastersGroup}});

  std::string failure;
  if (request.peer) {
    if (!request.peer->commonName.empty()) {
      return authenticated(UserInfo{request.peer->commonName, "", request.peer->organizations});
    }
    // As in kube, a certificate without a CN names nobody: a token may still, and the
    // public paths stay open.
    failure = "client certificate has no common name";
  }
  std::string_view token = bearerToken(request);
  if (!token.empty()) {
    const UserInfo* user = tokens_ ? tokens_->find(token) : nullptr;
    if (user) return authenticated(*user);
    return Authentication{
        false, {}, tokens_ ? "invalid bearer token" : "bearer token, but no token file is configured"};
  }
  if (isPublicPath(path)) {
    return Authentication{true, UserInfo{kAnonymousUser, "", {kUnauthenticatedGroup}}, {}};
  }
  return Authentication{false, {}, failure.empty() ? "no credentials" : failure};
}

}  // namespace edgeway::apiserver::auth
