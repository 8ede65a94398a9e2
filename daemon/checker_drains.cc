#include "daemon/checker_drains.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "daemon/core/log.h"

namespace hadirector::daemon {

DrainStore::DrainStore(std::string path) : path_(std::move(path)) {
  std::ifstream in(path_);
  if (!in) return;  // no drains yet
  std::stringstream text;
  text << in.rdbuf();
  auto doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  const bool valid = doc.is_object() && doc.contains("drains") && doc["drains"].is_array();
  if (!valid) {
    core::log_warning("drains file " + path_ + " is not valid JSON; starting with no drains",
                      {{"HADIRECTOR_EVENT", "drains-corrupt"}});
    return;
  }
  for (const auto& d : doc["drains"]) {
    if (!d.is_object() || !d.contains("virtual_server") || !d.contains("real_server") ||
        !d["virtual_server"].is_string() || !d["real_server"].is_string()) {
      core::log_warning("drains file " + path_ + ": skipping a malformed entry");
      continue;
    }
    drains_.emplace(d["virtual_server"].get<std::string>(), d["real_server"].get<std::string>());
  }
}

bool DrainStore::drained(const std::string& virtual_server, const std::string& real_server) const {
  return drains_.contains({virtual_server, real_server});
}

core::Status DrainStore::set(const std::string& virtual_server, const std::string& real_server,
                             bool on) {
  if (on) {
    drains_.emplace(virtual_server, real_server);
  } else {
    drains_.erase({virtual_server, real_server});
  }
  return save();
}

core::Status DrainStore::save() const {
  if (path_.empty()) return {};
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [vs, rs] : drains_)
    list.push_back({{"virtual_server", vs}, {"real_server", rs}});
  const std::string text = nlohmann::json{{"drains", list}}.dump(2) + "\n";
  const std::string tmp = path_ + ".tmp";
  // The state directory may not exist yet on a fresh install; one level is ours to create.
  if (auto slash = path_.rfind('/'); slash != std::string::npos && slash > 0)
    ::mkdir(path_.substr(0, slash).c_str(), 0755);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return core::fail_errno(errno, "write " + tmp);
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return core::fail_errno(err, "write " + tmp);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return core::fail_errno(errno, "sync " + tmp);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) return core::fail_errno(errno, "rename " + tmp);
  return {};
}

}  // namespace hadirector::daemon
