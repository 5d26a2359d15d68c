// net_posix.cpp — the network functions the EAs use, over POSIX sockets: the ws2_32.dll imports
// of the MT4 EAs (Windows semantics: WSA error codes, Windows' sockaddr_in and fd_set layouts,
// a failed non-blocking connect reported in exceptfds) and MQL5's Socket* functions.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mql_core.hpp"

#undef htons

static int g_wsa_error = 0;

static int wsa_code(int e) {
  switch (e) {
    case EWOULDBLOCK: return 10035;
    case EINPROGRESS: return 10035;  // Windows answers a non-blocking connect with WSAEWOULDBLOCK
    case EALREADY: return 10037;
    case EISCONN: return 10056;
    case ECONNREFUSED: return 10061;
    case ECONNRESET: return 10054;
    case EPIPE: return 10058;
    case ENOTCONN: return 10057;
    case EBADF: return 10038;
    default: return 10000 + e;
  }
}
static int fail() { g_wsa_error = wsa_code(errno); return -1; }

namespace mql_import_ws2_32_dll {
int WSAStartup(ushort version, MqlArray<uchar> &data) {
  (void)version;
  if (data.size() < 400) mql_critical("WSAStartup: WSADATA buffer under 400 bytes");
  return 0;
}
int WSACleanup() { return 0; }
int WSAGetLastError() { return g_wsa_error; }
int socket(int af, int type, int protocol) {
  int s = ::socket(af == 2 ? AF_INET : af, type == 1 ? SOCK_STREAM : type, protocol);
  return s < 0 ? fail() : s;
}
int connect(int s, MqlArray<uchar> &name, int namelen) {
  if (namelen < 16 || name.size() < namelen) mql_critical("connect: sockaddr_in shorter than 16 bytes");
  sockaddr_in sa{};
  sa.sin_family = (sa_family_t)(name[0] | (name[1] << 8));  // Windows: little-endian u_short
  if (sa.sin_family != 2) { g_wsa_error = 10047; return -1; }  // WSAEAFNOSUPPORT
  sa.sin_family = AF_INET;
  std::memcpy(&sa.sin_port, &name.raw()[2], 2);
  std::memcpy(&sa.sin_addr, &name.raw()[4], 4);
  return ::connect(s, (sockaddr *)&sa, sizeof sa) == 0 ? 0 : fail();
}
int ioctlsocket(int s, uint cmd, uint &argp) {
  if (cmd != 0x8004667Eu) { g_wsa_error = 10022; return -1; }  // only FIONBIO
  int flags = fcntl(s, F_GETFL, 0);
  if (flags < 0) return fail();
  return fcntl(s, F_SETFL, argp ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK)) == 0 ? 0 : fail();
}
int send(int s, MqlArray<uchar> &buf, int len, int flags) {
  if (len > buf.size()) mql_critical("send: len beyond the buffer");
  if (mql_net_stalled()) { g_wsa_error = 10035; return -1; }  // WSAEWOULDBLOCK: the buffer is full
  ssize_t n = ::send(s, buf.raw().data(), len, flags | MSG_NOSIGNAL);
  return n < 0 ? fail() : (int)n;
}
int recv(int s, MqlArray<uchar> &buf, int len, int flags) {
  if (len > buf.size()) mql_critical("recv: len beyond the buffer");
  ssize_t n = ::recv(s, buf.raw().data(), len, flags);
  return n < 0 ? fail() : (int)n;
}
int closesocket(int s) { return ::close(s) == 0 ? 0 : fail(); }
// Windows fd_set as int[]: [0] = count, [1..] = sockets; timeval as int[2]: seconds, microseconds.
int select(int nfds, MqlArray<int> &readfds, MqlArray<int> &writefds, MqlArray<int> &exceptfds,
           MqlArray<int> &timeout) {
  (void)nfds;
  std::vector<pollfd> fds;
  std::vector<int> kinds;
  MqlArray<int> *sets[3] = {&readfds, &writefds, &exceptfds};
  for (int k = 0; k < 3; k++) {
    MqlArray<int> &set = *sets[k];
    for (int i = 0; i < set[0]; i++) {
      fds.push_back(pollfd{set[1 + i], (short)(k == 0 ? POLLIN : k == 1 ? POLLOUT : POLLPRI), 0});
      kinds.push_back(k);
    }
  }
  int ms = timeout[0] * 1000 + timeout[1] / 1000;
  if (::poll(fds.data(), fds.size(), ms) < 0) return fail();
  int counts[3] = {0, 0, 0};
  std::vector<int> ready[3];
  for (size_t i = 0; i < fds.size(); i++) {
    int k = kinds[i];
    short ev = fds[i].revents;
    if (k == 1 && (ev & (POLLOUT | POLLERR | POLLHUP))) {
      int err = 0; socklen_t len = sizeof err;
      getsockopt(fds[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) { ready[2].push_back(fds[i].fd); continue; }  // Windows: failed connect → exceptfds
      ready[1].push_back(fds[i].fd);
    } else if (k == 0 && (ev & (POLLIN | POLLHUP | POLLERR))) ready[0].push_back(fds[i].fd);
    else if (k == 2 && (ev & (POLLPRI | POLLERR))) ready[2].push_back(fds[i].fd);
  }
  int total = 0;
  for (int k = 0; k < 3; k++) {
    MqlArray<int> &set = *sets[k];
    counts[k] = 0;
    for (int fd : ready[k]) {
      bool dup = false;
      for (int j = 0; j < counts[k]; j++) dup = dup || set[1 + j] == fd;
      if (dup) continue;
      set[1 + counts[k]++] = fd;
    }
    set[0] = counts[k];
    total += counts[k];
  }
  return total;
}
uint inet_addr(MqlArray<uchar> &cp) {
  std::string text;
  int i = 0;
  for (; i < cp.size() && cp[i] != 0; i++) text += (char)cp[i];
  if (i == cp.size()) mql_critical("inet_addr: the address has no terminating NUL");
  in_addr_t a = ::inet_addr(text.c_str());
  return (uint)a;
}
ushort htons(ushort v) { return (ushort)((v >> 8) | (v << 8)); }
}  // namespace mql_import_ws2_32_dll

