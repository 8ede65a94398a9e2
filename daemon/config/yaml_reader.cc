#include "daemon/config/yaml_reader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>
#include <yaml.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string_view>
#include <sstream>

namespace hadirector::config::detail {
namespace {

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (text.size() - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

// Aliases copy their anchor's subtree; this bounds what a "billion laughs" document can make.
constexpr size_t kMaxAliasNodes = 100'000;

size_t count_nodes(const Node& node) {
  size_t n = 1;
  for (const Node& item : node.items) n += count_nodes(item);
  for (const auto& entry : node.entries) n += count_nodes(entry.second);
  return n;
}

bool is_null_scalar(const std::string& tag, const std::string& value) {
  return tag == "?" && (value == "~" || value == "null" || value == "Null" || value == "NULL");
}

// Builds Nodes from yaml-cpp's event stream with an explicit stack (no recursion here).
class Builder : public YAML::EventHandler {
 public:
  Builder(std::string file, std::vector<ConfigError>& errors)
      : file_(std::move(file)), errors_(errors) {}

  std::optional<Node> take_root() { return std::move(root_); }
  int documents() const { return documents_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ == 2) second_document_ = to_mark(mark);
  }
  const Mark& second_document() const { return second_document_; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Node node;
    node.mark = to_mark(mark);
    finish(std::move(node), anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    Node node;
    node.mark = to_mark(mark);
    if (it == anchors_.end()) {
      errors_.push_back({node.mark, "unknown alias"});
    } else if ((alias_nodes_ += it->second.second) > kMaxAliasNodes) {
      if (!alias_overflow_) errors_.push_back({node.mark, "aliases expand to too many nodes"});
      alias_overflow_ = true;
    } else {
      node = it->second.first;
    }
    finish(std::move(node), 0);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Node node;
    node.mark = to_mark(mark);
    // YAML text is Unicode; a value with stray bytes could not be written back by --dump-config
    // (the emitter replaces them), so it is refused where it stands.
    if (!valid_utf8(value)) errors_.push_back({node.mark, "value is not valid UTF-8"});
    if (!is_null_scalar(tag, value)) {
      node.kind = Node::Kind::kScalar;
      node.scalar = value;
    }
    finish(std::move(node), anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(Node::Kind::kSequence, mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(Node::Kind::kMap, mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    Node node;
    YAML::anchor_t anchor = 0;
    bool have_key = false;
    bool bad_key = false;
    std::string key;
    Mark key_mark;
  };

  Mark to_mark(const YAML::Mark& m) const { return Mark{file_, m.line + 1, m.column + 1}; }

  void open(Node::Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
    Frame frame;
    frame.node.kind = kind;
    frame.node.mark = to_mark(mark);
    frame.anchor = anchor;
    stack_.push_back(std::move(frame));
  }
  void close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    finish(std::move(frame.node), frame.anchor);
  }

  // A complete node: remember it under its anchor and attach it to its parent.
  void finish(Node node, YAML::anchor_t anchor) {
    if (anchor != 0) anchors_[anchor] = {node, count_nodes(node)};
    if (stack_.empty()) {
      if (!root_) root_ = std::move(node);
      return;
    }
    Frame& parent = stack_.back();
    if (parent.node.kind == Node::Kind::kSequence) {
      parent.node.items.push_back(std::move(node));
    } else if (!parent.have_key) {
      parent.bad_key = node.kind != Node::Kind::kScalar;
      if (parent.bad_key) errors_.push_back({node.mark, "map keys must be plain strings"});
      parent.have_key = true;
      parent.key = node.scalar;
      parent.key_mark = node.mark;
    } else {
      parent.have_key = false;
      if (!parent.bad_key) add_entry(parent, std::move(node));
    }
  }

  void add_entry(Frame& parent, Node value) {
    auto [it, inserted] = parent.node.key_marks.emplace(parent.key, parent.key_mark);
    if (!inserted) {
      errors_.push_back({parent.key_mark, "duplicate key '" + parent.key + "' (first at " +
                                              std::to_string(it->second.line) + ":" +
                                              std::to_string(it->second.column) + ")"});
      return;
    }
    parent.node.entries.emplace_back(parent.key, std::move(value));
  }

  FileName file_;  // one for every mark of the document
  std::vector<ConfigError>& errors_;
  std::vector<Frame> stack_;
  std::optional<Node> root_;
  std::map<YAML::anchor_t, std::pair<Node, size_t>> anchors_;
  size_t alias_nodes_ = 0;
  bool alias_overflow_ = false;
  int documents_ = 0;
  Mark second_document_;
};

// libyaml's events, fed to the same Builder as yaml-cpp's so both give the same tree and
// marks. False when libyaml finds an error: the caller reads the text again with yaml-cpp.
bool read_with_libyaml(const std::string& text, const std::string& file_name,
                       YamlReadResult& result) {
  yaml_parser_t parser;
  if (yaml_parser_initialize(&parser) == 0) return false;
  std::unique_ptr<yaml_parser_t, void (*)(yaml_parser_t*)> guard(&parser, yaml_parser_delete);
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  Builder builder(file_name, result.errors);
  std::map<std::string, YAML::anchor_t, std::less<>> anchors;
  YAML::anchor_t next_anchor = 1;
  auto anchor_of = [&](const yaml_char_t* name) -> YAML::anchor_t {
    if (name == nullptr) return YAML::NullAnchor;
    return anchors[reinterpret_cast<const char*>(name)] = next_anchor++;
  };
  for (;;) {
    yaml_event_t ev;
    if (yaml_parser_parse(&parser, &ev) == 0) return false;
    std::unique_ptr<yaml_event_t, void (*)(yaml_event_t*)> ev_guard(&ev, yaml_event_delete);
    YAML::Mark mark;
    mark.pos = static_cast<int>(ev.start_mark.index);
    mark.line = static_cast<int>(ev.start_mark.line);
    mark.column = static_cast<int>(ev.start_mark.column);
    switch (ev.type) {
      case YAML_STREAM_END_EVENT: {
        result.root = builder.take_root();
        return true;
      }
      case YAML_DOCUMENT_START_EVENT:
        builder.OnDocumentStart(mark);
        if (builder.documents() > 1) {
          result.errors.push_back({builder.second_document(), "only one YAML document is allowed"});
          result.root = builder.take_root();
          return true;
        }
        break;
      case YAML_SCALAR_EVENT: {
        const auto& sc = ev.data.scalar;
        const bool plain = sc.style == YAML_PLAIN_SCALAR_STYLE && sc.tag == nullptr;
        std::string value(reinterpret_cast<const char*>(sc.value), sc.length);
        const YAML::anchor_t anchor = anchor_of(sc.anchor);
        if (plain && value.empty()) {  // a key or item without a value: yaml-cpp's null
          builder.OnNull(mark, anchor);
        } else {
          const std::string tag = sc.tag ? reinterpret_cast<const char*>(sc.tag) : plain ? "?" : "!";
          builder.OnScalar(mark, tag, anchor, value);
        }
        break;
      }
      case YAML_ALIAS_EVENT: {
        auto it = anchors.find(reinterpret_cast<const char*>(ev.data.alias.anchor));
        if (it == anchors.end()) return false;  // yaml-cpp words this syntax error
        builder.OnAlias(mark, it->second);
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
        builder.OnSequenceStart(mark, "", anchor_of(ev.data.sequence_start.anchor),
                                YAML::EmitterStyle::Default);
        break;
      case YAML_SEQUENCE_END_EVENT:
        builder.OnSequenceEnd();
        break;
      case YAML_MAPPING_START_EVENT:
        builder.OnMapStart(mark, "", anchor_of(ev.data.mapping_start.anchor),
                           YAML::EmitterStyle::Default);
        break;
      case YAML_MAPPING_END_EVENT:
        builder.OnMapEnd();
        break;
      default:
        break;
    }
  }
}

// yaml-cpp: slow (its scanner dominates a reload of 40,000 real servers) but its syntax error
// messages are the ones users see, so it reads the files libyaml refuses.
YamlReadResult read_yaml_cpp(const std::string& text, const std::string& file_name) {
  YamlReadResult result;
  Builder builder(file_name, result.errors);
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
      if (builder.documents() > 1) {
        result.errors.push_back({builder.second_document(), "only one YAML document is allowed"});
        break;
      }
    }
  } catch (const YAML::Exception& e) {
    result.errors.push_back(
        {Mark{file_name, e.mark.line + 1, e.mark.column + 1}, "YAML syntax error: " + e.msg});
    return result;
  } catch (const std::exception& e) {
    result.errors.push_back({Mark{file_name, 1, 1}, std::string("cannot read YAML: ") + e.what()});
    return result;
  }
  result.root = builder.take_root();
  if (!result.root) {
    result.root = Node();
    result.root->mark = Mark{file_name, 1, 1};
  }
  return result;
}

}  // namespace

YamlReadResult read_yaml(const std::string& text, const std::string& file_name) {
  auto fast = read_yaml_with_libyaml(text, file_name);
  if (fast) return std::move(*fast);
  YamlReadResult slow = read_yaml_cpp(text, file_name);
  slow.by_yaml_cpp = true;
  return slow;
}

std::optional<YamlReadResult> read_yaml_with_libyaml(const std::string& text,
                                                     const std::string& file_name) {
  YamlReadResult fast;
  if (!read_with_libyaml(text, file_name, fast)) return std::nullopt;
  if (!fast.root) {
    fast.root = Node();
    fast.root->mark = Mark{file_name, 1, 1};
  }
  return fast;
}

YamlReadResult read_yaml_with_yaml_cpp(const std::string& text, const std::string& file_name) {
  return read_yaml_cpp(text, file_name);
}

}  // namespace hadirector::config::detail
