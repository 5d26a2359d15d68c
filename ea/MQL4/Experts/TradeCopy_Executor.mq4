// TradeCopy_Executor.mq4 — owns the MT4 slave side: it executes each command the copier sends,
// at most once per id, and answers every one with a result (docs/protocol.md §6 Commands and
// results, §14 Executor semantics step for step, as copier/sim/executor.py does).
#property copyright "TradeCopier"
#property version   "1.00"
#property strict

#include <TradeCopy/Json.mqh>
#include <TradeCopy/Clock.mqh>
#include <TradeCopy/Net.mqh>
#include <TradeCopy/Ws.mqh>
#include <TradeCopy/Session.mqh>
#include <TradeCopy/Terminal.mqh>
#include <TradeCopy/Memory.mqh>
#include <TradeCopy/Already.mqh>

input string ApiKey  = "";                         // API key from the copier's Accounts page
input string BridgeUrl = "ws://127.0.0.1:8080/ea/v1"; // copier address
input int    TimerMs = 10;                         // how often the connection is served, ms

#define TC_RETRIES        3     // a requote, price change or off quotes: 3 more tries (§14 step 5)
#define TC_DEFAULT_DEV    20    // points when the command's dev is 0
#define RC_REQUOTE        10004
#define RC_DONE           10009
#define RC_ERROR          10011
#define RC_INVALID        10013
#define RC_INVALID_VOLUME 10014
#define RC_INVALID_PRICE  10015
#define RC_INVALID_STOPS  10016
#define RC_NO_MONEY       10019
#define RC_PRICE_CHANGED  10020
#define RC_PRICE_OFF      10021
#define RC_NO_CHANGES     10025
#define RC_TRADE_OFF      10027
#define RC_INVALID_ORDER  10035
#define RC_POSITION_GONE  10036
#define RC_EXPIRED        19001
#define RC_DEVIATION      19002
#define RC_DUPLICATE      19003

// MT4 error numbers mapped onto the MT5 codes (§14, last paragraph).
int MapError(const int err)
  {
   switch(err)
     {
      case 138:  return(RC_REQUOTE);
      case 135:  return(RC_PRICE_CHANGED);
      case 136:  return(RC_PRICE_OFF);
      case 134:  return(RC_NO_MONEY);
      case 129:  return(RC_INVALID_PRICE);  // a pending order the market already reached
      case 130:  return(RC_INVALID_STOPS);  // meets one of these two: the copier decides it again
      case 131:  return(RC_INVALID_VOLUME);
      case 4108: return(RC_INVALID_ORDER);
      case 4109: return(RC_TRADE_OFF);
      case 1:    return(RC_NO_CHANGES);
     }
   return(RC_ERROR);
  }

// Errors worth another try with a fresh price: requote, price changed, off quotes, and a busy
// trade context or server (MT4 allows one trade at a time per terminal).
bool Retryable(const int err)
  {
   return(err==138 || err==135 || err==136 || err==146 || err==137 || err==4);
  }

// A busy server (4 ERR_SERVER_BUSY), broker (137 ERR_BROKER_BUSY) or trade context (146
// ERR_TRADE_CONTEXT_BUSY, https://docs.mql4.com/constants/errorswarnings/errorcodes) stays busy
// for a while: tried again at once, every try meets it. Waits 250 ms, 500 ms, 1 s before the
// next try; a requote or price change is tried again at once with a fresh price.
void RetryPause(const int err,const int attempt)
  {
   if(err==4 || err==137 || err==146)
      Sleep(250*(1<<MathMin(attempt,2)));
  }

#define TC_SETTLE_MS 2000   // how long an order that timed out is looked for

// The newest order with the command's comment and magic that this run did not note as created:
// the one a request that timed out (128 ERR_TRADE_TIMEOUT) made after all. 0: none.
long FreshCopy(const TcCommand &c,const bool pending)
  {
   long best=0;
   for(int i=OrdersTotal()-1;i>=0;i--)
     {
      if(!OrderSelect(i,SELECT_BY_POS,MODE_TRADES) || (OrderType()>OP_SELL)!=pending || !SelectedIsCopy(c))
         continue;
      if(OrderComment()!=c.comment && StringFind(c.comment,OrderComment())!=0)
         continue;
      if(!WasCreated(OrderTicket()) && OrderTicket()>best)
         best=OrderTicket();
     }
   return(best);
  }

