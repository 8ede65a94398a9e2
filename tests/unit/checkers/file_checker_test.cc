// The file check type: validation messages, how contents map to verdicts and advice, and real
// files (missing, too large, not regular) in a temporary directory.
#include "checkers/file/file_checker.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/checkers/node_builder.h"
#include "tests/unit/checkers/type_test_support.h"

namespace hadirector::checkers {
namespace {

using file::interpret_file_state;
using testing::map;
using testing::scalar;

class FileCheck : public testing::TypeTest {
 protected:
  void SetUp() override {
    TypeTest::SetUp();
    char pattern[] = "/tmp/hd-file-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ProbeResult read(const std::string& path, const char* missing = nullptr) {
    auto params = missing ? map({{"path", scalar(path)}, {"missing", scalar(missing)}})
                          : map({{"path", scalar(path)}});
    auto checker = make(factory_, params);
    return checker ? probe(*checker) : ProbeResult::failure("no-checker");
  }
  std::string write(const std::string& name, const std::string& contents) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << contents;
    return path;
  }

  FileCheckerFactory factory_;
  std::string dir_;
};

TEST_F(FileCheck, PathIsRequiredAndReportedAtTheCheck) {
  EXPECT_EQ(only_error(factory_, map({{"missing", scalar("up")}})),
            "checks.yaml:1:1: file check needs 'path', the state file to read");
}

TEST_F(FileCheck, PathMustBeAbsolute) {
  EXPECT_EQ(only_error(factory_, map({{"path", scalar("state")}})),
            "checks.yaml:2:10: 'path' must be an absolute path, not 'state'");
}

TEST_F(FileCheck, MissingIsUpOrDown) {
  EXPECT_EQ(only_error(factory_, map({{"path", scalar("/x")}, {"missing", scalar("drain")}})),
            "checks.yaml:3:10: 'missing' must be 'up' or 'down', not 'drain'");
}

TEST(FileState, KeywordsAreCaseInsensitiveAndWhitespaceTolerant) {
  EXPECT_TRUE(interpret_file_state("up\n").ok);
  EXPECT_TRUE(interpret_file_state("  UP  ").ok);
  auto down = interpret_file_state("down # deploying\n");
  EXPECT_FALSE(down.ok);
  EXPECT_EQ(down.reason, "file-down");
}

TEST(FileState, DrainAndMaintPassWithAdministrativeAdvice) {
  auto drain = interpret_file_state("drain\n");
  EXPECT_TRUE(drain.ok);
  ASSERT_TRUE(drain.agent);
  EXPECT_EQ(drain.agent->admin, AgentAdmin::kDrain);
  auto maint = interpret_file_state("Maint");
  ASSERT_TRUE(maint.agent);
  EXPECT_EQ(maint.agent->admin, AgentAdmin::kMaint);
}

TEST(FileState, ANumberIsAWeightPercentage) {
  for (const char* text : {"50", "50%", "50\n"}) {
    auto result = interpret_file_state(text);
    ASSERT_TRUE(result.agent) << text;
    EXPECT_EQ(result.agent->weight_percent, 50u) << text;
  }
  EXPECT_EQ(interpret_file_state("0").agent->weight_percent, 0u);
}

TEST(FileState, OtherContentsAreBad) {
  for (const char* text : {"", "\n", "maybe", "-5", "25601", "50%%", "5O"})
    EXPECT_EQ(interpret_file_state(text).reason, "file-bad-content") << text;
}

TEST_F(FileCheck, ReadsTheFileOnEveryProbe) {
  const std::string path = write("state", "up\n");
  auto checker = make(factory_, map({{"path", scalar(path)}}));
  EXPECT_TRUE(probe(*checker).ok);
  write("state", "down\n");
  EXPECT_EQ(probe(*checker).reason, "file-down");
}

TEST_F(FileCheck, AMissingFileIsDownUnlessMissingUp) {
  EXPECT_EQ(read(dir_ + "/none").reason, "file-missing");
  EXPECT_TRUE(read(dir_ + "/none", "up").ok);
  EXPECT_EQ(read(dir_ + "/none", "down").reason, "file-missing");
}

TEST_F(FileCheck, AFileOverTheCapIsRefused) {
  const std::string path = write("big", "up" + std::string(file::kMaxFileSize, ' '));
  EXPECT_EQ(read(path).reason, "file-too-large");
}

TEST_F(FileCheck, AFifoIsNotReadAndDoesNotBlock) {
  const std::string path = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  EXPECT_EQ(read(path).reason, "file-not-regular");
  EXPECT_EQ(read(dir_).reason, "file-not-regular");
}

}  // namespace
}  // namespace hadirector::checkers
