// One end of a supervisor<->worker socketpair: JSON messages framed by a 4-byte big-endian
// length. Non-blocking in both directions: outgoing messages queue while the peer is slow.
// It neither interprets messages nor reconnects; a closed or broken peer is reported once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/core/event_loop.h"
#include "daemon/core/unique_fd.h"

namespace hadirector::daemon {

class IpcChannel {
 public:
  // Frames above this size are a protocol error: the channel closes (a 10,000-server config
  // is a few MB of YAML, so this leaves ample room).
  static constexpr uint32_t kMaxFrame = 256u << 20;

  // The handler may move parts out of the message (a large status is not copied).
  using MessageFn = std::function<void(nlohmann::json&)>;
  using ClosedFn = std::function<void(const std::string& why)>;

  IpcChannel(core::EventLoop& loop, core::UniqueFd fd);
  ~IpcChannel();
  IpcChannel(const IpcChannel&) = delete;
  IpcChannel& operator=(const IpcChannel&) = delete;

  core::Status start(MessageFn on_message, ClosedFn on_closed);
  // Queues the message; false if the channel is closed.
  bool send(const nlohmann::json& message);
  bool open() const { return fd_.get() >= 0; }
  int fd() const { return fd_.get(); }
  // Writes as much of the queue as the socket takes right now without waiting (used on exit).
  void flush_now();
  // Reads and delivers what the peer wrote before it exited, when its exit is seen first.
  void drain() {
    if (open()) read_ready();
  }

 private:
  void on_io(uint32_t revents);
  void read_ready();
  void write_ready();
  void close(const std::string& why);
  void update_events();

  core::EventLoop& loop_;
  core::UniqueFd fd_;
  core::Handle watch_;
  std::string in_;
  std::string out_;
  MessageFn on_message_;
  ClosedFn on_closed_;
};

// Encodes one frame (exposed for tests and for the fuzz target of the decoder).
std::string encode_frame(const nlohmann::json& message);

// Splits complete frames off the front of `buffer`; stops at an incomplete frame. Returns false
// and sets `error` on a frame that is oversized or not JSON.
bool decode_frames(std::string& buffer, const std::function<void(nlohmann::json)>& fn,
                   std::string& error);

}  // namespace hadirector::daemon