// After 128 ERR_TRADE_TIMEOUT the order may have been made: it is looked for by its comment for
// a while before the request is called failed, and it is never sent again (a late fill would be
// a second copy).
long TimedOut(const TcCommand &c,const bool pending)
  {
   long until=TcMonoMs()+TC_SETTLE_MS;
   while(true)
     {
      long t=FreshCopy(c,pending);
      if(t>0 || TcMonoMs()>=until)
         return(t);
      Sleep(50);
     }
   return(0);
  }

string ErrText(const int err)
  {
   return("MT4 error "+IntegerToString(err));
  }

int    Digits4(const string sym) { return((int)MarketInfo(sym,MODE_DIGITS)); }
double Point4(const string sym)  { return(MarketInfo(sym,MODE_POINT)); }
string Px(const string sym,const double v) { return(DoubleToString(v,Digits4(sym))); }

// Waits up to 2 s for the terminal's one trade context.
bool WaitContext()
  {
   long until=TcMonoMs()+2000;
   while(IsTradeContextBusy() && TcMonoMs()<until)
      Sleep(5);
   return(!IsTradeContextBusy());
  }

bool SideIsBuy(const int type)
  {
   return(type==OP_BUY || type==OP_BUYLIMIT || type==OP_BUYSTOP);
  }

// The selected order's result fields.
string SelectedResult(const TcCommand &c,const int rc,const string msg)
  {
   return(ResultFrame(c.id,rc,msg,OrderTicket(),OrderLots(),OrderOpenPrice(),OrderStopLoss(),OrderTakeProfit()));
  }

//--- own copies (§14 step 4) --------------------------------------------------------------------
// Is the selected order on sym, with the command's magic, a copy of its master ticket?
bool SelectedIsCopy(const TcCommand &c)
  {
   return(OrderSymbol()==c.sym && OrderMagicNumber()==c.magic && IsCopyOf(OrderComment(),c.ticket));
  }

// The leg-th, by ticket, of the n tickets in found, or 0 when there are not that many.
long LegOf(const TcCommand &c,long &found[],const int n)
  {
   if(n<=c.leg)
      return(0);
   ArraySort(found);
   return(found[(int)c.leg]);
  }

// The leg-th older copy of the command's master ticket on sym, or 0.
long OwnCopy(const TcCommand &c,const bool orders)
  {
   long found[];
   int n=0;
   for(int i=OrdersTotal()-1;i>=0;i--)
     {
      if(!OrderSelect(i,SELECT_BY_POS,MODE_TRADES))
         continue;
      bool pending=(OrderType()>OP_SELL);
      if(pending && !orders)
         continue;
      if(!SelectedIsCopy(c))
         continue;
      if(OrderComment()!=c.comment && StringFind(c.comment,OrderComment())!=0)
         continue;   // MT4 may cut a long comment: a prefix of the command's comment still matches
      if(WasCreated(OrderTicket()))
         continue;
      AddTicket(found,n,OrderTicket());
     }
   return(LegOf(c,found,n));
  }

string DuplicateOf(const TcCommand &c,const long ticket)
  {
   if(!OrderSelect((int)ticket,SELECT_BY_TICKET))
      return("");
   return(SelectedResult(c,RC_DUPLICATE,c.sym+": already copied as #"+IntegerToString(ticket)));
  }

//--- market deals (§14 step 5) ------------------------------------------------------------------
// Opens at market; returns the ticket (>0) or the MT4 error as a negative number, or
// -RC_DEVIATION*10 when the price moved past dev (nothing traded).
int MarketOpen(const TcCommand &c,const int type,const double vol,const double sl,const double tp,
               string &why)
  {
   int dev=(c.dev>0) ? (int)c.dev : TC_DEFAULT_DEV;
   int err=0;
   for(int attempt=0;attempt<=TC_RETRIES;attempt++)
     {
      if(!WaitContext())
        {
         err=146;
         continue;
        }
      RefreshRates();
      double px=(type==OP_BUY) ? MarketInfo(c.sym,MODE_ASK) : MarketInfo(c.sym,MODE_BID);
      if(c.dev>0 && c.price>0 && MathAbs(px-c.price)>c.dev*Point4(c.sym)+Point4(c.sym)*1e-6)
        {
         why=c.sym+": price "+Px(c.sym,px)+" is more than "+IntegerToString(c.dev)+" points from the master's "+
             Px(c.sym,c.price)+" \x2014 not copied";
         return(-RC_DEVIATION);
        }
      ResetLastError();
      int t=OrderSend(c.sym,type,vol,NormalizeDouble(px,Digits4(c.sym)),dev,sl,tp,c.comment,(int)c.magic,0,clrNONE);
      if(t>0)
         return(t);
      err=GetLastError();
      why=c.sym+": "+ErrText(err);
      if(err==128)
        {
         long made=TimedOut(c,false);
         if(made>0)
            return((int)made);
         why=why+" (trade timeout; no copy of master #"+IntegerToString(c.ticket)+" appeared)";
         break;
        }
      if(!Retryable(err))
         break;
      RetryPause(err,attempt);
     }
   return(-err);
  }

