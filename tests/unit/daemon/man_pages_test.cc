// The man pages in daemon/man: they render without a single groff warning, and they keep up
// with the code: every hadirectorctl command (as the bash completion lists them) and every
// top-level key of the reference configuration appears in them.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>
#include "tests/common/test_paths.h"

namespace {

const std::string kSource = HD_SOURCE_DIR;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// stdout and stderr of a shell command, and its exit status.
std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return {-1, "popen failed"};
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return {::pclose(p), out};
}

// The page as text a reader sees (fonts and escapes gone), for the "appears in" checks.
std::string rendered(const std::string& page) {
  return run("groff -man -Tutf8 -P-cbou " + kSource + "/daemon/man/" + page).second;
}

TEST(ManPages, RenderWithoutWarnings) {
  if (run("command -v groff").first != 0) GTEST_SKIP() << "groff not installed";
  for (const char* page : {"hadirectord.8", "hadirectorctl.8", "hadirector.yaml.5"}) {
    auto [status, out] = run("groff -man -ww -z " + kSource + "/daemon/man/" + page);
    EXPECT_EQ(status, 0) << page;
    EXPECT_EQ(out, "") << page;
    // man's own check also flags lines it cannot justify at its 80-column width.
    if (run("command -v man").first == 0) {
      auto [s2, out2] = run("MANWIDTH=80 man --warnings -l " + kSource + "/daemon/man/" + page +
                            " 2>&1 >/dev/null");
      EXPECT_EQ(s2, 0) << page;
      EXPECT_EQ(out2, "") << page;
    }
  }
}

TEST(ManPages, HadirectorctlPageNamesEveryCommand) {
  if (run("command -v groff").first != 0) GTEST_SKIP() << "groff not installed";
  const std::string completion = read(kSource + "/etc/bash-completion/hadirectorctl");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(completion, m, std::regex(R"(local commands="([^"]+)\")")));
  const std::string page = rendered("hadirectorctl.8");
  std::istringstream words(m[1].str());
  int n = 0;
  for (std::string cmd; words >> cmd; ++n)
    EXPECT_NE(page.find("\n       " + cmd), std::string::npos) << "command " << cmd;
  EXPECT_GE(n, 8);
}

TEST(ManPages, ConfigurationPageNamesEveryTopLevelKey) {
  if (run("command -v groff").first != 0) GTEST_SKIP() << "groff not installed";
  const std::string reference = read(kSource + "/etc/hadirector.yaml");
  const std::string page = rendered("hadirector.yaml.5");
  std::regex key(R"(^([a-z_]+):)", std::regex::multiline);
  int n = 0;
  for (auto it = std::sregex_iterator(reference.begin(), reference.end(), key);
       it != std::sregex_iterator(); ++it, ++n)
    EXPECT_NE(page.find("\n       " + (*it)[1].str()), std::string::npos) << "key " << (*it)[1];
  EXPECT_GE(n, 7);
}

}  // namespace
