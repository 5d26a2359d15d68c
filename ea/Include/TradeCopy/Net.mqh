// Net.mqh — owns the TCP connection, with the same five functions on both platforms so Ws.mqh and
// Session.mqh are one source (protocol §1 Transport), and the TLS of wss:// with its pinned
// certificate:
// - MQL4: over ws2_32.dll. MT4 has no socket API, so the EA imports Winsock. Non-blocking
//   connect and recv, so OnTimer never waits (protocol §1, §11). Winsock has no TLS: wss:// is
//   refused with what to do instead (a TLS tunnel; ea/README.md "Remote EAs").
// - MQL5: over the terminal's own sockets (SocketCreate, SocketConnect, SocketSend, SocketRead).
//   The terminal only connects to hosts listed in Tools > Options > Expert Advisors (error 4014
//   otherwise). wss:// adds SocketTlsHandshake, then SocketTlsCertificate's thumbprint is compared
//   with the pinned fingerprint before one byte of the WebSocket upgrade is sent; the stream then
//   goes through SocketTlsSend / SocketTlsReadAvailable.
// __MQL4__ / __MQL5__ are defined by MetaEditor for .mq4 / .mq5 programs
// (https://docs.mql4.com/basis/preprosessor/conditional_compilation).

#include "Clock.mqh"

// Set when a connection must not be tried again (a certificate that is not the pinned one, a
// scheme the platform cannot speak): the sentence the chart shows; "" otherwise.
string g_net_refused="";
string g_net_pin="";   // the pinned certificate's SHA-1 as upper-case hex digits, "" when none

// The hex digits of a fingerprint in upper case: "ab:cd:…", "AB CD …" and "ABCD…" compare equal.
string NetHexDigits(const string text)
  {
   string out="";
   int n=StringLen(text);
   for(int i=0;i<n;i++)
     {
      ushort c=StringGetCharacter(text,i);
      if(c>='a' && c<='f')
         c=(ushort)(c-32);
      if((c>='0' && c<='9') || (c>='A' && c<='F'))
         out+=ShortToString(c);
     }
   return(out);
  }

// The certificate fingerprint input (MT5's CertFingerprint); kept as hex digits.
void NetPin(const string fingerprint)
  {
   g_net_pin=NetHexDigits(fingerprint);
  }

#ifdef __MQL4__
#define TC_INVALID_SOCKET  -1
#define TC_SOCKET_ERROR    -1
#define TC_AF_INET         2
#define TC_SOCK_STREAM     1
#define TC_IPPROTO_TCP     6
#define TC_FIONBIO         0x8004667E
#define TC_WSAEWOULDBLOCK  10035
#define TC_WSAEINPROGRESS  10036
#define TC_WSAEALREADY     10037
#define TC_WSAEISCONN      10056

// The MT4 terminal is a 32-bit process: a SOCKET (UINT_PTR) is 32 bits there, so handles are
// held as int and INVALID_SOCKET is -1. (A 64-bit build would need long handles: see the MT5
// Net.mqh, which uses the terminal's own socket handles instead.)
#import "ws2_32.dll"
int  WSAStartup(ushort version,uchar &data[]);
int  WSACleanup();
int  WSAGetLastError();
int  socket(int af,int type,int protocol);
int  connect(int s,uchar &name[],int namelen);
int  ioctlsocket(int s,uint cmd,uint &argp);
int  send(int s,uchar &buf[],int len,int flags);
int  recv(int s,uchar &buf[],int len,int flags);
int  closesocket(int s);
int  select(int nfds,int &readfds[],int &writefds[],int &exceptfds[],int &timeout[]);
uint inet_addr(uchar &cp[]);
ushort htons(ushort hostshort);
#import

int  g_net_sock=TC_INVALID_SOCKET;
bool g_net_started=false;
int  g_net_error=0;   // last Winsock error, for the chart comment

bool NetStartup()
  {
   if(g_net_started)
      return(true);
   uchar wsa[512];   // WSADATA is 400 bytes on 32-bit Windows
   int rc=WSAStartup(0x0202,wsa);
   g_net_error=rc;
   g_net_started=(rc==0);
   return(g_net_started);
  }

void NetShutdown()
  {
   NetClose();
   if(g_net_started)
      WSACleanup();
   g_net_started=false;
  }

