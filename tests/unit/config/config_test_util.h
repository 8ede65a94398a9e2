// Helpers for the configuration tests: build small YAML documents around a snippet and read
// back the errors as "FILE:LINE:COL: message" strings (the file is always "t.yaml").
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "daemon/config/loader.h"

namespace hadirector::config::testing {

inline std::vector<std::string> errors_of(const std::string& yaml, const LoadOptions& opts = {}) {
  auto result = parse_text(yaml, "t.yaml", opts);
  std::vector<std::string> out;
  if (!result)
    for (const ConfigError& error : result.error()) out.push_back(error.to_string());
  return out;
}

inline std::string indent(const std::string& text, int spaces) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) out += std::string(spaces, ' ') + line + "\n";
  return out;
}

// A valid one-instance config; `extra` lines become keys of the instance from line 8 on
// (a key there starts at column 7, its value at column 9 + key length).
inline std::string with_instance(const std::string& extra) {
  return "version: 1\n"
         "vrrp:\n"
         "  instances:\n"
         "    - name: web\n"
         "      interface: eth0\n"
         "      vrid: 51\n"
         "      virtual_addresses: [192.0.2.100/24]\n" +
         indent(extra, 6);
}

// A valid one-service config; `extra` lines become keys of the virtual server from line 7 on
// (a key there starts at column 5).
inline std::string with_virtual_server(const std::string& extra) {
  return "version: 1\n"
         "virtual_servers:\n"
         "  - name: web-http\n"
         "    address: 192.0.2.100:80\n"
         "    real_servers:\n"
         "      - address: 198.51.100.11:80\n" +
         indent(extra, 4);
}

// As with_virtual_server, but `extra` lines become keys of the real server (column 9).
inline std::string with_real_server(const std::string& extra) {
  return with_virtual_server("") + indent(extra, 8);
}

}  // namespace hadirector::config::testing
