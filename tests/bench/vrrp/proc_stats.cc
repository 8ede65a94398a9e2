#include "tests/bench/vrrp/proc_stats.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include "tests/netns/daemon_harness.h"

namespace hadirector::bench {
namespace {

// The fields of /proc/PID/stat after the command name: state is field 3, utime 14, stime 15.
std::vector<std::string> stat_fields(pid_t pid) {
  const std::string stat = testing::read_file("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  std::vector<std::string> out;
  if (paren == std::string::npos) return out;
  std::istringstream in(stat.substr(paren + 2));
  for (std::string f; in >> f;) out.push_back(f);
  return out;
}

// The group a mapping's smaps header line ("start-end perms offset dev inode [path]") counts in.
std::string mapping_group(const std::string& header) {
  std::istringstream in(header);
  std::string field, path;
  for (int i = 0; i < 5 && in >> field; ++i) {
  }
  std::getline(in >> std::ws, path);
  if (path.empty()) return "anon";
  if (path.front() == '[') return path.substr(1, path.find(']') - 1);
  return std::filesystem::path(path).filename().string();
}

}  // namespace

std::vector<pid_t> process_tree(pid_t root) {
  std::vector<pid_t> out;
  if (!testing::process_exists(root)) return out;
  out.push_back(root);
  for (size_t i = 0; i < out.size(); ++i)
    for (pid_t child : testing::children_of(out[i])) out.push_back(child);
  return out;
}

CpuSample cpu_of(const std::vector<pid_t>& pids) {
  CpuSample s;
  for (pid_t pid : pids) {
    const auto f = stat_fields(pid);
    if (f.size() > 12) s.ticks += std::stoll(f[11]) + std::stoll(f[12]);
    std::error_code ec;
    const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
    for (const auto& t : std::filesystem::directory_iterator(tasks, ec)) {
      const std::string sched = testing::read_file(t.path().string() + "/schedstat");
      if (!sched.empty()) s.ns += std::stoll(sched);
    }
  }
  return s;
}

std::vector<ProcessCpu> per_process(const std::vector<pid_t>& pids) {
  std::vector<ProcessCpu> out;
  for (pid_t pid : pids) out.push_back({pid, cpu_of({pid})});
  return out;
}

std::string per_process_text(const std::vector<ProcessCpu>& before) {
  std::string out;
  for (const auto& p : before) {
    std::string comm = testing::read_file("/proc/" + std::to_string(p.pid) + "/comm");
    if (!comm.empty() && comm.back() == '\n') comm.pop_back();
    const double ms = static_cast<double>(cpu_of({p.pid}).ns - p.before.ns) / 1e6;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s%s %d: %.2f ms", out.empty() ? "" : ", ", comm.c_str(),
                  static_cast<int>(p.pid), ms);
    out += buf;
  }
  return out;
}

int64_t pss_kib(const std::vector<pid_t>& pids) {
  int64_t total = 0;
  for (pid_t pid : pids) {
    const std::string rollup = testing::read_file("/proc/" + std::to_string(pid) + "/smaps_rollup");
    const size_t at = rollup.find("\nPss:");
    if (at != std::string::npos) total += std::stoll(rollup.substr(at + 5));
  }
  return total;
}

std::string pss_breakdown_text(pid_t pid, int64_t min_kib) {
  struct Sizes {
    int64_t pss = 0, dirty = 0;
  };
  std::map<std::string, Sizes> groups;
  std::istringstream in(testing::read_file("/proc/" + std::to_string(pid) + "/smaps"));
  Sizes* current = nullptr;
  int64_t total = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const size_t colon = line.find(':');
    const bool field = colon != std::string::npos && colon < line.find(' ');
    if (!field) {
      current = &groups[mapping_group(line)];
    } else if (current && line.starts_with("Pss:")) {
      current->pss += std::stoll(line.substr(colon + 1));
      total += std::stoll(line.substr(colon + 1));
    } else if (current && line.starts_with("Private_Dirty:")) {
      current->dirty += std::stoll(line.substr(colon + 1));
    }
  }
  std::vector<std::pair<std::string, Sizes>> sorted(groups.begin(), groups.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.second.pss > b.second.pss; });
  std::string comm = testing::read_file("/proc/" + std::to_string(pid) + "/comm");
  if (!comm.empty() && comm.back() == '\n') comm.pop_back();
  std::string out = comm + " " + std::to_string(pid) + ": " + std::to_string(total) + " KiB =";
  Sizes other;
  for (const auto& [name, sizes] : sorted) {
    if (sizes.pss < min_kib) {
      other.pss += sizes.pss;
      other.dirty += sizes.dirty;
      continue;
    }
    out += " " + name + " " + std::to_string(sizes.pss) + "/" + std::to_string(sizes.dirty) + ",";
  }
  return out + " other " + std::to_string(other.pss) + "/" + std::to_string(other.dirty);
}

}  // namespace hadirector::bench
