#include "daemon/core/log.h"

#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <vector>

namespace hadirector::core {
namespace {

// Process-wide on purpose: every module logs, and passing a logger through every constructor
// would buy nothing in a single-threaded process. Set at start-up, read afterwards.
struct LogSettings {
  LogLevel level = LogLevel::kInfo;
  std::string identity = "hadirectord";
  LogDestination destination = LogDestination::kAuto;
  std::optional<bool> journal;  // kAuto's decision, made on first use
};

LogSettings& settings() {
  static LogSettings s;
  return s;
}

bool stderr_is_journal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  struct stat st;
  if (env == nullptr || fstat(STDERR_FILENO, &st) != 0) return false;
  return journal_stream_matches(env, st.st_dev, st.st_ino);
}

bool use_journal() {
  LogSettings& s = settings();
  switch (s.destination) {
    case LogDestination::kJournal:
      return true;
    case LogDestination::kStderr:
      return false;
    case LogDestination::kAuto:
      break;
  }
  if (!s.journal) s.journal = stderr_is_journal();
  return *s.journal;
}

void send_to_journal(LogLevel level, std::string_view msg, LogFields fields) {
  std::vector<std::string> items;
  items.reserve(fields.size() + 3);
  items.push_back("MESSAGE=" + std::string(msg));
  items.push_back("PRIORITY=" + std::to_string(log_level_priority(level)));
  items.push_back("SYSLOG_IDENTIFIER=" + settings().identity);
  for (const auto& [key, value] : fields) {
    items.push_back(journal_field_name(key) + "=" + std::string(value));
  }
  std::vector<iovec> iov;
  iov.reserve(items.size());
  for (std::string& item : items) iov.push_back({item.data(), item.size()});
  if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) < 0) {
    // The journal is gone (e.g. journald restarting): the message still goes somewhere.
    std::string line = format_log_line(std::chrono::system_clock::now(), settings().identity,
                                       getpid(), level, msg, fields);
    (void)!write(STDERR_FILENO, line.data(), line.size());
  }
}

bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '\t' || c == ']') return true;
  }
  return false;
}

void append_field_value(std::string& out, std::string_view value) {
  if (!needs_quotes(value)) {
    out += value;
    return;
  }
  out += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Beyond this many keys a RateLimitedLog shares one window among new keys, so a flood of
// distinct keys (spoofed source addresses) cannot grow memory without bound.
constexpr size_t kMaxRateLimitKeys = 1024;

}  // namespace

void log(LogLevel level, std::string_view msg, LogFields fields) {
  if (!log_enabled(level)) return;
  if (use_journal()) {
    send_to_journal(level, msg, fields);
    return;
  }
  // One write per line, so lines from the supervisor and its workers never interleave.
  std::string line = format_log_line(std::chrono::system_clock::now(), settings().identity,
                                     getpid(), level, msg, fields);
  (void)!write(STDERR_FILENO, line.data(), line.size());
}

void set_log_level(LogLevel level) { settings().level = level; }
LogLevel log_level() { return settings().level; }
bool log_enabled(LogLevel level) { return level >= settings().level; }
void set_log_identity(std::string_view identity) { settings().identity = identity; }
void set_log_destination(LogDestination destination) {
  settings().destination = destination;
  settings().journal.reset();
}

Result<LogLevel> parse_log_level(std::string_view text) {
  std::string t = lower(text);
  if (t == "debug") return LogLevel::kDebug;
  if (t == "info") return LogLevel::kInfo;
  if (t == "notice") return LogLevel::kNotice;
  if (t == "warning" || t == "warn") return LogLevel::kWarning;
  if (t == "error" || t == "err") return LogLevel::kError;
  return fail(Errc::kInvalid, "unknown log level \"" + std::string(text) +
                                  "\" (expected debug, info, notice, warning or error)");
}

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kNotice:
      return "notice";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

int log_level_priority(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return LOG_DEBUG;
    case LogLevel::kInfo:
      return LOG_INFO;
    case LogLevel::kNotice:
      return LOG_NOTICE;
    case LogLevel::kWarning:
      return LOG_WARNING;
    case LogLevel::kError:
      return LOG_ERR;
  }
  return LOG_ERR;
}

