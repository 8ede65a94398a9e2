// VrrpInstance's shell: binding to the interface's shared socket, the cached source address,
// receiving (check_advert, drops counted and logged at a bounded rate), sending adverts to the
// group or each unicast peer, VIPs and gratuitous announcements, link state.
#include <algorithm>

#include "vrrp/instance.h"
#include "vrrp/io/address_convert.h"
#include "vrrp/packet.h"

namespace hadirector::vrrp {

bool VrrpInstance::bind() {
  auto link = deps_.addresses.link(config_.interface);
  if (!link) {
    core::log_warning(
        "vrrp instance " + config_.name + ": " + link.error().message() +
            "; FAULT until the interface appears",
        {{"HADIRECTOR_INSTANCE", config_.name}, {"HADIRECTOR_EVENT", "vrrp-interface-missing"}});
    return false;
  }
  ifindex_ = link->ifindex;
  mac_ = link->mac;
  auto socket = deps_.sockets.acquire(ifindex_, receive_.family);
  if (!socket) {
    core::log_error(
        "vrrp instance " + config_.name + ": " + socket.error().message() +
            "; FAULT until the interface comes back",
        {{"HADIRECTOR_INSTANCE", config_.name}, {"HADIRECTOR_EVENT", "vrrp-socket-error"}});
    return false;
  }
  socket_ = *socket;
  socket_sub_ = socket_->subscribe_vrid(
      receive_.vrid, [this](std::span<const uint8_t> payload, const PacketFacts& facts) {
        on_packet(payload, facts);
      });
  refresh_source();
  link_up_ = link->up && link->running;
  bind_vmac();
  // The tie-break needs our address: the machine was built before we knew it.
  if (machine_->state() == State::kInitialize) fresh_machine();
  return true;
}

// Off the advert path: looked up when the interface's addresses change, used on every send.
void VrrpInstance::refresh_source() {
  if (config_.unicast() && config_.unicast()->source) {
    source_ = to_vrrp_address(*config_.unicast()->source);
    return;
  }
  auto found = receive_.family == Family::kIpv4
                   ? deps_.addresses.primary_ipv4(config_.interface)
                   : deps_.addresses.ipv6_link_local(config_.interface);
  if (found && *found) {
    source_ = to_vrrp_address(**found);
  } else {
    source_.reset();
  }
}

// A burst of address events (thousands when a host reconfigures) costs one lookup, not one per
// event: each lookup is a netlink dump, and doing them inline starved the advert timer.
void VrrpInstance::refresh_source_soon() {
  constexpr std::chrono::milliseconds kCoalesce{10};
  if (source_refresh_) return;
  source_refresh_ = deps_.scheduler.schedule_at(deps_.scheduler.now() + kCoalesce, [this] {
    source_refresh_ = core::Handle();
    refresh_source();
  });
}

void VrrpInstance::on_packet(std::span<const uint8_t> payload, const PacketFacts& facts) {
  if (facts.ifindex != 0 && facts.ifindex != ifindex_) return;
  if (source_ && facts.source == *source_) return;  // our own, looped back
  IpFacts ip{facts.ttl, facts.source, facts.destination,
             receive_.auth.enabled() ? wall_seconds() : 0};
  ReceiveResult result = check_advert(payload, ip, receive_);
  if (auto* dropped = std::get_if<Dropped>(&result)) {
    count_drop(dropped->reason, facts.source);
    return;
  }
  auto* accepted = std::get_if<Accepted>(&result);
  if (!accepted) return;  // another VRID on the shared socket
  if (!auth_fresh(*accepted, facts.source, ip.now_unix_seconds)) {
    count_drop(DropReason::kAuthReplay, facts.source);
    return;
  }
  ++counters_.adverts_received;
  if (accepted->address_list_mismatch) {
    ++counters_.address_list_mismatches;
    drop_log().log(core::LogLevel::kWarning, "address-list " + address_text(facts.source),
                  "vrrp instance " + config_.name + ": advert from " + address_text(facts.source) +
                      " lists other addresses than ours",
                  {{"HADIRECTOR_INSTANCE", config_.name},
                   {"HADIRECTOR_EVENT", "vrrp-address-list-mismatch"}});
  }
  const Advert& advert = accepted->advert;
  if (advert.priority == kPriorityStop) ++counters_.priority_zero_received;
  if (advert.priority != kPriorityStop) master_address_ = facts.source;
  feed(AdvertReceived{advert.priority, advert.max_adver_interval, facts.source});
  if (state() == State::kMaster) master_address_ = source_;
}

// Logged per reason, not per sender: a flood from random sources would otherwise earn each
// source its own burst of lines. The line names the sender it was written for, and the counters
// count every drop. Nothing is formatted for a suppressed line.
void VrrpInstance::count_drop(DropReason reason, const IpAddress& from) {
  ++counters_.drops[static_cast<size_t>(reason)];
  const char* name = drop_reason_name(reason);
  drop_log().log_lazy(
      core::LogLevel::kWarning, name,
      [&] {
        return "vrrp instance " + config_.name + ": dropped advert from " + address_text(from) +
               " (" + name + ")";
      },
      {{"HADIRECTOR_INSTANCE", config_.name}, {"HADIRECTOR_EVENT", "vrrp-advert-dropped"}});
}

void VrrpInstance::on_link(const LinkState& link) {
  if (link.name != config_.interface && link.ifindex != ifindex_) return;
  if (!socket_ || link.ifindex != ifindex_) {
    // The interface (re)appeared: bind to it, and start over with a machine that knows our
    // address (the tie-break needs it).
    if (!link.present || !link.up || !link.running) return;
    const State before = state();
    socket_sub_.cancel();
    socket_.reset();
    if (!bind() || !started_) return;
    rebuild(State::kBackup);
    report(before, state(), reason_code(Reason::kInterfaceUp));
    return;
  }
  const bool up = link.present && link.up && link.running;
  if (up == link_up_) return;
  link_up_ = up;
  if (up) {
    refresh_source();
    feed(InterfaceUp{});
  } else {
    feed(InterfaceDown{});
  }
}

void VrrpInstance::send_advert(uint8_t priority) {
  // A finished burst (no `repeat`) is made again by the next announcement: kept, it held 128
  // bytes per MASTER instance for good (128 KB at 1,000).
  if (burst_ && !burst_->running()) burst_.reset();
  if (!socket_ || !source_) {
    ++counters_.send_errors;
    drop_log().log(core::LogLevel::kWarning, "no-source",
                  "vrrp instance " + config_.name + ": cannot advertise, no source address on " +
                      config_.interface,
                  {{"HADIRECTOR_INSTANCE", config_.name}, {"HADIRECTOR_EVENT", "vrrp-no-source"}});
    return;
  }
  Advert advert;
  advert.version = static_cast<uint8_t>(config_.version);
  advert.vrid = static_cast<uint8_t>(config_.vrid);
  advert.priority = priority;
  advert.max_adver_interval = config_.advert_interval;
  advert.family = receive_.family;
  advert.addresses = receive_.virtual_addresses;
  advert.auth_type = receive_.auth_type;
  advert.auth_data = receive_.auth_password;
  const ChecksumVariant variant = config_.checksum_pseudo_header ? ChecksumVariant::kPseudoHeader
                                                                 : ChecksumVariant::kMessageOnly;
  std::vector<IpAddress> destinations;
  if (config_.unicast()) {
    for (const auto& peer : config_.unicast()->peers) destinations.push_back(to_vrrp_address(peer));
  } else {
    destinations.push_back(vrrp_group(receive_.family));
  }
  // One sequence per advert: every unicast peer gets the same signed message.
  const std::optional<uint64_t> auth_sequence = next_auth_sequence();
  for (const IpAddress& to : destinations) {
    auto bytes = encode_advert(advert, *source_, to, variant);
    if (bytes && auth_sequence) sign_advert(*bytes, *auth_sequence, to);
    VrrpSocket& out = vmac_ && vmac_->socket ? *vmac_->socket : *socket_;
    core::Status sent =
        bytes ? out.send(*bytes, to, *source_) : core::Status(std::unexpected(bytes.error()));
    if (sent) {
      ++counters_.adverts_sent;
      if (priority == kPriorityStop) ++counters_.priority_zero_sent;
    } else {
      ++counters_.send_errors;
      drop_log().log(
          core::LogLevel::kWarning, "send " + address_text(to),
          "vrrp instance " + config_.name + ": " + sent.error().message(),
          {{"HADIRECTOR_INSTANCE", config_.name}, {"HADIRECTOR_EVENT", "vrrp-send-error"}});
    }
  }
}

void VrrpInstance::add_vips(const std::vector<config::IpPrefix>& vips) { change_vips(true, vips); }

void VrrpInstance::remove_vips(const std::vector<config::IpPrefix>& vips) {
  change_vips(false, vips);
}

void VrrpInstance::change_vips(bool add, const std::vector<config::IpPrefix>& vips) {
  for (const auto& vip : vips) {
    core::Status s = add ? deps_.addresses.add_address(vip_link(), vip)
                         : deps_.addresses.remove_address(vip_link(), vip);
    if (!s) {
      ++counters_.vip_errors;
      core::log_error(
          "vrrp instance " + config_.name + ": " + s.error().message(),
          {{"HADIRECTOR_INSTANCE", config_.name}, {"HADIRECTOR_EVENT", "vrrp-vip-error"}});
    }
  }
}

void VrrpInstance::announce(const std::vector<config::IpPrefix>& vips) {
  if (vips.empty()) return;
  std::vector<Announcement> announcements;
  for (const auto& vip : vips)
    announcements.push_back(
        vmac_ && vmac_->link
            ? Announcement{vmac_->link->ifindex, vmac_->link->name, vmac_->link->mac, vip.addr,
                           false}
            : Announcement{ifindex_, config_.interface, mac_, vip.addr, false});
  if (!burst_) burst_ = std::make_unique<GratuitousBurst>(deps_.scheduler, deps_.gratuitous);
  burst_->start(std::move(announcements), config_.garp);
}

bool VrrpInstance::vips_present() {
  auto present = deps_.addresses.addresses(vip_link());
  if (!present) return false;
  return std::ranges::any_of(config_.virtual_addresses, [&](const config::IpPrefix& vip) {
    return std::ranges::any_of(*present,
                               [&](const config::IpPrefix& p) { return p.addr == vip.addr; });
  });
}

// RFC 5798 §7.3. A VMAC that cannot be made is logged and the instance runs on the interface
// with its own MAC: the VIP keeps working, only its MAC changes on failover.
void VrrpInstance::bind_vmac() {
  if (!config_.vmac || !vmac_ || vmac_->manager == nullptr || vmac_->link) return;
  VmacSpec spec;
  spec.parent = config_.interface;
  spec.vrid = static_cast<uint8_t>(config_.vrid);
  spec.ipv6 = receive_.family == Family::kIpv6;
  // Bridge mode: a private macvlan swallows arriving multicast whose source MAC is its own, and
  // the master's adverts carry exactly that MAC, so a backup's parent socket would never hear
  // them. In bridge mode they reach the parent, where we listen.
  spec.mode = MacvlanMode::kBridge;
  auto link = vmac_->manager->ensure(spec);
  if (!link) {
    core::log_error(
        "vrrp instance " + config_.name + ": " + link.error().message() + "; running on " +
            config_.interface + " with its own MAC",
        {{"HADIRECTOR_INSTANCE", config_.name}, {"HADIRECTOR_EVENT", "vrrp-vmac-error"}});
    return;
  }
  vmac_->link = *link;
  if (receive_.family != Family::kIpv4 || !vmac_->open_socket) return;
  auto socket = vmac_->open_socket(link->ifindex, receive_.family);
  if (socket) {
    vmac_->socket = std::move(*socket);
  } else {
    core::log_warning(
        "vrrp instance " + config_.name + ": " + socket.error().message() +
            "; adverts leave from " + config_.interface,
        {{"HADIRECTOR_INSTANCE", config_.name}, {"HADIRECTOR_EVENT", "vrrp-vmac-error"}});
  }
}

void VrrpInstance::release_vmac() {
  if (!vmac_ || !vmac_->link) return;
  vmac_->socket.reset();
  if (auto s = vmac_->manager->remove(vmac_->link->name); !s)
    core::log_warning(
        "vrrp instance " + config_.name + ": " + s.error().message(),
        {{"HADIRECTOR_INSTANCE", config_.name}, {"HADIRECTOR_EVENT", "vrrp-vmac-error"}});
  vmac_->link.reset();
}

}  // namespace hadirector::vrrp
