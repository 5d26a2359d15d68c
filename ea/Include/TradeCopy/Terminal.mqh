// Terminal.mqh — owns what a terminal tells the copier: the hello, account figures and snapshots
// (docs/protocol.md §4 hello / account / snapshot, §7 Snapshots), the names of order types (§2
// Encoding) and the account's margin mode. All four EAs include it; the MT4 order pool and the MT5
// positions/orders API differ, so each platform has its own section (__MQL4__ / __MQL5__, defined
// by MetaEditor: https://docs.mql4.com/basis/preprosessor/conditional_compilation).

#define TC_EA_VERSION "1.0.0"

void TcAddItem(int &kinds[],string &items[],int &count,const int kind,const string item)
  {
   ArrayResize(kinds,count+1);
   ArrayResize(items,count+1);
   kinds[count]=kind;
   items[count]=item;
   count++;
  }

void TcAddName(string &names[],const string name)
  {
   for(int j=0;j<ArraySize(names);j++)
      if(names[j]==name)
         return;
   int m=ArraySize(names);
   ArrayResize(names,m+1);
   names[m]=name;
  }

#ifdef __MQL4__
#define TC_PLATFORM "mt4"

bool TcNetting()
  {
   return(false);   // MT4 accounts are always hedging
  }

string TcTypeName(const int type)
  {
   switch(type)
     {
      case OP_BUY:       return("buy");
      case OP_SELL:      return("sell");
      case OP_BUYLIMIT:  return("buy_limit");
      case OP_SELLLIMIT: return("sell_limit");
      case OP_BUYSTOP:   return("buy_stop");
      case OP_SELLSTOP:  return("sell_stop");
     }
   return("");
  }

int TcTypeCode(const string name)
  {
   if(name=="buy")        return(OP_BUY);
   if(name=="sell")       return(OP_SELL);
   if(name=="buy_limit")  return(OP_BUYLIMIT);
   if(name=="sell_limit") return(OP_SELLLIMIT);
   if(name=="buy_stop")   return(OP_BUYSTOP);
   if(name=="sell_stop")  return(OP_SELLSTOP);
   return(-1);
  }

long     g_tc_srv_offset=0;   // the server's clock minus UTC, s
datetime g_tc_srv_seen=0;     // TimeCurrent() when the offset was taken

// MT4 has no TimeTradeServer(): TimeCurrent() is the time of the last quote
// (https://docs.mql4.com/dateandtime/timecurrent) and stands still while the market is closed, so
// an offset taken from it afresh would drift by 15 minutes every 15 minutes of a weekend and move
// every converted expiry. It is taken again only when TimeCurrent() has moved (a quote came in:
// it is the server's clock then) and kept while it stands still.
long TcServerOffset()
  {
   datetime now=TimeCurrent();
   if(g_tc_srv_seen==0 || now!=g_tc_srv_seen)
     {
      g_tc_srv_offset=TcServerOffsetS(now);
      g_tc_srv_seen=now;
     }
   return(g_tc_srv_offset);
  }

// Server time of the broker to UTC epoch ms.
long TcServerToMs(const datetime t)
  {
   if(t<=0)
      return(0);
   return(((long)t-TcServerOffset())*1000);
  }

bool TcTradeAllowed()
  {
   return(IsTradeAllowed() && IsExpertEnabled() && AccountInfoInteger(ACCOUNT_TRADE_ALLOWED)!=0 &&
          AccountInfoInteger(ACCOUNT_TRADE_EXPERT)!=0);
  }

int TcOpenCount()
  {
   int n=0;
   for(int i=OrdersTotal()-1;i>=0;i--)
      if(OrderSelect(i,SELECT_BY_POS,MODE_TRADES) && OrderType()<=OP_SELL)
         n++;
   return(n);
  }

string TcAccountFigures()
  {
   return(JsonNumText(AccountBalance())+"|"+JsonNumText(AccountEquity())+"|"+
          JsonNumText(AccountMargin())+"|"+JsonNumText(AccountFreeMargin())+"|"+
          (TcTradeAllowed() ? "1" : "0")+"|"+IntegerToString(TcOpenCount()));
  }

