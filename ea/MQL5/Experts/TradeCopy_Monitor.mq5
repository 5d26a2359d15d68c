// TradeCopy_Monitor.mq5 — owns the MT5 master side (hedging and netting): it reacts in
// OnTradeTransaction — every deal added, including server-side SL/TP hits and stop-outs — and
// confirms by the same diff on OnTimer (docs/protocol.md §12 monitor poll, §13 Monitor detection,
// mirroring copier/refea/detect.py rule for rule),
// numbers each change as an event, keeps it until the copier acknowledges it (§5 Events and
// acknowledgements) and keeps seq, unacknowledged events and the last look on disk (§15).
#property copyright "TradeCopier"
#property version   "1.00"

#include <TradeCopy/Json.mqh>
#include <TradeCopy/Clock.mqh>
#include <TradeCopy/Net.mqh>
#include <TradeCopy/Ws.mqh>
#include <TradeCopy/Session.mqh>
#include <TradeCopy/Terminal.mqh>

input string ApiKey  = "";                         // API key from the copier's Accounts page
input string BridgeUrl = "ws://127.0.0.1:8080/ea/v1"; // copier address
input string CertFingerprint = "";                 // wss:// only: the certificate SHA-1 the copier shows
input int    TimerMs = 10;                         // poll period, ms (§12 monitor poll)

#define TC_EPS 1e-9

// One look at the account: open positions and pending orders (refea Look).
struct TcItem
  {
   long              ticket;
   string            sym;
   int               type;
   double            vol;
   double            price;
   double            sl;
   double            tp;
   long              magic;
   string            comment;
   long              exp;
  };

TcItem g_prev[];        // previous look
int    g_prev_n=0;
bool   g_have_look=false;
long   g_seq=0;
long   g_ev_seq[];      // unacknowledged events, seq order
string g_ev_json[];
long   g_sent_seq=0;    // highest seq sent on this connection
string g_file="";

//--- looks ------------------------------------------------------------------------------------
// Positions and orders change between two index reads (a stop loss, a stop-out, another EA, the
// trader), so each list is walked from its top index down with the count taken once: a close
// below the current index moves an item already read into the next index (skipped by its
// ticket) instead of moving an unread one past the walk, which would look closed now and opened
// at the next poll; the look grows item by item, so a list that grows cannot overrun it. An
// item opened meanwhile lands at the end: the walk is repeated while the count or the last item
// says the list changed under it (at most 3 walks; anything later is seen at the next poll).
void AddPosition(TcItem &look[],int &n)
  {
   if(FindTicket(look,n,PositionGetInteger(POSITION_TICKET))>=0)
      return;
   ArrayResize(look,n+1,64);
   look[n].ticket=PositionGetInteger(POSITION_TICKET);
   look[n].sym=PositionGetString(POSITION_SYMBOL);
   look[n].type=(PositionGetInteger(POSITION_TYPE)==POSITION_TYPE_BUY) ? ORDER_TYPE_BUY : ORDER_TYPE_SELL;
   look[n].vol=PositionGetDouble(POSITION_VOLUME);
   look[n].price=PositionGetDouble(POSITION_PRICE_OPEN);
   look[n].sl=PositionGetDouble(POSITION_SL);
   look[n].tp=PositionGetDouble(POSITION_TP);
   look[n].magic=PositionGetInteger(POSITION_MAGIC);
   look[n].comment=PositionGetString(POSITION_COMMENT);
   look[n].exp=0;
   n++;
  }

void AddOrder(TcItem &look[],int &n)
  {
   if(!TcIsPendingType(OrderGetInteger(ORDER_TYPE)) || FindTicket(look,n,OrderGetInteger(ORDER_TICKET))>=0)
      return;
   ArrayResize(look,n+1,64);
   look[n].ticket=OrderGetInteger(ORDER_TICKET);
   look[n].sym=OrderGetString(ORDER_SYMBOL);
   look[n].type=(int)OrderGetInteger(ORDER_TYPE);
   look[n].vol=OrderGetDouble(ORDER_VOLUME_CURRENT);
   look[n].price=OrderGetDouble(ORDER_PRICE_OPEN);
   look[n].sl=OrderGetDouble(ORDER_SL);
   look[n].tp=OrderGetDouble(ORDER_TP);
   look[n].magic=OrderGetInteger(ORDER_MAGIC);
   look[n].comment=OrderGetString(ORDER_COMMENT);
   look[n].exp=TcServerToMs((datetime)OrderGetInteger(ORDER_TIME_EXPIRATION));
   n++;
  }

