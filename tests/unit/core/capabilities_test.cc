// CapabilitySet arithmetic and names, and restrict_capabilities in a forked child: what it keeps
// is all the child has, in every set including the bounding set. The child part needs root.
#include "daemon/core/capabilities.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hadirector::core {
namespace {

TEST(CapabilitySet, NamesInNumberOrder) {
  EXPECT_EQ((CapabilitySet{CAP_NET_RAW, CAP_NET_ADMIN}).to_string(), "cap_net_admin,cap_net_raw");
  EXPECT_EQ(CapabilitySet().to_string(), "none");
  EXPECT_EQ(CapabilitySet{CAP_CHECKPOINT_RESTORE}.to_string(), "cap_checkpoint_restore");
}

TEST(CapabilitySet, ContainsAndMinus) {
  const CapabilitySet held{CAP_NET_ADMIN, CAP_NET_RAW};
  EXPECT_TRUE(held.contains(CapabilitySet{CAP_NET_RAW}));
  EXPECT_FALSE(held.contains(CapabilitySet{CAP_NET_RAW, CAP_SYS_NICE}));
  EXPECT_EQ((CapabilitySet{CAP_NET_RAW, CAP_SYS_NICE}).minus(held), CapabilitySet{CAP_SYS_NICE});
}

TEST(Capabilities, ReadsTheCallingProcess) {
  auto caps = current_capabilities();
  ASSERT_TRUE(caps.has_value()) << caps.error().message();
  EXPECT_TRUE(caps->permitted.contains(caps->effective));
}

TEST(Capabilities, RestrictLeavesOnlyTheKeptSetEverywhere) {
  auto caps = current_capabilities();
  ASSERT_TRUE(caps.has_value());
  if (!caps->permitted.has(CAP_SETPCAP) || !caps->permitted.has(CAP_NET_RAW))
    GTEST_SKIP() << "needs CAP_SETPCAP and CAP_NET_RAW (root; CI runs as root)";
  const CapabilitySet keep{CAP_NET_ADMIN, CAP_NET_RAW};
  pid_t child = ::fork();
  if (child == 0) {
    if (!restrict_capabilities(keep)) _exit(2);
    auto after = current_capabilities();
    if (!after) _exit(3);
    const bool ok = after->effective == keep && after->permitted == keep &&
                    after->inheritable.empty() && after->bounding == keep;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: restrict failed, 1: sets differ from the kept set";
}

}  // namespace
}  // namespace hadirector::core
