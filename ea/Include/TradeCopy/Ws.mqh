// Ws.mqh — owns the WebSocket client (RFC 6455) over Net.mqh: the HTTP upgrade with its
// Sec-WebSocket-Accept checked, masked client frames, text messages, ping/pong control frames and
// the close handshake. Protocol §1 Transport: one JSON object per text frame, at most 65,536 bytes,
// no extensions. Identical for MT4 and MT5; only Net.mqh differs.

#include "Sha1.mqh"
#include "Text.mqh"

#define WS_MAX_FRAME   65536
#define WS_IDLE        0
#define WS_CONNECTING  1
#define WS_UPGRADING   2
#define WS_OPEN        3
#define WS_CLOSED      4

int    g_ws_state=WS_IDLE;
string g_ws_key="";
string g_ws_host="";
string g_ws_path="";
int    g_ws_port=0;
uchar  g_ws_rx[];             // bytes received and not yet parsed
uchar  g_ws_frag[];           // payload of a fragmented message being assembled
bool   g_ws_fragmenting=false;
string g_ws_inbox[];          // complete text messages, oldest first
int    g_ws_close_code=0;     // close code the copier sent (0: none, 1006: no close frame)
string g_ws_close_reason="";
string g_ws_fail="";          // why the connection failed, in words

// Splits ws://host:port/path or wss://host:port/path (tls true: protocol §1, remote EAs); the
// default ports are 80 and 443 (RFC 6455 §3).
bool WsParseUrl(const string url,string &host,int &port,string &path,bool &tls)
  {
   string rest=url;
   tls=(StringFind(rest,"wss://")==0);
   if(!tls && StringFind(rest,"ws://")!=0)
      return(false);
   rest=StringSubstr(rest,tls ? 6 : 5);
   int slash=StringFind(rest,"/");
   string hostport=(slash<0) ? rest : TcMid(rest,0,slash);
   path=(slash<0) ? "/" : StringSubstr(rest,slash);
   int colon=StringFind(hostport,":");
   if(colon<0)
     {
      host=hostport;
      port=tls ? 443 : 80;
     }
   else
     {
      host=TcMid(hostport,0,colon);
      port=(int)StringToInteger(StringSubstr(hostport,colon+1));
     }
   return(StringLen(host)>0 && port>0 && port<65536);
  }

bool WsBegin(const string host,const int port,const string path,const bool tls)
  {
   ArrayResize(g_ws_rx,0);
   ArrayResize(g_ws_frag,0);
   ArrayResize(g_ws_inbox,0);
   g_ws_fragmenting=false;
   g_ws_close_code=0;
   g_ws_close_reason="";
   g_ws_fail="";
   g_ws_host=host;
   g_ws_port=port;
   g_ws_path=path;
   if(!NetOpen(host,port,tls))
     {
      g_ws_state=WS_CLOSED;
      g_ws_fail=(g_net_refused!="") ? g_net_refused :
                "cannot connect to "+host+":"+IntegerToString(port)+" (error "+IntegerToString(g_net_error)+")";
      return(false);
     }
   g_ws_state=WS_CONNECTING;
   return(true);
  }

bool WsSendUpgrade()
  {
   uchar nonce[16];
   for(int i=0;i<16;i++)
      nonce[i]=(uchar)(MathRand()&0xFF);
   g_ws_key=Base64Encode(nonce,16);
   string req="GET "+g_ws_path+" HTTP/1.1\r\nHost: "+g_ws_host+":"+IntegerToString(g_ws_port)+
              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "+g_ws_key+
              "\r\nSec-WebSocket-Version: 13\r\n\r\n";
   uchar buf[];
   int n=StringToCharArray(req,buf,0,WHOLE_ARRAY,CP_UTF8);
   if(n>0 && buf[n-1]==0)
      n--;
   return(NetSend(buf,n));
  }

// The header value of name in the response head (case-insensitive name), "" when absent.
string WsHeader(const string head,const string name)
  {
   string lower=head;
   StringToLower(lower);
   string want="\r\n"+name+":";
   StringToLower(want);
   int at=StringFind(lower,want);
   if(at<0)
      return("");
   int start=at+StringLen(want);
   int end=StringFind(head,"\r\n",start);
   if(end<0)
      end=StringLen(head);
   return(TcTrim(TcMid(head,start,end-start)));
  }

