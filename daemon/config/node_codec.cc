// Layout (before base64): "HDT2", a string table (count, then each string length-prefixed:
// file names, keys and scalars, each once), then the root node. A node is its kind (one byte),
// its mark (file's string index, line as a signed delta from the previous mark's line, column)
// and by kind: a scalar's string index; a sequence's item count and items; a map's entry count
// and, per entry, the key's string index, the key's mark and the value. Integers are LEB128
// (the line delta zigzag-coded). At 40,000 real servers the same few keys, addresses and
// weights repeat tens of thousands of times: the table and the small line deltas make the
// text less than half of HDT1's, and both the IPC frame's JSON and base64 cost follow its size.
#include "daemon/config/node_codec.h"

#include <array>
#include <climits>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace hadirector::config {
namespace {

constexpr std::string_view kMagic = "HDT2";
// Deeper than any configuration; bounds the decoder's recursion on hostile input.
constexpr int kMaxDepth = 200;
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string to_base64(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = static_cast<uint8_t>(in[i]) << 16 | static_cast<uint8_t>(in[i + 1]) << 8 |
                       static_cast<uint8_t>(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  if (const size_t left = in.size() - i; left > 0) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (left == 2) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(left == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::expected<std::string, std::string> from_base64(std::string_view in) {
  static const std::array<int8_t, 256> table = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
    return t;
  }();
  if (in.size() % 4 != 0) return std::unexpected("base64 length is not a multiple of 4");
  size_t pad = 0;
  while (pad < 2 && pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  uint32_t acc = 0;
  for (size_t i = 0; i < in.size() - pad; ++i) {
    const int8_t v = table[static_cast<uint8_t>(in[i])];
    if (v < 0) return std::unexpected("not base64 at offset " + std::to_string(i));
    acc = acc << 6 | static_cast<uint32_t>(v);
    if (i % 4 == 3) {
      out.push_back(static_cast<char>(acc >> 16));
      out.push_back(static_cast<char>(acc >> 8));
      out.push_back(static_cast<char>(acc));
      acc = 0;
    }
  }
  if (pad == 2) out.push_back(static_cast<char>(acc >> 4));
  if (pad == 1) {
    out.push_back(static_cast<char>(acc >> 10));
    out.push_back(static_cast<char>(acc >> 2));
  }
  return out;
}

class Writer {
 public:
  std::string finish(const Node& root) {
    put_node(root);
    std::string out(kMagic);
    put_uint(out, strings_list_.size());
    for (std::string_view str : strings_list_) {
      put_uint(out, str.size());
      out.append(str);
    }
    out.append(body_);
    return out;
  }

 private:
  static void put_uint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  }
  void put_uint(uint64_t v) { put_uint(body_, v); }
  // The views point into the tree being encoded, which outlives the writer.
  void put_string(std::string_view str) {
    auto [it, fresh] = strings_.try_emplace(str, strings_list_.size());
    if (fresh) strings_list_.push_back(str);
    put_uint(it->second);
  }
  void put_mark(const Mark& m) {
    // Nearly every mark names the same file: compared, not hashed, each time.
    if (!last_file_index_ || m.file.str() != last_file_) {
      last_file_ = m.file.str();
      auto [it, fresh] = strings_.try_emplace(last_file_, strings_list_.size());
      if (fresh) strings_list_.push_back(last_file_);
      last_file_index_ = it->second;
    }
    put_uint(*last_file_index_);
    const int64_t delta = static_cast<int64_t>(m.line) - last_line_;
    last_line_ = m.line;
    put_uint(delta < 0 ? (static_cast<uint64_t>(-(delta + 1)) << 1) | 1
                       : static_cast<uint64_t>(delta) << 1);
    put_uint(static_cast<uint32_t>(m.column));
  }
  void put_node(const Node& node) {
    body_.push_back(static_cast<char>(node.kind));
    put_mark(node.mark);
    switch (node.kind) {
      case Node::Kind::kNull:
        break;
      case Node::Kind::kScalar:
        put_string(node.scalar);
        break;
      case Node::Kind::kSequence:
        put_uint(node.items.size());
        for (const auto& item : node.items) put_node(item);
        break;
      case Node::Kind::kMap:
        put_uint(node.entries.size());
        for (const auto& [key, value] : node.entries) {
          put_string(key);
          auto it = node.key_marks.find(key);
          put_mark(it != node.key_marks.end() ? it->second : node.mark);
          put_node(value);
        }
        break;
    }
  }

  std::string body_;
  std::unordered_map<std::string_view, uint64_t> strings_;
  std::vector<std::string_view> strings_list_;
  int64_t last_line_ = 0;
  std::string_view last_file_;
  std::optional<uint64_t> last_file_index_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  std::expected<Node, std::string> read() {
    if (in_.substr(0, kMagic.size()) != kMagic) return std::unexpected("not an encoded tree");
    pos_ = kMagic.size();
    uint64_t count = 0;
    if (!get_count(count)) return fail("string table");
    strings_.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t n = 0;
      if (!get_uint(n) || n > in_.size() - pos_) return fail("string table");
      strings_.emplace_back(in_.substr(pos_, n));
      pos_ += n;
    }
    Node root;
    if (!get_node(root, 0)) return fail(error_.empty() ? "node" : error_);
    if (pos_ != in_.size()) return fail("trailing bytes");
    return root;
  }

 private:
  std::unexpected<std::string> fail(const std::string& what) const {
    return std::unexpected("bad encoded tree (" + what + " at byte " + std::to_string(pos_) + ")");
  }
  bool get_uint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return false;
      const auto b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  // A string by its index in the table.
  bool get_string(std::string& s) {
    uint64_t i = 0;
    if (!get_uint(i) || i >= strings_.size()) return false;
    s.assign(strings_[i]);
    return true;
  }
  bool get_int(int& out) {
    uint64_t v = 0;
    if (!get_uint(v) || v > INT_MAX) return false;
    out = static_cast<int>(v);
    return true;
  }
  // The marks of one file share one FileName (file_name.h), made when first met.
  bool get_file(FileName& f) {
    uint64_t i = 0;
    if (!get_uint(i) || i >= strings_.size()) return false;
    if (files_.size() <= i) files_.resize(i + 1);
    if (!files_[i]) files_[i] = FileName(std::string(strings_[i]));
    f = *files_[i];
    return true;
  }
  bool get_mark(Mark& m) {
    uint64_t zigzag = 0;
    if (!get_file(m.file) || !get_uint(zigzag)) return false;
    const int64_t delta =
        (zigzag & 1) ? -static_cast<int64_t>(zigzag >> 1) - 1 : static_cast<int64_t>(zigzag >> 1);
    if (delta > INT_MAX || delta < -static_cast<int64_t>(INT_MAX)) return false;
    const int64_t line = last_line_ + delta;
    if (line < 0 || line > INT_MAX) return false;
    last_line_ = line;
    m.line = static_cast<int>(line);
    return get_int(m.column);
  }
  // Every item, entry or string takes at least one byte, so counts above the bytes left are lies.
  bool get_count(uint64_t& n) { return get_uint(n) && n <= in_.size() - pos_; }
  bool get_node(Node& node, int depth) {
    if (depth > kMaxDepth) {
      error_ = "nested too deeply";
      return false;
    }
    if (pos_ >= in_.size() || static_cast<uint8_t>(in_[pos_]) > 3) return false;
    node.kind = static_cast<Node::Kind>(in_[pos_++]);
    if (!get_mark(node.mark)) return false;
    uint64_t n = 0;
    switch (node.kind) {
      case Node::Kind::kNull:
        return true;
      case Node::Kind::kScalar:
        return get_string(node.scalar);
      case Node::Kind::kSequence:
        if (!get_count(n)) return false;
        node.items.resize(n);
        for (auto& item : node.items)
          if (!get_node(item, depth + 1)) return false;
        return true;
      case Node::Kind::kMap:
        if (!get_count(n)) return false;
        node.entries.reserve(n);
        node.key_marks.reserve(n);
        for (uint64_t i = 0; i < n; ++i) {
          std::string key;
          Mark key_mark;
          if (!get_string(key) || !get_mark(key_mark)) return false;
          if (!node.key_marks.emplace(key, std::move(key_mark)).second) {
            error_ = "duplicate key";
            return false;
          }
          node.entries.emplace_back(std::move(key), Node());
          if (!get_node(node.entries.back().second, depth + 1)) return false;
        }
        return true;
    }
    return false;
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::vector<std::string_view> strings_;
  std::vector<std::optional<FileName>> files_;  // by string index
  int64_t last_line_ = 0;
  std::string error_;
};

}  // namespace

std::string encode_tree(const Node& root) { return to_base64(Writer().finish(root)); }

std::expected<Node, std::string> decode_tree(std::string_view text) {
  auto bytes = from_base64(text);
  if (!bytes) return std::unexpected(bytes.error());
  return Reader(*bytes).read();
}

}  // namespace hadirector::config
