#include "daemon/ctl/ctl_tables.h"

namespace hadirector::ctl {
namespace {

using nlohmann::json;

std::string fmt_seconds(double s) {
  char b[32];
  if (s < 120)
    std::snprintf(b, sizeof b, "%.1fs", s);
  else if (s < 7200)
    std::snprintf(b, sizeof b, "%.0fm", s / 60);
  else
    std::snprintf(b, sizeof b, "%.1fh", s / 3600);
  return b;
}

std::string str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) return "-";
  const auto& v = j[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

json list(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_array()) return json::array();
  return j[key];
}

json instances_of(const json& status) {
  return status.contains("vrrp") ? list(status["vrrp"], "instances") : json::array();
}

void print_unanswered(std::FILE* out, const json& s) {
  if (s.contains("unanswered"))
    std::fprintf(out, "\nwarning: no answer from %s\n", s["unanswered"].dump().c_str());
}

// "http up 12ms, tcp down" for a real server's checks.
std::string checks_summary(const json& rs) {
  std::string text;
  for (const auto& c : list(rs, "checks")) {
    if (!text.empty()) text += ", ";
    text += str(c, "type") + " " + str(c, "state");
    if (c.contains("last_latency_ms") && c["last_latency_ms"].is_number()) {
      char b[32];
      std::snprintf(b, sizeof b, " %.0fms", c["last_latency_ms"].get<double>());
      text += b;
    }
  }
  return text.empty() ? "-" : text;
}

void print_virtual_server(std::FILE* out, const json& vs) {
  std::fprintf(out, "virtual server %s %s %s, scheduler %s, quorum %s\n", str(vs, "name").c_str(),
               str(vs, "protocol").c_str(), str(vs, "address").c_str(),
               str(vs, "scheduler").c_str(), vs.value("quorum_ok", false) ? "ok" : "LOST");
  std::fprintf(out, "  %-28s %-9s %6s %6s  %-24s %s\n", "REAL SERVER", "STATE", "WEIGHT", "CONF",
               "REASON", "CHECKS");
  for (const auto& rs : list(vs, "real_servers"))
    std::fprintf(out, "  %-28s %-9s %6s %6s  %-24s %s\n", str(rs, "address").c_str(),
                 str(rs, "state").c_str(), str(rs, "weight").c_str(),
                 str(rs, "configured_weight").c_str(), str(rs, "reason").c_str(),
                 checks_summary(rs).c_str());
}

}  // namespace

void print_instances(std::FILE* out, const json& status) {
  const json instances = instances_of(status);
  if (instances.empty()) {
    std::fprintf(out, "no VRRP instances\n");
  } else {
    std::fprintf(out, "%-16s %-7s %5s %5s %5s %-12s %-20s %8s %8s\n", "INSTANCE", "STATE", "PRIO",
                 "EFF", "VRID", "INTERFACE", "MASTER", "SENT", "RECEIVED");
    for (const auto& i : instances) {
      json counters = i.value("counters", json::object());
      std::fprintf(
          out, "%-16s %-7s %5s %5s %5s %-12s %-20s %8s %8s\n", str(i, "name").c_str(),
          str(i, "state").c_str(), str(i, "priority").c_str(), str(i, "effective_priority").c_str(),
          str(i, "vrid").c_str(), str(i, "interface").c_str(), str(i, "master_address").c_str(),
          str(counters, "adverts_sent").c_str(), str(counters, "adverts_received").c_str());
    }
    std::string demoted;
    for (const auto& i : instances)
      if (i.value("demoted", false)) demoted += (demoted.empty() ? "" : ", ") + str(i, "name");
    if (!demoted.empty())
      std::fprintf(out, "\ndemoted (until `hadirectorctl restore`): %s\n", demoted.c_str());
  }
  print_unanswered(out, status);
}

bool print_servers(std::FILE* out, const json& status, const std::string& only) {
  bool found = false;
  for (const auto& vs : list(status, "virtual_servers")) {
    if (!only.empty() && str(vs, "name") != only) continue;
    if (found) std::fputc('\n', out);
    found = true;
    print_virtual_server(out, vs);
  }
  if (!found && only.empty()) std::fprintf(out, "no virtual servers\n");
  print_unanswered(out, status);
  return found || only.empty();
}

void print_status(std::FILE* out, const json& s) {
  std::fprintf(out, "hadirectord: generation %s, %s\n", str(s, "generation").c_str(),
               s.value("ready", false) ? "ready" : "starting");
  std::fprintf(out, "\n%-12s %8s %9s %9s\n", "PROCESS", "PID", "RESTARTS", "UPTIME");
  for (const auto& p : list(s, "processes")) {
    // A worker the configuration does not need is "idle", not "down" (which means a crash).
    const bool idle = !p.value("needed", true) && !p.value("running", false);
    std::fprintf(out, "%-12s %8s %9s %9s%s\n", str(p, "name").c_str(),
                 idle ? "idle" : p.value("running", true) ? str(p, "pid").c_str() : "down",
                 str(p, "restarts").c_str(),
                 idle ? "-" : fmt_seconds(p.value("uptime_s", 0.0)).c_str(),
                 idle ? ("  (" + str(p, "reason") + ")").c_str() : "");
  }
  const json instances = instances_of(s);
  if (!instances.empty()) {
    std::fprintf(out, "\n%-16s %-7s %5s %5s %5s %s\n", "VRRP INSTANCE", "STATE", "PRIO", "EFF",
                 "VRID", "INTERFACE");
    for (const auto& i : instances)
      std::fprintf(out, "%-16s %-7s %5s %5s %5s %s\n", str(i, "name").c_str(),
                   str(i, "state").c_str(), str(i, "priority").c_str(),
                   str(i, "effective_priority").c_str(), str(i, "vrid").c_str(),
                   str(i, "interface").c_str());
  }
  for (const auto& vs : list(s, "virtual_servers")) {
    std::fprintf(out, "\nvirtual server %s %s %s\n", str(vs, "name").c_str(),
                 str(vs, "protocol").c_str(), str(vs, "address").c_str());
    for (const auto& rs : list(vs, "real_servers"))
      std::fprintf(out, "  %-40s weight %-6s %s\n", str(rs, "address").c_str(),
                   str(rs, "weight").c_str(), str(rs, "state").c_str());
  }
  print_unanswered(out, s);
}

}  // namespace hadirector::ctl
