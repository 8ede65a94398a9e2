// What a daemon costs, read from /proc: its process tree, CPU time and proportional memory.
// CPU comes from each thread's schedstat (nanoseconds) because utime+stime in /proc/PID/stat
// count whole clock ticks (10 ms), too coarse for microseconds per advert; the tick figure is
// kept as a cross-check. Processes that exit during a window are not counted.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hadirector::bench {

// `root` and all its descendants that are alive now.
std::vector<pid_t> process_tree(pid_t root);

struct CpuSample {
  int64_t ns = 0;     // sum of schedstat run time over every thread
  int64_t ticks = 0;  // sum of utime+stime over the processes (USER_HZ ticks)
};
CpuSample cpu_of(const std::vector<pid_t>& pids);

// "comm pid: N ms" for each process, the CPU each used between two samples of cpu_of({pid}).
struct ProcessCpu {
  pid_t pid;
  CpuSample before;
};
std::vector<ProcessCpu> per_process(const std::vector<pid_t>& pids);
std::string per_process_text(const std::vector<ProcessCpu>& before);

// Sum of Pss over the processes (smaps_rollup), in KiB.
int64_t pss_kib(const std::vector<pid_t>& pids);

// Where one process's PSS lies, from /proc/PID/smaps: "comm pid: N KiB = heap P/D, stack P/D,
// anon P/D, libcrypto.so.3 P/D, ..." (P: Pss, D: Private_Dirty, KiB), grouped by mapped file
// (basename) or kind, largest first, groups under `min_kib` of PSS summed into "other".
std::string pss_breakdown_text(pid_t pid, int64_t min_kib = 48);

}  // namespace hadirector::bench