// Starts a non-blocking connect to an IPv4 address ("127.0.0.1"; "localhost" is taken as loopback).
// tls (wss://) is refused for good: Winsock has no TLS and MT4 has no other socket API.
bool NetOpen(const string host,const int port,const bool tls)
  {
   NetClose();
   g_net_refused="";
   if(tls)
     {
      g_net_refused="MetaTrader 4 cannot open wss:// itself: run a TLS tunnel (stunnel) on this computer to wss://"+
                    host+":"+IntegerToString(port)+" and set BridgeUrl to the tunnel's ws://127.0.0.1:port/ea/v1";
      return(false);
     }
   if(!NetStartup())
      return(false);
   string ip=(host=="localhost") ? "127.0.0.1" : host;
   uchar ipchars[];
   StringToCharArray(ip,ipchars,0,WHOLE_ARRAY,CP_ACP);   // keeps the NUL inet_addr needs
   uint addr=inet_addr(ipchars);
   if(addr==0xFFFFFFFF)
     {
      g_net_error=-1;
      return(false);
     }
   int s=socket(TC_AF_INET,TC_SOCK_STREAM,TC_IPPROTO_TCP);
   if(s==TC_INVALID_SOCKET)
     {
      g_net_error=WSAGetLastError();
      return(false);
     }
   uint nonblocking=1;
   ioctlsocket(s,TC_FIONBIO,nonblocking);
   uchar sa[16];
   ArrayInitialize(sa,0);
   sa[0]=TC_AF_INET;   // sin_family, little-endian
   sa[1]=0;
   sa[2]=(uchar)((port>>8)&0xFF);   // sin_port, network byte order
   sa[3]=(uchar)(port&0xFF);
   sa[4]=(uchar)(addr&0xFF);        // inet_addr's result is already in network order
   sa[5]=(uchar)((addr>>8)&0xFF);
   sa[6]=(uchar)((addr>>16)&0xFF);
   sa[7]=(uchar)((addr>>24)&0xFF);
   if(connect(s,sa,16)==TC_SOCKET_ERROR)
     {
      int err=WSAGetLastError();
      if(err!=TC_WSAEWOULDBLOCK && err!=TC_WSAEINPROGRESS && err!=TC_WSAEALREADY)
        {
         g_net_error=err;
         closesocket(s);
         return(false);
        }
     }
   g_net_sock=s;
   return(true);
  }

// 1 connected, 0 still connecting, -1 refused or failed.
int NetConnectPoll()
  {
   if(g_net_sock==TC_INVALID_SOCKET)
      return(-1);
   int rd[2],wr[2],ex[2],tv[2];
   rd[0]=0;
   rd[1]=0;
   wr[0]=1;
   wr[1]=g_net_sock;
   ex[0]=1;
   ex[1]=g_net_sock;
   tv[0]=0;
   tv[1]=0;
   int n=select(0,rd,wr,ex,tv);
   if(n<0)
     {
      g_net_error=WSAGetLastError();
      return(-1);
     }
   if(ex[0]>0)
     {
      g_net_error=10061;   // WSAECONNREFUSED: the copier is not listening
      return(-1);
     }
   if(wr[0]>0)
      return(1);
   return(0);
  }

#define TC_SEND_WAIT_MS 250   // a full socket buffer is waited for this long at most

// Sends all of buf[0..len); false when the connection is gone. A socket buffer that stays full
// (the copier does not read) ends the connection after TC_SEND_WAIT_MS instead of holding the
// terminal's thread: counting Sleep(1) turns was ~30 s on Windows, whose Sleep(1) lasts a clock
// tick (15.6 ms by default). The session resends what was not confirmed after reconnecting.
bool NetSend(uchar &buf[],const int len)
  {
   if(g_net_sock==TC_INVALID_SOCKET)
      return(false);
   int sent=0;
   long until=TcMonoMs()+TC_SEND_WAIT_MS;
   uchar chunk[];
   while(sent<len)
     {
      int count=len-sent;
      ArrayResize(chunk,count);
      ArrayCopy(chunk,buf,0,sent,count);
      int n=send(g_net_sock,chunk,count,0);
      if(n>0)
        {
         sent+=n;
         continue;
        }
      int err=WSAGetLastError();
      if(err!=TC_WSAEWOULDBLOCK || TcMonoMs()>=until)
        {
         g_net_error=err;
         return(false);
        }
      Sleep(1);   // the socket buffer is full: frames here are small, this is rare and short
     }
   return(true);
  }

// Appends what has arrived to buf; returns bytes read (0: nothing yet), -1 when closed or failed.
int NetRecv(uchar &buf[])
  {
   if(g_net_sock==TC_INVALID_SOCKET)
      return(-1);
   uchar chunk[8192];
   int total=0;
   while(true)
     {
      int n=recv(g_net_sock,chunk,8192,0);
      if(n>0)
        {
         int have=ArraySize(buf);
         ArrayResize(buf,have+n);
         ArrayCopy(buf,chunk,have,0,n);
         total+=n;
         continue;
        }
      if(n==0)
         return(-1);   // orderly shutdown by the copier
      int err=WSAGetLastError();
      if(err==TC_WSAEWOULDBLOCK)
         return(total);
      g_net_error=err;
      return(-1);
     }
   return(total);
  }

void NetClose()
  {
   if(g_net_sock!=TC_INVALID_SOCKET)
      closesocket(g_net_sock);
   g_net_sock=TC_INVALID_SOCKET;
  }
#endif // __MQL4__

#ifdef __MQL5__
#define TC_CONNECT_WAIT_MS 1000   // SocketConnect blocks: the copier is on loopback, this is ample

int  g_net_sock=INVALID_HANDLE;
int  g_net_error=0;
bool g_net_tls=false;   // the connection is wss://: the stream goes through SocketTls*

void NetShutdown()
  {
   NetClose();
  }

