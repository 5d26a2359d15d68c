// TradeCopy_Executor.mq5 — owns the MT5 slave side (hedging and netting): it executes each command
// the copier sends, at most once per id, and answers every one with a result (docs/protocol.md §6
// Commands and results, §14 Executor semantics step for step, as copier/sim/executor.py does).
// Filling mode from SYMBOL_FILLING_MODE (FOK=1, IOC=2, else RETURN); closes on hedging accounts
// name the position ticket.
#property copyright "TradeCopier"
#property version   "1.00"

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
input string CertFingerprint = "";                 // wss:// only: the certificate SHA-1 the copier shows
input int    TimerMs = 10;                         // how often the connection is served, ms

#define TC_RETRIES        3     // requote, price change, off quotes: 3 more tries (§14 step 5)
#define TC_DEFAULT_DEV    20    // points when the command's dev is 0
#define RC_DONE           10009
#define RC_INVALID        10013
#define RC_INVALID_VOLUME 10014
#define RC_NO_CHANGES     10025
#define RC_INVALID_ORDER  10035
#define RC_POSITION_GONE  10036
#define RC_EXPIRED        19001
#define RC_DEVIATION      19002
#define RC_DUPLICATE      19003

int    Digits5(const string sym) { return((int)SymbolInfoInteger(sym,SYMBOL_DIGITS)); }
double Point5(const string sym)  { return(SymbolInfoDouble(sym,SYMBOL_POINT)); }
string Px(const string sym,const double v) { return(DoubleToString(v,Digits5(sym))); }

// SYMBOL_FILLING_MODE is a bitmask: 1 FOK, 2 IOC; neither means RETURN.
ENUM_ORDER_TYPE_FILLING Filling(const string sym)
  {
   long mode=SymbolInfoInteger(sym,SYMBOL_FILLING_MODE);
   if((mode&1)!=0)
      return(ORDER_FILLING_FOK);
   if((mode&2)!=0)
      return(ORDER_FILLING_IOC);
   return(ORDER_FILLING_RETURN);
  }

bool Retryable(const uint rc)
  {
   return(rc==TRADE_RETCODE_REQUOTE || rc==TRADE_RETCODE_PRICE_CHANGED || rc==TRADE_RETCODE_PRICE_OFF);
  }

bool Traded(const uint rc)
  {
   return(rc==TRADE_RETCODE_DONE || rc==TRADE_RETCODE_PLACED || rc==TRADE_RETCODE_DONE_PARTIAL);
  }

bool IsBuy(const long type)
  {
   return(type==ORDER_TYPE_BUY || type==ORDER_TYPE_BUY_LIMIT || type==ORDER_TYPE_BUY_STOP);
  }

// Sends a request; the trade server's answer goes into res.
bool Send(MqlTradeRequest &req,MqlTradeResult &res)
  {
   ZeroMemory(res);
   ResetLastError();
   bool ok=OrderSend(req,res);
   if(!ok && res.retcode==0)
      res.retcode=10011;
   return(Traded(res.retcode));
  }

string Failed(const TcCommand &c,const MqlTradeResult &res,const string what,const long ticket)
  {
   return(ResultFrame(c.id,(int)res.retcode,c.sym+": "+what+": "+res.comment+" ("+IntegerToString(res.retcode)+")",
                      ticket,0,0,0,0));
  }

// The selected position's result fields.
string PositionResult(const TcCommand &c,const int rc,const string msg)
  {
   return(ResultFrame(c.id,rc,msg,PositionGetInteger(POSITION_TICKET),PositionGetDouble(POSITION_VOLUME),
                      PositionGetDouble(POSITION_PRICE_OPEN),PositionGetDouble(POSITION_SL),
                      PositionGetDouble(POSITION_TP)));
  }