// Result of a failed market open.
string OpenFailed(const TcCommand &c,const int code,const string why)
  {
   if(code==RC_DEVIATION)
      return(ResultFrame(c.id,RC_DEVIATION,why,0,0,0,0,0));
   return(ResultFrame(c.id,MapError(code),why,0,0,0,0,0));
  }

// A market order for the command, SL/TP with it or set right after (§14 step 6 open).
string DoMarket(const TcCommand &c,const int type,double vol,const double sl_in,const double tp_in)
  {
   double step=MarketInfo(c.sym,MODE_LOTSTEP);
   double vmin=MarketInfo(c.sym,MODE_MINLOT),vmax=MarketInfo(c.sym,MODE_MAXLOT);
   vol=RoundVolume(vol,step);
   if(vol<vmin-1e-9)
      return(ResultFrame(c.id,RC_INVALID_VOLUME,c.sym+": lot "+JsonNumText(vol)+" below broker minimum "+
                         JsonNumText(vmin)+" \x2014 copy skipped",0,0,0,0,0));
   if(vmax>0 && vol>vmax)
      vol=vmax;
   bool later=(c.two_step || c.sl_pts>0 || c.tp_pts>0);
   TcCommand s=c;
   s.sl=sl_in;
   s.tp=tp_in;
   string why="";
   int t=MarketOpen(c,type,vol,later ? 0 : sl_in,later ? 0 : tp_in,why);
   if(t==-130 && !later && (sl_in!=0 || tp_in!=0))
     {
      later=true;   // a market-execution broker refuses stops on the order: set them after
      t=MarketOpen(c,type,vol,0,0,why);
     }
   if(t<0)
      return(OpenFailed(c,-t,why));
   Created(t);
   string note="";
   if(OrderSelect(t,SELECT_BY_TICKET) && later)
     {
      double sl,tp;
      StopsFrom(s,type==OP_BUY,OrderOpenPrice(),sl,tp);
      if(sl!=0 || tp!=0)
        {
         WaitContext();
         ResetLastError();
         if(!OrderModify(t,OrderOpenPrice(),sl,tp,0,clrNONE))
           {
            int err=GetLastError();
            if(err!=1)
               note="; SL/TP not set: "+ErrText(err);
           }
        }
     }
   if(!OrderSelect(t,SELECT_BY_TICKET))
      return(ResultFrame(c.id,RC_DONE,c.sym+": opened #"+IntegerToString(t)+note,t,vol,0,0,0));
   return(SelectedResult(c,RC_DONE,c.sym+": "+c.type+" "+JsonNumText(OrderLots())+" at "+
                         Px(c.sym,OrderOpenPrice())+" \x2192 #"+IntegerToString(t)+note));
  }

//--- copies without a slave ticket (§14 close, modify) ------------------------------------------
// MT4 gives the rest of a partly closed order a new ticket and the comment "from #<old>": the
// TC|<master> comment is gone from it. So each partial close this EA makes is noted in the id
// memory (on disk, it survives a restart) as "~rest#<new ticket>" -> "<master>|<first ticket>",
// the first ticket being the one the copy had when it opened.
#define TC_REST_KEY "~rest#"

// The ticket a "from #<ticket>" comment names (MT4's, or a broker's "split from #…"), or 0.
long FromTicket(const string comment)
  {
   int at=StringFind(comment,"from #");
   if(at<0)
      return(0);
   return(StringToInteger(StringSubstr(comment,at+6)));
  }

// Was ticket the rest of a partial close this EA made? Then master and root say of what.
bool RestOf(const long ticket,long &master,long &root)
  {
   string v=MemRecall(TC_REST_KEY+IntegerToString(ticket));
   int bar=StringFind(v,"|");
   if(bar<=0)
      return(false);
   master=StringToInteger(TcMid(v,0,bar));
   root=StringToInteger(StringSubstr(v,bar+1));
   return(true);
  }

void NoteRest(const long rest,const long master,const long was)
  {
   long m=0,root=was;
   if(!RestOf(was,m,root))
      root=was;
   MemRemember(TC_REST_KEY+IntegerToString(rest),IntegerToString(master)+"|"+IntegerToString(root));
  }

