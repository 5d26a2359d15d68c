// Session.mqh — owns one EA's session with the copier: connect, hello, the 5 s wait for welcome,
// pong to every ping, the 15 s silence rule, account frames at most once per second, close codes
// and reconnecting with backoff (docs/protocol.md §3 Roles and sessions, §8 Heartbeats, §9 Close
// codes, §11 Reconnecting and backoff, §12 Timings and limits), and the welcome's key warning: an
// Alert() once per distinct text and a line of the chart comment (TcNoticeLine). It mirrors
// copier/refea/client.py. Shared by MT4 and MT5; the EA defines the TcOn* callbacks declared below.

// protocol §12 Timings and limits (copier/bridge/protocol.py constants)
#define TC_PROTOCOL_VERSION   1
#define TC_WELCOME_WAIT_MS    5000
#define TC_BACKOFF_BASE_S     0.5
#define TC_BACKOFF_CAP_S      30.0
#define TC_BACKOFF_RESET_MS   10000
#define TC_DEFAULT_TIMEOUT_MS 15000
#define TC_ACCOUNT_EVERY_MS   1000
#define TC_SNAPSHOT_PART      100

#define TC_S_WAITING   0   // waiting for the next attempt
#define TC_S_CONNECT   1   // TCP + upgrade in progress
#define TC_S_HELLO     2   // hello sent, waiting for welcome
#define TC_S_LIVE      3   // welcomed
#define TC_S_STOPPED   4   // refused for good (4401, 4403, 4405, 4426): waits for new inputs

// Callbacks each EA defines.
string TcBuildHello();                          // the hello frame of this role and terminal
string TcAccountFrame();                        // the account frame now
string TcAccountFigures();                      // the figures the account frame compares
void   TcOnWelcome(JsonObj &welcome);           // send the snapshot, then queued events
void   TcOnMessage(const string t,JsonObj &o);  // ack, command, snapshot_request
void   TcOnSessionEnd();

string g_tc_url="";
string g_tc_role="";
int    g_tc_state=TC_S_WAITING;
int    g_tc_attempt=0;
long   g_tc_next_attempt_ms=0;   // first connection at once (§11)
long   g_tc_phase_ms=0;          // when the current phase began
long   g_tc_welcomed_ms=0;
long   g_tc_last_rx_ms=0;
long   g_tc_timeout_ms=TC_DEFAULT_TIMEOUT_MS;
long   g_tc_last_account_ms=0;
string g_tc_account_sent="";
string g_tc_account_id="";
string g_tc_status="starting";  // shown in the chart comment
string g_tc_notice="";          // the welcome's warning, in the chart comment until a welcome has none
string g_tc_alerted="";         // the last warning alerted: the same text again is not repeated
string g_tc_fatal="";
long   g_tc_ping_id=0;
int    g_tc_errors=0;

string g_tc_comment="";   // what the chart comment shows now

// Comment() redraws the chart; the EAs build their status on every OnTimer (every TimerMs, 10 ms
// by default), so it is drawn only when its text changed, not 100 times a second.
void TcShowComment(const string text)
  {
   if(text==g_tc_comment)
      return;
   g_tc_comment=text;
   Comment(text);
  }

void TcSessionInit(const string url,const string role)
  {
   g_tc_url=url;
   g_tc_role=role;
   g_tc_state=TC_S_WAITING;
   g_tc_attempt=0;
   g_tc_next_attempt_ms=TcMonoMs();
   g_tc_fatal="";
   g_tc_status="starting";   // OnInit may run again without a reload: nothing of the last run shows
   g_tc_notice="";
   g_tc_account_sent="";
   g_tc_errors=0;
   MathSrand((uint)(GetMicrosecondCount()&0x7FFFFFFF));
  }

bool TcLive()
  {
   return(g_tc_state==TC_S_LIVE);
  }

// delay := min(30, 0.5 x 2^attempt) x uniform(0.5, 1.0) seconds (§11)
long TcBackoffMs(const int attempt)
  {
   double d=TC_BACKOFF_BASE_S*MathPow(2.0,MathMin(attempt,16));
   if(d>TC_BACKOFF_CAP_S)
      d=TC_BACKOFF_CAP_S;
   d=d*(0.5+0.5*MathRand()/32767.0);
   return((long)(d*1000.0));
  }

bool TcFatalCode(const int code)
  {
   return(code==4401 || code==4403 || code==4405 || code==4426);
  }

string TcFatalText(const int code,const string reason)
  {
   if(code==4401)
      return("API key not valid: enter the key shown in the copier's Accounts page ("+reason+")");
   if(code==4403)
      return("API key belongs to another account: use this account's key ("+reason+")");
   if(code==4405)
      return("API key is for the account's other EA: use the key made for this EA ("+reason+")");
   return("update the EA: the copier speaks another protocol version ("+reason+")");
  }

