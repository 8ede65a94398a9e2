// Gives freed heap back to the kernel after a burst (a start, a reload): what the burst freed
// lies scattered below the top of the heap, where only malloc_trim returns it; left there it
// stays in the process's PSS (~300 KB in the VRRP worker at 1,000 instances). Not a periodic
// trim: two passes after each burst, at 5 s (a 1 s-advert start-up's transitions are over) and
// at 60 s (slower adverts, late notify scripts).
#pragma once

#include <malloc.h>

#include <chrono>

#include "daemon/core/event_loop.h"

namespace hadirector::daemon {

class LateTrims {
 public:
  void schedule(core::EventLoop& loop) {
    soon_ = loop.schedule_after(std::chrono::seconds(5), [] { ::malloc_trim(0); });
    later_ = loop.schedule_after(std::chrono::seconds(60), [] { ::malloc_trim(0); });
  }

 private:
  core::Handle soon_, later_;
};

}  // namespace hadirector::daemon
