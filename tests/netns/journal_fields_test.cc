// journald fields on the real daemon: hadirectord runs with JOURNAL_STREAM naming its stderr,
// in a private mount namespace where a stand-in journald (a datagram socket at
// /run/systemd/journal/socket, on a tmpfs only that namespace sees) records what arrives.
// Every message about a VRRP instance, virtual or real server must carry HADIRECTOR_INSTANCE or
// HADIRECTOR_VS / HADIRECTOR_RS, and every state change (OLD -> NEW) HADIRECTOR_EVENT, so
// `journalctl HADIRECTOR_INSTANCE=web` works. Root only (mount namespace).
#include <gtest/gtest.h>

#include <sstream>

#include "tests/netns/daemon_harness.h"
#include "tests/netns/netns_fixture.h"

namespace hadirector::testing {
namespace {

// A field's value in one journal datagram (NAME=value lines), or "" when absent.
std::string field(const std::string& entry, const std::string& name) {
  std::istringstream in(entry);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(name + "=")) return line.substr(name.size() + 1);
  return "";
}

TEST(JournalFields, InstanceVirtualAndRealServerLinesCarryTheirFields) {
  HD_SKIP_UNLESS_ROOT();
  if (run_command({"sh", "-c", "command -v unshare python3"}).exit_code != 0)
    GTEST_SKIP() << "unshare or python3 missing";
  char tmpl[] = "/tmp/hd-journal-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  // An instance on an absent interface (FAULT, never touches a network) and a real server
  // that refuses connections: both log state lines.
  write_file(dir + "/hd.yaml",
             "version: 1\nvrrp:\n  instances:\n    - {name: web, interface: hdt-absent9, vrid: 9,"
             " advert_interval: 100ms, virtual_addresses: [192.0.2.9/32]}\n"
             "virtual_servers:\n  - name: web-tcp\n    address: 192.0.2.9:80\n"
             "    real_servers:\n      - address: 127.0.0.1:1\n"
             "        checks: [{type: tcp, interval: 200ms, timeout: 100ms, rise: 1, fall: 1,"
             " start_state: up}]\n");
  const std::string listener =
      "import socket,sys\n"
      "s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\n"
      "s.bind('/run/systemd/journal/socket')\n"
      "s.settimeout(3)\n"
      "out=open(sys.argv[1],'ab')\n"
      "try:\n"
      "  while True:\n"
      "    out.write(s.recv(1<<20)+b'\\n\\x1e\\n'); out.flush()\n"
      "except Exception: pass\n";
  write_file(dir + "/listener.py", listener);
  const std::string script =
      "mkdir -p /run/systemd/journal\n"
      "unshare -m --propagation private sh -c '\n"
      "  mount -t tmpfs tmpfs /run/systemd/journal\n"
      "  python3 " +
      dir + "/listener.py " + dir +
      "/journal.txt &\n"
      "  for i in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.02; done\n"
      "  exec 2>" +
      dir +
      "/stderr.txt\n"
      "  export JOURNAL_STREAM=$(stat -c %d:%i " +
      dir +
      "/stderr.txt)\n"
      "  timeout 2 unshare -n " +
      binary_path("hadirectord") + " -f " + dir + "/hd.yaml --runtime-dir " + dir +
      "/run\n"
      "  wait\n"
      "'\n";
  auto r = run_command({"sh", "-c", script}, std::chrono::seconds(20));
  const std::string journal = read_file(dir + "/journal.txt");
  ASSERT_FALSE(journal.empty()) << r.out << r.err << read_file(dir + "/stderr.txt");

  int instance_lines = 0, server_lines = 0;
  size_t start = 0;
  for (size_t end; (end = journal.find("\n\x1e\n", start)) != std::string::npos; start = end + 3) {
    const std::string entry = journal.substr(start, end - start);
    const std::string msg = field(entry, "MESSAGE");
    EXPECT_FALSE(field(entry, "PRIORITY").empty()) << entry;
    if (msg.starts_with("vrrp instance web")) {
      ++instance_lines;
      EXPECT_EQ(field(entry, "HADIRECTOR_INSTANCE"), "web") << entry;
      if (msg.find(" -> ") != std::string::npos) {
        EXPECT_FALSE(field(entry, "HADIRECTOR_EVENT").empty()) << entry;
      }
    }
    if (msg.starts_with("real server 127.0.0.1:1 ")) {
      ++server_lines;
      EXPECT_EQ(field(entry, "HADIRECTOR_VS"), "web-tcp") << entry;
      EXPECT_EQ(field(entry, "HADIRECTOR_RS"), "127.0.0.1:1") << entry;
      if (msg.find(" -> ") != std::string::npos) {
        EXPECT_FALSE(field(entry, "HADIRECTOR_EVENT").empty()) << entry;
      }
    }
    if (msg.starts_with("virtual server web-tcp")) {
      EXPECT_EQ(field(entry, "HADIRECTOR_VS"), "web-tcp") << entry;
    }
  }
  EXPECT_GE(instance_lines, 1) << journal;
  EXPECT_GE(server_lines, 1) << journal;
  // Everything went to the journal, nothing to the plain stderr.
  EXPECT_EQ(read_file(dir + "/stderr.txt"), "");
  run_command({"rm", "-rf", dir});
}

}  // namespace
}  // namespace hadirector::testing
