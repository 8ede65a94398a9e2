// The `authentication` block of a VRRP instance: keys read from files with tight modes (in a
// private temporary directory), defaults, one test per error message, and the dump, which
// names the key files but never holds a secret.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/unit/config/config_test_util.h"

namespace hadirector::config::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kHexKey =
    "hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

class AuthConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hd-hmac-config-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string key_file(const std::string& name, const std::string& content, mode_t mode = 0600) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    ::chmod(path.c_str(), mode);
    return path;
  }

  // An instance with `block` under `authentication:` (lines 8 on; its keys at column 9).
  static std::string with_auth(const std::string& block) {
    return with_instance("authentication:\n" + indent(block, 2));
  }

  std::string dir_;
};

TEST_F(AuthConfig, ReadsKeysFromFilesWithDefaults) {
  const std::string one = key_file("one.key", kHexKey);
  const std::string two = key_file("two.key", std::string(40, 'k') + "\n", 0640);
  auto config = parse_text(with_auth("type: hmac-sha256\nkeys:\n  - {id: 1, secret_file: " + one +
                                     "}\n  - {id: 7, secret_file: " + two + "}\nsend_key: 7\n"),
                           "t.yaml");
  ASSERT_TRUE(config) << config.error().front().to_string();
  const auto& auth = config->vrrp.instances.at(0).authentication;
  ASSERT_TRUE(auth);
  ASSERT_EQ(auth->keys.size(), 2u);
  EXPECT_EQ(auth->keys[0].secret.size(), 32u);
  EXPECT_EQ(auth->keys[0].secret[31], 0x1f);
  EXPECT_EQ(auth->keys[1].secret, std::vector<uint8_t>(40, 'k'));  // raw, newline dropped
  EXPECT_EQ(auth->send_key, 7);
  EXPECT_FALSE(auth->permissive);
  EXPECT_FALSE(auth->replay_monotonic);
  EXPECT_FALSE(auth->window);
}

TEST_F(AuthConfig, ASingleKeyIsTheSendKey) {
  auto config = parse_text(
      with_auth("type: hmac-sha256\nkeys: [{id: 3, secret_file: " + key_file("k", kHexKey) +
                "}]\nmode: permissive\nreplay: time\nwindow: 10s\n"),
      "t.yaml");
  ASSERT_TRUE(config) << config.error().front().to_string();
  const auto& auth = *config->vrrp.instances.at(0).authentication;
  EXPECT_EQ(auth.send_key, 3);
  EXPECT_TRUE(auth.permissive);
  EXPECT_EQ(auth.window, std::chrono::seconds(10));
}

TEST_F(AuthConfig, DumpNamesTheKeyFileButNeverTheSecret) {
  const std::string path = key_file("k", std::string(32, 'S'));
  auto config = parse_text(
      with_auth("type: hmac-sha256\nkeys: [{id: 1, secret_file: " + path + "}]\n"), "t.yaml");
  ASSERT_TRUE(config);
  const std::string dumped = dump_yaml(*config);
  EXPECT_THAT(dumped, HasSubstr(path));
  EXPECT_THAT(dumped, HasSubstr("hmac-sha256"));
  EXPECT_THAT(dumped, ::testing::Not(HasSubstr("SSSS")));
  auto again = parse_text(dumped, "dump.yaml");
  ASSERT_TRUE(again) << again.error().front().to_string();
  EXPECT_EQ(*again->vrrp.instances.at(0).authentication,
            *config->vrrp.instances.at(0).authentication);
}

TEST_F(AuthConfig, WorldReadableKeyFileIsRefused) {
  const std::string path = key_file("k", kHexKey, 0644);
  EXPECT_THAT(
      errors_of(with_auth("type: hmac-sha256\nkeys: [{id: 1, secret_file: " + path + "}]\n")),
      ElementsAre("t.yaml:10:37: key file " + path +
                  " has mode 0644, readable or writable by others; keep it 0600 or 0640 "
                  "(chmod o-rwx,g-w)"));
}

TEST_F(AuthConfig, GroupWritableKeyFileIsRefused) {
  const std::string path = key_file("k", kHexKey, 0660);
  EXPECT_THAT(
      errors_of(with_auth("type: hmac-sha256\nkeys: [{id: 1, secret_file: " + path + "}]\n")).at(0),
      HasSubstr("has mode 0660"));
}

