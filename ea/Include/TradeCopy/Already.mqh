// Already.mqh — owns §14 step 5 of docs/protocol.md for the MQL4 and MQL5 Executors: a command
// whose was_* fields say what its copy looked like before it is answered 19003 (already done)
// when the copy on this account is already as the command leaves it, whether or not its id is
// remembered (the terminal died between the trade and writing the id down, or the id file was
// lost, §15). One copy for both platforms; where they differ, #ifdef __MQL4__ / __MQL5__.

#define TC_ALREADY  19003
#define TC_LOTS_EPS 1e-9   // volumes compare with this tolerance (§13)

// What a copy holds now: an open position (MT4 market order) or a pending order.
struct TcHeld
  {
   long              ticket;
   double            vol;
   double            price;
   double            sl;
   double            tp;
   bool              buy;
  };

// The volume a close leaves of its copy: was_vol - vol, or 0 for a full close.
double WasLeft(const TcCommand &c)
  {
   if(c.vol<=0 || c.vol>=c.was_vol-TC_LOTS_EPS)
      return(0);
   return(c.was_vol-c.vol);
  }

// The same price to within half the symbol's point (§14 step 5 modify).
bool SamePrice(const string sym,const double a,const double b)
  {
   return(MathAbs(a-b)<TcPoint(sym)/2);
  }

string AlreadyDone(const TcCommand &c,const string what,const long ticket,const double vol,const double price,
                   const double sl,const double tp)
  {
   return(ResultFrame(c.id,TC_ALREADY,c.sym+": "+what+" \x2014 already done, nothing traded",ticket,
                      NormalizeDouble(vol,8),price,sl,tp));
  }

#ifdef __MQL4__
// The open market order ticket is now: itself while open, else the remainder its partial closes
// renumbered it to, followed through the history comments "to #<new ticket>" MT4 leaves on the
// closed part (https://docs.mql4.com/trading/orderselect: MODE_HISTORY; OrderComment). 0: none.
long LiveTicket(long ticket)
  {
   for(int hop=0;ticket>0 && hop<16;hop++)
     {
      if(!OrderSelect((int)ticket,SELECT_BY_TICKET,MODE_HISTORY))
         return(0);
      if(OrderCloseTime()==0)
         return((OrderType()<=OP_SELL) ? ticket : 0);
      string cm=OrderComment();
      int at=StringFind(cm,"to #");
      if(at<0)
         return(0);
      ticket=StringToInteger(StringSubstr(cm,at+4));
     }
   return(0);
  }

// The open position a copy is now (on MT4 perhaps a renumbered remainder), read into h.
bool HeldPosition(const long ticket,TcHeld &h)
  {
   long t=LiveTicket(ticket);
   if(t<=0 || !OrderSelect((int)t,SELECT_BY_TICKET))
      return(false);
   h.ticket=t;
   h.vol=OrderLots();
   h.price=OrderOpenPrice();
   h.sl=OrderStopLoss();
   h.tp=OrderTakeProfit();
   h.buy=(OrderType()==OP_BUY);
   return(true);
  }

// The order ticket while it is still pending, read into h.
bool HeldPending(const long ticket,TcHeld &h)
  {
   if(ticket<=0 || !OrderSelect((int)ticket,SELECT_BY_TICKET) || OrderCloseTime()>0 || OrderType()<=OP_SELL)
      return(false);
   int type=OrderType();
   h.ticket=ticket;
   h.vol=OrderLots();
   h.price=OrderOpenPrice();
   h.sl=OrderStopLoss();
   h.tp=OrderTakeProfit();
   h.buy=(type==OP_BUYLIMIT || type==OP_BUYSTOP);
   return(true);
  }

// Has the pending order ticket filled into a position that is still open?
bool FilledAndOpen(const TcCommand &c,const long ticket)
  {
   return(OrderSelect((int)ticket,SELECT_BY_TICKET) && OrderCloseTime()==0 && OrderType()<=OP_SELL);
  }
#endif

#ifdef __MQL5__
// The open position ticket, read into h (an MT5 position keeps its ticket through partial closes).
bool HeldPosition(const long ticket,TcHeld &h)
  {
   if(ticket<=0 || !PositionSelectByTicket((ulong)ticket))
      return(false);
   h.ticket=ticket;
   h.vol=PositionGetDouble(POSITION_VOLUME);
   h.price=PositionGetDouble(POSITION_PRICE_OPEN);
   h.sl=PositionGetDouble(POSITION_SL);
   h.tp=PositionGetDouble(POSITION_TP);
   h.buy=(PositionGetInteger(POSITION_TYPE)==POSITION_TYPE_BUY);
   return(true);
  }

bool HeldPending(const long ticket,TcHeld &h)
  {
   if(ticket<=0 || !OrderSelect((ulong)ticket))
      return(false);
   long type=OrderGetInteger(ORDER_TYPE);
   h.ticket=ticket;
   h.vol=OrderGetDouble(ORDER_VOLUME_CURRENT);
   h.price=OrderGetDouble(ORDER_PRICE_OPEN);
   h.sl=OrderGetDouble(ORDER_SL);
   h.tp=OrderGetDouble(ORDER_TP);
   h.buy=(type==ORDER_TYPE_BUY_LIMIT || type==ORDER_TYPE_BUY_STOP);
   return(true);
  }

// Has the pending order ticket filled into a position that is still open (netting: the symbol's)?
bool FilledAndOpen(const TcCommand &c,const long ticket)
  {
   if(!HistoryOrderSelect((ulong)ticket) || HistoryOrderGetInteger((ulong)ticket,ORDER_STATE)!=ORDER_STATE_FILLED)
      return(false);
   if(TcNetting())
      return(PositionSelect(c.sym));
   return(PositionSelectByTicket((ulong)HistoryOrderGetInteger((ulong)ticket,ORDER_POSITION_ID)));
  }