void TakeLook(TcItem &look[],int &n)
  {
   n=0;
   ArrayResize(look,0,64);
   for(int walk=0;walk<3;walk++)
     {
      int total=PositionsTotal();
      for(int i=total-1;i>=0;i--)
         if(PositionGetTicket(i)>0)
            AddPosition(look,n);
      int last=PositionsTotal()-1;
      ulong top=(last>=0) ? PositionGetTicket(last) : 0;
      if(PositionsTotal()==total && (last<0 || (top>0 && FindTicket(look,n,(long)top)>=0)))
         break;
     }
   for(int walk=0;walk<3;walk++)
     {
      int total=OrdersTotal();
      for(int i=total-1;i>=0;i--)
         if(OrderGetTicket(i)>0)
            AddOrder(look,n);
      int last=OrdersTotal()-1;
      ulong top=(last>=0) ? OrderGetTicket(last) : 0;
      if(OrdersTotal()==total && (last<0 || (top>0 && (FindTicket(look,n,(long)top)>=0 ||
                                                       !TcIsPendingType(OrderGetInteger(ORDER_TYPE))))))
         break;
     }
  }

int FindTicket(const TcItem &look[],const int n,const long ticket)
  {
   for(int i=0;i<n;i++)
      if(look[i].ticket==ticket)
         return(i);
   return(-1);
  }

bool IsPosition(const int type)
  {
   return(type==ORDER_TYPE_BUY || type==ORDER_TYPE_SELL);
  }

int SideOf(const int type)
  {
   if(type==ORDER_TYPE_BUY || type==ORDER_TYPE_BUY_LIMIT || type==ORDER_TYPE_BUY_STOP)
      return(ORDER_TYPE_BUY);
   return(ORDER_TYPE_SELL);
  }

// Closing deal prices seen in OnTradeTransaction, by position id: the deal of a server-side
// SL/TP hit or stop-out arrives there before the position is gone from the next look.
long   g_close_pos[];
double g_close_px[];

void RememberClose(const long position,const double price)
  {
   int k=ArraySize(g_close_pos);
   if(k>=256)
     {
      for(int i=1;i<k;i++)
        {
         g_close_pos[i-1]=g_close_pos[i];
         g_close_px[i-1]=g_close_px[i];
        }
      k--;
     }
   ArrayResize(g_close_pos,k+1);
   ArrayResize(g_close_px,k+1);
   g_close_pos[k]=position;
   g_close_px[k]=price;
  }

// What a vanished position closed at: the closing deal, else the quote (§13 step 3).
double ClosePrice(const TcItem &it)
  {
   for(int i=ArraySize(g_close_pos)-1;i>=0;i--)
      if(g_close_pos[i]==it.ticket)
         return(g_close_px[i]);
   if(HistorySelectByPosition(it.ticket))
      for(int i=HistoryDealsTotal()-1;i>=0;i--)
        {
         ulong deal=HistoryDealGetTicket(i);
         long entry=HistoryDealGetInteger(deal,DEAL_ENTRY);
         if(entry==DEAL_ENTRY_OUT || entry==DEAL_ENTRY_OUT_BY || entry==DEAL_ENTRY_INOUT)
            return(HistoryDealGetDouble(deal,DEAL_PRICE));
        }
   return((it.type==ORDER_TYPE_BUY) ? SymbolInfoDouble(it.sym,SYMBOL_BID) : SymbolInfoDouble(it.sym,SYMBOL_ASK));
  }

