#include "daemon/cli_options.h"

#include <gtest/gtest.h>

namespace hadirector::daemon {
namespace {

TEST(CliOptions, DefaultsAreSystemPaths) {
  auto o = parse_cli({});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->config_path, "/etc/hadirector/hadirector.yaml");
  EXPECT_EQ(o->runtime_dir, "/run/hadirector");
  EXPECT_FALSE(o->check_config);
}

TEST(CliOptions, ParsesEveryDocumentedOption) {
  auto o = parse_cli({"-f", "a.yaml", "--check-config", "--dump-config", "--runtime-dir=/tmp/r",
                      "--log-level", "debug"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->config_path, "a.yaml");
  EXPECT_TRUE(o->check_config);
  EXPECT_TRUE(o->dump_config);
  EXPECT_EQ(o->runtime_dir, "/tmp/r");
  EXPECT_EQ(o->log_level, "debug");
}

TEST(CliOptions, OptionWithoutValueIsAnError) {
  auto o = parse_cli({"-f"});
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().message(), "option -f needs a value");
}

TEST(CliOptions, UnknownOptionIsAnError) {
  auto o = parse_cli({"--daemonize"});
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().message(), "unknown option '--daemonize' (see --help)");
}

TEST(CliOptions, WorkerModeNeedsAnIpcDescriptor) {
  EXPECT_FALSE(parse_cli({"--worker", "vrrp"}));
  EXPECT_FALSE(parse_cli({"--worker", "vrrp", "--ipc-fd", "x3"}));
  auto o = parse_cli({"--worker", "vrrp", "--ipc-fd", "3"});
  ASSERT_TRUE(o);
  EXPECT_EQ(*o->worker, "vrrp");
  EXPECT_EQ(o->ipc_fd, 3);
}

}  // namespace
}  // namespace hadirector::daemon
