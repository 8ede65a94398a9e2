#include "daemon/nft_commands.h"

#include <dlfcn.h>
#include <nftables/libnftables.h>

#include <filesystem>
#include <fstream>
#include <memory>

namespace hadirector::daemon {
namespace {

// libnftables is opened on first use, not linked: hadirectord's every process loaded it (and
// libnftnl, libxtables, libjansson, libgmp behind it, ~230 KB of PSS each) for the supervisor's
// accept-mode rules alone, which most configurations never need. The prototypes come from the
// header; the soname is the one the Debian package libnftables1 ships.
struct Nft {
  decltype(&nft_ctx_new) ctx_new = nullptr;
  decltype(&nft_ctx_free) ctx_free = nullptr;
  decltype(&nft_ctx_buffer_output) buffer_output = nullptr;
  decltype(&nft_ctx_buffer_error) buffer_error = nullptr;
  decltype(&nft_run_cmd_from_buffer) run_cmd_from_buffer = nullptr;
  decltype(&nft_ctx_get_error_buffer) get_error_buffer = nullptr;
  std::string error;  // why it could not be loaded
};

// Out of line: GCC 12 misreads the inlined concatenation with each literal name as overreads.
[[gnu::noinline]] void missing(const char* name, std::string& error) {
  if (error.empty()) error = std::string("libnftables.so.1 lacks ") + name;
}

template <typename Fn>
void bind(void* lib, const char* name, Fn& fn, std::string& error) {
  fn = reinterpret_cast<Fn>(::dlsym(lib, name));
  if (!fn) missing(name, error);
}

const Nft& nft() {
  static const Nft loaded = [] {
    Nft n;
    void* lib = ::dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* why = ::dlerror();
      n.error = why ? why : "cannot load libnftables.so.1";
      return n;
    }
    bind(lib, "nft_ctx_new", n.ctx_new, n.error);
    bind(lib, "nft_ctx_free", n.ctx_free, n.error);
    bind(lib, "nft_ctx_buffer_output", n.buffer_output, n.error);
    bind(lib, "nft_ctx_buffer_error", n.buffer_error, n.error);
    bind(lib, "nft_run_cmd_from_buffer", n.run_cmd_from_buffer, n.error);
    bind(lib, "nft_ctx_get_error_buffer", n.get_error_buffer, n.error);
    return n;  // the library stays loaded for the process's life
  }();
  return loaded;
}

struct CtxFree {
  void operator()(nft_ctx* ctx) const { nft().ctx_free(ctx); }
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
  const Nft& lib = nft();
  if (!lib.error.empty()) return core::fail(core::Errc::kUnsupported, "nftables: " + lib.error);
  std::unique_ptr<nft_ctx, CtxFree> ctx(lib.ctx_new(NFT_CTX_DEFAULT));
  if (!ctx) return core::fail(core::Errc::kUnsupported, "nftables: cannot create a context");
  // Messages go to a buffer we read, not to the daemon's stderr.
  lib.buffer_output(ctx.get());
  lib.buffer_error(ctx.get());
  if (lib.run_cmd_from_buffer(ctx.get(), commands.c_str()) == 0) return {};
  std::string what = one_line(lib.get_error_buffer(ctx.get()));
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