//--- events -----------------------------------------------------------------------------------
void Emit(const string kind,const TcItem &it,const int type,const double vol,const double price,
          const double closed,const long new_ticket)
  {
   g_seq++;
   string f=JsonOpen("event")+JI("seq",g_seq)+JS("kind",kind)+JI("ticket",it.ticket)+JS("sym",it.sym)+
            JS("type",TcOrderTypeName(type))+JD("vol",vol)+JD("price",price)+JI("time",TcNowMs())+
            JD("sl",it.sl)+JD("tp",it.tp)+JD("closed",NormalizeDouble(closed,8))+
            JI("new_ticket",new_ticket)+JI("magic",it.magic)+JS("comment",it.comment)+"}";
   int k=ArraySize(g_ev_seq);
   ArrayResize(g_ev_seq,k+1);
   ArrayResize(g_ev_json,k+1);
   g_ev_seq[k]=g_seq;
   g_ev_json[k]=f;
  }

// The ticket in a "from #<ticket>" comment (MT4 partial-close remainder), else 0.
long FromTicket(const string comment)
  {
   int at=StringFind(comment,"from #");
   if(at<0)
      return(0);
   string digits="";
   for(int i=at+6;i<StringLen(comment);i++)
     {
      ushort c=StringGetCharacter(comment,i);
      if(c<'0' || c>'9')
         break;
      digits=digits+ShortToString(c);
     }
   return((digits=="") ? 0 : StringToInteger(digits));
  }

