// Logging: one call per message with structured fields. Under systemd (JOURNAL_STREAM names our
// stderr) messages go to journald with each field as a journal field; otherwise one line per
// message on stderr. Process-wide settings (level, identity) are set once at start-up.
// Not a tracing facility; pure code (codecs, state machines) never logs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "daemon/core/result.h"
#include "daemon/core/scheduler.h"

namespace hadirector::core {

enum class LogLevel { kDebug, kInfo, kNotice, kWarning, kError };

// Key/value pairs, e.g. {{"HADIRECTOR_INSTANCE", "web"}}. Keys are journal field names; on
// stderr they are printed as given.
using LogFields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

enum class LogDestination { kAuto, kJournal, kStderr };

void log(LogLevel level, std::string_view msg, LogFields fields = {});
inline void log_debug(std::string_view msg, LogFields fields = {}) {
  log(LogLevel::kDebug, msg, fields);
}
inline void log_info(std::string_view msg, LogFields fields = {}) {
  log(LogLevel::kInfo, msg, fields);
}
inline void log_notice(std::string_view msg, LogFields fields = {}) {
  log(LogLevel::kNotice, msg, fields);
}
inline void log_warning(std::string_view msg, LogFields fields = {}) {
  log(LogLevel::kWarning, msg, fields);
}
inline void log_error(std::string_view msg, LogFields fields = {}) {
  log(LogLevel::kError, msg, fields);
}

// Messages below `level` are dropped. Default: info.
void set_log_level(LogLevel level);
LogLevel log_level();
bool log_enabled(LogLevel level);
// The program name in stderr lines and SYSLOG_IDENTIFIER. Default: "hadirectord".
void set_log_identity(std::string_view identity);
// kAuto (default) picks the journal when JOURNAL_STREAM matches stderr, else stderr.
void set_log_destination(LogDestination destination);

// "debug", "info", "notice", "warning" (or "warn"), "error" (or "err"); case-insensitive.
Result<LogLevel> parse_log_level(std::string_view text);
std::string_view log_level_name(LogLevel level);
// The syslog priority journald expects in PRIORITY= (LOG_DEBUG .. LOG_ERR).
int log_level_priority(LogLevel level);

// The stderr form: "2026-11-22T10:00:00.123Z hadirectord[42] info: msg [key=value ...]".
// Values with spaces, quotes or nothing in them are double-quoted.
std::string format_log_line(std::chrono::system_clock::time_point when, std::string_view identity,
                            pid_t pid, LogLevel level, std::string_view msg, LogFields fields);

// Whether a JOURNAL_STREAM value ("DEV:INO", decimal) names the given stderr device and inode,
// which is how systemd says stderr is connected to the journal.
bool journal_stream_matches(std::string_view journal_stream, dev_t dev, ino_t ino);

// A journal field name made from `key`: upper-case letters, digits and '_', not starting with
// '_' or a digit (journald drops other names).
std::string journal_field_name(std::string_view key);

// Logs at most `burst` messages per key in each `interval`; once the window has passed the next
// message carries " (suppressed K similar messages)". For log lines triggered by untrusted input
// (bad packets). Keys are caller-chosen (e.g. "bad-vrid 192.0.2.7"); idle keys are forgotten.
class RateLimitedLog {
 public:
  RateLimitedLog(const Scheduler& clock, size_t burst, Duration interval);

  // Logs msg (with the suppressed count appended when due) unless over the limit.
  // Returns whether it logged.
  bool log(LogLevel level, std::string_view key, std::string_view msg, LogFields fields = {});

  // log() with the message and its fields built only when the line will be written: under a
  // flood of suppressed messages formatting them would be most of the cost. `make` returns the
  // message; `fields` (a LogFields list) is only read in the call.
  template <typename MakeMessage>
  bool log_lazy(LogLevel level, std::string_view key, MakeMessage&& make, LogFields fields = {}) {
    if (!log_enabled(level)) return false;
    std::optional<size_t> earlier = take(key);
    if (!earlier) return false;
    core::log(level, with_suppressed(make(), *earlier), fields);
    return true;
  }

  // The decision alone: the text to log now, or nullopt when this message is suppressed.
  std::optional<std::string> admit(std::string_view key, std::string_view msg);
  // The decision without the text: nullopt when suppressed, else how many messages of `key`
  // were suppressed since its last logged one.
  std::optional<size_t> take(std::string_view key);

  // Messages dropped for `key` since its last logged one.
  size_t suppressed(std::string_view key) const;

 private:
  struct Window {
    TimePoint start;
    size_t logged = 0;
    size_t suppressed = 0;
  };
  void forget_idle(TimePoint now);
  static std::string with_suppressed(std::string msg, size_t suppressed);

  const Scheduler& clock_;
  size_t burst_;
  Duration interval_;
  std::unordered_map<std::string, Window> windows_;
  TimePoint last_prune_{};
};

}  // namespace hadirector::core
