// Least privilege with the real daemon: each worker's effective, permitted and bounding
// capability sets (/proc/PID/status) hold exactly what its configuration needs; a reload that
// needs a capability a worker gave up restarts that worker, which then has it; the runtime and
// state directories are created 0750.
#include <linux/capability.h>
#include <sys/stat.h>

#include <cstdio>
#include <sstream>

#include "tests/netns/fault_lab.h"

namespace hadirector::testing {
namespace {

uint64_t cap_field(pid_t pid, const std::string& field) {
  std::istringstream in(read_file("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0)
      return std::stoull(line.substr(field.size() + 1), nullptr, 16);
  return ~uint64_t{0};
}

uint64_t bits(std::initializer_list<int> caps) {
  uint64_t b = 0;
  for (int c : caps) b |= uint64_t{1} << c;
  return b;
}

void expect_caps(DaemonHarness& d, const std::string& worker, uint64_t want) {
  const pid_t pid = d.worker_pid(worker);
  ASSERT_GT(pid, 0) << d.log();
  for (const char* field : {"CapEff", "CapPrm", "CapBnd"})
    EXPECT_EQ(cap_field(pid, field), want) << worker << " " << field;
  EXPECT_EQ(cap_field(pid, "CapInh"), 0u) << worker;
  EXPECT_EQ(cap_field(pid, "CapAmb"), 0u) << worker;
  std::printf("[ FIGURE ] %s worker (pid %d): CapEff %016llx CapBnd %016llx\n", worker.c_str(), pid,
              static_cast<unsigned long long>(cap_field(pid, "CapEff")),
              static_cast<unsigned long long>(cap_field(pid, "CapBnd")));
}

std::string config(const std::string& dir, bool realtime, bool script_user) {
  std::string y = "version: 1\nglobal: {state_dir: " + dir +
                  "/state}\nvrrp:\n  realtime: " + (realtime ? "true" : "false") + "\n";
  if (script_user) y += "  scripts:\n    - {name: probe, command: [/bin/true], user: nobody}\n";
  return y +
         "virtual_servers:\n  - name: web\n    address: 192.0.2.100:80\n    real_servers:\n"
         "      - address: 127.0.0.1:80\n        checks: [{type: icmp}]\n";
}

TEST(FaultPrivilege, WorkersKeepOnlyTheCapabilitiesTheirConfigurationNeeds) {
  HD_SKIP_UNLESS_ROOT();
  DaemonHarness d("version: 1\n");
  d.write_config(config(d.dir(), false, false));
  d.start();
  ASSERT_TRUE(d.wait_notify("READY=1")) << d.log();
  expect_caps(d, "vrrp", bits({CAP_NET_ADMIN, CAP_NET_RAW}));
  expect_caps(d, "checker", bits({CAP_NET_ADMIN, CAP_NET_RAW}));  // the icmp check
  // The supervisor keeps what it had: it starts the workers.
  EXPECT_NE(cap_field(d.pid(), "CapEff"), bits({CAP_NET_ADMIN, CAP_NET_RAW}));

  struct stat st;
  ASSERT_EQ(::stat(d.runtime_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  ASSERT_EQ(::stat((d.dir() + "/state").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);

  // Realtime and a script run as a user need what the worker gave up: it is restarted.
  const pid_t before = d.worker_pid("vrrp");
  d.write_config(config(d.dir(), true, true));
  auto r = d.ctl({"reload"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_TRUE(eventually([&] {
    const pid_t now = d.worker_pid("vrrp");
    return now > 0 && now != before && d.log().find("worker vrrp ready again") != std::string::npos;
  })) << d.log();
  EXPECT_NE(d.log().find("needs cap_kill,cap_setgid,cap_setuid,cap_ipc_lock,cap_sys_nice"),
            std::string::npos)
      << d.log();
  expect_caps(d, "vrrp",
              bits({CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_NICE, CAP_IPC_LOCK, CAP_SETUID, CAP_SETGID,
                    CAP_KILL}));
  EXPECT_EQ(d.status().value("generation", 0), 2);
}

}  // namespace
}  // namespace hadirector::testing
