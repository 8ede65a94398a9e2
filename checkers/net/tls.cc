#include "checkers/net/tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <cerrno>

namespace hadirector::checkers::net {

std::string openssl_error_text() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "unknown TLS error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

core::Result<std::shared_ptr<TlsClientContext>> TlsClientContext::create(
    const TlsClientOptions& options) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return core::fail(core::Errc::kSystem, "create TLS context: " + openssl_error_text());
  std::shared_ptr<TlsClientContext> out(new TlsClientContext(ctx, options.verify));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (options.verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    const int loaded = options.ca_file.empty()
                           ? SSL_CTX_set_default_verify_paths(ctx)
                           : SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr);
    if (loaded != 1)
      return core::fail(core::Errc::kInvalid,
                        "load CA file '" + options.ca_file + "': " + openssl_error_text());
  }
  if (!options.client_cert.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, options.client_cert.c_str()) != 1)
      return core::fail(core::Errc::kInvalid, "load client certificate '" + options.client_cert +
                                                  "': " + openssl_error_text());
    if (SSL_CTX_use_PrivateKey_file(ctx, options.client_key.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
      return core::fail(core::Errc::kInvalid,
                        "load client key '" + options.client_key + "': " + openssl_error_text());
  }
  return out;
}

TlsClientContext::~TlsClientContext() { SSL_CTX_free(ctx_); }

namespace {

// TLS through memory BIOs: OpenSSL encrypts into `out_` and decrypts from `in_`, and this class
// moves bytes between them and the socket itself.
class TlsTransport final : public Transport {
 public:
  TlsTransport(int fd, std::shared_ptr<TlsClientContext> context, const TlsPeer& peer)
      : fd_(fd), context_(std::move(context)), ssl_(SSL_new(context_->raw())) {
    HD_CHECK(ssl_ != nullptr);
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    HD_CHECK(in_ != nullptr && out_ != nullptr);
    SSL_set_bio(ssl_, in_, out_);  // ssl_ owns both now
    SSL_set_connect_state(ssl_);
    if (!peer.sni.empty()) SSL_set_tlsext_host_name(ssl_, peer.sni.c_str());
    if (context_->verify()) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
      if (!peer.verify_name.empty())
        SSL_set1_host(ssl_, peer.verify_name.c_str());
      else if (!peer.verify_ip.empty())
        X509_VERIFY_PARAM_set1_ip_asc(param, peer.verify_ip.c_str());
    }
  }
  ~TlsTransport() override { SSL_free(ssl_); }

  IoResult handshake() override {
    return drive([this](size_t*) { return SSL_do_handshake(ssl_); });
  }
  IoResult write(std::string_view bytes) override {
    return drive([&](size_t* n) { return SSL_write_ex(ssl_, bytes.data(), bytes.size(), n); });
  }
  IoResult read(char* buffer, size_t size) override {
    return drive([&](size_t* n) { return SSL_read_ex(ssl_, buffer, size, n); });
  }

 private:
  // Sends what OpenSSL queued. Returns kDone when all is out, kWantWrite or kError otherwise.
  IoResult flush() {
    char chunk[16 * 1024];
    for (;;) {
      if (pending_.empty()) {
        const int n = BIO_read(out_, chunk, sizeof chunk);
        if (n <= 0) return {};
        pending_.assign(chunk, n);
      }
      const ssize_t sent = ::send(fd_, pending_.data(), pending_.size(), MSG_NOSIGNAL);
      if (sent < 0 && (errno == EAGAIN || errno == EINTR)) return {IoStatus::kWantWrite, 0, {}, {}};
      if (sent < 0) return io_error("send", errno);
      pending_.erase(0, sent);
    }
  }

  // Moves socket bytes into OpenSSL. kDone when some arrived.
  IoResult fill() {
    char chunk[16 * 1024];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      BIO_write(in_, chunk, static_cast<int>(n));
      return {};
    }
    if (n == 0) {
      BIO_set_mem_eof_return(in_, 0);  // OpenSSL now sees end of stream
      peer_closed_ = true;
      return {};
    }
    if (errno == EAGAIN || errno == EINTR) return {IoStatus::kWantRead, 0, {}, {}};
    return io_error("recv", errno);
  }

  template <typename Op>
  IoResult drive(Op op) {
    if (IoResult f = flush(); f.status != IoStatus::kDone) return f;
    for (;;) {
      size_t n = 0;
      const int r = op(&n);
      const int err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, r);
      if (IoResult f = flush(); f.status == IoStatus::kError) return f;
      switch (err) {
        case SSL_ERROR_NONE:
          return {IoStatus::kDone, n, {}, {}};
        case SSL_ERROR_WANT_READ:
          if (!pending_.empty()) return {IoStatus::kWantWrite, 0, {}, {}};
          if (IoResult f = fill(); f.status != IoStatus::kDone) return f;
          continue;
        case SSL_ERROR_WANT_WRITE:
          continue;
        case SSL_ERROR_ZERO_RETURN:
          return {IoStatus::kEof, 0, {}, {}};
        default:
          return failure();
      }
    }
  }

  IoResult failure() {
    if (!SSL_is_init_finished(ssl_)) {
      const long verify = SSL_get_verify_result(ssl_);
      if (context_->verify() && verify != X509_V_OK) {
        ERR_clear_error();
        return {IoStatus::kError, 0, "tls-verify-failed", X509_verify_cert_error_string(verify)};
      }
      return {IoStatus::kError, 0, "tls-handshake-failed", openssl_error_text()};
    }
    // A server that closes without close_notify ends the body like a plain close would.
    if (peer_closed_) {
      ERR_clear_error();
      return {IoStatus::kEof, 0, {}, {}};
    }
    return {IoStatus::kError, 0, "tls-error", openssl_error_text()};
  }

  int fd_;
  std::shared_ptr<TlsClientContext> context_;
  SSL* ssl_;
  BIO* in_;
  BIO* out_;
  std::string pending_;
  bool peer_closed_ = false;
};

}  // namespace

std::unique_ptr<Transport> make_tls_transport(int fd, std::shared_ptr<TlsClientContext> context,
                                              const TlsPeer& peer) {
  return std::make_unique<TlsTransport>(fd, std::move(context), peer);
}

}  // namespace hadirector::checkers::net