string TcAccountFrame()
  {
   return(JsonOpen("account")+JI("time",TcNowMs())+JD("balance",AccountBalance())+
          JD("equity",AccountEquity())+JD("margin",AccountMargin())+
          JD("free",AccountFreeMargin())+JB("trade",TcTradeAllowed())+
          JI("positions",TcOpenCount())+"}");
  }

// balance, equity, margin, free and trade: repeated in every snapshot part (§7)
string TcSnapshotHead()
  {
   return(JD("balance",AccountBalance())+JD("equity",AccountEquity())+JD("margin",AccountMargin())+
          JD("free",AccountFreeMargin())+JB("trade",TcTradeAllowed()));
  }

// The selected order as a snapshot position or order object (§4 snapshot).
string TcSelectedItem()
  {
   int type=OrderType();
   string f;
   if(type<=OP_SELL)
      f="{\"ticket\":"+IntegerToString(OrderTicket())+JS("sym",OrderSymbol())+JS("side",TcTypeName(type))+
        JD("vol",OrderLots())+JD("price",OrderOpenPrice())+JD("sl",OrderStopLoss())+
        JD("tp",OrderTakeProfit())+JI("magic",OrderMagicNumber())+JS("comment",OrderComment())+
        JI("time",TcServerToMs(OrderOpenTime()))+JD("profit",OrderProfit()+OrderSwap()+OrderCommission())+"}";
   else
      f="{\"ticket\":"+IntegerToString(OrderTicket())+JS("sym",OrderSymbol())+JS("type",TcTypeName(type))+
        JD("vol",OrderLots())+JD("price",OrderOpenPrice())+JD("sl",OrderStopLoss())+
        JD("tp",OrderTakeProfit())+JI("magic",OrderMagicNumber())+JS("comment",OrderComment())+
        JI("time",TcServerToMs(OrderOpenTime()))+JI("exp",TcServerToMs(OrderExpiration()))+"}";
   return(f);
  }

string TcSymbolItem(const string name)
  {
   return("{\"name\":\""+JsonEscape(name)+"\""+JI("digits",MarketInfo(name,MODE_DIGITS))+
          JD("point",MarketInfo(name,MODE_POINT))+JD("contract",MarketInfo(name,MODE_LOTSIZE))+
          JD("tick_size",MarketInfo(name,MODE_TICKSIZE))+JD("tick_value",MarketInfo(name,MODE_TICKVALUE))+
          JD("vol_min",MarketInfo(name,MODE_MINLOT))+JD("vol_max",MarketInfo(name,MODE_MAXLOT))+
          JD("vol_step",MarketInfo(name,MODE_LOTSTEP))+JI("stops",(long)MarketInfo(name,MODE_STOPLEVEL))+
          JI("filling",3)+JS("currency",SymbolInfoString(name,SYMBOL_CURRENCY_PROFIT))+
          JD("bid",MarketInfo(name,MODE_BID))+JD("ask",MarketInfo(name,MODE_ASK))+"}");
  }

// positions, then orders, then symbols (Market Watch plus every symbol traded) — §4 snapshot
void TcSnapshot(const long sid,const bool with_symbols)
  {
   int kinds[];
   string items[];
   string names[];
   int count=0;
   for(int i=0;i<SymbolsTotal(true);i++)
      TcAddName(names,SymbolName(i,true));
   for(int pass=0;pass<2;pass++)
      for(int i=0;i<OrdersTotal();i++)
        {
         if(!OrderSelect(i,SELECT_BY_POS,MODE_TRADES))
            continue;
         bool market=(OrderType()<=OP_SELL);
         if((pass==0)!=market)
            continue;
         TcAddItem(kinds,items,count,pass,TcSelectedItem());
         TcAddName(names,OrderSymbol());
        }
   if(with_symbols)
      for(int i=0;i<ArraySize(names);i++)
         TcAddItem(kinds,items,count,2,TcSymbolItem(names[i]));
   TcSendSnapshot(sid,TcSnapshotHead(),kinds,items,count);
  }

#endif // __MQL4__

#ifdef __MQL5__
#define TC_PLATFORM "mt5"

bool TcNetting()
  {
   return(AccountInfoInteger(ACCOUNT_MARGIN_MODE)!=ACCOUNT_MARGIN_MODE_RETAIL_HEDGING);
  }