std::string format_log_line(std::chrono::system_clock::time_point when, std::string_view identity,
                            pid_t pid, LogLevel level, std::string_view msg, LogFields fields) {
  auto since_epoch = when.time_since_epoch();
  auto secs = std::chrono::floor<std::chrono::seconds>(since_epoch);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - secs).count();
  time_t t = static_cast<time_t>(secs.count());
  struct tm tm;
  gmtime_r(&t, &tm);
  char stamp[96];  // room for any int the compiler can imagine in each field
  std::snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  std::string line = stamp;
  line += ' ';
  line += identity;
  line += '[' + std::to_string(pid) + "] ";
  line += log_level_name(level);
  line += ": ";
  line += msg;
  if (fields.size() > 0) {
    line += " [";
    bool first = true;
    for (const auto& [key, value] : fields) {
      if (!first) line += ' ';
      first = false;
      line += key;
      line += '=';
      append_field_value(line, value);
    }
    line += ']';
  }
  line += '\n';
  return line;
}

bool journal_stream_matches(std::string_view journal_stream, dev_t dev, ino_t ino) {
  size_t colon = journal_stream.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view dev_text = journal_stream.substr(0, colon);
  std::string_view ino_text = journal_stream.substr(colon + 1);
  unsigned long long d = 0;
  unsigned long long i = 0;
  auto rd = std::from_chars(dev_text.data(), dev_text.data() + dev_text.size(), d);
  auto ri = std::from_chars(ino_text.data(), ino_text.data() + ino_text.size(), i);
  if (rd.ec != std::errc() || rd.ptr != dev_text.data() + dev_text.size()) return false;
  if (ri.ec != std::errc() || ri.ptr != ino_text.data() + ino_text.size()) return false;
  if (dev_text.empty() || ino_text.empty()) return false;
  return d == static_cast<unsigned long long>(dev) && i == static_cast<unsigned long long>(ino);
}

std::string journal_field_name(std::string_view key) {
  std::string out;
  for (char c : key) {
    unsigned char u = static_cast<unsigned char>(c);
    out += std::isalnum(u) ? static_cast<char>(std::toupper(u)) : '_';
  }
  size_t start = out.find_first_not_of('_');
  out.erase(0, start == std::string::npos ? out.size() : start);
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out.insert(0, "F_");
  return out;
}

RateLimitedLog::RateLimitedLog(const Scheduler& clock, size_t burst, Duration interval)
    : clock_(clock), burst_(burst), interval_(interval) {}

bool RateLimitedLog::log(LogLevel level, std::string_view key, std::string_view msg,
                         LogFields fields) {
  if (!log_enabled(level)) return false;
  std::optional<std::string> text = admit(key, msg);
  if (!text) return false;
  core::log(level, *text, fields);
  return true;
}

std::optional<std::string> RateLimitedLog::admit(std::string_view key, std::string_view msg) {
  std::optional<size_t> earlier = take(key);
  if (!earlier) return std::nullopt;
  return with_suppressed(std::string(msg), *earlier);
}

std::string RateLimitedLog::with_suppressed(std::string msg, size_t suppressed) {
  if (suppressed > 0) msg += " (suppressed " + std::to_string(suppressed) + " similar messages)";
  return msg;
}

std::optional<size_t> RateLimitedLog::take(std::string_view key) {
  TimePoint now = clock_.now();
  std::string k(key);
  auto it = windows_.find(k);
  if (it == windows_.end()) {
    // Pruning scans every key, so at most once per interval: a flood of new keys must not
    // make each message cost a full scan.
    if (windows_.size() >= kMaxRateLimitKeys && now - last_prune_ >= interval_) {
      forget_idle(now);
      last_prune_ = now;
    }
    if (windows_.size() >= kMaxRateLimitKeys) k = "\x01overflow";
    it = windows_.try_emplace(k, Window{now, 0, 0}).first;
  }
  Window& w = it->second;
  size_t dropped = 0;
  if (now - w.start >= interval_) {
    dropped = w.suppressed;
    w = Window{now, 0, 0};
  }
  if (w.logged >= burst_) {
    ++w.suppressed;
    return std::nullopt;
  }
  ++w.logged;
  return dropped;
}

size_t RateLimitedLog::suppressed(std::string_view key) const {
  auto it = windows_.find(std::string(key));
  return it == windows_.end() ? 0 : it->second.suppressed;
}

void RateLimitedLog::forget_idle(TimePoint now) {
  std::erase_if(windows_, [&](const auto& entry) {
    return now - entry.second.start >= interval_ && entry.second.suppressed == 0;
  });
}

}  // namespace hadirector::core
