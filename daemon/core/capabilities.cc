#include "daemon/core/capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <fstream>

namespace hadirector::core {
namespace {

// Kernel names, in capability-number order (linux/capability.h).
constexpr std::array<const char*, 41> kNames = {"chown",
                                                "dac_override",
                                                "dac_read_search",
                                                "fowner",
                                                "fsetid",
                                                "kill",
                                                "setgid",
                                                "setuid",
                                                "setpcap",
                                                "linux_immutable",
                                                "net_bind_service",
                                                "net_broadcast",
                                                "net_admin",
                                                "net_raw",
                                                "ipc_lock",
                                                "ipc_owner",
                                                "sys_module",
                                                "sys_rawio",
                                                "sys_chroot",
                                                "sys_ptrace",
                                                "sys_pacct",
                                                "sys_admin",
                                                "sys_boot",
                                                "sys_nice",
                                                "sys_resource",
                                                "sys_time",
                                                "sys_tty_config",
                                                "mknod",
                                                "lease",
                                                "audit_write",
                                                "audit_control",
                                                "setfcap",
                                                "mac_override",
                                                "mac_admin",
                                                "syslog",
                                                "wake_alarm",
                                                "block_suspend",
                                                "audit_read",
                                                "perfmon",
                                                "bpf",
                                                "checkpoint_restore"};

int last_cap() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int last = CAP_LAST_CAP;
  in >> last;
  return last < 0 || last > 63 ? CAP_LAST_CAP : last;
}

struct RawCaps {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
};

uint64_t join(uint32_t low, uint32_t high) { return uint64_t{high} << 32 | low; }

}  // namespace

std::string CapabilitySet::to_string() const {
  std::string out;
  for (int c = 0; c < 64; ++c) {
    if (!has(c)) continue;
    if (!out.empty()) out += ",";
    out += c < static_cast<int>(kNames.size()) ? std::string("cap_") + kNames[c]
                                               : "cap_" + std::to_string(c);
  }
  return out.empty() ? "none" : out;
}

Result<ProcessCapabilities> current_capabilities() {
  RawCaps raw;
  if (::syscall(SYS_capget, &raw.header, raw.data) != 0) return fail_errno(errno, "capget");
  ProcessCapabilities caps;
  caps.effective = CapabilitySet(join(raw.data[0].effective, raw.data[1].effective));
  caps.permitted = CapabilitySet(join(raw.data[0].permitted, raw.data[1].permitted));
  caps.inheritable = CapabilitySet(join(raw.data[0].inheritable, raw.data[1].inheritable));
  uint64_t bounding = 0;
  for (int c = 0; c <= last_cap(); ++c)
    if (::prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1) bounding |= uint64_t{1} << c;
  caps.bounding = CapabilitySet(bounding);
  return caps;
}

Status restrict_capabilities(CapabilitySet keep) {
  auto now = current_capabilities();
  if (!now) return std::unexpected(now.error());
  Status result;
  // The bounding set first: shrinking it needs CAP_SETPCAP, which the capset below gives up.
  for (int c = 0; c <= last_cap(); ++c) {
    if (keep.has(c) || !now->bounding.has(c)) continue;
    if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && result) {
      result = fail_errno(
          errno, "drop cap_" + std::string(c < 41 ? kNames[c] : "?") + " from the bounding set");
    }
  }
  // Ambient capabilities would survive exec into scripts; EINVAL on kernels without them.
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL && result)
    result = fail_errno(errno, "clear ambient capabilities");
  const uint64_t bits = keep.bits() & now->permitted.bits();
  RawCaps raw;
  for (int i = 0; i < 2; ++i) {
    const auto word = static_cast<uint32_t>(bits >> (32 * i));
    raw.data[i].effective = word;
    raw.data[i].permitted = word;
    raw.data[i].inheritable = 0;
  }
  if (::syscall(SYS_capset, &raw.header, raw.data) != 0) return fail_errno(errno, "capset");
  return result;
}

}  // namespace hadirector::core