string TcOrderTypeName(const long type)
  {
   switch((int)type)
     {
      case ORDER_TYPE_BUY:        return("buy");
      case ORDER_TYPE_SELL:       return("sell");
      case ORDER_TYPE_BUY_LIMIT:  return("buy_limit");
      case ORDER_TYPE_SELL_LIMIT: return("sell_limit");
      case ORDER_TYPE_BUY_STOP:   return("buy_stop");
      case ORDER_TYPE_SELL_STOP:  return("sell_stop");
     }
   return("");
  }

int TcOrderTypeCode(const string name)
  {
   if(name=="buy")        return(ORDER_TYPE_BUY);
   if(name=="sell")       return(ORDER_TYPE_SELL);
   if(name=="buy_limit")  return(ORDER_TYPE_BUY_LIMIT);
   if(name=="sell_limit") return(ORDER_TYPE_SELL_LIMIT);
   if(name=="buy_stop")   return(ORDER_TYPE_BUY_STOP);
   if(name=="sell_stop")  return(ORDER_TYPE_SELL_STOP);
   return(-1);
  }

bool TcIsPendingType(const long type)
  {
   return(type>=ORDER_TYPE_BUY_LIMIT && type<=ORDER_TYPE_SELL_STOP);
  }

// Server time of the broker to UTC epoch ms.
long TcServerToMs(const datetime t)
  {
   if(t<=0)
      return(0);
   return(((long)t-TcServerOffsetS(TimeTradeServer()))*1000);
  }

bool TcTradeAllowed()
  {
   return(TerminalInfoInteger(TERMINAL_TRADE_ALLOWED)!=0 && MQLInfoInteger(MQL_TRADE_ALLOWED)!=0 &&
          AccountInfoInteger(ACCOUNT_TRADE_ALLOWED)!=0 && AccountInfoInteger(ACCOUNT_TRADE_EXPERT)!=0);
  }

string TcAccountFigures()
  {
   return(JsonNumText(AccountInfoDouble(ACCOUNT_BALANCE))+"|"+JsonNumText(AccountInfoDouble(ACCOUNT_EQUITY))+"|"+
          JsonNumText(AccountInfoDouble(ACCOUNT_MARGIN))+"|"+JsonNumText(AccountInfoDouble(ACCOUNT_MARGIN_FREE))+"|"+
          (TcTradeAllowed() ? "1" : "0")+"|"+IntegerToString(PositionsTotal()));
  }

string TcSnapshotHead()
  {
   return(JD("balance",AccountInfoDouble(ACCOUNT_BALANCE))+JD("equity",AccountInfoDouble(ACCOUNT_EQUITY))+
          JD("margin",AccountInfoDouble(ACCOUNT_MARGIN))+JD("free",AccountInfoDouble(ACCOUNT_MARGIN_FREE))+
          JB("trade",TcTradeAllowed()));
  }

string TcAccountFrame()
  {
   return(JsonOpen("account")+JI("time",TcNowMs())+TcSnapshotHead()+JI("positions",PositionsTotal())+"}");
  }

// The selected position as a snapshot object (MT5 hedging: the ticket is the position id).
string TcPositionItem()
  {
   long type=PositionGetInteger(POSITION_TYPE);
   return("{\"ticket\":"+IntegerToString(PositionGetInteger(POSITION_TICKET))+JS("sym",PositionGetString(POSITION_SYMBOL))+
          JS("side",(type==POSITION_TYPE_BUY) ? "buy" : "sell")+JD("vol",PositionGetDouble(POSITION_VOLUME))+
          JD("price",PositionGetDouble(POSITION_PRICE_OPEN))+JD("sl",PositionGetDouble(POSITION_SL))+
          JD("tp",PositionGetDouble(POSITION_TP))+JI("magic",PositionGetInteger(POSITION_MAGIC))+
          JS("comment",PositionGetString(POSITION_COMMENT))+JI("time",PositionGetInteger(POSITION_TIME_MSC)-TcServerOffsetS(TimeTradeServer())*1000)+
          JD("profit",PositionGetDouble(POSITION_PROFIT)+PositionGetDouble(POSITION_SWAP))+"}");
  }

