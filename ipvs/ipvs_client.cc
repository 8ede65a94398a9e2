// The IpvsClient defaults: a batch applied one change at a time.
#include "ipvs/ipvs_client.h"

namespace hadirector::ipvs {

core::Status IpvsClient::apply_one(const Change& c) {
  auto results = apply(std::span<const Change>(&c, 1));
  return results.empty() ? core::Status{} : results.front();
}

std::vector<core::Status> IpvsClient::apply(std::span<const Change> changes) {
  std::vector<core::Status> out;
  out.reserve(changes.size());
  for (const Change& c : changes) {
    switch (c.kind) {
      case OpKind::kAddService:
        out.push_back(add_service(c.service));
        break;
      case OpKind::kEditService:
        out.push_back(edit_service(c.service));
        break;
      case OpKind::kDeleteService:
        out.push_back(delete_service(c.service));
        break;
      case OpKind::kAddDestination:
        out.push_back(add_destination(c.service, c.destination));
        break;
      case OpKind::kEditDestination:
        out.push_back(edit_destination(c.service, c.destination));
        break;
      case OpKind::kDeleteDestination:
        out.push_back(delete_destination(c.service, c.destination));
        break;
    }
  }
  return out;
}

}  // namespace hadirector::ipvs
