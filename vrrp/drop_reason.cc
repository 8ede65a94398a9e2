#include "vrrp/drop_reason.h"

namespace hadirector::vrrp {

const char* drop_reason_name(DropReason reason) {
  switch (reason) {
    // RFC 6527 (VRRPv3-MIB): per-instance statistics and router-wide counters.
    case DropReason::kPacketLength:
      return "vrrpv3StatisticsPacketLengthErrors";
    case DropReason::kIpTtl:
      return "vrrpv3StatisticsIpTtlErrors";
    case DropReason::kInvalidType:
      return "vrrpv3StatisticsRcvdInvalidTypePackets";
    case DropReason::kAddressList:
      return "vrrpv3StatisticsAddressListErrors";
    case DropReason::kAdvInterval:
      return "vrrpv3StatisticsAdvIntervalErrors";
    case DropReason::kVersion:
      return "vrrpv3RouterVersionErrors";
    case DropReason::kChecksum:
      return "vrrpv3RouterChecksumErrors";
    case DropReason::kVrId:
      return "vrrpv3RouterVrIdErrors";
    // RFC 2787 (VRRP-MIB, VRRPv2): authentication has no VRRPv3 counterpart.
    case DropReason::kInvalidAuthType:
      return "vrrpStatsInvalidAuthType";
    case DropReason::kAuthTypeMismatch:
      return "vrrpStatsAuthTypeMismatch";
    case DropReason::kAuthFailure:
      return "vrrpStatsAuthFailures";
    // Ours.
    case DropReason::kTruncated:
      return "truncated";
    case DropReason::kZeroAddressCount:
      return "zeroAddressCount";
    case DropReason::kZeroAdverInterval:
      return "zeroAdverInterval";
    case DropReason::kNotAPeer:
      return "notAPeer";
    case DropReason::kLocalIsOwner:
      return "localIsOwner";
    case DropReason::kAuthMissing:
      return "authMissing";
    case DropReason::kAuthMalformed:
      return "authMalformed";
    case DropReason::kAuthStale:
      return "authStale";
    case DropReason::kAuthUnknownKey:
      return "authUnknownKey";
    case DropReason::kAuthBadHmac:
      return "authBadHmac";
    case DropReason::kAuthReplay:
      return "authReplay";
  }
  return "unknown";
}

}  // namespace hadirector::vrrp
