// The configuration tree the supervisor sends its workers (node_codec.h): a parsed file survives
// encode and decode with every value and mark, the schema pass over it gives the same Config
// as parsing the YAML, and damaged input is refused with a message.
#include "daemon/config/node_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/config/loader.h"

namespace hadirector::config {
namespace {

using ::testing::HasSubstr;

const std::string kYaml =
    "version: 1\n"
    "global: {router_id: lb1}\n"
    "virtual_servers:\n"
    "  - name: web\n"
    "    address: 192.0.2.10:80\n"
    "    scheduler: wrr\n"
    "    real_servers:\n"
    "      - {address: 10.0.0.1:80, weight: 3}\n"
    "      - address: 10.0.0.2:80\n"
    "        checks: [{type: tcp}]\n";

void expect_same_marks(const Node& a, const Node& b) {
  EXPECT_EQ(a.mark.file, b.mark.file);
  EXPECT_EQ(a.mark.line, b.mark.line);
  EXPECT_EQ(a.mark.column, b.mark.column);
  ASSERT_EQ(a.items.size(), b.items.size());
  for (size_t i = 0; i < a.items.size(); ++i) expect_same_marks(a.items[i], b.items[i]);
  ASSERT_EQ(a.entries.size(), b.entries.size());
  for (size_t i = 0; i < a.entries.size(); ++i) {
    const Mark& ka = a.key_marks.at(a.entries[i].first);
    const Mark& kb = b.key_marks.at(b.entries[i].first);
    EXPECT_EQ(std::pair(ka.line, ka.column), std::pair(kb.line, kb.column));
    expect_same_marks(a.entries[i].second, b.entries[i].second);
  }
}

TEST(NodeCodec, RoundTripKeepsValuesAndMarks) {
  Node tree;
  auto direct = parse_text(kYaml, "t.yaml", {}, &tree);
  ASSERT_TRUE(direct);
  ASSERT_EQ(tree.kind, Node::Kind::kMap);
  const std::string text = encode_tree(tree);
  EXPECT_EQ(text.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
            std::string::npos);
  auto back = decode_tree(text);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, tree);
  expect_same_marks(*back, tree);
  const Node* vs = back->find("virtual_servers");
  ASSERT_NE(vs, nullptr);
  EXPECT_EQ(vs->items.at(0).mark.line, 4);
}

TEST(NodeCodec, SchemaPassOverTheTreeGivesTheSameConfig) {
  Node tree;
  auto direct = parse_text(kYaml, "t.yaml", {}, &tree);
  ASSERT_TRUE(direct);
  auto back = decode_tree(encode_tree(tree));
  ASSERT_TRUE(back);
  auto via_tree = parse_tree(*back, "t.yaml");
  ASSERT_TRUE(via_tree);
  EXPECT_TRUE(*via_tree == *direct);
  EXPECT_EQ(via_tree->virtual_servers.at(0).real_servers.at(0).weight, 3);
}

TEST(NodeCodec, SchemaErrorsFromTheTreeKeepFileLineColumn) {
  Node tree;
  ASSERT_TRUE(parse_text(kYaml, "t.yaml", {}, &tree));
  // Change a weight in the tree as a worker would see a bad value.
  Node& rs = tree.entries.back().second.items[0].entries.back().second.items[0];
  ASSERT_EQ(rs.entries.back().first, "weight");
  rs.entries.back().second.scalar = "heavy";
  auto loaded = parse_tree(*decode_tree(encode_tree(tree)), "t.yaml");
  ASSERT_FALSE(loaded);
  EXPECT_THAT(loaded.error().at(0).to_string(), HasSubstr("t.yaml:8:"));
}

TEST(NodeCodec, EmptyScalarsNullsAndOddBytesRoundTrip) {
  Node root;
  root.kind = Node::Kind::kSequence;
  root.mark = {"a.yaml", 1, 1};
  Node null_node;
  null_node.mark = {"b.yaml", 70000, 3};
  Node odd;
  odd.kind = Node::Kind::kScalar;
  odd.scalar = std::string("\0\xff\n\"", 4);
  root.items = {null_node, odd, Node{}};
  for (size_t cut = 0; cut < 3; ++cut) {  // every base64 padding length
    root.items.back().kind = Node::Kind::kScalar;
    root.items.back().scalar = std::string(cut, 'x');
    auto back = decode_tree(encode_tree(root));
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, root);
    EXPECT_EQ(back->items[0].mark.file, "b.yaml");
    EXPECT_EQ(back->items[0].mark.line, 70000);
  }
}

TEST(NodeCodec, DamagedInputIsRefused) {
  Node tree;
  ASSERT_TRUE(parse_text(kYaml, "t.yaml", {}, &tree));
  const std::string good = encode_tree(tree);
  EXPECT_FALSE(decode_tree(""));
  EXPECT_FALSE(decode_tree("not base64!"));
  EXPECT_THAT(decode_tree("eWFtbDogMQ==").error(), HasSubstr("not an encoded tree"));
  // Cut anywhere (on a base64 boundary so only the tree decoder judges it).
  for (size_t len = 4; len < good.size(); len += 4 * 7) {
    auto cut = decode_tree(good.substr(0, len));
    EXPECT_FALSE(cut) << "accepted a tree cut at " << len;
  }
}

TEST(NodeCodec, DeepNestingIsRefusedNotRecursedInto) {
  Node root;
  Node* at = &root;
  for (int i = 0; i < 300; ++i) {
    at->kind = Node::Kind::kSequence;
    at->items.emplace_back();
    at = &at->items.back();
  }
  auto back = decode_tree(encode_tree(root));
  ASSERT_FALSE(back);
  EXPECT_THAT(back.error(), HasSubstr("nested too deeply"));
}

}  // namespace
}  // namespace hadirector::config
