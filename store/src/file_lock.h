#pragma once
// An exclusive advisory lock on "<database>.lock", held for the store's lifetime. The
// store keeps revision counters and the index in memory, so a second writer on the same
// file -- another process, or a second store in this one -- would corrupt its view.
// The kernel drops the lock when the process dies, so a crash never leaves it stale.
// A separate file is used because SQLite owns the POSIX locks on the database itself,
// and closing any other descriptor of that file would silently drop them.

#include <memory>
#include <string>

#include "base/status.h"

namespace edgeway::store::detail {

class FileLock {
 public:
  static Result<std::unique_ptr<FileLock>> acquire(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace edgeway::store::detail
