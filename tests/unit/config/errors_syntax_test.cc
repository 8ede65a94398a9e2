// One test per error message from reading YAML, the generic value conversions and the top
// level. Each asserts the exact FILE:LINE:COL and text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/config/config_test_util.h"

namespace hadirector::config::testing {
namespace {

using ::testing::ElementsAre;

TEST(ConfigErrors, SyntaxErrorReportsYamlCppMessageAndPosition) {
  EXPECT_THAT(errors_of("version: 1\nvrrp: [a, b\n"),
              ElementsAre("t.yaml:3:1: YAML syntax error: end of sequence flow not found"));
}

TEST(ConfigErrors, DuplicateKeyNamesFirstOccurrence) {
  EXPECT_THAT(errors_of("version: 1\nglobal:\n  router_id: a\n  router_id: b\n"),
              ElementsAre("t.yaml:4:3: duplicate key 'router_id' (first at 3:3)"));
}

TEST(ConfigErrors, ValueThatIsNotUtf8IsRefused) {
  // Found by fuzzing: --dump-config could not write such a value back unchanged.
  EXPECT_THAT(errors_of(std::string("version: 1\nglobal:\n router_id: \0 \xff", 34)),
              ElementsAre("t.yaml:3:13: value is not valid UTF-8"));
}

TEST(ConfigErrors, NonScalarMapKey) {
  EXPECT_THAT(errors_of("version: 1\n? [a]\n: 1\n"),
              ElementsAre("t.yaml:2:3: map keys must be plain strings"));
}

TEST(ConfigErrors, SecondDocument) {
  EXPECT_THAT(errors_of("version: 1\n---\nversion: 1\n"),
              ElementsAre("t.yaml:2:1: only one YAML document is allowed"));
}

TEST(ConfigErrors, AliasExpansionIsBounded) {
  std::string ten_x = "[x, x, x, x, x, x, x, x, x, x]";
  auto ten = [](char c) {
    std::string s = "[";
    for (int i = 0; i < 10; ++i) s += std::string(i ? ", " : "") + "*" + c;
    return s + "]";
  };
  std::string yaml = with_real_server("checks:\n  - type: tcp\n    a: &a " + ten_x +
                                      "\n    b: &b " + ten('a') + "\n    c: &c " + ten('b') +
                                      "\n    d: &d " + ten('c') + "\n    e: &e " + ten('d'));
  EXPECT_THAT(errors_of(yaml), ElementsAre("t.yaml:13:48: aliases expand to too many nodes"));
}

TEST(ConfigErrors, StringGotMap) {
  EXPECT_THAT(errors_of("version: 1\nglobal:\n  router_id: {a: 1}\n"),
              ElementsAre("t.yaml:3:14: 'router_id' must be a string, got a map"));
}

TEST(ConfigErrors, EmptyString) {
  EXPECT_THAT(errors_of("version: 1\nglobal:\n  router_id: \"\"\n"),
              ElementsAre("t.yaml:3:14: 'router_id' must not be empty"));
}

TEST(ConfigErrors, NotAnInteger) {
  EXPECT_THAT(errors_of(with_instance("priority: high")),
              ElementsAre("t.yaml:8:17: 'priority' must be an integer, got 'high'"));
}

TEST(ConfigErrors, IntegerOutOfRange) {
  EXPECT_THAT(errors_of(with_instance("priority: 300")),
              ElementsAre("t.yaml:8:17: 'priority' must be between 1 and 255, got 300"));
}

TEST(ConfigErrors, NotABoolean) {
  EXPECT_THAT(errors_of(with_instance("preempt: maybe")),
              ElementsAre("t.yaml:8:16: 'preempt' must be true or false, got 'maybe'"));
}

TEST(ConfigErrors, DurationWithoutUnit) {
  EXPECT_THAT(errors_of(with_instance("advert_interval: 5")),
              ElementsAre("t.yaml:8:24: 'advert_interval': duration '5' needs a unit: ns, us, "
                          "ms, s, m or h (e.g. 10ms, 1s)"));
}

TEST(ConfigErrors, DurationWithUnknownUnit) {
  EXPECT_THAT(errors_of(with_instance("preempt_delay: 5sec")),
              ElementsAre("t.yaml:8:22: 'preempt_delay': invalid duration '5sec': unknown unit "
                          "'sec' (use ns, us, ms, s, m or h)"));
}

TEST(ConfigErrors, DurationFinerThanMilliseconds) {
  EXPECT_THAT(errors_of(with_instance("preempt_delay: 1500us")),
              ElementsAre("t.yaml:8:22: 'preempt_delay' must be a whole number of "
                          "milliseconds, got 1500us"));
}

TEST(ConfigErrors, InvalidAddress) {
  EXPECT_THAT(errors_of(with_instance("unicast: {source: 192.0.2.300, peers: [192.0.2.2]}")),
              ElementsAre("t.yaml:8:25: 'source': invalid IP address '192.0.2.300'"));
}

TEST(ConfigErrors, InvalidPrefixLength) {
  EXPECT_THAT(errors_of("version: 1\nvrrp:\n  instances:\n    - name: web\n      interface: "
                        "eth0\n      vrid: 51\n      virtual_addresses: [192.0.2.100/33]\n"),
              ElementsAre("t.yaml:7:27: 'virtual_addresses': invalid prefix length in "
                          "'192.0.2.100/33': expected 0..32"));
}

TEST(ConfigErrors, EndpointWithoutPort) {
  EXPECT_THAT(errors_of("version: 1\ncontrol:\n  metrics_listen: 127.0.0.1\n"),
              ElementsAre("t.yaml:3:19: 'metrics_listen': endpoint '127.0.0.1' needs a port "
                          "(ADDRESS:PORT)"));
}

TEST(ConfigErrors, StringListGotMap) {
  EXPECT_THAT(errors_of(with_instance("notify: {master: {a: 1}}")),
              ElementsAre("t.yaml:8:24: 'master' must be a list of strings, got a map"));
}

TEST(ConfigErrors, StringListWithNestedList) {
  EXPECT_THAT(errors_of(with_instance("notify: {master: [a, [b]]}")),
              ElementsAre("t.yaml:8:28: 'master' must be a list of strings, got a list in the "
                          "list"));
}

TEST(ConfigErrors, NotOneOfTheChoices) {
  EXPECT_THAT(errors_of("version: 1\nglobal:\n  log_level: loud\n"),
              ElementsAre("t.yaml:3:14: 'log_level' must be one of debug, info, notice, "
                          "warning, error; got 'loud'"));
}

TEST(ConfigErrors, ListGotString) {
  EXPECT_THAT(errors_of("version: 1\nvrrp:\n  instances: web\n"),
              ElementsAre("t.yaml:3:14: 'instances' must be a list, got a string"));
}

TEST(ConfigErrors, SectionGotList) {
  EXPECT_THAT(errors_of("version: 1\nglobal: [a]\n"),
              ElementsAre("t.yaml:2:9: global must be a map, got a list"));
}

TEST(ConfigErrors, MissingRequiredKeyPointsAtTheMap) {
  EXPECT_THAT(errors_of("version: 1\nvrrp:\n  instances:\n    - name: web\n      vrid: 51\n"
                        "      virtual_addresses: [192.0.2.100/24]\n"),
              ElementsAre("t.yaml:4:7: missing required key 'interface' in vrrp instance"));
}

TEST(ConfigErrors, UnknownKeySuggestsTheClosestKnownKey) {
  EXPECT_THAT(errors_of(with_instance("prioirty: 150")),
              ElementsAre("t.yaml:8:7: unknown key 'prioirty' in vrrp instance; did you mean "
                          "'priority'?"));
}

TEST(ConfigErrors, UnknownKeyWithoutCloseMatch) {
  EXPECT_THAT(errors_of(with_instance("colour: red")),
              ElementsAre("t.yaml:8:7: unknown key 'colour' in vrrp instance"));
}

TEST(ConfigErrors, MissingVersion) {
  EXPECT_THAT(errors_of("global: {router_id: a}\n"),
              ElementsAre("t.yaml:1:1: missing required key 'version' (this hadirectord reads "
                          "'version: 1')"));
}

TEST(ConfigErrors, UnsupportedVersion) {
  EXPECT_THAT(errors_of("version: 2\n"),
              ElementsAre("t.yaml:1:10: unsupported configuration version '2'; this "
                          "hadirectord reads 'version: 1'"));
}

TEST(ConfigErrors, TopLevelNotAMap) {
  EXPECT_THAT(errors_of("- a\n"), ElementsAre("t.yaml:1:1: the configuration must be a map "
                                              "starting with 'version: 1', got a list"));
  EXPECT_THAT(errors_of(""), ElementsAre("t.yaml:1:1: the configuration must be a map "
                                         "starting with 'version: 1', got nothing"));
}

TEST(ConfigErrors, UnreadableFile) {
  auto result = load_file("/nonexistent/hadirector.yaml");
  ASSERT_FALSE(result);
  ASSERT_EQ(result.error().size(), 1u);
  EXPECT_EQ(result.error()[0].to_string(),
            "/nonexistent/hadirector.yaml:0:0: cannot read configuration: No such file or "
            "directory");
}

TEST(ConfigErrors, StateDirMustBeAbsolute) {
  EXPECT_THAT(errors_of("version: 1\nglobal:\n  state_dir: var/lib\n"),
              ElementsAre("t.yaml:3:14: 'state_dir' must be an absolute path"));
}

}  // namespace
}  // namespace hadirector::config::testing
