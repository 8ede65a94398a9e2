// The IPVS sync protocol v1 decoder against datagrams built byte by byte from the format
// (header, v4/v6 entries, options, 32-bit padding), every truncation, and the monitor counters.
#include "ipvs/sync_message.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "ipvs/sync_stats.h"

namespace hadirector::ipvs {
namespace {

using Bytes = std::vector<std::uint8_t>;

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(v >> 8);
  b.push_back(v & 0xff);
}
void put32(Bytes& b, std::uint32_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xffff);
}

// TCP 10.0.0.5:50000 -> 192.0.2.1:80 -> 198.51.100.11:80, ESTABLISHED, 900 s, `extra` option
// bytes after the fixed part (counted in the entry size, not padded here).
Bytes v4_entry(const Bytes& extra = {}, std::uint16_t version_bits = 0) {
  Bytes b = {0x00, 0x06};
  put16(b, version_bits | static_cast<std::uint16_t>(36 + extra.size()));
  put32(b, 0x00000100);  // flags
  put16(b, 1);           // state
  put16(b, 50000);       // cport
  put16(b, 80);          // vport
  put16(b, 80);          // dport
  put32(b, 0);           // fwmark
  put32(b, 900);         // timeout
  for (std::uint8_t x : {10, 0, 0, 5, 192, 0, 2, 1, 198, 51, 100, 11}) b.push_back(x);
  b.insert(b.end(), extra.begin(), extra.end());
  return b;
}

Bytes v6_entry(const Bytes& extra) {
  Bytes b = {0x01, 0x11};  // IPv6, UDP
  put16(b, static_cast<std::uint16_t>(72 + extra.size()));
  put32(b, 0);
  put16(b, 0);
  put16(b, 5353);
  put16(b, 53);
  put16(b, 5300);
  put32(b, 42);   // fwmark
  put32(b, 300);  // timeout
  for (int a = 1; a <= 3; ++a) {
    Bytes addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                  0,    0,    0,    0,    0, 0, 0, static_cast<std::uint8_t>(a)};
    b.insert(b.end(), addr.begin(), addr.end());
  }
  b.insert(b.end(), extra.begin(), extra.end());
  return b;
}

// Header + entries, each padded to 32 bits except as given.
Bytes message(std::uint8_t sync_id, const std::vector<Bytes>& entries) {
  Bytes b = {0x00, sync_id, 0, 0, static_cast<std::uint8_t>(entries.size()), 0x01, 0, 0};
  for (const auto& e : entries) {
    b.insert(b.end(), e.begin(), e.end());
    while (b.size() % 4) b.push_back(0);
  }
  b[2] = b.size() >> 8;
  b[3] = b.size() & 0xff;
  return b;
}

Bytes seq_option() {
  Bytes o = {kSyncOptSeqData, 24};
  for (int i = 0; i < 24; ++i) o.push_back(static_cast<std::uint8_t>(i));
  return o;
}

// The entry part of a whole datagram (after the 8-byte header).
Bytes captured_entry(const Bytes& datagram) { return Bytes(datagram.begin() + 8, datagram.end()); }

std::expected<SyncMessage, SyncDecodeError> decode(const Bytes& b) {
  return decode_sync_message(std::span(b.data(), b.size()));
}

TEST(SyncDecode, ReadsTheHeaderAndAnIpv4Connection) {
  auto m = decode(message(7, {v4_entry()}));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->sync_id, 7);
  ASSERT_EQ(m->connections.size(), 1u);
  const auto& c = m->connections[0];
  EXPECT_EQ(c.family, Family::kInet);
  EXPECT_EQ(c.protocol, 6);
  EXPECT_EQ(c.flags, 0x100u);
  EXPECT_EQ(c.state, 1);
  EXPECT_EQ(c.client.with_port(c.client_port), "10.0.0.5:50000");
  EXPECT_EQ(c.virtual_address.with_port(c.virtual_port), "192.0.2.1:80");
  EXPECT_EQ(c.destination.with_port(c.destination_port), "198.51.100.11:80");
  EXPECT_EQ(c.timeout_s, 900u);
  EXPECT_FALSE(c.has_sequence);
}