// The first ticket of the copy of master that ticket (comment) is now, or 0 when it is none:
// itself for a TC|<master> comment; for a rest, the note of the partial close, else the "from #"
// chain back through history to a closed part that kept the TC| comment (brokers that overwrite
// it with "to #…" leave only the note to go by).
long CopyRoot(const long ticket,const string comment,const long master)
  {
   if(IsCopyOf(comment,master))
      return(ticket);
   long m=0,root=0;
   if(RestOf(ticket,m,root))
      return((m==master) ? root : 0);
   long from=FromTicket(comment);
   for(int hop=0;from>0 && hop<16;hop++)
     {
      if(RestOf(from,m,root))
         return((m==master) ? root : 0);
      if(!OrderSelect((int)from,SELECT_BY_TICKET))
         return(0);
      string cm=OrderComment();
      if(IsCopyOf(cm,master))
         return(from);
      from=FromTicket(cm);
     }
   return(0);
  }

// A close or modify sent before its open's result came back has no slave ticket: its copy is
// the leg-th open market order on sym with the command's magic that is a copy of the master
// ticket, ordered by the ticket each copy first had (so a rest keeps its leg's place). 0: none.
long FindCopy(const TcCommand &c)
  {
   long tickets[];
   string comments[];
   int n=0;
   for(int i=OrdersTotal()-1;i>=0;i--)
     {
      if(!OrderSelect(i,SELECT_BY_POS,MODE_TRADES) || OrderType()>OP_SELL)
         continue;
      if(OrderSymbol()!=c.sym || OrderMagicNumber()!=c.magic)
         continue;
      bool seen=false;   // read twice when an order below closed meanwhile (AddTicket)
      for(int j=0;j<n && !seen;j++)
         seen=(tickets[j]==OrderTicket());
      if(seen)
         continue;
      ArrayResize(tickets,n+1);
      ArrayResize(comments,n+1);
      tickets[n]=OrderTicket();
      comments[n]=OrderComment();
      n++;
     }
   long hits[],roots[];
   int k=0;
   for(int i=0;i<n;i++)   // resolved after the scan: CopyRoot selects history orders
     {
      long root=CopyRoot(tickets[i],comments[i],c.ticket);
      if(root<=0)
         continue;
      ArrayResize(hits,k+1);
      ArrayResize(roots,k+1);
      int j=k++;
      for(;j>0 && roots[j-1]>root;j--)   // insertion by first ticket
        {
         roots[j]=roots[j-1];
         hits[j]=hits[j-1];
        }
      roots[j]=root;
      hits[j]=tickets[i];
     }
   if(k<=c.leg)
      return(0);
   return(hits[(int)c.leg]);
  }

// The position a close or modify acts on: slave_ticket, or the copy found as above.
long TargetOf(const TcCommand &c,string &refusal)
  {
   if(c.slave_ticket>0)
      return(c.slave_ticket);
   long t=FindCopy(c);
   if(t<=0)
      refusal=ResultFrame(c.id,RC_INVALID,c.sym+": no slave ticket given and no copy of master #"+
                          IntegerToString(c.ticket)+" open, so no position to "+c.kind,0,0,0,0,0);
   return(t);
  }

// The order a modify_pending, delete_pending or fill_pending acts on: slave_ticket, or when the
// placement's result had not come back, the leg-th, by ticket, of the pending orders on sym with
// the command's magic that are copies of its master ticket, and the market orders such copies
// filled into (they keep the order's ticket and comment). 0: none.
long PendingCopy(const TcCommand &c)
  {
   if(c.slave_ticket>0)
      return(c.slave_ticket);
   long found[];
   int n=0;
   for(int i=OrdersTotal()-1;i>=0;i--)
     {
      if(!OrderSelect(i,SELECT_BY_POS,MODE_TRADES) || !SelectedIsCopy(c))
         continue;
      AddTicket(found,n,OrderTicket());
     }
   return(LegOf(c,found,n));
  }

// The rest MT4 made of a partly closed ticket (comment "from #<ticket>"), or 0.
long Remainder(const long ticket)
  {
   for(int i=OrdersTotal()-1;i>=0;i--)
      if(OrderSelect(i,SELECT_BY_POS,MODE_TRADES) && FromTicket(OrderComment())==ticket)
         return(OrderTicket());
   return(0);
  }