//--- own copies (§14 step 4; hedging accounts only) -------------------------------------------
long OwnCopy(const TcCommand &c,const bool orders)
  {
   if(TcNetting())
      return(0);   // a netting position keeps the first deal's comment: the id memory decides
   long found[];
   int n=0;
   for(int i=PositionsTotal()-1;i>=0;i--)
     {
      ulong t=PositionGetTicket(i);
      if(t==0 || PositionGetString(POSITION_SYMBOL)!=c.sym || PositionGetInteger(POSITION_MAGIC)!=c.magic)
         continue;
      string cm=PositionGetString(POSITION_COMMENT);
      if(!IsCopyOf(cm,c.ticket) || (cm!=c.comment && StringFind(c.comment,cm)!=0) || WasCreated((long)t))
         continue;
      AddTicket(found,n,(long)t);
     }
   for(int i=OrdersTotal()-1;orders && i>=0;i--)
     {
      ulong t=OrderGetTicket(i);
      if(t==0 || !TcIsPendingType(OrderGetInteger(ORDER_TYPE)) || OrderGetString(ORDER_SYMBOL)!=c.sym ||
         OrderGetInteger(ORDER_MAGIC)!=c.magic)
         continue;
      string cm=OrderGetString(ORDER_COMMENT);
      if(!IsCopyOf(cm,c.ticket) || (cm!=c.comment && StringFind(c.comment,cm)!=0) || WasCreated((long)t))
         continue;
      AddTicket(found,n,(long)t);
     }
   if(n<=c.leg)
      return(0);
   ArraySort(found);
   return(found[(int)c.leg]);
  }

string DuplicateOf(const TcCommand &c,const long ticket)
  {
   string msg=c.sym+": already copied as #"+IntegerToString(ticket);
   if(PositionSelectByTicket((ulong)ticket))
      return(PositionResult(c,RC_DUPLICATE,msg));
   if(OrderSelect((ulong)ticket))
      return(ResultFrame(c.id,RC_DUPLICATE,msg,ticket,OrderGetDouble(ORDER_VOLUME_CURRENT),
                         OrderGetDouble(ORDER_PRICE_OPEN),OrderGetDouble(ORDER_SL),OrderGetDouble(ORDER_TP)));
   return(ResultFrame(c.id,RC_DUPLICATE,msg,ticket,0,0,0,0));
  }

//--- market deals (§14 step 5) ------------------------------------------------------------------
// One market deal with retries on fresh prices; position 0 opens (or nets), else closes that
// position (hedging). Returns true when traded; why holds a refusal in words and rc its code.
bool Deal(const TcCommand &c,const bool buy,const double vol,const double sl,const double tp,const long position,
          MqlTradeResult &res,int &rc,string &why)
  {
   MqlTradeRequest req;
   double had=(position>0 && PositionSelectByTicket((ulong)position)) ? PositionGetDouble(POSITION_VOLUME) : 0;
   for(int attempt=0;attempt<=TC_RETRIES;attempt++)
     {
      MqlTick tick;
      if(!SymbolInfoTick(c.sym,tick))
        {
         rc=10021;
         why=c.sym+": no price";
         return(false);
        }
      double px=buy ? tick.ask : tick.bid;
      if(c.dev>0 && c.price>0 && MathAbs(px-c.price)>c.dev*Point5(c.sym)+Point5(c.sym)*1e-6)
        {
         rc=RC_DEVIATION;
         why=c.sym+": price "+Px(c.sym,px)+" is more than "+IntegerToString(c.dev)+" points from the master's "+
             Px(c.sym,c.price)+" \x2014 not copied";
         return(false);
        }
      ZeroMemory(req);
      req.action=TRADE_ACTION_DEAL;
      req.symbol=c.sym;
      req.volume=vol;
      req.type=buy ? ORDER_TYPE_BUY : ORDER_TYPE_SELL;
      req.price=px;
      req.deviation=(ulong)((c.dev>0) ? c.dev : TC_DEFAULT_DEV);
      req.sl=sl;
      req.tp=tp;
      req.magic=(ulong)c.magic;
      req.comment=c.comment;
      req.type_filling=Filling(c.sym);
      req.position=(ulong)position;   // hedging close: name the position (§14 close)
      if(Send(req,res))
        {
         rc=RC_DONE;
         return(true);
        }
      rc=(int)res.retcode;
      why=c.sym+": "+res.comment+" ("+IntegerToString(res.retcode)+")";
      if(res.retcode==TRADE_RETCODE_TIMEOUT && position>0)
        {
         if(ClosedAfterTimeout(position,had,vol,res))
           {
            rc=RC_DONE;
            return(true);
           }
         why=why+"; position #"+IntegerToString(position)+" is still open";
         break;   // never sent again: a late close would close more than asked
        }
      if(res.retcode==TRADE_RETCODE_TIMEOUT && position==0)
        {
         long filled=TimedOutOpen(c);
         if(filled>0)
           {
            ZeroMemory(res);
            res.retcode=TRADE_RETCODE_DONE;
            res.order=(ulong)filled;
            rc=RC_DONE;
            return(true);
           }
         why=why+"; no copy of master #"+IntegerToString(c.ticket)+" appeared, so nothing was traded";
         break;   // never sent again: a late fill would make a second copy
        }
      if(!Retryable(res.retcode))
         break;
     }
   return(false);
  }

