// tls_openssl.cpp — MQL5's SocketTls* functions over OpenSSL, on the sockets of net_posix.cpp.
// Signatures, return values and error codes follow the official pages:
//   https://www.mql5.com/en/docs/network/sockettlshandshake      (bool; 5274 on failure)
//   https://www.mql5.com/en/docs/network/sockettlscertificate    (bool; thumbprint = SHA-1 of the
//                                                                 whole certificate)
//   https://www.mql5.com/en/docs/network/sockettlssend           (bytes written, -1 on error)
//   https://www.mql5.com/en/docs/network/sockettlsread           (bytes read, -1 on error)
//   https://www.mql5.com/en/docs/network/sockettlsreadavailable  (all available bytes, -1 on error)
// The pages do not say how the thumbprint is written; Windows shows certificate thumbprints as
// upper-case hex without separators, and so does this runtime — the EAs compare hex digits only.
// The terminal's handshake trusts no particular CA here: the EAs pin the certificate themselves.
// Built with -DTC_NO_OPENSSL when OpenSSL's headers are missing: every call then fails (5274) and
// the wss tests are skipped with that reason (harness/build.py).
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <map>

#include "mql_core.hpp"

#define ERR_NETSOCKET_INVALIDHANDLE 5270
#define ERR_NETSOCKET_IO_ERROR 5273
#define ERR_NETSOCKET_HANDSHAKE_FAILED 5274
#define ERR_NETSOCKET_NO_CERTIFICATE 5275

#ifdef TC_NO_OPENSSL
void mql_tls_drop(int socket) { (void)socket; }
bool SocketTlsHandshake(int socket, const string &host) {
  (void)socket; (void)host;
  mql_last_error() = ERR_NETSOCKET_HANDSHAKE_FAILED;
  return false;
}
bool SocketTlsCertificate(int socket, string &subject, string &issuer, string &serial, string &thumbprint, datetime &expiration) {
  (void)socket; (void)subject; (void)issuer; (void)serial; (void)thumbprint; (void)expiration;
  mql_last_error() = ERR_NETSOCKET_NO_CERTIFICATE;
  return false;
}
int SocketTlsSend(int socket, const MqlArray<uchar> &buffer, uint len) { (void)socket; (void)buffer; (void)len; return -1; }
int SocketTlsRead(int socket, MqlArray<uchar> &buffer, uint maxlen) { (void)socket; (void)buffer; (void)maxlen; return -1; }
int SocketTlsReadAvailable(int socket, MqlArray<uchar> &buffer, const uint maxlen) { (void)socket; (void)buffer; (void)maxlen; return -1; }
#else
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static std::map<int, SSL *> &tls_sessions() { static std::map<int, SSL *> m; return m; }
static SSL *tls_of(int socket) {
  auto it = tls_sessions().find(socket);
  if (it == tls_sessions().end()) { mql_last_error() = ERR_NETSOCKET_INVALIDHANDLE; return nullptr; }
  return it->second;
}

void mql_tls_drop(int socket) {
  auto it = tls_sessions().find(socket);
  if (it == tls_sessions().end()) return;
  SSL_shutdown(it->second);
  SSL_free(it->second);
  tls_sessions().erase(it);
}

// The connection ends on a socket error, as the pages' remarks say ("connection established via
// SocketConnect is discontinued").
static int tls_failed(int socket) {
  mql_tls_drop(socket);
  ::shutdown(socket, SHUT_RDWR);
  mql_last_error() = ERR_NETSOCKET_IO_ERROR;
  return -1;
}

bool SocketTlsHandshake(int socket, const string &host) {
  static SSL_CTX *ctx = [] {
    SSL_CTX *c = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    return c;
  }();
  mql_tls_drop(socket);
  SSL *ssl = SSL_new(ctx);
  SSL_set_fd(ssl, socket);
  std::string name = host.utf8();
  if (name.find_first_not_of("0123456789.") != std::string::npos) SSL_set_tlsext_host_name(ssl, name.c_str());
  timeval tv{5, 0};  // bounded: a server that never answers the handshake fails it
  setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int rc = SSL_connect(ssl);
  timeval none{0, 0};
  setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
  if (rc != 1) {
    SSL_free(ssl);
    ERR_clear_error();
    mql_last_error() = ERR_NETSOCKET_HANDSHAKE_FAILED;
    return false;
  }
  tls_sessions()[socket] = ssl;
  return true;
}

