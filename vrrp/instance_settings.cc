// InstanceSettings: config::VrrpInstance in and out, the rare values in a block of their own.
#include "vrrp/instance_settings.h"

namespace hadirector::vrrp {

// A field added to config::VrrpInstance must be carried here too (constructor, to_config),
// or a reload changing only it would go unnoticed: this fails to compile until it is.
static_assert(sizeof(config::VrrpInstance) == 544,
              "config::VrrpInstance changed: carry the new field in InstanceSettings");

InstanceSettings::InstanceSettings(const config::VrrpInstance& c)
    : name(c.name),
      interface(c.interface),
      virtual_addresses(c.virtual_addresses),
      advert_interval(c.advert_interval),
      preempt_delay(c.preempt_delay),
      garp(c.garp),
      priority(static_cast<int16_t>(c.priority)),
      family(static_cast<uint16_t>(c.family)),
      vrid(static_cast<uint8_t>(c.vrid)),
      version(static_cast<uint8_t>(c.version)),
      preempt(c.preempt),
      accept(c.accept),
      checksum_pseudo_header(c.checksum_pseudo_header),
      vmac(c.vmac) {
  if (c.auth_password || c.unicast || c.authentication || !(c.track == config::Track{}) ||
      !(c.notify == config::Notify{}))
    rare_ = std::make_unique<Rare>(
        Rare{c.auth_password, c.unicast, c.authentication, c.track, c.notify});
}

config::VrrpInstance InstanceSettings::to_config() const {
  config::VrrpInstance c;
  c.name = name;
  c.interface = interface;
  c.vrid = vrid;
  c.priority = priority;
  c.version = version;
  c.family = family;
  c.advert_interval = advert_interval;
  c.preempt = preempt;
  c.preempt_delay = preempt_delay;
  c.accept = accept;
  c.checksum_pseudo_header = checksum_pseudo_header;
  c.vmac = vmac;
  c.auth_password = auth_password();
  c.virtual_addresses = virtual_addresses;
  c.unicast = unicast();
  c.authentication = authentication();
  c.track = track();
  c.notify = notify();
  c.garp = garp;
  return c;
}

bool InstanceSettings::matches(const config::VrrpInstance& c) const {
  // Rare at run time (a reload's diff), so the one comparison config::VrrpInstance defines.
  return to_config() == c;
}

const InstanceSettings::Rare& InstanceSettings::rare() const {
  static const Rare kNone;
  return rare_ ? *rare_ : kNone;
}

const std::optional<std::string>& InstanceSettings::auth_password() const {
  return rare().auth_password;
}
const std::optional<config::Unicast>& InstanceSettings::unicast() const { return rare().unicast; }
const std::optional<config::Authentication>& InstanceSettings::authentication() const {
  return rare().authentication;
}
const config::Track& InstanceSettings::track() const { return rare().track; }
const config::Notify& InstanceSettings::notify() const { return rare().notify; }

}  // namespace hadirector::vrrp
