#pragma once
// Namespace termination, as kube-apiserver and its namespace controller do it together:
// DELETE marks the Namespace Terminating (deletionTimestamp, status.phase); then everything
// it holds is deleted (objects with finalizers are marked and waited for), and finally the
// Namespace itself goes, which is what `kubectl delete ns` waits for. New content is
// refused meanwhile (Registry::admitCreate). The system namespaces cannot be deleted.

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "apiserver/registry.h"

namespace edgeway::apiserver {

class NamespaceLifecycle {
 public:
  explicit NamespaceLifecycle(Registry& registry);

  // The core/v1 namespaces resource of the catalog.
  const ResourceInfo* info() const { return info_; }

  // DELETE of a Namespace.
  void remove(std::shared_ptr<Registry::DeleteRun> run);
  // Finishes terminating every Namespace marked Terminating (after a restart).
  void resume();

  // Names of the namespaces that always exist.
  static bool isSystemNamespace(const std::string& name);

 private:
  void mark(std::shared_ptr<Registry::DeleteRun> run);
  // Deletes the namespace's content, then the namespace; retries while content remains.
  void finalize(const std::string& ns);
  void removeWhenEmpty(const std::string& ns);
  void finished(const std::string& ns);
  void retryLater(const std::string& ns);

  Registry& registry_;
  const ResourceInfo* info_;
  std::mutex mu_;
  std::set<std::string> finalizing_;  // one clean-up per namespace at a time
};

}  // namespace edgeway::apiserver