// After 128 ERR_TRADE_TIMEOUT: has ticket been closed after all (it is in the history)?
bool ClosedAfterTimeout(const long ticket)
  {
   long until=TcMonoMs()+TC_SETTLE_MS;
   while(true)
     {
      if(OrderSelect((int)ticket,SELECT_BY_TICKET) && OrderCloseTime()>0)
         return(true);
      if(TcMonoMs()>=until)
         return(false);
      Sleep(50);
     }
   return(false);
  }

// Closes vol (0: all) of position ticket with retries (§14 step 6 close).
string DoClose(const TcCommand &c,const long ticket,const double want_vol)
  {
   if(!OrderSelect((int)ticket,SELECT_BY_TICKET) || OrderCloseTime()>0 || OrderType()>OP_SELL)
      return(ResultFrame(c.id,RC_POSITION_GONE,c.sym+": position #"+IntegerToString(ticket)+" is no longer open",
                         ticket,0,0,0,0));
   double have=OrderLots();
   int type=OrderType();
   double vol=have;
   if(want_vol>0 && want_vol<have-1e-9)
     {
      vol=MathMin(RoundVolume(want_vol,MarketInfo(c.sym,MODE_LOTSTEP)),have);
      if(vol<=1e-9)
         return(ResultFrame(c.id,RC_INVALID_VOLUME,c.sym+": close volume "+JsonNumText(want_vol)+
                            " rounds to 0 at step "+JsonNumText(MarketInfo(c.sym,MODE_LOTSTEP)),ticket,0,0,0,0));
     }
   int dev=(c.dev>0) ? (int)c.dev : TC_DEFAULT_DEV;
   int err=0;
   for(int attempt=0;attempt<=TC_RETRIES;attempt++)
     {
      if(!WaitContext())
        {
         err=146;
         continue;
        }
      RefreshRates();
      double px=(type==OP_BUY) ? MarketInfo(c.sym,MODE_BID) : MarketInfo(c.sym,MODE_ASK);
      if(c.dev>0 && c.price>0 && MathAbs(px-c.price)>c.dev*Point4(c.sym)+Point4(c.sym)*1e-6)
         return(ResultFrame(c.id,RC_DEVIATION,c.sym+": price "+Px(c.sym,px)+" is more than "+
                            IntegerToString(c.dev)+" points from "+Px(c.sym,c.price)+" \x2014 not closed",ticket,0,0,0,0));
      ResetLastError();
      if(OrderClose((int)ticket,vol,NormalizeDouble(px,Digits4(c.sym)),dev,clrNONE))
        {
         double at=px;
         if(OrderSelect((int)ticket,SELECT_BY_TICKET))
            at=OrderClosePrice();
         long rest=(vol<have-1e-9) ? Remainder(ticket) : ticket;
         string text=c.sym+": closed "+JsonNumText(vol)+" of #"+IntegerToString(ticket)+" at "+Px(c.sym,at);
         if(rest!=ticket && rest>0)
           {
            text=text+"; the rest is now #"+IntegerToString(rest);
            NoteRest(rest,c.ticket,ticket);
           }
         return(ResultFrame(c.id,RC_DONE,text,rest,vol,at,0,0));
        }
      err=GetLastError();
      if(err==128 && ClosedAfterTimeout(ticket))
        {
         long rest=(vol<have-1e-9) ? Remainder(ticket) : ticket;
         if(rest!=ticket && rest>0)
            NoteRest(rest,c.ticket,ticket);
         return(ResultFrame(c.id,RC_DONE,c.sym+": closed "+JsonNumText(vol)+" of #"+IntegerToString(ticket)+
                            " (the trade server answered late)",rest,vol,px,0,0));
        }
      if(err==128 || !Retryable(err))
         break;
      RetryPause(err,attempt);
     }
   return(ResultFrame(c.id,MapError(err),c.sym+": close of #"+IntegerToString(ticket)+" failed: "+ErrText(err),
                      ticket,0,0,0,0));
  }

//--- per kind (§14 step 6) ----------------------------------------------------------------------
string DoOpen(const TcCommand &c)
  {
   long own=OwnCopy(c,false);
   if(own>0)
      return(DuplicateOf(c,own));
   int type=TcTypeCode(c.type);
   if(type!=OP_BUY && type!=OP_SELL)
      return(ResultFrame(c.id,RC_INVALID,c.sym+": open needs type buy or sell, got "+c.type,0,0,0,0,0));
   return(DoMarket(c,type,c.vol,c.sl,c.tp));
  }

string DoCloseCmd(const TcCommand &c)
  {
   string refusal="";
   long t=TargetOf(c,refusal);
   string done=CloseDone(c,t);   // §14 step 5; t becomes the open remainder of a renumbered copy
   if(done!="")
      return(done);
   if(t<=0)
      return(refusal);
   return(DoClose(c,t,c.vol));
  }