string TcOrderItem()
  {
   return("{\"ticket\":"+IntegerToString(OrderGetInteger(ORDER_TICKET))+JS("sym",OrderGetString(ORDER_SYMBOL))+
          JS("type",TcOrderTypeName(OrderGetInteger(ORDER_TYPE)))+JD("vol",OrderGetDouble(ORDER_VOLUME_CURRENT))+
          JD("price",OrderGetDouble(ORDER_PRICE_OPEN))+JD("sl",OrderGetDouble(ORDER_SL))+
          JD("tp",OrderGetDouble(ORDER_TP))+JI("magic",OrderGetInteger(ORDER_MAGIC))+
          JS("comment",OrderGetString(ORDER_COMMENT))+JI("time",OrderGetInteger(ORDER_TIME_SETUP_MSC)-TcServerOffsetS(TimeTradeServer())*1000)+
          JI("exp",TcServerToMs((datetime)OrderGetInteger(ORDER_TIME_EXPIRATION)))+"}");
  }

string TcSymbolItem(const string name)
  {
   return("{\"name\":\""+JsonEscape(name)+"\""+JI("digits",SymbolInfoInteger(name,SYMBOL_DIGITS))+
          JD("point",SymbolInfoDouble(name,SYMBOL_POINT))+JD("contract",SymbolInfoDouble(name,SYMBOL_TRADE_CONTRACT_SIZE))+
          JD("tick_size",SymbolInfoDouble(name,SYMBOL_TRADE_TICK_SIZE))+
          JD("tick_value",SymbolInfoDouble(name,SYMBOL_TRADE_TICK_VALUE))+
          JD("vol_min",SymbolInfoDouble(name,SYMBOL_VOLUME_MIN))+JD("vol_max",SymbolInfoDouble(name,SYMBOL_VOLUME_MAX))+
          JD("vol_step",SymbolInfoDouble(name,SYMBOL_VOLUME_STEP))+
          JI("stops",SymbolInfoInteger(name,SYMBOL_TRADE_STOPS_LEVEL))+
          JI("filling",SymbolInfoInteger(name,SYMBOL_FILLING_MODE))+
          JS("currency",SymbolInfoString(name,SYMBOL_CURRENCY_PROFIT))+
          JD("bid",SymbolInfoDouble(name,SYMBOL_BID))+JD("ask",SymbolInfoDouble(name,SYMBOL_ASK))+"}");
  }

// positions, then orders, then symbols (Market Watch plus every symbol traded) — §4 snapshot
void TcSnapshot(const long sid,const bool with_symbols)
  {
   int kinds[];
   string items[];
   string names[];
   int count=0;
   for(int i=0;i<SymbolsTotal(true);i++)
      TcAddName(names,SymbolName(i,true));
   for(int i=0;i<PositionsTotal();i++)
     {
      if(PositionGetTicket(i)==0)
         continue;
      TcAddItem(kinds,items,count,0,TcPositionItem());
      TcAddName(names,PositionGetString(POSITION_SYMBOL));
     }
   for(int i=0;i<OrdersTotal();i++)
     {
      if(OrderGetTicket(i)==0 || !TcIsPendingType(OrderGetInteger(ORDER_TYPE)))
         continue;
      TcAddItem(kinds,items,count,1,TcOrderItem());
      TcAddName(names,OrderGetString(ORDER_SYMBOL));
     }
   if(with_symbols)
      for(int i=0;i<ArraySize(names);i++)
         TcAddItem(kinds,items,count,2,TcSymbolItem(names[i]));
   TcSendSnapshot(sid,TcSnapshotHead(),kinds,items,count);
  }

#endif // __MQL5__

string TcHelloFrame(const string key,const string role)
  {
   return(JsonOpen("hello")+JI("v",TC_PROTOCOL_VERSION)+JS("key",key)+JS("role",role)+
          JS("platform",TC_PLATFORM)+JI("login",AccountInfoInteger(ACCOUNT_LOGIN))+
          JS("server",AccountInfoString(ACCOUNT_SERVER))+
          JS("currency",AccountInfoString(ACCOUNT_CURRENCY))+JS("margin",TcNetting() ? "netting" : "hedging")+
          JS("ea",TC_EA_VERSION)+JI("build",TerminalInfoInteger(TERMINAL_BUILD))+
          JB("trade",TcTradeAllowed())+JS("company",AccountInfoString(ACCOUNT_COMPANY))+"}");
  }