// The connection ended (close frame, drop, failed attempt): stop or schedule the next try.
void TcSessionEnded(const int code,const string why)
  {
   long now=TcMonoMs();
   bool was_live=(g_tc_state==TC_S_LIVE);
   if(was_live)
      TcOnSessionEnd();
   if(TcFatalCode(code))
     {
      g_tc_state=TC_S_STOPPED;
      g_tc_fatal=TcFatalText(code,why);
      g_tc_status="STOPPED: "+g_tc_fatal;
      Alert("TradeCopy ",g_tc_role,": ",g_tc_fatal);
      Print("TradeCopy ",g_tc_role,": refused for good, close ",code,": ",why);
      return;
     }
   if(was_live && now-g_tc_welcomed_ms>=TC_BACKOFF_RESET_MS)
      g_tc_attempt=0;
   long delay=TcBackoffMs(g_tc_attempt);
   g_tc_attempt++;
   g_tc_next_attempt_ms=now+delay;
   g_tc_state=TC_S_WAITING;
   g_tc_status="reconnecting in "+DoubleToString(delay/1000.0,1)+" s \x2014 "+why;
   Print("TradeCopy ",g_tc_role,": session ended (",code,") ",why,"; next try in ",delay," ms");
  }

// The welcome's warn (§4 welcome): kept for the chart comment, alerted once per distinct text.
void TcShowWarning(const string warn)
  {
   g_tc_notice=warn;
   if(warn=="" || warn==g_tc_alerted)
      return;
   g_tc_alerted=warn;
   Alert("TradeCopy ",g_tc_role,": ",warn);
  }

// The warning's line for the EA's chart comment: "" when there is none.
string TcNoticeLine()
  {
   return((g_tc_notice=="") ? "" : "\n"+g_tc_notice);
  }

bool TcSend(const string frame)
  {
   if(g_tc_state!=TC_S_LIVE && g_tc_state!=TC_S_HELLO)
      return(false);
   return(WsSendText(frame));
  }

// account figures when changed, checked at most once per second (§4 account, §12)
void TcMaybeSendAccount(const long now)
  {
   if(now-g_tc_last_account_ms<TC_ACCOUNT_EVERY_MS)
      return;
   g_tc_last_account_ms=now;
   string figures=TcAccountFigures();
   if(figures==g_tc_account_sent)
      return;
   if(TcSend(TcAccountFrame()))
      g_tc_account_sent=figures;
  }

void TcHandleWelcome(JsonObj &o)
  {
   long v=JsonLong(o,"v",0);
   if(v!=TC_PROTOCOL_VERSION)
     {
      WsClose(4400,"expected welcome v1");
      TcSessionEnded(4400,"the copier answered protocol version "+IntegerToString(v));
      return;
     }
   g_tc_state=TC_S_LIVE;
   g_tc_welcomed_ms=TcMonoMs();
   g_tc_timeout_ms=JsonLong(o,"timeout",TC_DEFAULT_TIMEOUT_MS);
   if(g_tc_timeout_ms<=0)
      g_tc_timeout_ms=TC_DEFAULT_TIMEOUT_MS;
   g_tc_account_id=JsonStr(o,"account","");
   g_tc_errors=0;
   g_tc_status="connected as "+g_tc_account_id+" (session "+JsonStr(o,"session","")+")";
   Print("TradeCopy ",g_tc_role,": welcome, account ",g_tc_account_id,", ack ",JsonLong(o,"ack",0));
   TcShowWarning(JsonStr(o,"warn",""));
   g_tc_account_sent=TcAccountFigures();   // the snapshot carries the figures
   g_tc_last_account_ms=TcMonoMs();
   TcOnWelcome(o);
  }

void TcHandleFrame(const string text)
  {
   JsonObj o;
   if(!JsonParse(text,o))
     {
      Print("TradeCopy ",g_tc_role,": unreadable frame from the copier: ",StringSubstr(text,0,200));
      return;
     }
   string t=JsonStr(o,"t","");
   if(g_tc_state==TC_S_HELLO)
     {
      if(t=="welcome")
         TcHandleWelcome(o);
      else
        {
         WsClose(4400,"expected welcome");
         TcSessionEnded(4400,"the copier sent "+t+" before welcome");
        }
      return;
     }
   if(t=="ping")
     {
      TcSend(JsonOpen("pong")+JI("id",JsonLong(o,"id",0))+"}");
      return;
     }
   if(t=="pong")
      return;
   if(t=="error")
     {
      g_tc_errors++;
      Print("TradeCopy ",g_tc_role,": the copier refused a frame: ",JsonStr(o,"code",""),
            " ",JsonStr(o,"msg","")," ",JsonStr(o,"ref",""));
      return;
     }
   TcOnMessage(t,o);
  }