string DoModify(const TcCommand &c)
  {
   string refusal="";
   long t=TargetOf(c,refusal);
   if(t<=0)
      return(refusal);
   string done=ModifyDone(c,t);   // §14 step 5; t becomes the open remainder of a renumbered copy
   if(done!="")
      return(done);
   if(!OrderSelect((int)t,SELECT_BY_TICKET) || OrderCloseTime()>0 || OrderType()>OP_SELL)
      return(ResultFrame(c.id,RC_POSITION_GONE,c.sym+": position #"+IntegerToString(t)+" is no longer open",t,0,0,0,0));
   double sl,tp;
   StopsFrom(c,OrderType()==OP_BUY,OrderOpenPrice(),sl,tp);
   WaitContext();
   ResetLastError();
   if(!OrderModify((int)t,OrderOpenPrice(),sl,tp,0,clrNONE))
     {
      int err=GetLastError();
      if(err!=1)
         return(ResultFrame(c.id,MapError(err),c.sym+": SL/TP of #"+IntegerToString(t)+" not set: "+ErrText(err),
                            t,0,0,0,0));
     }
   OrderSelect((int)t,SELECT_BY_TICKET);
   return(ResultFrame(c.id,RC_DONE,c.sym+": #"+IntegerToString(t)+" SL "+Px(c.sym,sl)+" TP "+Px(c.sym,tp),
                      t,0,0,OrderStopLoss(),OrderTakeProfit()));
  }

string DoPlacePending(const TcCommand &c)
  {
   long own=OwnCopy(c,true);
   if(own>0)
      return(DuplicateOf(c,own));
   int type=TcTypeCode(c.type);
   if(type<OP_BUYLIMIT || type>OP_SELLSTOP)
      return(ResultFrame(c.id,RC_INVALID,c.sym+": not a pending order type: "+c.type,0,0,0,0,0));
   double vol=RoundVolume(c.vol,MarketInfo(c.sym,MODE_LOTSTEP));
   if(vol<MarketInfo(c.sym,MODE_MINLOT)-1e-9)
      return(ResultFrame(c.id,RC_INVALID_VOLUME,c.sym+": lot "+JsonNumText(vol)+" below broker minimum "+
                         JsonNumText(MarketInfo(c.sym,MODE_MINLOT))+" \x2014 copy skipped",0,0,0,0,0));
   double price=TcPrice(c.sym,c.price);
   double sl,tp;
   StopsFrom(c,SideIsBuy(type),price,sl,tp);
   int err=0;
   for(int attempt=0;attempt<=TC_RETRIES;attempt++)
     {
      WaitContext();
      ResetLastError();
      int t=OrderSend(c.sym,type,vol,price,0,sl,tp,c.comment,(int)c.magic,0,clrNONE);
      if(t>0)
        {
         Created(t);
         return(ResultFrame(c.id,RC_DONE,c.sym+": "+c.type+" "+JsonNumText(vol)+" at "+Px(c.sym,price)+
                            " \x2192 #"+IntegerToString(t),t,vol,price,sl,tp));
        }
      err=GetLastError();
      if(err==128)
        {
         long made=TimedOut(c,true);
         if(made>0)
           {
            Created(made);
            return(ResultFrame(c.id,RC_DONE,c.sym+": "+c.type+" "+JsonNumText(vol)+" at "+Px(c.sym,price)+
                               " \x2192 #"+IntegerToString(made)+" (the trade server answered late)",made,vol,price,sl,tp));
           }
         break;
        }
      if(!Retryable(err))
         break;
      RetryPause(err,attempt);
     }
   return(ResultFrame(c.id,MapError(err),c.sym+": pending order not placed: "+ErrText(err),0,0,0,0,0));
  }

// A change to a pending copy the slave's market filled first: nothing is left to change; the
// master's own fill (or deletion) follows, and that is what acts on the copy.
string FilledFirst(const TcCommand &c,const long t)
  {
   return(ResultFrame(c.id,RC_NO_CHANGES,c.sym+": order #"+IntegerToString(t)+
                      " has already filled on this account; the change is not applied",t,0,0,0,0));
  }

