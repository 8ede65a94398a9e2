#include "daemon/ipc_channel.h"

#include "daemon/socket_output.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace hadirector::daemon {
namespace {

// A configuration message is megabytes at 1,000 instances; a buffer that once held one keeps
// its capacity (an mmap'd block, outside malloc_trim's reach) in every process's PSS for good.
// Buffers above this are given back once empty; below it they are reused.
constexpr size_t kKeptCapacity = 64 * 1024;

void release_if_large(std::string& buffer) {
  if (buffer.empty() && buffer.capacity() > kKeptCapacity) std::string().swap(buffer);
}

}  // namespace

std::string encode_frame(const nlohmann::json& message) {
  std::string body = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  uint32_t n = static_cast<uint32_t>(body.size());
  std::string frame(4, '\0');
  frame[0] = static_cast<char>(n >> 24);
  frame[1] = static_cast<char>(n >> 16);
  frame[2] = static_cast<char>(n >> 8);
  frame[3] = static_cast<char>(n);
  return frame + body;
}

bool decode_frames(std::string& buffer, const std::function<void(nlohmann::json)>& fn,
                   std::string& error) {
  size_t pos = 0;
  while (buffer.size() - pos >= 4) {
    auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(buffer[pos + i])); };
    uint32_t n = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
    if (n > IpcChannel::kMaxFrame) {
      error = "frame of " + std::to_string(n) + " bytes exceeds the limit";
      return false;
    }
    if (buffer.size() - pos - 4 < n) break;
    auto json = nlohmann::json::parse(buffer.begin() + static_cast<long>(pos) + 4,
                                      buffer.begin() + static_cast<long>(pos + 4 + n), nullptr,
                                      /*allow_exceptions=*/false);
    if (json.is_discarded()) {
      error = "frame is not valid JSON";
      return false;
    }
    pos += 4 + n;
    fn(std::move(json));
  }
  buffer.erase(0, pos);
  return true;
}

IpcChannel::IpcChannel(core::EventLoop& loop, core::UniqueFd fd)
    : loop_(loop), fd_(std::move(fd)) {}

IpcChannel::~IpcChannel() = default;

core::Status IpcChannel::start(MessageFn on_message, ClosedFn on_closed) {
  on_message_ = std::move(on_message);
  on_closed_ = std::move(on_closed);
  auto watch = loop_.watch_fd(fd_.get(), EPOLLIN, [this](uint32_t ev) { on_io(ev); });
  if (!watch) return std::unexpected(watch.error());
  watch_ = std::move(*watch);
  update_events();
  return {};
}

bool IpcChannel::send(const nlohmann::json& message) {
  if (!open()) return false;
  bool was_empty = out_.empty();
  out_ += encode_frame(message);
  if (was_empty) {
    write_ready();  // Try at once; most messages fit the socket buffer.
    if (open()) update_events();
  }
  return open();
}

void IpcChannel::flush_now() {
  if (open() && !out_.empty()) write_ready();
}

void IpcChannel::update_events() {
  if (!watch_) return;
  (void)loop_.set_fd_events(watch_, out_.empty() ? EPOLLIN : (EPOLLIN | EPOLLOUT));
}

void IpcChannel::on_io(uint32_t revents) {
  if (revents & EPOLLOUT) write_ready();
  if (open() && (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))) read_ready();
}

void IpcChannel::read_ready() {
  // 16 KiB: every stack page touched once stays in the process's PSS for good.
  char buf[16384];
  bool eof = false;  // delivered first: what a worker sent just before it exited still counts
  for (;;) {
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      in_.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      eof = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return close(std::string("read failed: ") + strerrorname_np(errno));
  }
  std::string error;
  // A handler may close the channel (and even destroy it indirectly through on_closed), so
  // frames are collected first and delivered after decoding.
  std::vector<nlohmann::json> frames;
  bool ok = decode_frames(in_, [&](nlohmann::json j) { frames.push_back(std::move(j)); }, error);
  release_if_large(in_);
  for (auto& frame : frames) {
    if (!open()) return;
    on_message_(frame);
  }
  if (!ok && open()) close("protocol error: " + error);
  if (eof && open()) close("peer closed the channel");
}

void IpcChannel::write_ready() {
  if (write_queued(fd_.get(), out_) == WriteOutcome::kFailed) {
    // The peer is gone, but what it wrote first (a worker's last "applied") may still wait to
    // be read: the read side delivers it, then reports the close at the end of the stream.
    if (errno == EPIPE || errno == ECONNRESET) {
      out_.clear();
      return update_events();
    }
    return close(std::string("write failed: ") + strerrorname_np(errno));
  }
  release_if_large(out_);
  update_events();
}

void IpcChannel::close(const std::string& why) {
  if (!open()) return;
  watch_.cancel();
  fd_.reset();
  out_.clear();
  if (on_closed_) {
    auto cb = std::move(on_closed_);
    cb(why);  // Last thing we do: the owner may destroy us here.
  }
}

}  // namespace hadirector::daemon
