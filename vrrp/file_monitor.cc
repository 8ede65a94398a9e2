#include "vrrp/file_monitor.h"

#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "daemon/core/log.h"

namespace hadirector::vrrp {
namespace {

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::optional<long> parse_tracked_value(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return std::nullopt;
  auto last = text.find_last_not_of(" \t\r\n");
  text = text.substr(first, last - first + 1);
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

core::Result<std::unique_ptr<FileMonitor>> FileMonitor::create(core::EventLoop& loop,
                                                               NamedStates<long>& out) {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return core::fail_errno(errno, "inotify_init1");
  std::unique_ptr<FileMonitor> monitor(new FileMonitor(core::UniqueFd(fd), out));
  auto watch = loop.watch_fd(fd, EPOLLIN, [m = monitor.get()](uint32_t) { m->on_readable(); });
  if (!watch) return std::unexpected(watch.error());
  monitor->watch_ = std::move(*watch);
  return monitor;
}

void FileMonitor::set_paths(const std::vector<std::string>& paths) {
  for (const auto& [wd, dir] : dirs_) inotify_rm_watch(fd_.get(), wd);
  dirs_.clear();
  for (const auto& old : paths_)
    if (std::ranges::find(paths, old) == paths.end()) out_.erase(old);
  paths_ = paths;
  for (const auto& path : paths_) {
    const std::string dir = dir_of(path);
    if (std::ranges::find_if(dirs_, [&](const auto& e) { return e.second == dir; }) ==
        dirs_.end()) {
      int wd = inotify_add_watch(
          fd_.get(), dir.c_str(),
          IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MODIFY);
      if (wd < 0) {
        core::log_warning("track file " + path + ": cannot watch " + dir + ": " +
                          std::strerror(errno) + "; its value is read once");
      } else {
        dirs_[wd] = dir;
      }
    }
    read(path);
  }
}

void FileMonitor::on_readable() {
  alignas(inotify_event) char buffer[8192];
  for (;;) {
    ssize_t n = ::read(fd_.get(), buffer, sizeof buffer);
    if (n <= 0) break;
    for (char* p = buffer; p < buffer + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      auto dir = dirs_.find(ev->wd);
      if (dir == dirs_.end() || ev->len == 0) continue;
      const std::string changed = dir->second + "/" + std::string(ev->name);
      for (const auto& path : paths_)
        if (path == changed) read(path);
    }
  }
}

void FileMonitor::read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto value = in ? parse_tracked_value(text.str()) : std::nullopt;
  if (value) {
    out_.set(path, *value);
  } else {
    out_.erase(path);
  }
}

}  // namespace hadirector::vrrp
