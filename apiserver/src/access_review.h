#pragma once
// POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews and .../selfsubjectrulesreviews:
// the caller asks whether it may do something (`kubectl auth can-i create services`) or
// what it may do (`kubectl auth can-i --list`). Nothing is stored; the answer is the posted
// object with its status filled in, 201 Created, as kube-apiserver answers.

#include <memory>
#include <vector>

#include "apiserver/auth/authorizer.h"
#include "apiserver/resource_info.h"
#include "apiserver/src/request_info.h"
#include "http/message.h"

namespace edgeway::apiserver {

// The two review resources (create only, cluster-scoped), for routing and discovery.
const std::vector<const ResourceInfo*>& reviewResources();
// The review resource a request path names, or nullptr.
const ResourceInfo* findReviewResource(const RequestInfo& ri);

class AccessReviewHandler {
 public:
  // The authorizer must outlive the handler.
  explicit AccessReviewHandler(const auth::Authorizer& authorizer);

  // `info` is one of reviewResources(); the router has checked that the request is a
  // create on the collection.
  void handle(const ResourceInfo& info, const http::Request& request, http::Exchange& exchange,
              const auth::UserInfo& user) const;

 private:
  const auth::Authorizer& authorizer_;
};

}  // namespace edgeway::apiserver