string DoModifyPending(const TcCommand &c)
  {
   long t=PendingCopy(c);
   if(t<=0)
      return(ResultFrame(c.id,RC_INVALID_ORDER,c.sym+": no slave ticket given and no pending copy of master #"+
                         IntegerToString(c.ticket)+" on this account",0,0,0,0,0));
   string done=PendingModifyDone(c,t);
   if(done!="")
      return(done);
   if(!OrderSelect((int)t,SELECT_BY_TICKET) || OrderCloseTime()>0 || OrderType()<=OP_SELL)
     {
      if(OrderSelect((int)t,SELECT_BY_TICKET) && OrderType()<=OP_SELL)
         return(FilledFirst(c,t));
      return(ResultFrame(c.id,RC_INVALID_ORDER,c.sym+": order #"+IntegerToString(t)+" is no longer pending",t,0,0,0,0));
     }
   double price=(c.price>0) ? TcPrice(c.sym,c.price) : OrderOpenPrice();
   double sl,tp;
   StopsFrom(c,SideIsBuy(OrderType()),price,sl,tp);
   WaitContext();
   ResetLastError();
   bool changed=OrderModify((int)t,price,sl,tp,OrderExpiration(),clrNONE);
   int err=changed ? 0 : GetLastError();
   // The market reached it while the change was on its way: the ticket is a market order now.
   // MT4 keeps market and pending orders in one pool, and a triggered pending order stays there
   // under its ticket as OP_BUY or OP_SELL (https://docs.mql4.com/constants/trading). Whatever
   // OrderModify answered then, the change has nothing left to change.
   if(OrderSelect((int)t,SELECT_BY_TICKET) && OrderType()<=OP_SELL)
      return(FilledFirst(c,t));
   if(!changed && err!=1)
      return(ResultFrame(c.id,MapError(err),c.sym+": order #"+IntegerToString(t)+" not changed: "+ErrText(err),
                         t,0,0,0,0));
   return(SelectedResult(c,RC_DONE,c.sym+": order #"+IntegerToString(t)+" at "+Px(c.sym,price)));
  }

string DoDeletePending(const TcCommand &c)
  {
   long t=PendingCopy(c);
   string done=DeleteDone(c,t);
   if(done!="")
      return(done);
   if(t<=0)
      return(ResultFrame(c.id,RC_DONE,c.sym+": the pending copy of master #"+IntegerToString(c.ticket)+
                         " is already gone",0,0,0,0,0));
   if(!OrderSelect((int)t,SELECT_BY_TICKET) || OrderCloseTime()>0)
      return(ResultFrame(c.id,RC_DONE,c.sym+": order #"+IntegerToString(t)+" already gone",t,0,0,0,0));
   if(OrderType()<=OP_SELL)
     {
      TcCommand all=c;
      all.dev=0;   // the copy filled: close what it became, whatever the price
      all.price=0;
      return(DoClose(all,t,0));
     }
   WaitContext();
   ResetLastError();
   if(!OrderDelete((int)t,clrNONE))
     {
      int err=GetLastError();
      return(ResultFrame(c.id,MapError(err),c.sym+": order #"+IntegerToString(t)+" not deleted: "+ErrText(err),
                         t,0,0,0,0));
     }
   return(ResultFrame(c.id,RC_DONE,c.sym+": order #"+IntegerToString(t)+" deleted",t,0,0,0,0));
  }

// Did this EA delete a pending copy of the command's master ticket (same symbol, magic and
// comment) to replace it at market? MT4 keeps no order type of its own for a filled pending order
// (it becomes OP_BUY/OP_SELL under the same ticket), but a copy that was replaced is in the
// history as a deleted pending order (https://docs.mql4.com/trading/orderstotal: OrdersHistoryTotal,
// OrderSelect MODE_HISTORY).
bool ReplacedAtMarket(const TcCommand &c)
  {
   for(int i=OrdersHistoryTotal()-1;i>=0;i--)
      if(OrderSelect(i,SELECT_BY_POS,MODE_HISTORY) && OrderType()>OP_SELL && SelectedIsCopy(c) &&
         (OrderComment()==c.comment || StringFind(c.comment,OrderComment())==0))
         return(true);
   return(false);
  }

