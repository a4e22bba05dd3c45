#pragma once
// HTTP <-> registry for resource paths: decodes bodies and query options, negotiates the
// representation (JSON, Table, PartialObjectMetadata), calls the Registry or the WatchHub,
// and encodes the answer.

#include <functional>
#include <memory>

#include "apiserver/registry.h"
#include "apiserver/src/request_info.h"
#include "apiserver/src/watch_session.h"
#include "http/message.h"

namespace edgeway::apiserver {

class RestHandler {
 public:
  // `post` runs work off the store's threads (Table conversion of write answers).
  RestHandler(Registry& registry, WatchHub& watches, std::function<void(std::function<void()>)> post);

  // `info` is the resource the path names; the router has checked scope and subresource.
  void handle(const RequestInfo& ri, const ResourceInfo& info, http::Request&& request,
              std::shared_ptr<http::Exchange> exchange);

 public:
  struct Call;

 private:

  using CallPtr = std::shared_ptr<Call>;
  void get(const CallPtr& call);
  void list(const CallPtr& call);
  void watch(const CallPtr& call);
  void create(const CallPtr& call);
  void update(const CallPtr& call);
  void patch(const CallPtr& call);
  void remove(const CallPtr& call);
  void removeCollection(const CallPtr& call);

  // Answers a registry outcome in the negotiated representation.
  Done answer(std::shared_ptr<Call> call);

  Registry& registry_;
  WatchHub& watches_;
  std::function<void(std::function<void()>)> post_;
};

// Answers `error` as a Status object.
void respondError(http::Exchange& exchange, const ApiError& error);

}  // namespace edgeway::apiserver
