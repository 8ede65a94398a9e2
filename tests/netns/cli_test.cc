// hadirectord's offline commands (--check-config, --dump-config) and the shipped systemd unit,
// checked with the real binaries and the real systemd-analyze.
#include <filesystem>
#include <regex>

#include <gtest/gtest.h>

#include "tests/netns/daemon_harness.h"
#include "tests/common/test_paths.h"

namespace hadirector::testing {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/hd-cli-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name, const std::string& text) const {
    write_file(path_ + "/" + name, text);
    return path_ + "/" + name;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(CheckConfig, ExitsZeroForEveryShippedExample) {
  for (const auto& entry : std::filesystem::directory_iterator(std::string(HD_SOURCE_DIR) + "/etc")) {
    if (entry.path().extension() != ".yaml") continue;
    auto r = run_command({binary_path("hadirectord"), "--check-config", "-f", entry.path()});
    EXPECT_EQ(r.exit_code, 0) << entry.path() << "\n" << r.err;
  }
}

TEST(CheckConfig, ExitsOneAndPrintsFileLineColumn) {
  TempDir dir;
  auto path = dir.file("bad.yaml", "version: 1\nvrrp:\n  realtim: true\n");
  auto r = run_command({binary_path("hadirectord"), "--check-config", "-f", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(path + ":3:3: unknown key 'realtim'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean 'realtime'"), std::string::npos) << r.err;
}

TEST(CheckConfig, CheckerTypesValidateTheirOwnKeys) {
  TempDir dir;
  auto path = dir.file("checks.yaml", R"(version: 1
virtual_servers:
  - name: web-http
    address: 192.0.2.100:80
    real_servers:
      - address: 198.51.100.11:80
        checks:
          - {type: http, path: /healthz, bogus: 1}
          - {type: htp}
)");
  auto r = run_command({binary_path("hadirectord"), "--check-config", "-f", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(path + ":8:42: unknown key 'bogus' in http check"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(path + ":9:13: unknown check type 'htp'; did you mean 'http'?"),
            std::string::npos)
      << r.err;
}

TEST(CheckConfig, MissingFileIsAnError) {
  auto r = run_command({binary_path("hadirectord"), "--check-config", "-f", "/nonexistent.yaml"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent.yaml"), std::string::npos) << r.err;
}

TEST(DumpConfig, OutputIsValidAndStable) {
  TempDir dir;
  auto first = run_command({binary_path("hadirectord"), "--dump-config", "-f",
                            std::string(HD_SOURCE_DIR) + "/etc/hadirector.yaml"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto dumped = dir.file("dumped.yaml", first.out);
  auto second = run_command({binary_path("hadirectord"), "--dump-config", "-f", dumped});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(first.out, second.out);
}

TEST(Cli, UnknownOptionExitsTwo) {
  auto r = run_command({binary_path("hadirectord"), "--frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown option '--frobnicate'"), std::string::npos);
}

TEST(SystemdUnit, PassesSystemdAnalyzeVerify) {
  if (run_command({"sh", "-c", "command -v systemd-analyze"}).exit_code != 0) {
    GTEST_SKIP() << "systemd-analyze is not installed (scripts/setup-deps.sh installs systemd)";
  }
  TempDir dir;
  // Point the unit at the build tree's binaries, which is all systemd-analyze needs to exist.
  std::string unit = read_file(std::string(HD_SOURCE_DIR) + "/systemd/hadirectord.service");
  unit = std::regex_replace(unit, std::regex("/usr/local/sbin/hadirectord"),
                            binary_path("hadirectord"));
  auto path = dir.file("hadirectord.service", unit);
  auto r = run_command({"systemd-analyze", "verify", path});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "") << "systemd-analyze warned";
}

}  // namespace
}  // namespace hadirector::testing