// The hedging position the command's own deal opened and no earlier run of this EA made: a copy
// with its comment and magic this run did not note as created. 0: none (yet).
long FreshCopy(const TcCommand &c)
  {
   long best=0;
   for(int i=PositionsTotal()-1;i>=0;i--)
     {
      ulong t=PositionGetTicket(i);
      if(t==0 || PositionGetString(POSITION_SYMBOL)!=c.sym || PositionGetInteger(POSITION_MAGIC)!=c.magic ||
         WasCreated((long)t))
         continue;
      string cm=PositionGetString(POSITION_COMMENT);
      if(IsCopyOf(cm,c.ticket) && (cm==c.comment || StringFind(c.comment,cm)==0) && (long)t>best)
         best=(long)t;
     }
   return(best);
  }

#define TC_SETTLE_MS 2000   // how long a placed or timed-out request is followed

// The position a deal went into, selected; false if none is open. A deal the server only placed
// (TRADE_RETCODE_PLACED) or done without a deal ticket names no deal yet: its order is followed
// until it fills (https://www.mql5.com/en/docs/constants/errorswarnings/enum_trade_return_codes:
// 10008 "Order placed"; a hedging position takes the ticket of the order that opened it).
bool SelectDealPosition(const TcCommand &c,const MqlTradeResult &res)
  {
   if(TcNetting())
      return(PositionSelect(c.sym));
   if(res.deal>0 && HistoryDealSelect(res.deal))
      return(PositionSelectByTicket((ulong)HistoryDealGetInteger(res.deal,DEAL_POSITION_ID)));
   if(res.order==0)
      return(false);
   long until=TcMonoMs()+TC_SETTLE_MS;
   while(true)
     {
      if(PositionSelectByTicket(res.order))
         return(true);
      if(HistoryOrderSelect(res.order))
        {
         long state=HistoryOrderGetInteger(res.order,ORDER_STATE);
         if(state==ORDER_STATE_FILLED)
            return(PositionSelectByTicket((ulong)HistoryOrderGetInteger(res.order,ORDER_POSITION_ID)));
         if(state!=ORDER_STATE_PLACED && state!=ORDER_STATE_STARTED && state!=ORDER_STATE_PARTIAL)
            return(false);   // canceled, rejected or expired
        }
      if(TcMonoMs()>=until)
         return(false);
      Sleep(20);
     }
   return(false);
  }

// After TRADE_RETCODE_TIMEOUT (10012) a hedging close may still have been done: the position is
// gone, or smaller by vol than the volume it had before. Then res says so, priced by the position's last closing deal.
bool ClosedAfterTimeout(const long position,const double had,const double vol,MqlTradeResult &res)
  {
   long until=TcMonoMs()+TC_SETTLE_MS;
   while(true)
     {
      bool open=PositionSelectByTicket((ulong)position);
      if(!open || PositionGetDouble(POSITION_VOLUME)<had-vol/2)
        {
         ZeroMemory(res);
         res.retcode=TRADE_RETCODE_DONE;
         res.volume=vol;
         if(HistorySelectByPosition(position))
            for(int i=HistoryDealsTotal()-1;i>=0 && res.price==0;i--)
              {
               ulong deal=HistoryDealGetTicket(i);
               if(HistoryDealGetInteger(deal,DEAL_ENTRY)==DEAL_ENTRY_OUT)
                 {
                  res.deal=deal;
                  res.price=HistoryDealGetDouble(deal,DEAL_PRICE);
                 }
              }
         return(true);
        }
      if(TcMonoMs()>=until)
         return(false);
      Sleep(50);
     }
   return(false);
  }

// After TRADE_RETCODE_TIMEOUT (10012) the open may still have filled: its copy is looked for by
// comment for a while before the request is called failed (hedging; a netting position cannot
// tell one deal from another).
long TimedOutOpen(const TcCommand &c)
  {
   if(TcNetting())
      return(0);
   long until=TcMonoMs()+TC_SETTLE_MS;
   while(true)
     {
      long t=FreshCopy(c);
      if(t>0 || TcMonoMs()>=until)
         return(t);
      Sleep(50);
     }
   return(0);
  }

