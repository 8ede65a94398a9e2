#include "daemon/nft_commands.h"

#include <nftables/libnftables.h>

#include <filesystem>
#include <fstream>
#include <memory>

namespace hadirector::daemon {
namespace {

struct CtxFree {
  void operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }
};

// libnftables' multi-line message, on one line for the log.
std::string one_line(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& c : s)
    if (c == '\n' || c == '\t') c = ' ';
  return s;
}

}  // namespace

core::Status run_nft_commands(const std::string& commands) {
  std::unique_ptr<nft_ctx, CtxFree> ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (!ctx) return core::fail(core::Errc::kUnsupported, "nftables: cannot create a context");
  // Messages go to a buffer we read, not to the daemon's stderr.
  nft_ctx_buffer_output(ctx.get());
  nft_ctx_buffer_error(ctx.get());
  if (nft_run_cmd_from_buffer(ctx.get(), commands.c_str()) == 0) return {};
  std::string what = one_line(nft_ctx_get_error_buffer(ctx.get()));
  return core::fail(core::Errc::kSystem, "nftables: " + (what.empty() ? "failed" : what));
}

bool nftables_present() {
  std::error_code ec;
  if (std::filesystem::exists("/sys/module/nf_tables", ec)) return true;
  std::ifstream modules("/proc/modules");
  for (std::string line; std::getline(modules, line);)
    if (line.starts_with("nf_tables ")) return true;
  return false;
}

}  // namespace hadirector::daemon