// Reads the 101 answer; 1 done, 0 waiting, -1 refused.
int WsReadUpgrade()
  {
   int size=ArraySize(g_ws_rx);
   int end=-1;
   for(int i=0;i+3<size;i++)
      if(g_ws_rx[i]==13 && g_ws_rx[i+1]==10 && g_ws_rx[i+2]==13 && g_ws_rx[i+3]==10)
        {
         end=i+4;
         break;
        }
   if(end<0)
     {
      if(size>8192)
        {
         g_ws_fail="bridge answered with an over-long HTTP header";
         return(-1);
        }
      return(0);
     }
   string head=CharArrayToString(g_ws_rx,0,end,CP_UTF8);
   if(StringFind(head,"HTTP/1.1 101")!=0)
     {
      int eol=StringFind(head,"\r\n");
      g_ws_fail="bridge refused the upgrade: "+TcMid(head,0,eol);
      return(-1);
     }
   string accept=WsHeader(head,"Sec-WebSocket-Accept");
   if(accept!=WsAcceptFor(g_ws_key))
     {
      g_ws_fail="bad Sec-WebSocket-Accept from "+g_ws_host;
      return(-1);
     }
   if(WsHeader(head,"Sec-WebSocket-Extensions")!="")
     {
      g_ws_fail="bridge negotiated an extension, which protocol v1 does not use";
      return(-1);
     }
   int rest=size-end;
   uchar tail[];
   ArrayResize(tail,rest);
   if(rest>0)
      ArrayCopy(tail,g_ws_rx,0,end,rest);
   ArrayResize(g_ws_rx,rest);
   if(rest>0)
      ArrayCopy(g_ws_rx,tail,0,0,rest);
   return(1);
  }

// Sends one masked frame (clients must mask, RFC 6455 §5.3).
bool WsSendFrame(const int opcode,const uchar &payload[],const int len)
  {
   if(g_ws_state!=WS_OPEN && !(g_ws_state==WS_CLOSED && opcode==8))
      return(false);
   int head=2+((len>=126) ? ((len>65535) ? 8 : 2) : 0)+4;
   uchar frame[];
   ArrayResize(frame,head+len);
   frame[0]=(uchar)(0x80|opcode);
   int at=2;
   if(len<126)
      frame[1]=(uchar)(0x80|len);
   else if(len<=65535)
     {
      frame[1]=(uchar)(0x80|126);
      frame[2]=(uchar)((len>>8)&0xFF);
      frame[3]=(uchar)(len&0xFF);
      at=4;
     }
   else
     {
      frame[1]=(uchar)(0x80|127);
      for(int i=0;i<8;i++)
         frame[2+i]=(uchar)((i<4) ? 0 : ((len>>(8*(7-i)))&0xFF));
      at=10;
     }
   uchar mask[4];
   for(int i=0;i<4;i++)
     {
      mask[i]=(uchar)(MathRand()&0xFF);
      frame[at+i]=mask[i];
     }
   at+=4;
   for(int i=0;i<len;i++)
      frame[at+i]=(uchar)(payload[i]^mask[i&3]);
   return(NetSend(frame,head+len));
  }

// Sends one JSON text frame; frames over 65,536 bytes are never sent (protocol §12).
bool WsSendText(const string text)
  {
   uchar buf[];
   int n=StringToCharArray(text,buf,0,WHOLE_ARRAY,CP_UTF8);
   if(n>0 && buf[n-1]==0)
      n--;   // StringToCharArray copies the trailing NUL: it is not part of the frame
   if(n>WS_MAX_FRAME)
     {
      Print("TradeCopy: frame of ",n," bytes not sent: over the 65,536-byte limit");
      return(false);
     }
   if(!WsSendFrame(1,buf,n))
     {
      g_ws_close_code=1006;
      g_ws_state=WS_CLOSED;
      return(false);
     }
   return(true);
  }

// Sends a close frame with code and reason, then drops the connection.
void WsClose(const int code,const string reason)
  {
   if(g_ws_state==WS_OPEN)
     {
      uchar payload[];
      uchar text[];
      int n=StringToCharArray(reason,text,0,WHOLE_ARRAY,CP_UTF8);
      if(n>0 && text[n-1]==0)
         n--;
      if(n>120)
         n=120;
      ArrayResize(payload,2+n);
      payload[0]=(uchar)((code>>8)&0xFF);
      payload[1]=(uchar)(code&0xFF);
      if(n>0)
         ArrayCopy(payload,text,2,0,n);
      WsSendFrame(8,payload,2+n);
     }
   NetClose();
   g_ws_state=WS_CLOSED;
  }

void WsInboxPush(const uchar &data[],const int len)
  {
   int k=ArraySize(g_ws_inbox);
   ArrayResize(g_ws_inbox,k+1);
   g_ws_inbox[k]=(len>0) ? CharArrayToString(data,0,len,CP_UTF8) : "";
  }

// Takes the oldest complete text message; false when there is none.
bool WsNext(string &msg)
  {
   int k=ArraySize(g_ws_inbox);
   if(k==0)
      return(false);
   msg=g_ws_inbox[0];
   for(int i=1;i<k;i++)
      g_ws_inbox[i-1]=g_ws_inbox[i];
   ArrayResize(g_ws_inbox,k-1);
   return(true);
  }

