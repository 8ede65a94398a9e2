// What a running VrrpInstance keeps of its config::VrrpInstance: every value, so a reload still
// compares the whole configuration (matches()), but what most instances leave empty (tracking,
// notify scripts, unicast, authentication, a password) sits in one block made only when one of
// them is set. config::VrrpInstance is 544 bytes; this is 152 (and no block) for a plain instance.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/config.h"

namespace hadirector::vrrp {

class InstanceSettings {
 public:
  explicit InstanceSettings(const config::VrrpInstance& c);
  InstanceSettings(InstanceSettings&&) noexcept = default;
  InstanceSettings& operator=(InstanceSettings&&) noexcept = default;

  // The configuration back (its Origin is not kept: == ignores it).
  config::VrrpInstance to_config() const;
  // Whether `c` is this configuration: what a reload's diff asks of every instance.
  bool matches(const config::VrrpInstance& c) const;

  std::string name;
  std::string interface;
  std::vector<config::IpPrefix> virtual_addresses;
  config::Duration advert_interval;
  config::Duration preempt_delay;
  config::Garp garp;
  int16_t priority;
  uint16_t family;  // AF_INET or AF_INET6
  uint8_t vrid;
  uint8_t version;
  bool preempt;
  bool accept;
  bool checksum_pseudo_header;
  bool vmac;

  // The rarely set values; empty ones when the instance has none.
  const std::optional<std::string>& auth_password() const;
  const std::optional<config::Unicast>& unicast() const;
  const std::optional<config::Authentication>& authentication() const;
  const config::Track& track() const;
  const config::Notify& notify() const;

 private:
  struct Rare {
    std::optional<std::string> auth_password;
    std::optional<config::Unicast> unicast;
    std::optional<config::Authentication> authentication;
    config::Track track;
    config::Notify notify;
  };
  const Rare& rare() const;
  std::unique_ptr<Rare> rare_;  // null: all of them empty
};

}  // namespace hadirector::vrrp
