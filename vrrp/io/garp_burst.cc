#include <string>
#include <vector>

#include "daemon/core/log.h"
#include "vrrp/io/garp.h"

namespace hadirector::vrrp {

void GratuitousBurst::start(std::vector<Announcement> announcements, const config::Garp& garp) {
  stop();
  announcements_ = std::move(announcements);
  garp_ = garp;
  if (garp_.count <= 0 || announcements_.empty()) return;
  rounds_left_ = garp_.count;
  round();
}

void GratuitousBurst::stop() {
  timer_.cancel();
  rounds_left_ = 0;
}

void GratuitousBurst::round() {
  timer_.cancel();
  std::string first_error;
  for (const auto& a : announcements_) {
    if (auto s = sender_.announce(a); s) {
      ++sent_;
    } else {
      ++failed_;
      if (first_error.empty()) first_error = s.error().message();
    }
  }
  if (!first_error.empty())
    core::log_warning("gratuitous announcement failed: " + first_error + "; the burst goes on");
  if (--rounds_left_ > 0) {
    timer_ = scheduler_.schedule_after(garp_.interval, [this] { round(); });
  } else if (garp_.repeat > core::Duration::zero()) {
    rounds_left_ = garp_.count;
    timer_ = scheduler_.schedule_after(garp_.repeat, [this] { round(); });
  } else {
    // Done until the next start(): ~70 bytes per VIP that 1,000 masters would keep for nothing.
    std::vector<Announcement>().swap(announcements_);
  }
}

}  // namespace hadirector::vrrp
