// Schema-reading helpers for the loader: typed conversions of Node values with precise error
// messages, and MapReader, which walks one YAML map, remembers which keys the schema knows and
// reports the others with a did-you-mean suggestion. Internal to daemon/config.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/config/config.h"
#include "daemon/config/node.h"

namespace hadirector::config::detail {

class Errors {
 public:
  void add(const Mark& mark, std::string message) { list_.push_back({mark, std::move(message)}); }
  void add_all(const std::vector<ConfigError>& more) {
    list_.insert(list_.end(), more.begin(), more.end());
  }
  size_t count() const { return list_.size(); }
  std::vector<ConfigError>& list() { return list_; }

 private:
  std::vector<ConfigError> list_;
};

// "a string", "a list", "a map", "nothing": for "got ..." in messages.
const char* kind_name(const Node& node);
// "'abc'" for a scalar, else kind_name(): for "got ..." in messages.
std::string describe(const Node& node);
// "12:7", for "first at ..." in messages.
std::string line_col(const Mark& mark);
// The candidate closest to `word` within edit distance 2 (transpositions count 1), or "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// Conversions: nullopt after adding an error that names `key` and says what was expected.
std::optional<std::string> to_str(const Node& node, std::string_view key, Errors& errors);
std::optional<std::string> to_nonempty_str(const Node& node, std::string_view key, Errors& errors);
std::optional<int64_t> to_int(const Node& node, std::string_view key, int64_t min, int64_t max,
                              Errors& errors);
std::optional<bool> to_bool(const Node& node, std::string_view key, Errors& errors);
std::optional<Duration> to_duration(const Node& node, std::string_view key, Errors& errors);
std::optional<IpAddress> to_address(const Node& node, std::string_view key, Errors& errors);
std::optional<IpPrefix> to_prefix(const Node& node, std::string_view key, Errors& errors);
std::optional<Endpoint> to_endpoint(const Node& node, std::string_view key, Errors& errors,
                                    bool port_optional = false);
std::optional<std::vector<std::string>> to_str_list(const Node& node, std::string_view key,
                                                    Errors& errors);
// Index of the scalar among `names`, e.g. to_choice(n, "protocol", {"tcp", "udp", "sctp"}).
std::optional<size_t> to_choice(const Node& node, std::string_view key,
                                std::initializer_list<std::string_view> names, Errors& errors);
// Items of a sequence; null counts as empty. Anything else is an error.
const std::vector<Node>* to_list(const Node* node, std::string_view key, Errors& errors);

class MapReader {
 public:
  // `what` names the map in messages ("vrrp instance"). A null `node` or a YAML null reads as
  // an empty map; anything else that is not a map is reported once and reads as empty.
  MapReader(const Node* node, std::string what, Errors& errors);

  bool is_map() const { return map_ != nullptr; }
  const Mark& mark() const { return mark_; }
  Errors& errors() { return errors_; }

  // The value under `key`, or null when absent. Every key asked for counts as known.
  const Node* get(std::string_view key);
  // As get(), but reports "missing required key" when absent.
  const Node* require(std::string_view key);
  // Mark of the key itself (falls back to the map's mark).
  Mark key_mark(std::string_view key) const;

  // Typed reads: `out` changes only when the key is present and valid. They return whether the
  // key was present.
  bool read(std::string_view key, std::string& out, bool required = false);
  bool read(std::string_view key, std::optional<std::string>& out);
  bool read(std::string_view key, bool& out);
  bool read(std::string_view key, int& out, int64_t min, int64_t max, bool required = false);
  bool read(std::string_view key, Duration& out);
  bool read(std::string_view key, std::optional<Duration>& out);
  bool read(std::string_view key, std::vector<std::string>& out);
  template <typename Enum>
  bool read_choice(std::string_view key, Enum& out, std::initializer_list<std::string_view> names) {
    const Node* node = get(key);
    if (node == nullptr) return false;
    if (auto index = to_choice(*node, key, names, errors_)) out = static_cast<Enum>(*index);
    return true;
  }

  // Reports every key not asked for, in file order. Call after the last get().
  void finish();
  // The entries not asked for, as a map with marks (a check's plug-in parameters).
  Node rest() const;

 private:
  const Node* map_ = nullptr;
  bool wrong_kind_ = false;
  Mark mark_;
  std::string what_;
  Errors& errors_;
  std::vector<std::string> known_;
};

}  // namespace hadirector::config::detail