// Captured from Debian's 6.1 kernel in the test VM: a master sync daemon (syncid 42) sending
// the NAT connection 10.1.0.2:33958 -> 10.1.0.100:80 -> 10.2.0.2:8080 that `ipvsadm -Lnc`
// listed as ESTABLISHED with 14:57 left.
TEST(SyncDecode, ReadsAMessageCapturedFromTheKernel) {
  const Bytes captured = {0x00, 0x2a, 0x00, 0x2c, 0x01, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00,
                          0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x84, 0xa6, 0x00, 0x50,
                          0x1f, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x84, 0x0a,
                          0x01, 0x00, 0x02, 0x0a, 0x01, 0x00, 0x64, 0x0a, 0x02, 0x00, 0x02};
  auto m = decode(captured);
  ASSERT_TRUE(m.has_value()) << to_string(m.error());
  EXPECT_EQ(m->sync_id, 42);
  ASSERT_EQ(m->connections.size(), 1u);
  const auto& c = m->connections[0];
  EXPECT_EQ(c.protocol, 6);
  EXPECT_EQ(c.state, 1);  // IP_VS_TCP_S_ESTABLISHED
  EXPECT_EQ(c.client.with_port(c.client_port), "10.1.0.2:33958");
  EXPECT_EQ(c.virtual_address.with_port(c.virtual_port), "10.1.0.100:80");
  EXPECT_EQ(c.destination.with_port(c.destination_port), "10.2.0.2:8080");
  EXPECT_EQ(c.timeout_s, 900u);
  EXPECT_EQ(m->connections[0], decode(message(42, {captured_entry(captured)}))->connections[0]);
}

TEST(SyncDecode, ReadsIpv6WithOptionsAndSkipsThePaddingToTheNextEntry) {
  Bytes opts = seq_option();
  for (std::uint8_t x : Bytes{kSyncOptPeName, 3, 's', 'i', 'p', kSyncOptPeData, 2, 0xaa, 0xbb})
    opts.push_back(x);
  auto m = decode(message(0, {v6_entry(opts), v4_entry()}));
  ASSERT_TRUE(m.has_value()) << to_string(m.error());
  ASSERT_EQ(m->connections.size(), 2u);
  const auto& c = m->connections[0];
  EXPECT_EQ(c.family, Family::kInet6);
  EXPECT_EQ(c.protocol, 17);
  EXPECT_EQ(c.client.with_port(c.client_port), "[2001:db8::1]:5353");
  EXPECT_EQ(c.virtual_address.to_string(), "2001:db8::2");
  EXPECT_EQ(c.destination.with_port(c.destination_port), "[2001:db8::3]:5300");
  EXPECT_EQ(c.fwmark, 42u);
  EXPECT_TRUE(c.has_sequence);
  EXPECT_EQ(c.pe_name, "sip");
  EXPECT_EQ(c.pe_data_length, 2u);
  EXPECT_EQ(m->connections[1].client.to_string(), "10.0.0.5");
}

TEST(SyncDecode, AnEmptyMessageHasNoConnections) {
  auto m = decode(message(3, {}));
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->connections.empty());
}

TEST(SyncDecode, EveryTruncationIsAnErrorNeverACrash) {
  const Bytes full = message(7, {v6_entry(seq_option()), v4_entry()});
  for (std::size_t n = 0; n < full.size(); ++n) {
    Bytes cut(full.begin(), full.begin() + n);
    EXPECT_FALSE(decode(cut).has_value()) << "length " << n;
    if (n >= 4) {  // the header's size made to agree with the cut
      cut[2] = n >> 8;
      cut[3] = n & 0xff;
      EXPECT_FALSE(decode(cut).has_value()) << "consistent length " << n;
    }
  }
}