// Every change from g_prev to now, in the order of §13; returns how many events were queued.
int Diff(TcItem &now[],const int n)
  {
   long first=g_seq;
   bool used_new[];       // new positions consumed by fills or renumbering
   bool used_gone[];      // vanished positions consumed by renumbering
   double seen[];         // previous volume of positions still there (netting growth by a fill)
   ArrayResize(seen,n);
   for(int j=0;j<n;j++)
     {
      int old=FindTicket(g_prev,g_prev_n,now[j].ticket);
      seen[j]=(old>=0 && IsPosition(g_prev[old].type)) ? g_prev[old].vol : -1;
     }
   ArrayResize(used_new,n);
   ArrayInitialize(used_new,false);
   ArrayResize(used_gone,g_prev_n);
   ArrayInitialize(used_gone,false);
   // 1. vanished pending orders: filled (same ticket, or a new same position) or deleted
   for(int i=0;i<g_prev_n;i++)
     {
      if(IsPosition(g_prev[i].type))
         continue;
      int still=FindTicket(now,n,g_prev[i].ticket);
      if(still>=0 && !IsPosition(now[still].type))
         continue;   // still pending
      int hit=-1;
      if(still>=0)
         hit=still;   // MT4 keeps the order's ticket for the position it became
      for(int j=0;j<n && hit<0;j++)
         if(!used_new[j] && IsPosition(now[j].type) && FindTicket(g_prev,g_prev_n,now[j].ticket)<0 &&
            now[j].sym==g_prev[i].sym && now[j].type==SideOf(g_prev[i].type) &&
            MathAbs(now[j].vol-g_prev[i].vol)<TC_EPS)
            hit=j;
      for(int j=0;j<n && hit<0;j++)
         if(seen[j]>=0 && now[j].sym==g_prev[i].sym && now[j].type==SideOf(g_prev[i].type) &&
            MathAbs(now[j].vol-seen[j]-g_prev[i].vol)<TC_EPS)
           {
            hit=j;
            seen[j]=now[j].vol;   // the growth is the fill, not an increase
           }
      if(hit<0)
        {
         Emit("pending_deleted",g_prev[i],g_prev[i].type,g_prev[i].vol,g_prev[i].price,0,0);
         continue;
        }
      if(seen[hit]<0)
         used_new[hit]=true;
      TcItem filled=g_prev[i];
      filled.sl=now[hit].sl;
      filled.tp=now[hit].tp;
      long nt=(now[hit].ticket==g_prev[i].ticket) ? 0 : now[hit].ticket;
      Emit("pending_filled",filled,g_prev[i].type,now[hit].vol,now[hit].price,0,nt);
     }
   // 2. MT4 partial closes: the remainder says "from #<old ticket>"
   for(int j=0;j<n;j++)
     {
      if(used_new[j] || !IsPosition(now[j].type) || FindTicket(g_prev,g_prev_n,now[j].ticket)>=0)
         continue;
      long from=FromTicket(now[j].comment);
      int old=(from>0) ? FindTicket(g_prev,g_prev_n,from) : -1;
      if(old<0 || !IsPosition(g_prev[old].type) || FindTicket(now,n,from)>=0 || used_gone[old])
         continue;
      used_new[j]=true;
      used_gone[old]=true;
      TcItem it=g_prev[old];
      it.sl=g_prev[old].sl;
      it.tp=g_prev[old].tp;
      Emit("partially_closed",it,it.type,now[j].vol,ClosePrice(g_prev[old]),g_prev[old].vol-now[j].vol,
           now[j].ticket);
     }
   // 3. closes
   for(int i=0;i<g_prev_n;i++)
      if(IsPosition(g_prev[i].type) && !used_gone[i] && FindTicket(now,n,g_prev[i].ticket)<0)
         Emit("closed",g_prev[i],g_prev[i].type,0.0,ClosePrice(g_prev[i]),g_prev[i].vol,0);
   // 4. changed positions (same ticket)
   for(int j=0;j<n;j++)
     {
      int old=FindTicket(g_prev,g_prev_n,now[j].ticket);
      if(old<0 || !IsPosition(now[j].type) || !IsPosition(g_prev[old].type))
         continue;
      if(now[j].type!=g_prev[old].type)
        {
         Emit("closed",g_prev[old],g_prev[old].type,0.0,now[j].price,g_prev[old].vol,0);
         Emit("opened",now[j],now[j].type,now[j].vol,now[j].price,0,0);
         continue;
        }
      if(now[j].vol<seen[j]-TC_EPS)
         Emit("partially_closed",now[j],now[j].type,now[j].vol,ClosePrice(now[j]),seen[j]-now[j].vol,0);
      else if(now[j].vol>seen[j]+TC_EPS)
         Emit("increased",now[j],now[j].type,now[j].vol,now[j].price,0,0);
      if(now[j].sl!=g_prev[old].sl || now[j].tp!=g_prev[old].tp)
         Emit("modified",now[j],now[j].type,now[j].vol,now[j].price,0,0);
     }
   // 5. new positions
   for(int j=0;j<n;j++)
      if(!used_new[j] && IsPosition(now[j].type) && FindTicket(g_prev,g_prev_n,now[j].ticket)<0)
         Emit("opened",now[j],now[j].type,now[j].vol,now[j].price,0,0);
   // 6. new and changed orders
   for(int j=0;j<n;j++)
     {
      if(IsPosition(now[j].type))
         continue;
      int old=FindTicket(g_prev,g_prev_n,now[j].ticket);
      if(old<0)
         Emit("pending_placed",now[j],now[j].type,now[j].vol,now[j].price,0,0);
      else if(now[j].price!=g_prev[old].price || now[j].sl!=g_prev[old].sl || now[j].tp!=g_prev[old].tp ||
              MathAbs(now[j].vol-g_prev[old].vol)>TC_EPS || now[j].exp!=g_prev[old].exp)
         Emit("pending_modified",now[j],now[j].type,now[j].vol,now[j].price,0,0);
     }
   return((int)(g_seq-first));
  }

//--- disk (§15) -------------------------------------------------------------------------------
string ItemLine(const TcItem &it)
  {
   return(IntegerToString(it.ticket)+"\t"+it.sym+"\t"+IntegerToString(it.type)+"\t"+JsonNumText(it.vol)+"\t"+
          JsonNumText(it.price)+"\t"+JsonNumText(it.sl)+"\t"+JsonNumText(it.tp)+"\t"+
          IntegerToString(it.magic)+"\t"+IntegerToString(it.exp)+"\t"+it.comment);
  }