// A market order for the command; SL/TP with it or set right after (§14 step 6 open).
string DoMarket(const TcCommand &c,const bool buy,double vol,const double sl_in,const double tp_in)
  {
   vol=RoundVolume(vol,SymbolInfoDouble(c.sym,SYMBOL_VOLUME_STEP));
   double vmin=SymbolInfoDouble(c.sym,SYMBOL_VOLUME_MIN),vmax=SymbolInfoDouble(c.sym,SYMBOL_VOLUME_MAX);
   if(vol<vmin-1e-9)
      return(ResultFrame(c.id,RC_INVALID_VOLUME,c.sym+": lot "+JsonNumText(vol)+" below broker minimum "+
                         JsonNumText(vmin)+" \x2014 copy skipped",0,0,0,0,0));
   if(vmax>0 && vol>vmax)
      vol=vmax;
   bool later=(c.two_step || c.sl_pts>0 || c.tp_pts>0);
   TcCommand s=c;
   s.sl=sl_in;
   s.tp=tp_in;
   MqlTradeResult res;
   int rc=0;
   string why="";
   bool ok=Deal(c,buy,vol,later ? 0 : sl_in,later ? 0 : tp_in,0,res,rc,why);
   if(!ok && rc==TRADE_RETCODE_INVALID_STOPS && !later && (sl_in!=0 || tp_in!=0))
     {
      later=true;   // the broker refuses stops on a market order: set them right after
      ok=Deal(c,buy,vol,0,0,0,res,rc,why);
     }
   if(!ok)
      return(ResultFrame(c.id,rc,why,0,0,0,0,0));
   double fill=(res.price>0) ? res.price : 0;
   double done_vol=(res.volume>0) ? res.volume : vol;
   if(!SelectDealPosition(c,res))
     {
      if(res.deal==0 && res.order>0 && !TcNetting())   // accepted, not visible yet: its order's ticket
         return(ResultFrame(c.id,RC_DONE,c.sym+": order #"+IntegerToString(res.order)+
                            " accepted; its position is not visible yet",(long)res.order,done_vol,fill,0,0));
      return(ResultFrame(c.id,RC_DONE,c.sym+": deal #"+IntegerToString(res.deal)+" done; the position is flat now",
                         0,done_vol,fill,0,0));
     }
   long ticket=PositionGetInteger(POSITION_TICKET);
   Created(ticket);
   if(fill==0)
      fill=PositionGetDouble(POSITION_PRICE_OPEN);
   string note="";
   bool same_side=((PositionGetInteger(POSITION_TYPE)==POSITION_TYPE_BUY)==buy);
   if(later && same_side)   // a netting deal that reduced the position: its stops are not ours
     {
      double sl,tp;
      StopsFrom(s,buy,fill,sl,tp);
      if(sl!=0 || tp!=0)
        {
         MqlTradeRequest req;
         MqlTradeResult mr;
         ZeroMemory(req);
         req.action=TRADE_ACTION_SLTP;
         req.symbol=c.sym;
         req.position=(ulong)ticket;
         req.sl=sl;
         req.tp=tp;
         if(!Send(req,mr) && mr.retcode!=TRADE_RETCODE_NO_CHANGES)
            note="; SL/TP not set: "+mr.comment+" ("+IntegerToString(mr.retcode)+")";
         PositionSelectByTicket((ulong)ticket);
        }
     }
   return(ResultFrame(c.id,RC_DONE,c.sym+": "+(buy ? "buy " : "sell ")+JsonNumText(done_vol)+" at "+Px(c.sym,fill)+
                      " \x2192 #"+IntegerToString(ticket)+note,ticket,done_vol,fill,
                      PositionGetDouble(POSITION_SL),PositionGetDouble(POSITION_TP)));
  }