// Parses every complete frame in g_ws_rx. False when the connection must end (g_ws_close_code set).
bool WsParseFrames()
  {
   while(true)
     {
      int size=ArraySize(g_ws_rx);
      if(size<2)
         return(true);
      int b0=g_ws_rx[0],b1=g_ws_rx[1];
      bool fin=(b0&0x80)!=0;
      int opcode=b0&0x0F;
      if((b1&0x80)!=0)
        {
         WsClose(1002,"masked frame from the server");
         g_ws_close_code=1002;
         return(false);
        }
      long len=b1&0x7F;
      int at=2;
      if(len==126)
        {
         if(size<4)
            return(true);
         len=((long)g_ws_rx[2]<<8)|(long)g_ws_rx[3];
         at=4;
        }
      else if(len==127)
        {
         if(size<10)
            return(true);
         len=0;
         for(int i=0;i<8;i++)
            len=(len<<8)|(long)g_ws_rx[2+i];
         at=10;
        }
      if(len>WS_MAX_FRAME || len<0)
        {
         WsClose(1009,"frame over 65536 bytes");
         g_ws_close_code=1009;
         return(false);
        }
      if(size<at+len)
         return(true);
      int n=(int)len;
      uchar payload[];
      ArrayResize(payload,n);
      if(n>0)
         ArrayCopy(payload,g_ws_rx,0,at,n);
      int rest=size-at-n;
      uchar tail[];
      ArrayResize(tail,rest);
      if(rest>0)
         ArrayCopy(tail,g_ws_rx,0,at+n,rest);
      ArrayResize(g_ws_rx,rest);
      if(rest>0)
         ArrayCopy(g_ws_rx,tail,0,0,rest);
      if(opcode==9)
        {
         WsSendFrame(10,payload,n);   // control ping: RFC 6455 requires the pong (protocol §1)
         continue;
        }
      if(opcode==10)
         continue;
      if(opcode==8)
        {
         g_ws_close_code=(n>=2) ? (((int)payload[0]<<8)|(int)payload[1]) : 1005;
         g_ws_close_reason=(n>2) ? CharArrayToString(payload,2,n-2,CP_UTF8) : "";
         uchar echo[2];
         echo[0]=(uchar)((g_ws_close_code>>8)&0xFF);
         echo[1]=(uchar)(g_ws_close_code&0xFF);
         WsSendFrame(8,echo,(n>=2) ? 2 : 0);
         NetClose();
         g_ws_state=WS_CLOSED;
         return(false);
        }
      if(opcode==2)
        {
         WsClose(1003,"binary frames are not used by protocol v1");
         g_ws_close_code=1003;
         return(false);
        }
      if(opcode==1 || opcode==0)
        {
         int have=ArraySize(g_ws_frag);
         if(have+n>WS_MAX_FRAME)
           {
            WsClose(1009,"message over 65536 bytes");
            g_ws_close_code=1009;
            return(false);
           }
         ArrayResize(g_ws_frag,have+n);
         if(n>0)
            ArrayCopy(g_ws_frag,payload,have,0,n);
         if(fin)
           {
            WsInboxPush(g_ws_frag,ArraySize(g_ws_frag));
            ArrayResize(g_ws_frag,0);
           }
         continue;
        }
      WsClose(1002,"unknown opcode");
      g_ws_close_code=1002;
      return(false);
     }
   return(true);
  }

// Drives the connection; call it from OnTimer. Returns the state after this step.
int WsPoll()
  {
   if(g_ws_state==WS_CONNECTING)
     {
      int c=NetConnectPoll();
      if(c<0)
        {
         g_ws_fail="cannot connect to "+g_ws_host+":"+IntegerToString(g_ws_port)+
                   " (error "+IntegerToString(g_net_error)+"): is the copier running?";
         NetClose();
         g_ws_state=WS_CLOSED;
        }
      else if(c>0)
        {
         if(WsSendUpgrade())
            g_ws_state=WS_UPGRADING;
         else
           {
            g_ws_fail="connection lost during the upgrade";
            NetClose();
            g_ws_state=WS_CLOSED;
           }
        }
      return(g_ws_state);
     }
   if(g_ws_state!=WS_UPGRADING && g_ws_state!=WS_OPEN)
      return(g_ws_state);
   int got=NetRecv(g_ws_rx);
   if(g_ws_state==WS_UPGRADING)
     {
      int u=WsReadUpgrade();
      if(u<0)
        {
         NetClose();
         g_ws_state=WS_CLOSED;
         return(g_ws_state);
        }
      if(u>0)
         g_ws_state=WS_OPEN;
     }
   if(g_ws_state==WS_OPEN)
      WsParseFrames();
   if(got<0 && g_ws_state!=WS_CLOSED)
     {
      if(g_ws_close_code==0)
         g_ws_close_code=1006;   // dropped without a close frame
      if(g_ws_fail=="")
         g_ws_fail="connection dropped";
      NetClose();
      g_ws_state=WS_CLOSED;
     }
   return(g_ws_state);
  }