void SaveState()
  {
   string tmp=g_file+".tmp";
   int h=FileOpen(tmp,FILE_WRITE|FILE_TXT|FILE_ANSI,0,CP_UTF8);
   if(h==INVALID_HANDLE)
     {
      Print("TradeCopy monitor: cannot write ",tmp,", error ",GetLastError());
      return;
     }
   FileWriteString(h,"seq\t"+IntegerToString(g_seq)+"\n");
   for(int i=0;i<g_prev_n;i++)
      FileWriteString(h,"look\t"+ItemLine(g_prev[i])+"\n");
   for(int i=0;i<ArraySize(g_ev_seq);i++)
      FileWriteString(h,"event\t"+IntegerToString(g_ev_seq[i])+"\t"+g_ev_json[i]+"\n");
   FileClose(h);
   FileMove(tmp,0,g_file,FILE_REWRITE);
  }

// OnInit runs again without the EA being reloaded on a chart or input change and on another
// account (https://docs.mql4.com/runtime/event_fire), so the globals still hold what the last run
// left: every one is set again here, then from this account's file.
void ResetState()
  {
   ArrayResize(g_prev,0);
   g_prev_n=0;
   g_have_look=false;
   g_seq=0;
   ArrayResize(g_ev_seq,0);
   ArrayResize(g_ev_json,0);
   g_sent_seq=0;
   ArrayResize(g_close_pos,0);
   ArrayResize(g_close_px,0);
  }

void LoadState()
  {
   ResetState();
   int h=FileOpen(g_file,FILE_READ|FILE_TXT|FILE_ANSI,0,CP_UTF8);
   if(h==INVALID_HANDLE)
      return;
   while(!FileIsEnding(h))
     {
      string line=FileReadString(h);
      string f[];
      int k=StringSplit(line,'\t',f);
      if(k>=2 && f[0]=="seq")
         g_seq=StringToInteger(f[1]);
      else if(k>=3 && f[0]=="event")
        {
         int m=ArraySize(g_ev_seq);
         ArrayResize(g_ev_seq,m+1);
         ArrayResize(g_ev_json,m+1);
         g_ev_seq[m]=StringToInteger(f[1]);
         g_ev_json[m]=StringSubstr(line,StringLen(f[0])+StringLen(f[1])+2);
        }
      else if(k>=11 && f[0]=="look")
        {
         ArrayResize(g_prev,g_prev_n+1);
         g_prev[g_prev_n].ticket=StringToInteger(f[1]);
         g_prev[g_prev_n].sym=f[2];
         g_prev[g_prev_n].type=(int)StringToInteger(f[3]);
         g_prev[g_prev_n].vol=StringToDouble(f[4]);
         g_prev[g_prev_n].price=StringToDouble(f[5]);
         g_prev[g_prev_n].sl=StringToDouble(f[6]);
         g_prev[g_prev_n].tp=StringToDouble(f[7]);
         g_prev[g_prev_n].magic=StringToInteger(f[8]);
         g_prev[g_prev_n].exp=StringToInteger(f[9]);
         // the comment is the rest of the line: it may itself hold tabs
         int at=0;
         for(int c=0;c<10;c++)
            at+=StringLen(f[c])+1;
         g_prev[g_prev_n].comment=StringSubstr(line,at);
         g_prev_n++;
        }
     }
   FileClose(h);
   g_have_look=true;   // changes made while the terminal was closed are found at the first poll
  }

//--- session callbacks ------------------------------------------------------------------------
string TcBuildHello()
  {
   return(TcHelloFrame(ApiKey,"monitor"));
  }

// Sends every kept event not yet sent on this connection, in seq order (§5 step 3).
void FlushEvents()
  {
   if(!TcLive())
      return;
   for(int i=0;i<ArraySize(g_ev_seq);i++)
     {
      if(g_ev_seq[i]<=g_sent_seq)
         continue;
      if(!TcSend(g_ev_json[i]))
         return;
      g_sent_seq=g_ev_seq[i];
     }
  }

void Acked(const long seq)
  {
   int k=ArraySize(g_ev_seq);
   int drop=0;
   while(drop<k && g_ev_seq[drop]<=seq)
      drop++;
   if(drop>0)
     {
      for(int i=drop;i<k;i++)
        {
         g_ev_seq[i-drop]=g_ev_seq[i];
         g_ev_json[i-drop]=g_ev_json[i];
        }
      ArrayResize(g_ev_seq,k-drop);
      ArrayResize(g_ev_json,k-drop);
     }
   bool raised=(seq>g_seq);
   if(raised)
      g_seq=seq;   // a fresh install continues after what the copier has (§5 step 2)
   if(drop>0 || raised)
      SaveState();
  }

