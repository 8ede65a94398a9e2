// The client's view of a director pair: from inside the client namespace it sends an ICMP echo
// to the VIP every millisecond and records, with kernel receive timestamps, every echo reply and
// every VRRP advertisement it sees, by source MAC. A failover is then timed as "first reply from
// the new master's MAC after the fault", and adverts on the wire are counted per director.
// Benchmark support only: it keeps everything in memory and trusts the lab it runs in.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hadirector::bench {

using Mac = std::array<uint8_t, 6>;

// Nanoseconds on CLOCK_REALTIME, the clock of SO_TIMESTAMPNS.
int64_t now_ns();

class ClientProbe {
 public:
  // Opens the sockets inside `ns` (eth0 there) and starts the probe thread. `vip` is dotted quad.
  ClientProbe(const std::string& ns, const std::string& vip);
  ~ClientProbe();
  ClientProbe(const ClientProbe&) = delete;
  ClientProbe& operator=(const ClientProbe&) = delete;

  bool ok() const { return ok_; }
  // Echo requests stop while off (CPU measurements), adverts are still recorded.
  void set_pinging(bool on) { pinging_ = on; }

  // Kernel time of the first echo reply from `mac` received at or after `after`.
  std::optional<int64_t> first_reply_from(const Mac& mac, int64_t after);
  // Kernel time of the last VRRP advert from `mac` received before `before`.
  std::optional<int64_t> last_advert_from(const Mac& mac, int64_t before);
  // Adverts from `mac` received in [from, to).
  int adverts_from(const Mac& mac, int64_t from, int64_t to);
  // Forgets everything recorded before `t` (keeps memory bounded across repetitions).
  void forget_before(int64_t t);

 private:
  enum class Kind : uint8_t { kReply, kAdvert };
  struct Event {
    int64_t t;
    Kind kind;
    Mac mac;
  };
  void run();
  void send_echo();
  void receive_all();

  int raw_fd_ = -1;     // sends echo requests (its own copy of replies is discarded)
  int packet_fd_ = -1;  // receives IPv4 frames with their source MAC
  uint32_t vip_ = 0;    // network order
  uint16_t ident_ = 0;
  uint16_t seq_ = 0;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<bool> pinging_{true};
  std::mutex mu_;
  std::vector<Event> events_;
  std::thread thread_;
};

}  // namespace hadirector::bench
