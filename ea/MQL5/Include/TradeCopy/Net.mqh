// Net.mqh (MT5) — owns the TCP connection over the terminal's own sockets (SocketCreate,
// SocketConnect, SocketSend, SocketRead). The same five functions as MQL4/Include/TradeCopy/Net.mqh,
// so Ws.mqh and Session.mqh are identical on both platforms (protocol §1 Transport). The terminal
// only connects to hosts listed in Tools > Options > Expert Advisors (error 4014 otherwise).

#define TC_CONNECT_WAIT_MS 1000   // SocketConnect blocks: the copier is on loopback, this is ample

int  g_net_sock=INVALID_HANDLE;
int  g_net_error=0;

void NetShutdown()
  {
   NetClose();
  }

bool NetOpen(const string host,const int port)
  {
   NetClose();
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
   g_net_sock=s;
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
   int n=SocketSend(g_net_sock,buf,(uint)len);
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

void NetClose()
  {
   if(g_net_sock!=INVALID_HANDLE)
      SocketClose(g_net_sock);
   g_net_sock=INVALID_HANDLE;
  }