void TcOnWelcome(JsonObj &welcome)
  {
   long ack=JsonLong(welcome,"ack",0);
   Acked(ack);
   g_sent_seq=ack;
   TcSnapshot(0,true);
   FlushEvents();
  }

void TcOnMessage(const string t,JsonObj &o)
  {
   if(t=="ack")
      Acked(JsonLong(o,"seq",0));
   else if(t=="snapshot_request")
      TcSnapshot(JsonLong(o,"sid",0),JsonBool(o,"symbols",true));
  }

void TcOnSessionEnd()
  {
   g_sent_seq=0;
  }

//--- poll -------------------------------------------------------------------------------------
void Poll()
  {
   TcItem now[];
   int n=0;
   TakeLook(now,n);
   if(!g_have_look)
     {
      // The first poll only records what is there (§13).
      g_have_look=true;
     }
   else if(Diff(now,n)>0)
     {
      ArrayResize(g_prev,n);
      for(int i=0;i<n;i++)
         g_prev[i]=now[i];
      g_prev_n=n;
      SaveState();   // written before sending: an event is never sent that the file does not hold
      FlushEvents();
      return;
     }
   bool changed=(n!=g_prev_n);
   ArrayResize(g_prev,n);
   for(int i=0;i<n;i++)
      g_prev[i]=now[i];
   g_prev_n=n;
   if(changed)
      SaveState();
  }

void ShowStatus()
  {
   TcShowComment("TradeCopy Monitor "+(string)TC_EA_VERSION+"\n"+g_tc_status+TcNoticeLine()+"\nseq "+IntegerToString(g_seq)+
                 ", unacknowledged "+IntegerToString(ArraySize(g_ev_seq)));
  }

int OnInit()
  {
   if(StringLen(ApiKey)==0)
     {
      Alert("TradeCopy Monitor: enter the API key shown in the copier's Accounts page");
      return(INIT_PARAMETERS_INCORRECT);
     }
   g_file="TradeCopy_"+IntegerToString(AccountInfoInteger(ACCOUNT_LOGIN))+"_monitor.dat";
   LoadState();
   NetPin(CertFingerprint);
   TcSessionInit(BridgeUrl,"monitor");
   if(!EventSetMillisecondTimer(MathMax(1,TimerMs)))
      EventSetTimer(1);
   return(INIT_SUCCEEDED);
  }

void OnDeinit(const int reason)
  {
   EventKillTimer();
   if(reason!=REASON_ACCOUNT)
      Poll();   // the terminal may show the next account already: its orders are not this file's
   SaveState();
   TcSessionStop("EA stopped");
   NetShutdown();
   TcShowComment("");
  }

void OnTimer()
  {
   Poll();
   TcSessionPoll();
   ShowStatus();
  }

void OnTick()
  {
   Poll();
  }

// Every trade change reaches this at once; a deal added is also how server-side SL/TP hits and
// stop-outs show up. The closing price is kept for the close event, then the same diff runs.
void OnTradeTransaction(const MqlTradeTransaction &trans,const MqlTradeRequest &request,
                        const MqlTradeResult &result)
  {
   if(trans.type==TRADE_TRANSACTION_DEAL_ADD && trans.deal>0 && HistoryDealSelect(trans.deal))
     {
      long entry=HistoryDealGetInteger(trans.deal,DEAL_ENTRY);
      if(entry==DEAL_ENTRY_OUT || entry==DEAL_ENTRY_OUT_BY || entry==DEAL_ENTRY_INOUT)
         RememberClose(HistoryDealGetInteger(trans.deal,DEAL_POSITION_ID),HistoryDealGetDouble(trans.deal,DEAL_PRICE));
     }
   Poll();
   if(TcLive())
      FlushEvents();
  }