// A netting copy is a share of the symbol's one position, measured by its deals (§14 step 5):
// the deals in the whole history on sym with the command's magic and comment (MT5 keeps 31
// characters of it), on the buy side plus and against it minus.
double CopyDealSum(const TcCommand &c,const bool buy)
  {
   double sum=0;
   if(!HistorySelect(0,TimeCurrent()))
      return(0);
   for(int i=HistoryDealsTotal()-1;i>=0;i--)
     {
      ulong d=HistoryDealGetTicket(i);
      if(d==0 || HistoryDealGetString(d,DEAL_SYMBOL)!=c.sym || HistoryDealGetInteger(d,DEAL_MAGIC)!=c.magic)
         continue;
      string cm=HistoryDealGetString(d,DEAL_COMMENT);
      if(!IsCopyOf(cm,c.ticket) || (cm!=c.comment && StringFind(c.comment,cm)!=0))
         continue;
      long type=HistoryDealGetInteger(d,DEAL_TYPE);
      if(type!=DEAL_TYPE_BUY && type!=DEAL_TYPE_SELL)
         continue;
      double v=HistoryDealGetDouble(d,DEAL_VOLUME);
      sum+=((type==DEAL_TYPE_BUY)==buy) ? v : -v;
     }
   return(sum);
  }

// §14 step 5 on a netting account for open and fill_pending (opens) or close, buy the copy's
// side: the 19003 frame when the copy's deals already come to the volume after the command, else "".
string NettingDone(const TcCommand &c,const bool buy,const bool opens)
  {
   if(!c.was || !TcNetting())
      return("");
   double sum=CopyDealSum(c,buy);
   double take=(c.vol>0) ? c.vol : c.was_vol;
   if(opens ? sum<c.was_vol+c.vol-TC_LOTS_EPS : sum>c.was_vol-take+TC_LOTS_EPS)
      return("");
   long ticket=0;
   double sl=0,tp=0;
   if(PositionSelect(c.sym))
     {
      ticket=PositionGetInteger(POSITION_TICKET);
      sl=PositionGetDouble(POSITION_SL);
      tp=PositionGetDouble(POSITION_TP);
     }
   string what=opens ? "the copy's deals hold "+JsonNumText(sum)+" lots" :
               "the copy's deals are down to "+JsonNumText(sum)+" lots";
   return(AlreadyDone(c,what,ticket,opens ? sum-c.was_vol : c.was_vol-sum,0,sl,tp));
  }
#endif

// §14 step 5 close (a position found as in step 7: target, 0 none found): the 19003 frame when
// the copy already holds no more than the close leaves, or is gone after a full close, else "".
// On MT4 target becomes the open remainder a partial close renumbered the copy to.
string CloseDone(const TcCommand &c,long &target)
  {
   if(!c.was)
      return("");
   double left=WasLeft(c);
   TcHeld h;
   if(target>0 && HeldPosition(target,h))
     {
      target=h.ticket;
      if(h.vol>left+TC_LOTS_EPS)
         return("");
      return(AlreadyDone(c,"copy #"+IntegerToString(h.ticket)+" holds "+JsonNumText(h.vol)+" lots",h.ticket,
                         c.was_vol-h.vol,h.price,h.sl,h.tp));
     }
   if(left>0)
      return("");   // a partial close whose copy is gone altogether is not done: 10036
   return(AlreadyDone(c,"the copy of master #"+IntegerToString(c.ticket)+" is closed",target,c.was_vol,0,0,0));
  }

// §14 step 5 modify: the 19003 frame when the position's SL and TP already are what the command
// sets, else "". target (the position of step 7) becomes, on MT4, the remainder a partial close
// renumbered it to — with or without was (step 7 modify).
string ModifyDone(const TcCommand &c,long &target)
  {
   TcHeld h;
   if(target<=0 || !HeldPosition(target,h))
      return("");
   target=h.ticket;
   if(!c.was)
      return("");
   double sl,tp;
   StopsFrom(c,h.buy,h.price,sl,tp);
   if(!SamePrice(c.sym,h.sl,sl) || !SamePrice(c.sym,h.tp,tp))
      return("");
   return(AlreadyDone(c,"#"+IntegerToString(h.ticket)+" has SL "+DoubleToString(h.sl,TcDigits(c.sym))+" TP "+
                      DoubleToString(h.tp,TcDigits(c.sym)),h.ticket,0,0,h.sl,h.tp));
  }

// §14 step 5 modify_pending: the order t is still pending with the price, SL and TP it sets.
string PendingModifyDone(const TcCommand &c,const long t)
  {
   TcHeld h;
   if(!c.was || !HeldPending(t,h))
      return("");
   double price=(c.price>0) ? TcPrice(c.sym,c.price) : h.price;
   double sl,tp;
   StopsFrom(c,h.buy,price,sl,tp);
   if(!SamePrice(c.sym,h.price,price) || !SamePrice(c.sym,h.sl,sl) || !SamePrice(c.sym,h.tp,tp))
      return("");
   return(AlreadyDone(c,"order #"+IntegerToString(t)+" is at "+DoubleToString(h.price,TcDigits(c.sym)),t,h.vol,
                      h.price,h.sl,h.tp));
  }

// §14 step 5 delete_pending: the order t (0: none found) is no longer pending, and did not fill
// into a position that is still open.
string DeleteDone(const TcCommand &c,const long t)
  {
   TcHeld h;
   if(!c.was || HeldPending(t,h) || (t>0 && FilledAndOpen(c,t)))
      return("");
   return(AlreadyDone(c,"the pending copy of master #"+IntegerToString(c.ticket)+" is gone",t,0,0,0,0));
  }
