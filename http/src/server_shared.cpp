#include "http/src/server_shared.h"

namespace edgeway::http::detail {

bool ServerShared::add(const std::shared_ptr<SessionBase>& session) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_ || sessions_.size() >= options.maxConnections) return false;
  sessions_.emplace(session.get(), session);
  return true;
}

void ServerShared::remove(SessionBase* session) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(session);
}

std::vector<std::shared_ptr<SessionBase>> ServerShared::stopAll() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  std::vector<std::shared_ptr<SessionBase>> open;
  for (auto& [ptr, weak] : sessions_) {
    if (auto s = weak.lock()) open.push_back(std::move(s));
  }
  return open;
}

}  // namespace edgeway::http::detail