TEST(SyncDecode, NamesTheReasonOfEachMalformation) {
  EXPECT_EQ(decode({0, 1}).error(), SyncDecodeError::kHeaderTooShort);
  Bytes b = message(1, {v4_entry()});
  b.push_back(0);
  EXPECT_EQ(decode(b).error(), SyncDecodeError::kSizeMismatch);

  Bytes v0 = message(1, {v4_entry()});
  v0[0] = 1;  // a version 0 header starts with its connection count
  EXPECT_EQ(decode(v0).error(), SyncDecodeError::kNotVersion1);
  Bytes spare = message(1, {});
  spare[7] = 1;
  EXPECT_EQ(decode(spare).error(), SyncDecodeError::kNotVersion1);

  Bytes more = message(1, {v4_entry()});
  more[4] = 2;  // claims a second connection
  EXPECT_EQ(decode(more).error(), SyncDecodeError::kEntryTruncated);
  EXPECT_EQ(decode(message(1, {v4_entry({}, 0x1000)})).error(), SyncDecodeError::kEntryVersion);
  Bytes type = message(1, {v4_entry()});
  type[8] = 2;
  EXPECT_EQ(decode(type).error(), SyncDecodeError::kEntryType);
  Bytes small = message(1, {v4_entry()});
  small[11] = 20;  // entry size below the fixed v4 part
  EXPECT_EQ(decode(small).error(), SyncDecodeError::kEntryOverrun);
  Bytes big = message(1, {v4_entry()});
  big[11] = 60;  // entry size past the datagram
  EXPECT_EQ(decode(big).error(), SyncDecodeError::kEntryOverrun);
}

TEST(SyncDecode, RejectsBadOptions) {
  auto err = [](const Bytes& opts) {
    auto m = decode(message(1, {v4_entry(opts)}));
    return m ? std::string("ok") : std::string(to_string(m.error()));
  };
  EXPECT_EQ(err({kSyncOptPeData, 0}), "option_invalid");
  EXPECT_EQ(err({kSyncOptPeData, 4, 1}), "option_truncated");
  EXPECT_EQ(err({kSyncOptPeData}), "option_truncated");
  Bytes short_seq = seq_option();
  short_seq[1] = 23;
  short_seq.pop_back();
  EXPECT_EQ(err(short_seq), "option_invalid");
  Bytes twice = seq_option();
  Bytes again = seq_option();
  twice.insert(twice.end(), again.begin(), again.end());
  EXPECT_EQ(err(twice), "option_invalid");
  Bytes long_name = {kSyncOptPeName, 17};
  long_name.resize(19, 'x');
  EXPECT_EQ(err(long_name), "option_invalid");
}

TEST(SyncDecode, SkipsUnknownOptionalOptionsAndFlagsUnknownMandatoryOnes) {
  auto optional = decode(message(1, {v4_entry({kSyncOptOptionalBit | 9, 2, 0, 0})}));
  ASSERT_TRUE(optional.has_value());
  EXPECT_FALSE(optional->connections[0].unknown_mandatory_option);
  auto mandatory = decode(message(1, {v4_entry({9, 2, 0, 0})}));
  ASSERT_TRUE(mandatory.has_value());
  EXPECT_TRUE(mandatory->connections[0].unknown_mandatory_option);
}

TEST(SyncStats, CountsMessagesConnectionsAndErrorsPerPeer) {
  SyncStats stats;
  const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1000));
  const Bytes two = message(7, {v4_entry(), v4_entry()});
  stats.record("10.0.0.1", two, t0);
  stats.record("10.0.0.1", two, t0 + std::chrono::seconds(2));
  Bytes v0 = message(7, {});
  v0[5] = 0;
  stats.record("10.0.0.2", v0, t0);
  const auto& a = stats.peers().at("10.0.0.1");
  EXPECT_EQ(a.messages, 2u);
  EXPECT_EQ(a.connections, 4u);
  EXPECT_EQ(a.sync_id, 7);
  EXPECT_EQ(a.last_seen, t0 + std::chrono::seconds(2));
  EXPECT_EQ(stats.peers().at("10.0.0.2").errors, 1u);
  EXPECT_EQ(stats.peers().at("10.0.0.2").messages, 0u);
  EXPECT_EQ(stats.errors().at("version_mismatch"), 1u);
}

}  // namespace
}  // namespace hadirector::ipvs
