// TLS for https checks with OpenSSL 3: a client context (CA file or system roots, optional
// client certificate) loaded once per check, and a Transport that runs TLS over the probe's
// non-blocking socket through memory BIOs, so all socket I/O stays ours (MSG_NOSIGNAL, no
// blocking). It does not cache sessions or support renegotiation.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "checkers/net/transport.h"
#include "daemon/core/result.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace hadirector::checkers::net {

struct TlsClientOptions {
  bool verify = true;
  std::string ca_file;      // empty: the system's default roots
  std::string client_cert;  // PEM; with client_key
  std::string client_key;
};

class TlsClientContext {
 public:
  static core::Result<std::shared_ptr<TlsClientContext>> create(const TlsClientOptions& options);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  SSL_CTX* raw() const { return ctx_; }
  bool verify() const { return verify_; }

 private:
  TlsClientContext(SSL_CTX* ctx, bool verify) : ctx_(ctx), verify_(verify) {}
  SSL_CTX* ctx_;
  bool verify_;
};

struct TlsPeer {
  std::string sni;          // server name sent; empty sends none (IP literal targets)
  std::string verify_name;  // DNS name the certificate must match; empty: use verify_ip
  std::string verify_ip;    // IP the certificate must match when verify_name is empty
};

std::unique_ptr<Transport> make_tls_transport(int fd, std::shared_ptr<TlsClientContext> context,
                                              const TlsPeer& peer);

// The last OpenSSL error queue entry as text, and clears the queue.
std::string openssl_error_text();

}  // namespace hadirector::checkers::net