//--- per kind (§14 step 6) ----------------------------------------------------------------------
string DoOpen(const TcCommand &c)
  {
   long own=OwnCopy(c,false);
   if(own>0)
      return(DuplicateOf(c,own));
   int type=TcOrderTypeCode(c.type);
   if(type!=ORDER_TYPE_BUY && type!=ORDER_TYPE_SELL)
      return(ResultFrame(c.id,RC_INVALID,c.sym+": open needs type buy or sell, got "+c.type,0,0,0,0,0));
   string done=NettingDone(c,type==ORDER_TYPE_BUY,true);
   if(done!="")
      return(done);
   return(DoMarket(c,type==ORDER_TYPE_BUY,c.vol,c.sl,c.tp));
  }

//--- copies without a slave ticket (§14 step 6) -------------------------------------------------
// A command sent before the result of the open or placement came back names no slave ticket: its
// copy is found by its comment TC|<master ticket>, magic and leg. Adds to found the tickets of
// the positions (with_positions) and pending orders (with_orders) on sym that are such copies.
int CopiesOf(const TcCommand &c,const bool with_positions,const bool with_orders,long &found[])
  {
   int n=0;
   for(int i=PositionsTotal()-1;with_positions && i>=0;i--)
     {
      ulong p=PositionGetTicket(i);
      if(p==0 || PositionGetString(POSITION_SYMBOL)!=c.sym || PositionGetInteger(POSITION_MAGIC)!=c.magic ||
         !IsCopyOf(PositionGetString(POSITION_COMMENT),c.ticket))
         continue;
      AddTicket(found,n,(long)p);
     }
   for(int i=OrdersTotal()-1;with_orders && i>=0;i--)
     {
      ulong o=OrderGetTicket(i);
      if(o==0 || !TcIsPendingType(OrderGetInteger(ORDER_TYPE)) || OrderGetString(ORDER_SYMBOL)!=c.sym ||
         OrderGetInteger(ORDER_MAGIC)!=c.magic || !IsCopyOf(OrderGetString(ORDER_COMMENT),c.ticket))
         continue;
      AddTicket(found,n,(long)o);
     }
   return(n);
  }

// The leg-th, by ticket, of the n copies in found, or 0 when there are not that many.
long LegOf(const TcCommand &c,long &found[],const int n)
  {
   if(n<=c.leg)
      return(0);
   ArraySort(found);
   return(found[(int)c.leg]);
  }

// The position a close or modify names: slave_ticket, else the leg-th copy found as below. 0: none.
long TargetTicket(const TcCommand &c)
  {
   if(c.slave_ticket>0)
      return(c.slave_ticket);
   long found[];
   int n=CopiesOf(c,true,false,found);
   return(LegOf(c,found,n));
  }

// A close or modify without slave ticket (hedging) acts on the leg-th such position. An MT5
// position keeps its ticket and comment through partial closes.
// Returns it selected, or 0 when there is none (refusal then holds the result).
long SelectTarget(const TcCommand &c,string &refusal)
  {
   long t=TargetTicket(c);
   if(t<=0)
     {
      refusal=ResultFrame(c.id,RC_INVALID,c.sym+": no slave ticket given and no copy of master #"+
                          IntegerToString(c.ticket)+" open, so no position to "+c.kind,0,0,0,0,0);
      return(0);
     }
   if(!PositionSelectByTicket((ulong)t))
     {
      refusal=ResultFrame(c.id,RC_POSITION_GONE,c.sym+": position #"+IntegerToString(t)+" is no longer open",
                          t,0,0,0,0);
      return(0);
     }
   return(t);
  }

// The order a modify_pending, delete_pending or fill_pending acts on: slave_ticket, else the
// leg-th such pending order, or on a hedging account the position such an order filled into (it
// keeps the order's ticket and comment; a netting position is shared and cannot tell). 0: none.
long PendingCopy(const TcCommand &c)
  {
   if(c.slave_ticket>0)
      return(c.slave_ticket);
   long found[];
   int n=CopiesOf(c,!TcNetting(),true,found);
   return(LegOf(c,found,n));
  }

