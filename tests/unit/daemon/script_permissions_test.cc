// Scripts, notify commands and exec checks that would run as root from a file someone else could
// change are refused at configuration load, with FILE:LINE:COL; a configured `user` or a safe
// file passes. Files are made in a private temporary directory; ownership tests need root (CI).
#include "daemon/script_permissions.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "daemon/config_loading.h"

namespace hadirector::daemon {
namespace {

class ScriptPermissions : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "ownership checks need root (CI runs as root)";
    char tmpl[] = "/tmp/hd-scriptperm-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    script_ = dir_ + "/check.sh";
    std::ofstream(script_) << "#!/bin/sh\nexit 0\n";
    ::chmod(script_.c_str(), 0755);
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  config::LoadResult load(const std::string& yaml) { return load_config_text(yaml, "test.yaml"); }
  std::string vrrp_script_yaml(const std::string& extra = "") {
    return "version: 1\nvrrp:\n  scripts:\n    - {name: probe, command: [" + script_ + "]" + extra +
           "}\n";
  }
  std::string dir_, script_;
};

TEST_F(ScriptPermissions, RootOwnedScriptInAPrivateDirectoryPasses) {
  EXPECT_EQ(unsafe_for_root(script_), std::nullopt);
  EXPECT_TRUE(load(vrrp_script_yaml()).has_value());
}

TEST_F(ScriptPermissions, GroupWritableScriptIsRefused) {
  ::chmod(script_.c_str(), 0775);
  EXPECT_EQ(unsafe_for_root(script_), script_ + " is writable by group or other (mode 0775)");
}

TEST_F(ScriptPermissions, OtherWritableParentDirectoryIsRefused) {
  ::chmod(dir_.c_str(), 0777);
  EXPECT_EQ(unsafe_for_root(script_), dir_ + " is writable by group or other (mode 0777)");
}

TEST_F(ScriptPermissions, RootOwnedStickyDirectoryIsAccepted) {
  ::chmod(dir_.c_str(), 01777);  // like /tmp: others cannot replace root's file
  EXPECT_EQ(unsafe_for_root(script_), std::nullopt);
}

TEST_F(ScriptPermissions, ScriptOwnedByAnotherUserIsRefused) {
  ASSERT_EQ(::chown(script_.c_str(), 65534, 65534), 0);
  EXPECT_EQ(unsafe_for_root(script_), script_ + " belongs to uid 65534, not root");
}

TEST_F(ScriptPermissions, SymlinkIsJudgedByTheFileItPointsTo) {
  ::chmod(script_.c_str(), 0777);
  const std::string link = dir_ + "/link.sh";
  std::filesystem::create_symlink(script_, link);
  EXPECT_EQ(unsafe_for_root(link), script_ + " is writable by group or other (mode 0777)");
}

TEST_F(ScriptPermissions, MissingProgramIsLeftToTheSpawnError) {
  EXPECT_EQ(unsafe_for_root(dir_ + "/absent"), std::nullopt);
}

TEST_F(ScriptPermissions, UnsafeVrrpScriptFailsTheLoadAtItsBlock) {
  ::chmod(script_.c_str(), 0757);
  auto loaded = load(vrrp_script_yaml());
  ASSERT_FALSE(loaded.has_value());
  ASSERT_EQ(loaded.error().size(), 1u);
  EXPECT_EQ(
      loaded.error()[0].to_string(),
      "test.yaml:4:7: script 'probe' runs as root from a file others could change: " + script_ +
          " is writable by group or other (mode 0757); make it root's and not "
          "group/other-writable, or set 'user'");
}

TEST_F(ScriptPermissions, ScriptRunAsAUserIsNotJudged) {
  ::chmod(script_.c_str(), 0777);
  EXPECT_TRUE(load(vrrp_script_yaml(", user: nobody")).has_value());
  EXPECT_TRUE(load("version: 1\nglobal: {script_user: nobody}\n" +
                   vrrp_script_yaml().substr(std::string("version: 1\n").size()))
                  .has_value());
}

TEST_F(ScriptPermissions, UnsafeNotifyCommandFailsTheLoad) {
  ::chmod(script_.c_str(), 0777);
  auto loaded = load(
      "version: 1\nvrrp:\n  instances:\n    - {name: web, interface: eth0, vrid: 51, "
      "virtual_addresses: [192.0.2.100/24], notify: {master: [" +
      script_ + "]}}\n");
  ASSERT_FALSE(loaded.has_value());
  EXPECT_NE(
      loaded.error()[0].to_string().find("test.yaml:4:7: notify of instance 'web' runs as root"),
      std::string::npos)
      << loaded.error()[0].to_string();
}

TEST_F(ScriptPermissions, UnsafeExecCheckFailsTheLoadAtItsCommandUnlessItHasAUser) {
  ::chmod(dir_.c_str(), 0770);
  const std::string head =
      "version: 1\nvirtual_servers:\n  - name: web\n    address: 192.0.2.100:80\n"
      "    real_servers:\n      - address: 198.51.100.1:80\n        checks:\n"
      "          - {type: exec, command: [" +
      script_ + "]";
  auto loaded = load(head + "}\n");
  ASSERT_FALSE(loaded.has_value());
  EXPECT_NE(loaded.error()[0].to_string().find("test.yaml:8:35: exec check of web runs as root"),
            std::string::npos)
      << loaded.error()[0].to_string();
  EXPECT_TRUE(load(head + ", user: nobody}\n").has_value());
}

}  // namespace
}  // namespace hadirector::daemon