// Connects; with tls, also makes the TLS handshake and checks the server's certificate against
// the pinned fingerprint before anything is sent. A missing or different fingerprint sets
// g_net_refused: trying again would give the same certificate.
bool NetOpen(const string host,const int port,const bool tls)
  {
   NetClose();
   g_net_refused="";
   g_net_tls=tls;
   if(tls && StringLen(g_net_pin)!=40)
     {
      if(StringLen(g_net_pin)==64)
         g_net_refused="CertFingerprint holds the SHA-256 fingerprint: MetaTrader 5 checks the SHA-1 one the copier shows beside it, paste that";
      else
         g_net_refused="enter CertFingerprint: the certificate SHA-1 the copier shows for its remote listener";
      return(false);
     }
   ResetLastError();
   int s=SocketCreate();
   if(s==INVALID_HANDLE)
     {
      g_net_error=GetLastError();
      return(false);
     }
   if(!SocketConnect(s,host,(uint)port,TC_CONNECT_WAIT_MS))
     {
      g_net_error=GetLastError();
      SocketClose(s);
      return(false);
     }
   if(tls && !NetTlsCheck(s,host))
     {
      SocketClose(s);
      return(false);
     }
   g_net_sock=s;
   return(true);
  }

// The TLS handshake, then the certificate's thumbprint against the pin. SocketTlsCertificate's
// thumbprint is "the SHA-1 hash from the entire certificate file (all fields including the issuer
// signature)" (https://www.mql5.com/en/docs/network/sockettlscertificate); the page does not say
// how it is written, so hex digits alone are compared, in upper case. The handshake must come
// first (https://www.mql5.com/en/docs/network/sockettlshandshake: 5274 when it fails).
bool NetTlsCheck(const int s,const string host)
  {
   ResetLastError();
   if(!SocketTlsHandshake(s,host))
     {
      g_net_error=GetLastError();
      return(false);
     }
   string subject,issuer,serial,thumbprint;
   datetime expiration;
   if(!SocketTlsCertificate(s,subject,issuer,serial,thumbprint,expiration))
     {
      g_net_error=GetLastError();
      return(false);
     }
   string got=NetHexDigits(thumbprint);
   if(got!=g_net_pin)
     {
      g_net_refused="certificate fingerprint does not match: the server at "+host+" has SHA-1 "+got+
                    ", CertFingerprint is "+g_net_pin+" \x2014 paste the SHA-1 the copier shows, or check that this is your copier";
      return(false);
     }
   return(true);
  }

// 1 connected, -1 failed: SocketConnect has already finished by the time NetOpen returns.
int NetConnectPoll()
  {
   if(g_net_sock==INVALID_HANDLE)
      return(-1);
   return(SocketIsConnected(g_net_sock) ? 1 : -1);
  }

bool NetSend(uchar &buf[],const int len)
  {
   if(g_net_sock==INVALID_HANDLE)
      return(false);
   ResetLastError();
   // https://www.mql5.com/en/docs/network/sockettlssend: bytes written, -1 on error
   int n=g_net_tls ? SocketTlsSend(g_net_sock,buf,(uint)len) : SocketSend(g_net_sock,buf,(uint)len);
   if(n!=len)
     {
      g_net_error=GetLastError();
      return(false);
     }
   return(true);
  }

// Appends what has arrived to buf; returns bytes read (0: nothing yet), -1 when closed or failed.
int NetRecv(uchar &buf[])
  {
   if(g_net_sock==INVALID_HANDLE)
      return(-1);
   if(g_net_tls)
      return(NetTlsRecv(buf));
   int total=0;
   uint ready=SocketIsReadable(g_net_sock);
   while(ready>0)
     {
      uchar chunk[];
      int n=SocketRead(g_net_sock,chunk,ready,10);
      if(n<=0)
         break;
      int have=ArraySize(buf);
      ArrayResize(buf,have+n);
      ArrayCopy(buf,chunk,have,0,n);
      total+=n;
      ready=SocketIsReadable(g_net_sock);
     }
   if(!SocketIsConnected(g_net_sock))
     {
      g_net_error=GetLastError();
      return(-1);
     }
   return(total);
  }

// SocketIsReadable counts the raw socket's encrypted bytes, so a TLS stream is read with
// SocketTlsReadAvailable, which takes whatever is decrypted and does not wait; -1 when the
// connection is closed or failed (https://www.mql5.com/en/docs/network/sockettlsreadavailable).
int NetTlsRecv(uchar &buf[])
  {
   int total=0;
   while(true)
     {
      uchar chunk[];
      ResetLastError();
      int n=SocketTlsReadAvailable(g_net_sock,chunk,65536);
      if(n<0)
        {
         g_net_error=GetLastError();
         return(-1);
        }
      if(n==0)
         return(total);
      int have=ArraySize(buf);
      ArrayResize(buf,have+n);
      ArrayCopy(buf,chunk,have,0,n);
      total+=n;
     }
   return(total);
  }

void NetClose()
  {
   if(g_net_sock!=INVALID_HANDLE)
      SocketClose(g_net_sock);
   g_net_sock=INVALID_HANDLE;
  }
#endif // __MQL5__
