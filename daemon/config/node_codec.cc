// Layout (before base64): "HDT1", the file names used by marks (count, then each as a
// length-prefixed string), then the root node. A node is its kind (one byte), its mark (file
// index, line, column) and by kind: a scalar's string; a sequence's item count and items; a
// map's entry count and, per entry, the key, the key's mark and the value. Integers are LEB128.
#include "daemon/config/node_codec.h"

#include <array>
#include <climits>
#include <cstdint>
#include <map>
#include <vector>

namespace hadirector::config {
namespace {

constexpr std::string_view kMagic = "HDT1";
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
    collect_files(root);
    out_.assign(kMagic);
    put_uint(files_list_.size());
    for (const auto& f : files_list_) put_string(f);
    put_node(root);
    return std::move(out_);
  }

 private:
  void collect_files(const Node& node) {
    index_of(node.mark.file);
    for (const auto& item : node.items) collect_files(item);
    for (const auto& [key, value] : node.entries) {
      if (auto it = node.key_marks.find(key); it != node.key_marks.end())
        index_of(it->second.file);
      collect_files(value);
    }
  }
  uint64_t index_of(const std::string& file) {
    auto [it, fresh] = files_.try_emplace(file, files_list_.size());
    if (fresh) files_list_.push_back(file);
    return it->second;
  }
  void put_uint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void put_string(std::string_view s) {
    put_uint(s.size());
    out_.append(s);
  }
  void put_mark(const Mark& m) {
    put_uint(index_of(m.file));
    put_uint(static_cast<uint32_t>(m.line));
    put_uint(static_cast<uint32_t>(m.column));
  }
  void put_node(const Node& node) {
    out_.push_back(static_cast<char>(node.kind));
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

  std::string out_;
  std::map<std::string, uint64_t> files_;
  std::vector<std::string> files_list_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  std::expected<Node, std::string> read() {
    if (in_.substr(0, kMagic.size()) != kMagic) return std::unexpected("not an encoded tree");
    pos_ = kMagic.size();
    uint64_t files = 0;
    if (!get_uint(files) || files > in_.size()) return fail("file table");
    for (uint64_t i = 0; i < files; ++i) {
      std::string f;
      if (!get_string(f)) return fail("file name");
      files_.push_back(std::move(f));
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
  bool get_string(std::string& s) {
    uint64_t n = 0;
    if (!get_uint(n) || n > in_.size() - pos_) return false;
    s.assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool get_int(int& out) {
    uint64_t v = 0;
    if (!get_uint(v) || v > INT_MAX) return false;
    out = static_cast<int>(v);
    return true;
  }
  bool get_mark(Mark& m) {
    uint64_t file = 0;
    if (!get_uint(file) || file >= files_.size()) return false;
    m.file = files_[file];
    return get_int(m.line) && get_int(m.column);
  }
  // Every item or entry takes at least a few bytes, so counts above the bytes left are lies.
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
  std::vector<std::string> files_;
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
