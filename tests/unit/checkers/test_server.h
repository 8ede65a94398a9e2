// Helpers for the component tests of real probes: a TCP (optionally TLS) server on 127.0.0.1
// or ::1 with an ephemeral port, serving from its own thread with blocking sockets, and a
// self-signed certificate generated with OpenSSL for the https tests. Test-only code.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace hadirector::checkers::testing {

struct ServerOptions {
  bool ipv6 = false;
  SSL_CTX* tls = nullptr;  // not owned
  // True once the bytes read so far are the whole request; true on "" means read nothing.
  std::function<bool(const std::string&)> request_complete = [](const std::string& r) {
    return r.find("\r\n\r\n") != std::string::npos;
  };
  std::function<std::string(const std::string& request)> reply;
};

class TestServer {
 public:
  explicit TestServer(ServerOptions options) : options_(std::move(options)) {
    const int family = options_.ipv6 ? AF_INET6 : AF_INET;
    listen_fd_ = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_storage addr{};
    socklen_t len = 0;
    if (options_.ipv6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
      a->sin6_family = AF_INET6;
      a->sin6_addr = in6addr_loopback;
      len = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&addr);
      a->sin_family = AF_INET;
      a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof *a;
    }
    ok_ = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
          ::listen(listen_fd_, 16) == 0 &&
          ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    port_ = ntohs(options_.ipv6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
    thread_ = std::thread([this] { serve(); });
  }
  ~TestServer() {
    uint64_t one = 1;
    (void)!::write(stop_fd_, &one, sizeof one);
    thread_.join();
    ::close(stop_fd_);
    ::close(listen_fd_);
  }

  bool ok() const { return ok_; }
  uint16_t port() const { return port_; }
  int connections() const { return connections_; }
  std::string last_request() const {
    std::string copy;
    {
      std::lock_guard lock(mutex_);
      copy = last_request_;
    }
    return copy;
  }

 private:
  void serve() {
    for (;;) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 || (fds[1].revents & POLLIN)) return;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections_;
      timeval tv{5, 0};  // a confused client must not hang the test forever
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      handle(fd);
      ::close(fd);
    }
  }

  void handle(int fd) {
    SSL* ssl = nullptr;
    if (options_.tls) {
      ssl = SSL_new(options_.tls);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) != 1) {
        SSL_free(ssl);
        return;
      }
    }
    std::string request;
    char buf[4096];
    while (!options_.request_complete(request)) {
      const int n = ssl ? SSL_read(ssl, buf, sizeof buf) : ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, n);
    }
    {
      std::lock_guard lock(mutex_);
      last_request_ = request;
    }
    const std::string reply = options_.reply ? options_.reply(request) : "";
    if (ssl) {
      if (!reply.empty()) SSL_write(ssl, reply.data(), static_cast<int>(reply.size()));
      SSL_shutdown(ssl);
      SSL_free(ssl);
    } else if (!reply.empty()) {
      (void)!::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    }
  }

  ServerOptions options_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;
  uint16_t port_ = 0;
  bool ok_ = false;
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::string last_request_;
  std::thread thread_;
};

// A port on 127.0.0.1 that nothing listens on (bound, then released).
inline uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  (void)!::bind(fd, reinterpret_cast<sockaddr*>(&a), len);
  (void)!::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// What a test certificate says: its names and its validity window relative to now.
struct CertOptions {
  std::string subject_alt_name = "IP:127.0.0.1,DNS:localhost";
  long not_before_s = -3600;
  long not_after_s = 86400;
};

// A self-signed certificate (by default for 127.0.0.1 and "localhost", valid now), written as
// PEM to `cert_path`.
class SelfSignedCert {
 public:
  explicit SelfSignedCert(const std::string& cert_path, const CertOptions& options = {}) {
    key_ = EVP_EC_gen("P-256");
    cert_ = X509_new();
    X509_set_version(cert_, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert_), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert_), options.not_before_s);
    X509_gmtime_adj(X509_getm_notAfter(cert_), options.not_after_s);
    X509_set_pubkey(cert_, key_);
    X509_NAME* name = X509_get_subject_name(cert_);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("hadirector test"), -1, -1,
                               0);
    X509_set_issuer_name(cert_, name);
    add_extension(NID_basic_constraints, "critical,CA:TRUE");
    add_extension(NID_subject_alt_name, options.subject_alt_name.c_str());
    X509_sign(cert_, key_, EVP_sha256());
    FILE* f = std::fopen(cert_path.c_str(), "w");
    PEM_write_X509(f, cert_);
    std::fclose(f);
  }
  ~SelfSignedCert() {
    X509_free(cert_);
    EVP_PKEY_free(key_);
  }

  // The private key as PEM at `path`, for servers the test starts in another process.
  void write_key(const std::string& path) const {
    FILE* f = std::fopen(path.c_str(), "w");
    PEM_write_PrivateKey(f, key_, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
  }

  // A server context presenting this certificate; the caller frees it.
  SSL_CTX* server_context() const {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx, cert_);
    SSL_CTX_use_PrivateKey(ctx, key_);
    return ctx;
  }

 private:
  void add_extension(int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert_, cert_, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(cert_, ext, -1);
    X509_EXTENSION_free(ext);
  }

  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
};

}  // namespace hadirector::checkers::testing