// ---- MQL5 sockets ---------------------------------------------------------------------------
#define ERR_NETSOCKET_INVALIDHANDLE 5270
#define ERR_NETSOCKET_CANNOT_CONNECT 5272
#define ERR_NETSOCKET_IO_ERROR 5273

int SocketCreate(uint flags) {
  (void)flags;
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) { mql_last_error() = ERR_NETSOCKET_INVALIDHANDLE; return INVALID_HANDLE; }
  return s;
}
bool SocketConnect(int socket, const string &server, uint port, uint timeout_ms) {
  std::string host = server.utf8();
  if (host == "localhost") host = "127.0.0.1";
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (::inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) { mql_last_error() = ERR_NETSOCKET_CANNOT_CONNECT; return false; }
  int flags = fcntl(socket, F_GETFL, 0);
  fcntl(socket, F_SETFL, flags | O_NONBLOCK);
  int rc = ::connect(socket, (sockaddr *)&sa, sizeof sa);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{socket, POLLOUT, 0};
    rc = ::poll(&p, 1, (int)timeout_ms) == 1 ? 0 : -1;
    int err = 0; socklen_t len = sizeof err;
    getsockopt(socket, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) rc = -1;
  }
  fcntl(socket, F_SETFL, flags);
  if (rc != 0) { mql_last_error() = ERR_NETSOCKET_CANNOT_CONNECT; return false; }
  return true;
}
bool SocketIsConnected(int socket) {
  char c;
  ssize_t n = ::recv(socket, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) { mql_last_error() = ERR_NETSOCKET_IO_ERROR; return false; }
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { mql_last_error() = ERR_NETSOCKET_IO_ERROR; return false; }
  return true;
}
uint SocketIsReadable(int socket) {
  int n = 0;
  if (ioctl(socket, FIONREAD, &n) != 0) return 0;
  return (uint)n;
}
int SocketRead(int socket, MqlArray<uchar> &buffer, uint maxlen, uint timeout_ms) {
  pollfd p{socket, POLLIN, 0};
  if (::poll(&p, 1, (int)timeout_ms) != 1) return 0;
  std::vector<uchar> tmp(maxlen);
  ssize_t n = ::recv(socket, tmp.data(), maxlen, MSG_DONTWAIT);
  if (n <= 0) { mql_last_error() = ERR_NETSOCKET_IO_ERROR; return -1; }
  if (buffer.size() < n) {
    if (buffer.fixed()) mql_critical("SocketRead: fixed buffer too small");
    buffer.resize(n);
  }
  for (ssize_t i = 0; i < n; i++) buffer[i] = tmp[i];
  return (int)n;
}
int SocketSend(int socket, const MqlArray<uchar> &buffer, uint len) {
  if ((int)len > buffer.size()) mql_critical("SocketSend: len beyond the buffer");
  size_t sent = 0;
  while (sent < len) {  // MT5's SocketSend blocks until the bytes are written
    ssize_t n = ::send(socket, buffer.raw().data() + sent, len - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) { pollfd p{socket, POLLOUT, 0}; ::poll(&p, 1, 100); continue; }
    if (n < 0) { mql_last_error() = ERR_NETSOCKET_IO_ERROR; return -1; }
    sent += n;
  }
  return (int)sent;
}
void mql_tls_drop(int socket);  // tls_openssl.cpp: ends the socket's TLS session, if any
bool SocketClose(int socket) {
  mql_tls_drop(socket);
  return ::close(socket) == 0;
}
