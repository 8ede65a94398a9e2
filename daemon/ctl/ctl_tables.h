// hadirectorctl's human-readable tables of a status reply: the overview (`status`), the VRRP
// instances (`instances`) and the real servers (`servers [VS]`). Pure formatting to a FILE*.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace hadirector::ctl {

void print_status(std::FILE* out, const nlohmann::json& status);
void print_instances(std::FILE* out, const nlohmann::json& status);
// Every virtual server, or only `only` when it is not empty. False if `only` names none.
bool print_servers(std::FILE* out, const nlohmann::json& status, const std::string& only);

}  // namespace hadirector::ctl