// Drives the session; call it from OnTimer (§11: "drive this from OnTimer").
void TcSessionPoll()
  {
   long now=TcMonoMs();
   if(g_tc_state==TC_S_STOPPED)
      return;
   if(g_tc_state==TC_S_WAITING)
     {
      if(now<g_tc_next_attempt_ms)
         return;
      string host,path;
      int port;
      bool tls;
      if(!WsParseUrl(g_tc_url,host,port,path,tls))
        {
         g_tc_state=TC_S_STOPPED;
         g_tc_fatal="the URL input is not ws://host:port/ea/v1 or wss://host:port/ea/v1: "+g_tc_url;
         g_tc_status="STOPPED: "+g_tc_fatal;
         Alert("TradeCopy ",g_tc_role,": ",g_tc_fatal);
         return;
        }
      g_tc_phase_ms=now;
      g_tc_status="connecting to "+g_tc_url;
      if(!WsBegin(host,port,path,tls))
        {
         if(g_net_refused!="")
           {
            g_tc_state=TC_S_STOPPED;   // the same certificate or scheme would be refused again
            g_tc_fatal=g_net_refused;
            g_tc_status="STOPPED: "+g_tc_fatal;
            Alert("TradeCopy ",g_tc_role,": ",g_tc_fatal);
            return;
           }
         TcSessionEnded(0,g_ws_fail);
         return;
        }
      g_tc_state=TC_S_CONNECT;
     }
   int ws=WsPoll();
   if(g_tc_state==TC_S_CONNECT)
     {
      if(ws==WS_OPEN)
        {
         g_tc_state=TC_S_HELLO;
         g_tc_phase_ms=now;
         g_tc_last_rx_ms=now;
         if(!WsSendText(TcBuildHello()))
           {
            TcSessionEnded(1006,"connection lost sending hello");
            return;
           }
        }
      else if(ws==WS_CLOSED)
        {
         TcSessionEnded(g_ws_close_code,g_ws_fail);
         return;
        }
      else if(now-g_tc_phase_ms>TC_WELCOME_WAIT_MS)
        {
         WsClose(1000,"connect timeout");
         TcSessionEnded(0,"no answer from "+g_tc_url+" within 5 s");
         return;
        }
     }
   string text;
   while((g_tc_state==TC_S_HELLO || g_tc_state==TC_S_LIVE) && WsNext(text))
     {
      g_tc_last_rx_ms=now;
      TcHandleFrame(text);
     }
   if(g_tc_state!=TC_S_HELLO && g_tc_state!=TC_S_LIVE)
      return;
   if(ws==WS_CLOSED || g_ws_state==WS_CLOSED)
     {
      string why=(g_ws_close_reason!="") ? g_ws_close_reason : g_ws_fail;
      TcSessionEnded(g_ws_close_code,why);
      return;
     }
   if(g_tc_state==TC_S_HELLO && now-g_tc_phase_ms>TC_WELCOME_WAIT_MS)
     {
      WsClose(1000,"no welcome");
      TcSessionEnded(0,"no welcome within 5 s");
      return;
     }
   if(g_tc_state==TC_S_LIVE)
     {
      if(now-g_tc_last_rx_ms>g_tc_timeout_ms)
        {
         WsClose(4410,"bridge silent");   // §8: nothing received for the welcome's timeout
         TcSessionEnded(4410,"the copier was silent for "+IntegerToString(g_tc_timeout_ms/1000)+" s");
         return;
        }
      TcMaybeSendAccount(now);
     }
  }

// The EA is being removed: end the session on purpose (close 1000, §9).
void TcSessionStop(const string why)
  {
   if(g_ws_state==WS_OPEN)
      WsClose(1000,why);
   NetClose();
   g_tc_state=TC_S_STOPPED;
  }

// Sends a snapshot's parts back to back: at most 100 items per part over positions, orders and
// symbols in that order, account figures in every part, last true on the final one (§7).
// items_kind: 0 position, 1 order, 2 symbol; items: the objects' JSON.
void TcSendSnapshot(const long sid,const string head_fields,const int &kinds[],const string &items[],
                    const int count)
  {
   int parts=(count+TC_SNAPSHOT_PART-1)/TC_SNAPSHOT_PART;
   if(parts<1)
      parts=1;
   long now=TcNowMs();
   for(int p=0;p<parts;p++)
     {
      string pos="",ord="",sym="";
      int from=p*TC_SNAPSHOT_PART;
      int to=MathMin(count,from+TC_SNAPSHOT_PART);
      for(int i=from;i<to;i++)
        {
         if(kinds[i]==0)
            pos=pos+((pos=="") ? "" : ",")+items[i];
         else if(kinds[i]==1)
            ord=ord+((ord=="") ? "" : ",")+items[i];
         else
            sym=sym+((sym=="") ? "" : ",")+items[i];
        }
      string f=JsonOpen("snapshot")+JI("sid",sid)+JI("part",p+1)+JB("last",p==parts-1)+JI("time",now)+
               head_fields+",\"positions\":["+pos+"],\"orders\":["+ord+"],\"symbols\":["+sym+"]}";
      if(!TcSend(f))
         return;
     }
  }
