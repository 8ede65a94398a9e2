#include "daemon/checker_module.h"

#include <sys/epoll.h>

#include "daemon/json_fields.h"
#include "ipvs/libnl_ipvs_client.h"

namespace hadirector::daemon {

CheckerModule::CheckerModule(WorkerContext ctx) : ctx_(ctx), check_context_{ctx_.loop} {
  checkers::register_builtin_checkers(registry_);
  CheckerEngineDeps deps{
      ctx_.loop,
      [this](const config::CheckSpec& spec, const checkers::CheckTarget& target)
          -> core::Result<std::unique_ptr<checkers::Checker>> {
        const checkers::CheckerFactory* factory = registry_.find(spec.type);
        if (!factory) return core::fail(core::Errc::kInvalid, "unknown check type " + spec.type);
        return factory->create(target, spec.params, check_context_);
      },
      []() -> core::Result<std::unique_ptr<ipvs::IpvsClient>> {
        auto client = ipvs::LibnlIpvsClient::open();
        if (!client) return std::unexpected(client.error());
        return std::unique_ptr<ipvs::IpvsClient>(std::move(*client));
      },
      ctx_.emit_event,
      ctx_.relay,
      {},
      "/proc/sys/net/ipv4/vs",
      [this](int fd, std::function<void()> on_readable) {
        return ctx_.loop.watch_fd(fd, EPOLLIN, [fn = std::move(on_readable)](uint32_t) { fn(); });
      },
  };
  engine_ = std::make_unique<CheckerEngine>(std::move(deps));
}

core::Status CheckerModule::configure(const config::Config& config) {
  return engine_->configure(config);
}

core::Status CheckerModule::reconfigure(const config::Config& new_config) {
  // The engine compares virtual servers, real servers and checks with the running ones.
  return engine_->reconfigure(new_config);
}

nlohmann::json CheckerModule::status() const { return engine_->status(); }

void CheckerModule::on_relay(const std::string&, const nlohmann::json& payload) {
  if (json_string(payload, "peer_started") == "vrrp") engine_->relay_health();
  if (payload.is_object() && payload.contains("vrrp_states"))
    engine_->on_vrrp_states(payload["vrrp_states"]);
}

nlohmann::json CheckerModule::command(const nlohmann::json& request) {
  return engine_->command(request);
}

}  // namespace hadirector::daemon
