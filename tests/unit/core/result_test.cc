#include "daemon/core/result.h"

#include <gtest/gtest.h>

namespace hadirector::core {
namespace {

TEST(Error, SystemErrorMessageNamesErrnoAndContext) {
  Error e = Error::from_errno(EEXIST, "add VIP 192.0.2.10/24 on eth0");
  EXPECT_EQ(e.message(), "add VIP 192.0.2.10/24 on eth0: EEXIST (File exists)");
}

TEST(Error, WrapPrefixesOuterContext) {
  Error e = Error(Errc::kInvalid, "bad vrid").wrap("instance web");
  EXPECT_EQ(e.message(), "instance web: bad vrid");
  EXPECT_EQ(e.code(), Errc::kInvalid);
}

TEST(Result, FailProducesUnexpected) {
  Result<int> r = fail(Errc::kNotFound, "no such instance");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Errc::kNotFound);
}

}  // namespace
}  // namespace hadirector::core