// Closes want (0: all) of the selected position.
string CloseSelected(const TcCommand &c,const double want)
  {
   long ticket=PositionGetInteger(POSITION_TICKET);
   double have=PositionGetDouble(POSITION_VOLUME);
   bool pos_buy=(PositionGetInteger(POSITION_TYPE)==POSITION_TYPE_BUY);
   double step=SymbolInfoDouble(c.sym,SYMBOL_VOLUME_STEP);
   double vol=have;
   if(want>0 && want<have-1e-9)
     {
      vol=MathMin(RoundVolume(want,step),have);
      if(vol<=1e-9)
         return(ResultFrame(c.id,RC_INVALID_VOLUME,c.sym+": close volume "+JsonNumText(want)+" rounds to 0 at step "+
                            JsonNumText(step),ticket,0,0,0,0));
     }
   MqlTradeResult res;
   int rc=0;
   string why="";
   if(!Deal(c,!pos_buy,vol,0,0,TcNetting() ? 0 : ticket,res,rc,why))
      return(ResultFrame(c.id,rc,why,ticket,0,0,0,0));
   return(ResultFrame(c.id,RC_DONE,c.sym+": closed "+JsonNumText(vol)+" of #"+IntegerToString(ticket)+" at "+
                      Px(c.sym,res.price),ticket,(res.volume>0) ? res.volume : vol,res.price,0,0));
  }

string DoClose(const TcCommand &c)
  {
   if(TcNetting())
     {
      // A netting copy is a contribution to the symbol's one position: closing it is a deal
      // against the copy's side, whatever the position's ticket or direction is now.
      string done=NettingDone(c,IsBuy(TcOrderTypeCode(c.type)),false);
      if(done!="")
         return(done);
      if(!PositionSelect(c.sym))
         return(ResultFrame(c.id,RC_POSITION_GONE,c.sym+": no open position on this account",0,0,0,0,0));
      double vol=(c.vol>0) ? c.vol : PositionGetDouble(POSITION_VOLUME);
      TcCommand d=c;
      d.sl=0;
      d.tp=0;
      d.sl_pts=0;
      d.tp_pts=0;
      d.two_step=false;
      return(DoMarket(d,!IsBuy(TcOrderTypeCode(c.type)),vol,0,0));
     }
   long target=TargetTicket(c);
   string done=CloseDone(c,target);   // §14 step 5
   if(done!="")
      return(done);
   string refusal="";
   if(SelectTarget(c,refusal)<=0)
      return(refusal);
   return(CloseSelected(c,c.vol));
  }

string DoModify(const TcCommand &c)
  {
   if(TcNetting())
     {
      if(!PositionSelect(c.sym))   // the symbol's one position, whatever ticket the command names
         return(ResultFrame(c.id,RC_POSITION_GONE,c.sym+": no open position on this account",
                            c.slave_ticket,0,0,0,0));
     }
   else
     {
      string refusal="";
      if(SelectTarget(c,refusal)<=0)
         return(refusal);
     }
   long ticket=PositionGetInteger(POSITION_TICKET);
   bool pos_buy=(PositionGetInteger(POSITION_TYPE)==POSITION_TYPE_BUY);
   if(TcNetting() && pos_buy!=IsBuy(TcOrderTypeCode(c.type)))
      return(ResultFrame(c.id,RC_NO_CHANGES,c.sym+": netting position #"+IntegerToString(ticket)+
                         " now points the other way; SL/TP of this copy left as they are",ticket,0,0,0,0));
   string done=ModifyDone(c,ticket);   // §14 step 5; leaves the position selected
   if(done!="")
      return(done);
   double sl,tp;
   StopsFrom(c,pos_buy,PositionGetDouble(POSITION_PRICE_OPEN),sl,tp);
   MqlTradeRequest req;
   MqlTradeResult res;
   ZeroMemory(req);
   req.action=TRADE_ACTION_SLTP;
   req.symbol=c.sym;
   req.position=(ulong)ticket;
   req.sl=sl;
   req.tp=tp;
   if(!Send(req,res) && res.retcode!=TRADE_RETCODE_NO_CHANGES)
      return(Failed(c,res,"SL/TP of #"+IntegerToString(ticket)+" not set",ticket));
   return(ResultFrame(c.id,RC_DONE,c.sym+": #"+IntegerToString(ticket)+" SL "+Px(c.sym,sl)+" TP "+Px(c.sym,tp),
                      ticket,0,0,sl,tp));
  }