string DoFillPending(const TcCommand &c)
  {
   long t=PendingCopy(c);
   int side=SideIsBuy(TcTypeCode(c.type)) ? OP_BUY : OP_SELL;
   double vol=c.vol,sl=c.sl,tp=c.tp;
   if(t>0 && OrderSelect((int)t,SELECT_BY_TICKET) && OrderCloseTime()==0)
     {
      if(OrderType()<=OP_SELL)
        {
         if(c.slave_ticket<=0 && ReplacedAtMarket(c) && OrderSelect((int)t,SELECT_BY_TICKET))   // §14 step 7
            return(SelectedResult(c,RC_DUPLICATE,c.sym+": #"+IntegerToString(t)+
                                  " already replaces the pending copy at market"));
         return(SelectedResult(c,RC_DONE,c.sym+": order #"+IntegerToString(t)+" had filled here already"));
        }
      if(vol==0)
         vol=OrderLots();
      if(sl==0)
         sl=OrderStopLoss();
      if(tp==0)
         tp=OrderTakeProfit();
      WaitContext();
      ResetLastError();
      if(!OrderDelete((int)t,clrNONE))
        {
         int err=GetLastError();
         if(OrderSelect((int)t,SELECT_BY_TICKET) && OrderType()<=OP_SELL)
            return(SelectedResult(c,RC_DONE,c.sym+": order #"+IntegerToString(t)+" filled while being replaced"));
         return(ResultFrame(c.id,MapError(err),c.sym+": order #"+IntegerToString(t)+" not deleted: "+ErrText(err),
                            t,0,0,0,0));
        }
     }
   else
     {
      long own=OwnCopy(c,false);
      if(own>0)
         return(DuplicateOf(c,own));
     }
   TcCommand m=c;
   m.type=(side==OP_BUY) ? "buy" : "sell";
   return(DoMarket(m,side,vol,sl,tp));
  }

// §14: id memory, expiry, symbol, then the kind's steps; remember, then send.
string Execute(TcCommand &c)
  {
   if(c.expires>0 && TcNowMs()>c.expires)
      return(ResultFrame(c.id,RC_EXPIRED,c.sym+": signal "+IntegerToString(TcNowMs()-c.expires)+
                         " ms past its max age \x2014 skipped",0,0,0,0,0));
   if(!SymbolSelect(c.sym,true) || MarketInfo(c.sym,MODE_POINT)<=0)
      return(ResultFrame(c.id,RC_INVALID,c.sym+": symbol not offered by this broker",0,0,0,0,0));
   if(c.kind=="open")
      return(DoOpen(c));
   if(c.kind=="close")
      return(DoCloseCmd(c));
   if(c.kind=="modify")
      return(DoModify(c));
   if(c.kind=="place_pending")
      return(DoPlacePending(c));
   if(c.kind=="modify_pending")
      return(DoModifyPending(c));
   if(c.kind=="delete_pending")
      return(DoDeletePending(c));
   if(c.kind=="fill_pending")
      return(DoFillPending(c));
   return(ResultFrame(c.id,RC_INVALID,"unknown command kind "+c.kind,0,0,0,0,0));
  }

//--- session callbacks ------------------------------------------------------------------------
string TcBuildHello()
  {
   return(TcHelloFrame(ApiKey,"executor"));
  }

void TcOnWelcome(JsonObj &welcome)
  {
   TcSnapshot(0,true);
  }

void TcOnMessage(const string t,JsonObj &o)
  {
   if(t=="command")
     {
      TcCommand c;
      ReadCommand(o,c);
      string result=MemRecall(c.id);
      if(result=="")
        {
         result=Execute(c);
         MemRemember(c.id,result);
        }
      TcSend(result);
     }
   else if(t=="snapshot_request")
      TcSnapshot(JsonLong(o,"sid",0),JsonBool(o,"symbols",true));
  }

void TcOnSessionEnd()
  {
  }

int OnInit()
  {
   if(StringLen(ApiKey)==0)
     {
      Alert("TradeCopy Executor: enter the API key shown in the copier's Accounts page");
      return(INIT_PARAMETERS_INCORRECT);
     }
   if(!IsDllsAllowed())
     {
      Alert("TradeCopy Executor: allow DLL imports (Tools > Options > Expert Advisors), then attach the EA again");
      return(INIT_FAILED);
     }
   MemLoad("TradeCopy_"+IntegerToString(AccountInfoInteger(ACCOUNT_LOGIN))+"_executor.dat");
   TcSessionInit(BridgeUrl,"executor");
   if(!EventSetMillisecondTimer(MathMax(1,TimerMs)))
      EventSetTimer(1);
   return(INIT_SUCCEEDED);
  }

void OnDeinit(const int reason)
  {
   EventKillTimer();
   TcSessionStop("EA stopped");
   NetShutdown();
   TcShowComment("");
  }

void OnTimer()
  {
   TcSessionPoll();
   TcShowComment("TradeCopy Executor "+(string)TC_EA_VERSION+"\n"+g_tc_status+TcNoticeLine()+
                 (TcTradeAllowed() ? "" : "\nTrading is not allowed: turn AutoTrading on and tick 'Allow live trading'"));
  }

void OnTick()
  {
   TcSessionPoll();
  }
