#include "store/src/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace edgeway::store::detail {

Result<std::unique_ptr<FileLock>> FileLock::acquire(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return internalError("open lock file " + path + ": " + std::strerror(errno));
  // flock locks belong to the open file description, so this also catches a second
  // store opened on the same path inside this process.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return unavailable(path + " is held: the database is in use by another store");
    return internalError("lock " + path + ": " + std::strerror(err));
  }
  return std::unique_ptr<FileLock>(new FileLock(fd));
}

FileLock::~FileLock() { ::close(fd_); }

}  // namespace edgeway::store::detail
