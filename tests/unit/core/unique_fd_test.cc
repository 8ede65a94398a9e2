#include "daemon/core/unique_fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>

namespace hadirector::core {
namespace {

bool is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

TEST(UniqueFd, ClosesOnDestruction) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  { UniqueFd r(fds[0]); }
  EXPECT_FALSE(is_open(fds[0]));
  close(fds[1]);
}

TEST(UniqueFd, MoveTransfersOwnership) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  UniqueFd a(fds[0]);
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a.valid());
  EXPECT_EQ(b.get(), fds[0]);
  UniqueFd c(fds[1]);
  c = std::move(b);  // closes fds[1], takes fds[0]
  EXPECT_FALSE(is_open(fds[1]));
  EXPECT_EQ(c.get(), fds[0]);
  EXPECT_TRUE(is_open(fds[0]));
}

TEST(UniqueFd, ReleaseGivesUpOwnershipWithoutClosing) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  int raw = -1;
  {
    UniqueFd r(fds[0]);
    raw = r.release();
    EXPECT_FALSE(r);
  }
  EXPECT_TRUE(is_open(raw));
  close(raw);
  close(fds[1]);
}

TEST(UniqueFd, ResetClosesOldAndTakesNew) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  UniqueFd r(fds[0]);
  r.reset(fds[1]);
  EXPECT_FALSE(is_open(fds[0]));
  EXPECT_EQ(r.get(), fds[1]);
  r.reset();
  EXPECT_FALSE(is_open(fds[1]));
  EXPECT_EQ(r.get(), -1);
}

}  // namespace
}  // namespace hadirector::core
