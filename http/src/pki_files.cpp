#include "http/src/pki_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "http/pki_store.h"

namespace edgeway::http {
namespace {

constexpr const char* kTemporaryMarker = ".tmp-";

std::string systemError(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

std::string directoryOf(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status writeAll(int fd, const std::string& content, const std::string& path) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return internalError(systemError("cannot write", path));
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

}  // namespace

Status writePrivateFile(const std::string& path, const std::string& content) {
  std::string tmp = path + kTemporaryMarker + "XXXXXX";
  int fd = ::mkstemp(tmp.data());  // created 0600, whatever the umask
  if (fd < 0) return internalError(systemError("cannot create", tmp));
  Status s = writeAll(fd, content, tmp);
  if (s.isOk() && ::fsync(fd) != 0) s = internalError(systemError("cannot sync", tmp));
  if (::close(fd) != 0 && s.isOk()) s = internalError(systemError("cannot close", tmp));
  if (s.isOk() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    s = internalError(systemError("cannot rename " + tmp + " to", path));
  }
  if (!s.isOk()) {
    ::unlink(tmp.c_str());
    return s;
  }
  // The rename is durable only once the directory entry is on disk.
  std::string dir = directoryOf(path);
  int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd < 0) return internalError(systemError("cannot open", dir));
  int rc = ::fsync(dirFd);
  ::close(dirFd);
  if (rc != 0) return internalError(systemError("cannot sync", dir));
  return Status::ok();
}

namespace pki {

Result<std::optional<std::string>> readFileIfExists(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return std::optional<std::string>();
  if (fd < 0) return internalError(systemError("cannot read", path));
  std::string content;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = internalError(systemError("cannot read", path));
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(content));
}

bool fileExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

Status ensurePrivateDirectory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0) {
    if (errno != EEXIST) return internalError(systemError("cannot create", path));
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return internalError(systemError("cannot stat", path));
    if (!S_ISDIR(st.st_mode)) return internalError(path + " exists and is not a directory");
    // Keys live here: nobody but the owner may list or enter it.
    if ((st.st_mode & 077) != 0 && ::chmod(path.c_str(), 0700) != 0) {
      return internalError(systemError("cannot restrict permissions of", path));
    }
  }
  // A crash in writePrivateFile can leave a temporary file behind; it was never renamed into
  // place, so it holds nothing anyone relies on.
  if (DIR* d = ::opendir(path.c_str())) {
    while (dirent* entry = ::readdir(d)) {
      if (std::strstr(entry->d_name, kTemporaryMarker) != nullptr) {
        ::unlink((path + "/" + entry->d_name).c_str());
      }
    }
    ::closedir(d);
  }
  return Status::ok();
}

}  // namespace pki
}  // namespace edgeway::http
