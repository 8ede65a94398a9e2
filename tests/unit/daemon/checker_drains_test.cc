// DrainStore: persistence of operator drains, tolerance of a missing or corrupt file.
#include "daemon/checker_drains.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace hadirector::daemon {
namespace {

class DrainStoreTest : public ::testing::Test {
 protected:
  DrainStoreTest() {
    char tmpl[] = "/tmp/hd-drains-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  ~DrainStoreTest() override { std::filesystem::remove_all(dir_); }
  std::string path() const { return dir_ + "/state/drains.json"; }
  std::string dir_;
};

TEST_F(DrainStoreTest, MissingFileMeansNoDrains) {
  DrainStore store(path());
  EXPECT_EQ(store.size(), 0u);
}

TEST_F(DrainStoreTest, DrainsSurviveReopeningAndCreateTheStateDir) {
  {
    DrainStore store(path());
    ASSERT_TRUE(store.set("web", "198.51.100.11:80", true));
    ASSERT_TRUE(store.set("web", "198.51.100.12:80", true));
    ASSERT_TRUE(store.set("web", "198.51.100.12:80", false));
  }
  DrainStore again(path());
  EXPECT_TRUE(again.drained("web", "198.51.100.11:80"));
  EXPECT_FALSE(again.drained("web", "198.51.100.12:80"));
  EXPECT_FALSE(std::filesystem::exists(path() + ".tmp"));
}

TEST_F(DrainStoreTest, CorruptFileIsTreatedAsEmpty) {
  std::filesystem::create_directories(dir_ + "/state");
  std::ofstream(path()) << "{\"drains\": [ {\"virtual_server\": ";
  DrainStore store(path());
  EXPECT_EQ(store.size(), 0u);
  ASSERT_TRUE(store.set("web", "198.51.100.11:80", true));
  EXPECT_TRUE(DrainStore(path()).drained("web", "198.51.100.11:80"));
}

TEST_F(DrainStoreTest, MalformedEntriesAreSkipped) {
  std::filesystem::create_directories(dir_ + "/state");
  std::ofstream(path()) << R"({"drains": [42, {"virtual_server": "web", "real_server": "a:1"}]})";
  DrainStore store(path());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_TRUE(store.drained("web", "a:1"));
}

}  // namespace
}  // namespace hadirector::daemon