string DoPlacePending(const TcCommand &c)
  {
   long own=OwnCopy(c,true);
   if(own>0)
      return(DuplicateOf(c,own));
   int type=TcOrderTypeCode(c.type);
   if(!TcIsPendingType(type))
      return(ResultFrame(c.id,RC_INVALID,c.sym+": not a pending order type: "+c.type,0,0,0,0,0));
   double vol=RoundVolume(c.vol,SymbolInfoDouble(c.sym,SYMBOL_VOLUME_STEP));
   double vmin=SymbolInfoDouble(c.sym,SYMBOL_VOLUME_MIN);
   if(vol<vmin-1e-9)
      return(ResultFrame(c.id,RC_INVALID_VOLUME,c.sym+": lot "+JsonNumText(vol)+" below broker minimum "+
                         JsonNumText(vmin)+" \x2014 copy skipped",0,0,0,0,0));
   double price=TcPrice(c.sym,c.price);
   double sl,tp;
   StopsFrom(c,IsBuy(type),price,sl,tp);
   MqlTradeRequest req;
   MqlTradeResult res;
   ZeroMemory(req);
   req.action=TRADE_ACTION_PENDING;
   req.symbol=c.sym;
   req.volume=vol;
   req.type=(ENUM_ORDER_TYPE)type;
   req.price=price;
   req.sl=sl;
   req.tp=tp;
   req.magic=(ulong)c.magic;
   req.comment=c.comment;
   req.type_filling=ORDER_FILLING_RETURN;
   req.type_time=ORDER_TIME_GTC;
   if(!Send(req,res))
      return(Failed(c,res,"pending order not placed",0));
   Created((long)res.order);
   return(ResultFrame(c.id,RC_DONE,c.sym+": "+c.type+" "+JsonNumText(vol)+" at "+Px(c.sym,price)+" \x2192 #"+
                      IntegerToString(res.order),(long)res.order,vol,price,sl,tp));
  }

// Has order ticket filled (it is in history as filled)?
bool OrderFilled(const long ticket)
  {
   return(HistoryOrderSelect((ulong)ticket) &&
          HistoryOrderGetInteger((ulong)ticket,ORDER_STATE)==ORDER_STATE_FILLED);
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
   if(!OrderSelect((ulong)t))
     {
      if(OrderFilled(t))
         return(FilledFirst(c,t));
      return(ResultFrame(c.id,RC_INVALID_ORDER,c.sym+": order #"+IntegerToString(t)+
                         " is no longer pending (deleted or expired)",t,0,0,0,0));
     }
   double price=(c.price>0) ? TcPrice(c.sym,c.price) : OrderGetDouble(ORDER_PRICE_OPEN);
   double sl,tp;
   StopsFrom(c,IsBuy(OrderGetInteger(ORDER_TYPE)),price,sl,tp);
   double vol=OrderGetDouble(ORDER_VOLUME_CURRENT);
   MqlTradeRequest req;
   MqlTradeResult res;
   ZeroMemory(req);
   req.action=TRADE_ACTION_MODIFY;
   req.order=(ulong)t;
   req.symbol=c.sym;
   req.price=price;
   req.sl=sl;
   req.tp=tp;
   req.type_time=(ENUM_ORDER_TYPE_TIME)OrderGetInteger(ORDER_TYPE_TIME);
   req.expiration=(datetime)OrderGetInteger(ORDER_TIME_EXPIRATION);
   if(!Send(req,res) && res.retcode!=TRADE_RETCODE_NO_CHANGES)
     {
      if(OrderFilled(t))   // the market reached it while the change was on its way
         return(FilledFirst(c,t));
      return(Failed(c,res,"order #"+IntegerToString(t)+" not changed",t));
     }
   return(ResultFrame(c.id,RC_DONE,c.sym+": order #"+IntegerToString(t)+" at "+Px(c.sym,price),t,vol,price,sl,tp));
  }

bool RemoveOrder(const long ticket,MqlTradeResult &res)
  {
   MqlTradeRequest req;
   ZeroMemory(req);
   req.action=TRADE_ACTION_REMOVE;
   req.order=(ulong)ticket;
   return(Send(req,res));
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
   MqlTradeResult res;
   if(OrderSelect((ulong)t))
     {
      if(!RemoveOrder(t,res))
         return(Failed(c,res,"order #"+IntegerToString(t)+" not deleted",t));
      return(ResultFrame(c.id,RC_DONE,c.sym+": order #"+IntegerToString(t)+" deleted",t,0,0,0,0));
     }
   if(OrderFilled(t))
     {
      TcCommand all=c;
      all.dev=0;   // the copy filled: close what it became, whatever the price
      all.price=0;
      double initial=HistoryOrderGetDouble((ulong)t,ORDER_VOLUME_INITIAL);
      if(TcNetting())
        {
         if(!PositionSelect(c.sym))
            return(ResultFrame(c.id,RC_DONE,c.sym+": order #"+IntegerToString(t)+" filled and is closed already",t,0,0,0,0));
         all.vol=initial;
         return(DoMarket(all,!IsBuy(HistoryOrderGetInteger((ulong)t,ORDER_TYPE)),initial,0,0));
        }
      long position=HistoryOrderGetInteger((ulong)t,ORDER_POSITION_ID);
      if(position>0 && PositionSelectByTicket((ulong)position))
         return(CloseSelected(all,initial));
     }
   return(ResultFrame(c.id,RC_DONE,c.sym+": order #"+IntegerToString(t)+" already gone",t,0,0,0,0));
  }