static string name_text(X509_NAME *name) {
  char buf[512];
  X509_NAME_oneline(name, buf, sizeof buf);
  return string(buf);
}

bool SocketTlsCertificate(int socket, string &subject, string &issuer, string &serial, string &thumbprint, datetime &expiration) {
  SSL *ssl = tls_of(socket);
  if (ssl == nullptr) return false;
  X509 *cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) { mql_last_error() = ERR_NETSOCKET_NO_CERTIFICATE; return false; }
  subject = name_text(X509_get_subject_name(cert));
  issuer = name_text(X509_get_issuer_name(cert));
  BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr);
  char *hex = BN_bn2hex(bn);
  serial = string(hex);
  OPENSSL_free(hex);
  BN_free(bn);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha1(), md, &n);  // the whole DER certificate, signature included
  static const char digits[] = "0123456789ABCDEF";
  std::string print;
  for (unsigned int i = 0; i < n; i++) { print += digits[md[i] >> 4]; print += digits[md[i] & 15]; }
  thumbprint = string(print.c_str());
  struct tm t {};
  ASN1_TIME_to_tm(X509_get0_notAfter(cert), &t);
  expiration = (datetime)timegm(&t);
  X509_free(cert);
  return true;
}

int SocketTlsSend(int socket, const MqlArray<uchar> &buffer, uint len) {
  if ((int)len > buffer.size()) mql_critical("SocketTlsSend: len beyond the buffer");
  SSL *ssl = tls_of(socket);
  if (ssl == nullptr) return -1;
  if (len == 0) return 0;
  size_t written = 0;
  if (SSL_write_ex(ssl, buffer.raw().data(), len, &written) != 1) return tls_failed(socket);
  return (int)written;
}

static int tls_take(int socket, SSL *ssl, MqlArray<uchar> &buffer, uint maxlen, bool wait) {
  std::vector<uchar> got;
  std::vector<uchar> tmp(maxlen);
  int flags = fcntl(socket, F_GETFL, 0);
  if (!wait) fcntl(socket, F_SETFL, flags | O_NONBLOCK);
  int result = 0;
  while (got.size() < maxlen) {
    size_t n = 0;
    int rc = SSL_read_ex(ssl, tmp.data(), maxlen - got.size(), &n);
    if (rc == 1) { got.insert(got.end(), tmp.begin(), tmp.begin() + n); if (wait) break; continue; }
    int err = SSL_get_error(ssl, rc);
    ERR_clear_error();
    // nothing decrypted yet (WANT_WRITE: a TLS 1.3 key update waits to be answered): not an error
    if ((err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) && !wait) break;
    result = -1;  // closed by the peer (close_notify or EOF) or failed
    break;
  }
  fcntl(socket, F_SETFL, flags);
  if (result < 0 && got.empty()) return tls_failed(socket);
  int n = (int)got.size();
  if (buffer.size() < n) {
    if (buffer.fixed()) mql_critical("SocketTlsRead: fixed buffer too small");
    buffer.resize(n);
  }
  for (int i = 0; i < n; i++) buffer[i] = got[i];
  return n;
}

int SocketTlsRead(int socket, MqlArray<uchar> &buffer, uint maxlen) {
  SSL *ssl = tls_of(socket);
  if (ssl == nullptr) return -1;
  return tls_take(socket, ssl, buffer, maxlen, true);
}

int SocketTlsReadAvailable(int socket, MqlArray<uchar> &buffer, const uint maxlen) {
  SSL *ssl = tls_of(socket);
  if (ssl == nullptr) return -1;
  return tls_take(socket, ssl, buffer, maxlen, false);
}
#endif
