// The YAML reader's two parsers (yaml_reader.h): libyaml, which reads every valid file, and
// yaml-cpp, which reads what libyaml refuses, must build the same tree with the same marks and
// report the same errors (duplicate keys, aliases, documents), so error positions and the
// configuration never depend on which one read the file.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "daemon/config/yaml_reader.h"
#include "tests/common/test_paths.h"

namespace hadirector::config::detail {
namespace {

void expect_same(const Node& a, const Node& b, const std::string& where) {
  EXPECT_EQ(a.kind, b.kind) << where;
  EXPECT_EQ(a.scalar, b.scalar) << where;
  EXPECT_EQ(std::pair(a.mark.line, a.mark.column), std::pair(b.mark.line, b.mark.column))
      << where << " '" << a.scalar << "'";
  ASSERT_EQ(a.items.size(), b.items.size()) << where;
  for (size_t i = 0; i < a.items.size(); ++i)
    expect_same(a.items[i], b.items[i], where + "[" + std::to_string(i) + "]");
  ASSERT_EQ(a.entries.size(), b.entries.size()) << where;
  for (size_t i = 0; i < a.entries.size(); ++i) {
    const auto& [key, value] = a.entries[i];
    EXPECT_EQ(key, b.entries[i].first) << where;
    const Mark& ka = a.key_marks.at(key);
    const Mark& kb = b.key_marks.at(b.entries[i].first);
    EXPECT_EQ(std::pair(ka.line, ka.column), std::pair(kb.line, kb.column)) << where << "." << key;
    expect_same(value, b.entries[i].second, where + "." + key);
  }
}

std::vector<std::string> texts(const std::vector<ConfigError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.to_string());
  return out;
}

void expect_readers_agree(const std::string& yaml) {
  SCOPED_TRACE(yaml);
  const YamlReadResult fast = read_yaml(yaml, "t.yaml");
  const YamlReadResult reference = read_yaml_with_yaml_cpp(yaml, "t.yaml");
  EXPECT_EQ(texts(fast.errors), texts(reference.errors));
  ASSERT_EQ(fast.root.has_value(), reference.root.has_value());
  if (fast.root) expect_same(*fast.root, *reference.root, "root");
}

TEST(YamlReaders, AgreeOnBlockAndFlowStyles) {
  expect_readers_agree(
      "version: 1\n"
      "global: {router_id: lb1, state_dir: /var/lib/x}\n"
      "virtual_servers:\n"
      "  - name: web\n"
      "    address: 192.0.2.10:80\n"
      "    real_servers:\n"
      "      - {address: 10.0.0.1:80, weight: 3}\n"
      "      - address: 10.0.0.2:80   # a comment\n"
      "        checks: [{type: tcp}, {type: http, path: /}]\n"
      "list:\n"
      "- a\n"
      "- [b, c]\n"
      "-\n"
      "  - nested\n");
}

TEST(YamlReaders, AgreeOnNullsQuotingAndScalars) {
  expect_readers_agree(
      "a:\n"
      "b: ~\n"
      "c: null\n"
      "d: ''\n"
      "e: \"\"\n"
      "f: 'it''s'\n"
      "g: \"tab\\there\"\n"
      "h: |\n"
      "  line one\n"
      "  line two\n"
      "i: >\n"
      "  folded\n"
      "  text\n"
      "j: !!str 12\n"
      "k: [~, null, '', x]\n"
      "l: plain text with: colon\n"
      "m: -5\n");
}

TEST(YamlReaders, AgreeOnAnchorsAliasesAndTheirErrors) {
  expect_readers_agree("base: &b {x: 1, y: [2, 3]}\nuse: *b\nagain: *b\n");
  expect_readers_agree("a: *missing\n");
  expect_readers_agree("a: &x 1\nb: &x 2\nc: *x\n");
}

TEST(YamlReaders, AgreeOnDuplicateKeysDocumentsAndEmptyInput) {
  expect_readers_agree("a: 1\nb:\n  c: 2\n  c: 3\na: 4\n");
  expect_readers_agree("version: 1\n---\nversion: 1\n");
  expect_readers_agree("");
  expect_readers_agree("# only a comment\n");
  expect_readers_agree("? [a]\n: 1\n");
}

TEST(YamlReaders, AgreeOnTheShippedExampleConfigurations) {
  for (const char* name : {"etc/hadirector.yaml", "etc/dr-pair-lb1.yaml", "etc/nat-pair-lb2.yaml"}) {
    std::ifstream in(std::string(HD_SOURCE_DIR) + "/" + name);
    ASSERT_TRUE(in) << name;
    std::ostringstream text;
    text << in.rdbuf();
    expect_readers_agree(text.str());
  }
}

}  // namespace
}  // namespace hadirector::config::detail