string DoFillPending(const TcCommand &c)
  {
   long t=PendingCopy(c);
   bool removed=false;
   bool buy=IsBuy(TcOrderTypeCode(c.type));
   double vol=c.vol,sl=c.sl,tp=c.tp;
   if(t>0 && OrderSelect((ulong)t))
     {
      if(vol==0)
         vol=OrderGetDouble(ORDER_VOLUME_CURRENT);
      if(sl==0)
         sl=OrderGetDouble(ORDER_SL);
      if(tp==0)
         tp=OrderGetDouble(ORDER_TP);
      MqlTradeResult res;
      if(!RemoveOrder(t,res))
        {
         if(!OrderFilled(t))
            return(Failed(c,res,"order #"+IntegerToString(t)+" not deleted",t));
        }
      else
        {
         removed=true;
         t=0;
        }
     }
   if(t>0 && OrderFilled(t))
     {
      long opened_by=HistoryOrderGetInteger((ulong)t,ORDER_TYPE);
      if(c.slave_ticket<=0 && (opened_by==ORDER_TYPE_BUY || opened_by==ORDER_TYPE_SELL))
         return(DuplicateOf(c,t));   // a market order's position: this command's own replacement
      long position=HistoryOrderGetInteger((ulong)t,ORDER_POSITION_ID);
      bool held=TcNetting() ? PositionSelect(c.sym) : PositionSelectByTicket((ulong)position);
      if(held)
         return(PositionResult(c,RC_DONE,c.sym+": order #"+IntegerToString(t)+" had filled here already"));
      return(ResultFrame(c.id,RC_DONE,c.sym+": order #"+IntegerToString(t)+" had filled here already (now flat)",
                         0,HistoryOrderGetDouble((ulong)t,ORDER_VOLUME_INITIAL),HistoryOrderGetDouble((ulong)t,ORDER_PRICE_OPEN),0,0));
     }
   if(!removed)
     {
      long own=OwnCopy(c,false);
      if(own>0)
         return(DuplicateOf(c,own));
     }
   string done=NettingDone(c,buy,true);   // §14 step 5: a netting copy measured by its deals
   if(done!="")
      return(done);
   TcCommand m=c;
   m.type=buy ? "buy" : "sell";
   return(DoMarket(m,buy,vol,sl,tp));
  }

// §14: expiry, symbol, then the kind's steps (the id memory is checked by the caller).
string Execute(TcCommand &c)
  {
   if(c.expires>0 && TcNowMs()>c.expires)
      return(ResultFrame(c.id,RC_EXPIRED,c.sym+": signal "+IntegerToString(TcNowMs()-c.expires)+
                         " ms past its max age \x2014 skipped",0,0,0,0,0));
   if(!SymbolSelect(c.sym,true) || Point5(c.sym)<=0)
      return(ResultFrame(c.id,RC_INVALID,c.sym+": symbol not offered by this broker",0,0,0,0,0));
   if(c.kind=="open")
      return(DoOpen(c));
   if(c.kind=="close")
      return(DoClose(c));
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
      string result=MemRecall(c.id);   // §14 step 1: a repeat gets the first result
      if(result=="")
        {
         result=Execute(c);
         MemRemember(c.id,result);     // §14 step 7: remembered before it is sent
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
   MemLoad("TradeCopy_"+IntegerToString(AccountInfoInteger(ACCOUNT_LOGIN))+"_executor.dat");
   NetPin(CertFingerprint);
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
                 (TcTradeAllowed() ? "" : "\nTrading is not allowed: turn Algo Trading on and allow it in the EA's settings"));
  }

void OnTick()
  {
   TcSessionPoll();
  }
