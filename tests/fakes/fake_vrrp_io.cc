#include "tests/fakes/fake_vrrp_io.h"

#include <algorithm>
#include <cerrno>
#include <utility>

#include "vrrp/io/address_convert.h"

namespace hadirector::testing {

using vrrp::IpAddress;

// --- FakeVrrpSocket ---------------------------------------------------------------------

FakeVrrpSocket::~FakeVrrpSocket() {
  if (lan_) lan_->detach(*this);
}

core::Status FakeVrrpSocket::send(std::span<const uint8_t> payload, const IpAddress& destination,
                                  const IpAddress& source) {
  if (int err = std::exchange(fail_next_, 0))
    return core::fail_errno(err, "send VRRP advert to " + vrrp::address_text(destination));
  SentAdvert advert{{payload.begin(), payload.end()}, destination, source};
  sent_.push_back(advert);
  if (lan_) lan_->carry(*this, advert);
  return {};
}

core::Handle FakeVrrpSocket::subscribe(ReceiveFn fn) { return subscribers_.add(std::move(fn)); }

void FakeVrrpSocket::deliver(std::span<const uint8_t> payload, const vrrp::PacketFacts& facts) {
  subscribers_.notify(payload, facts);
}

// --- FakeVrrpLan ------------------------------------------------------------------------

FakeVrrpLan::~FakeVrrpLan() {
  for (auto* s : sockets_) s->lan_ = nullptr;
}

void FakeVrrpLan::attach(FakeVrrpSocket& socket) {
  socket.lan_ = this;
  sockets_.push_back(&socket);
}

void FakeVrrpLan::detach(FakeVrrpSocket& socket) {
  std::erase(sockets_, &socket);
  std::erase(isolated_, &socket);
  socket.lan_ = nullptr;
}

void FakeVrrpLan::cut(FakeVrrpSocket& socket, bool isolated) {
  std::erase(isolated_, &socket);
  if (isolated) isolated_.push_back(&socket);
}

void FakeVrrpLan::carry(FakeVrrpSocket& from, const SentAdvert& advert) {
  auto is_isolated = [this](FakeVrrpSocket* s) {
    return std::find(isolated_.begin(), isolated_.end(), s) != isolated_.end();
  };
  if (is_isolated(&from)) return;
  // Forget deliveries that have run.
  std::erase_if(in_flight_, [](const auto& f) { return *f.first; });
  bool group = advert.destination == vrrp::vrrp_group(from.family());
  for (FakeVrrpSocket* to : sockets_) {
    if (to == &from || to->family() != from.family() || is_isolated(to)) continue;
    const auto& locals = to->local_addresses;
    if (!group && std::find(locals.begin(), locals.end(), advert.destination) == locals.end())
      continue;
    auto done = std::make_shared<bool>(false);
    auto deliver = [this, to, advert, done] {
      *done = true;
      if (std::find(sockets_.begin(), sockets_.end(), to) == sockets_.end()) return;
      ++delivered_;
      vrrp::PacketFacts facts{advert.source, advert.destination, vrrp::kVrrpTtl, to->ifindex()};
      to->deliver(advert.payload, facts);
    };
    in_flight_.emplace_back(done, scheduler_.schedule_after(core::Duration::zero(), deliver));
  }
}

// --- FakeAddressManager -----------------------------------------------------------------

vrrp::LinkInfo& FakeAddressManager::add_link(const std::string& name, int ifindex) {
  Link& link = links_[name];
  link.info.name = name;
  link.info.ifindex = ifindex ? ifindex : next_index_++;
  link.info.up = link.info.running = true;
  link.info.mac = {0x02, 0, 0, 0, 0, static_cast<uint8_t>(link.info.ifindex)};
  return link.info;
}

core::Result<FakeAddressManager::Link*> FakeAddressManager::find(std::string_view ifname,
                                                                 const std::string& what) {
  auto it = links_.find(ifname);
  if (it == links_.end())
    return core::fail(core::Errc::kNotFound,
                      what + ": interface " + std::string(ifname) + " not found");
  return &it->second;
}

core::Status FakeAddressManager::add_address(std::string_view ifname,
                                             const config::IpPrefix& prefix,
                                             const vrrp::AddressOptions& options) {
  std::string what = "add VIP " + prefix.to_string() + " on " + std::string(ifname);
  auto link = find(ifname, what);
  if (!link) return std::unexpected(link.error());
  if (int err = std::exchange(fail_next_, 0)) return core::fail_errno(err, what);
  auto& list = (*link)->addresses;
  bool present = std::any_of(list.begin(), list.end(),
                             [&](const auto& a) { return a.first.addr == prefix.addr; });
  if (present) return {};  // EEXIST is success
  list.emplace_back(prefix, options);
  log_.push_back("add " + std::string(ifname) + " " + prefix.to_string());
  return {};
}

core::Status FakeAddressManager::remove_address(std::string_view ifname,
                                                const config::IpPrefix& prefix) {
  std::string what = "remove VIP " + prefix.to_string() + " on " + std::string(ifname);
  auto link = find(ifname, what);
  if (!link) return std::unexpected(link.error());
  if (int err = std::exchange(fail_next_, 0)) return core::fail_errno(err, what);
  size_t removed =
      std::erase_if((*link)->addresses, [&](const auto& a) { return a.first == prefix; });
  if (removed) log_.push_back("remove " + std::string(ifname) + " " + prefix.to_string());
  return {};  // EADDRNOTAVAIL is success
}

core::Result<std::vector<config::IpPrefix>> FakeAddressManager::addresses(std::string_view ifname) {
  auto link = find(ifname, "list addresses");
  if (!link) return std::unexpected(link.error());
  std::vector<config::IpPrefix> out;
  for (const auto& a : (*link)->addresses) out.push_back(a.first);
  return out;
}

const vrrp::AddressOptions* FakeAddressManager::options_of(std::string_view ifname,
                                                           const config::IpPrefix& p) const {
  auto it = links_.find(ifname);
  if (it == links_.end()) return nullptr;
  for (const auto& a : it->second.addresses) {
    if (a.first == p) return &a.second;
  }
  return nullptr;
}

core::Result<vrrp::LinkInfo> FakeAddressManager::link(std::string_view ifname) {
  auto link = find(ifname, "look up link");
  if (!link) return std::unexpected(link.error());
  return (*link)->info;
}

core::Result<std::optional<config::IpAddress>> FakeAddressManager::primary_ipv4(
    std::string_view ifname) {
  ++source_lookups_;
  auto link = find(ifname, "look up primary IPv4 address");
  if (!link) return std::unexpected(link.error());
  for (const auto& a : (*link)->addresses) {
    if (a.first.addr.is_v4()) return a.first.addr;
  }
  return std::nullopt;
}

core::Result<std::optional<config::IpAddress>> FakeAddressManager::ipv6_link_local(
    std::string_view ifname) {
  ++source_lookups_;
  auto link = find(ifname, "look up IPv6 link-local address");
  if (!link) return std::unexpected(link.error());
  for (const auto& a : (*link)->addresses) {
    const auto& b = a.first.addr.bytes;
    if (a.first.addr.is_v6() && b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return a.first.addr;
  }
  return std::nullopt;
}

// --- FakeLinkMonitor --------------------------------------------------------------------

void FakeLinkMonitor::set_link(const vrrp::LinkState& state) {
  auto it = links_.find(state.ifindex);
  if (it != links_.end() && it->second == state) return;
  if (state.present) {
    links_[state.ifindex] = state;
  } else if (it != links_.end()) {
    links_.erase(it);
  }
  subscribers_.link_changed(state);
}

void FakeLinkMonitor::change_address(const vrrp::AddressChange& change) {
  subscribers_.address_changed(change);
}

void FakeLinkMonitor::resync() {
  ++resyncs_;
  subscribers_.resynced();
}

std::optional<vrrp::LinkState> FakeLinkMonitor::link(int ifindex) const {
  if (auto it = links_.find(ifindex); it != links_.end()) return it->second;
  return std::nullopt;
}

std::optional<vrrp::LinkState> FakeLinkMonitor::link(std::string_view name) const {
  for (const auto& [index, state] : links_) {
    if (state.name == name) return state;
  }
  return std::nullopt;
}

core::Handle FakeLinkMonitor::on_link_change(LinkFn fn) {
  return subscribers_.on_link_change(std::move(fn));
}
core::Handle FakeLinkMonitor::on_address_change(AddressFn fn) {
  return subscribers_.on_address_change(std::move(fn));
}
core::Handle FakeLinkMonitor::on_resync(ResyncFn fn) {
  return subscribers_.on_resync(std::move(fn));
}

// --- FakeGratuitousSender ---------------------------------------------------------------

core::Status FakeGratuitousSender::announce(const vrrp::Announcement& announcement) {
  if (int err = std::exchange(fail_next_, 0))
    return core::fail_errno(
        err, "announce " + announcement.vip.to_string() + " on " + announcement.ifname);
  announced_.push_back(announcement);
  return {};
}

// --- FakeVmacManager -------------------------------------------------------------------

core::Result<vrrp::LinkInfo> FakeVmacManager::ensure(const vrrp::VmacSpec& spec) {
  std::string name = spec.name.empty() ? "vrrp." + std::to_string(spec.vrid) : spec.name;
  auto mac = vrrp::virtual_router_mac(spec.ipv6, spec.vrid);
  if (auto it = links_.find(name); it != links_.end()) {
    if (it->second.mac != mac)
      return core::fail(core::Errc::kExists, "create VMAC " + name + ": name taken");
    return it->second;
  }
  vrrp::LinkInfo info{next_index_++, name, mac, true, true};
  links_[name] = info;
  return info;
}

core::Status FakeVmacManager::remove(std::string_view name) {
  if (auto it = links_.find(name); it != links_.end()) links_.erase(it);
  return {};
}

}  // namespace hadirector::testing
