// Equality of whole configurations and the section-by-section diff that a reload acts on.
#include <map>

#include "daemon/config/config.h"

namespace hadirector::config {
namespace {

// Entries matched by name: added, removed, and present in both with different content.
template <typename T>
void diff_named(const std::vector<T>& old_list, const std::vector<T>& new_list,
                std::vector<std::string>& added, std::vector<std::string>& removed,
                std::vector<std::string>& changed) {
  std::map<std::string, const T*> old_by_name;
  for (const T& item : old_list) old_by_name[item.name] = &item;
  std::map<std::string, const T*> new_by_name;
  for (const T& item : new_list) new_by_name[item.name] = &item;
  for (const T& item : new_list) {
    auto it = old_by_name.find(item.name);
    if (it == old_by_name.end())
      added.push_back(item.name);
    else if (!(*it->second == item))
      changed.push_back(item.name);
  }
  for (const T& item : old_list)
    if (!new_by_name.contains(item.name)) removed.push_back(item.name);
}

}  // namespace

bool Config::operator==(const Config& other) const {
  return global == other.global && vrrp == other.vrrp && virtual_servers == other.virtual_servers &&
         sync == other.sync && control == other.control && snmp == other.snmp;
}

bool ConfigDiff::empty() const {
  return instances_added.empty() && instances_removed.empty() && instances_changed.empty() &&
         virtual_servers_added.empty() && virtual_servers_removed.empty() &&
         virtual_servers_changed.empty() && scripts_added.empty() && scripts_removed.empty() &&
         scripts_changed.empty() && !global_changed && !vrrp_settings_changed && !sync_changed &&
         !control_changed && !snmp_changed;
}

ConfigDiff diff(const Config& old_config, const Config& new_config) {
  ConfigDiff d;
  diff_named(old_config.vrrp.instances, new_config.vrrp.instances, d.instances_added,
             d.instances_removed, d.instances_changed);
  diff_named(old_config.vrrp.scripts, new_config.vrrp.scripts, d.scripts_added, d.scripts_removed,
             d.scripts_changed);
  diff_named(old_config.virtual_servers, new_config.virtual_servers, d.virtual_servers_added,
             d.virtual_servers_removed, d.virtual_servers_changed);
  d.global_changed = !(old_config.global == new_config.global);
  d.vrrp_settings_changed = old_config.vrrp.realtime != new_config.vrrp.realtime ||
                            !(old_config.vrrp.sync_groups == new_config.vrrp.sync_groups);
  d.sync_changed = !(old_config.sync == new_config.sync);
  d.control_changed = !(old_config.control == new_config.control);
  d.snmp_changed = !(old_config.snmp == new_config.snmp);
  return d;
}

}  // namespace hadirector::config