TEST_F(AuthConfig, MissingRelativeOrShortKeysAreRefusedWithoutQuotingThem) {
  const std::string shrt = key_file("short", "hex:00112233\n");
  const std::string bad_hex = key_file("bad", "hex:zz" + std::string(64, '0') + "\n");
  auto errors = errors_of(with_auth("type: hmac-sha256\nkeys:\n  - {id: 1, secret_file: " + dir_ +
                                    "/absent}\n  - {id: 2, secret_file: rel.key}\n"
                                    "  - {id: 3, secret_file: " +
                                    shrt +
                                    "}\n"
                                    "  - {id: 4, secret_file: " +
                                    bad_hex + "}\nsend_key: 1\n"));
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_THAT(errors[0], HasSubstr("absent cannot be opened: No such file or directory"));
  EXPECT_THAT(errors[1], HasSubstr("key file rel.key must be an absolute path"));
  EXPECT_THAT(errors[2], HasSubstr("holds a key of 4 bytes; 32 to 64 are required"));
  EXPECT_THAT(errors[2], ::testing::Not(HasSubstr("00112233")));
  EXPECT_THAT(errors[3], HasSubstr("holds 'hex:' but not an even number of hex digits"));
}

TEST_F(AuthConfig, EachStructuralErrorHasItsMessage) {
  const std::string k = key_file("k", kHexKey);
  EXPECT_THAT(errors_of(with_auth("type: hmac-md5\nkeys: [{id: 1, secret_file: " + k + "}]\n")),
              ElementsAre("t.yaml:9:15: 'type' must be one of hmac-sha256; got 'hmac-md5'"));
  EXPECT_THAT(errors_of(with_auth("type: hmac-sha256\nkeys: []\n")),
              ElementsAre("t.yaml:10:15: 'keys' must list at least one key"));
  EXPECT_THAT(errors_of(with_auth("type: hmac-sha256\nkeys:\n  - {id: 1, secret_file: " + k +
                                  "}\n  - {id: 1, secret_file: " + k + "}\nsend_key: 1\n")),
              ElementsAre("t.yaml:12:13: authentication key id 1 is defined twice (first at "
                          "11:13)"));
  EXPECT_THAT(errors_of(with_auth("type: hmac-sha256\nkeys:\n  - {id: 1, secret_file: " + k +
                                  "}\n  - {id: 2, secret_file: " + k + "}\n")),
              ElementsAre("t.yaml:9:9: 'send_key' must name the key adverts are signed with "
                          "when several keys are listed"));
  EXPECT_THAT(errors_of(with_auth("type: hmac-sha256\nkeys: [{id: 1, secret_file: " + k +
                                  "}]\nsend_key: 2\n")),
              ElementsAre("t.yaml:11:19: 'send_key' 2 is not one of the ids in 'keys'"));
  EXPECT_THAT(errors_of(with_auth("type: hmac-sha256\nkeys: [{id: 1, secret_file: " + k +
                                  "}]\nwindow: 500ms\n")),
              ElementsAre("t.yaml:11:17: 'window' must be whole seconds from 1s to 300s, got "
                          "500ms"));
  EXPECT_THAT(errors_of(with_auth("type: hmac-sha256\nkeys: [{id: 1, secret_file: " + k +
                                  "}]\nreplay: monotonic\nwindow: 5s\n")),
              ElementsAre("t.yaml:12:17: 'window' applies to 'replay: time' only"));
}

TEST_F(AuthConfig, AuthPasswordAndAuthenticationExcludeEachOther) {
  const std::string k = key_file("k", kHexKey);
  EXPECT_THAT(errors_of(with_instance("version: 2\nadvert_interval: 1s\nauth_password: secret\n"
                                      "authentication:\n  type: hmac-sha256\n  keys: [{id: 1, "
                                      "secret_file: " +
                                      k + "}]\n")),
              ElementsAre("t.yaml:12:9: 'authentication' and 'auth_password' exclude each "
                          "other; the HMAC replaces the VRRPv2 password"));
}

}  // namespace
}  // namespace hadirector::config::testing
