// Terminal.mqh (MT5) — owns what an MT5 terminal tells the copier: the hello, account figures and
// snapshots (docs/protocol.md §4 hello / account / snapshot, §7 Snapshots), the names of order types
// (§2 Encoding) and the account's margin mode. Both MT5 EAs include it.

#define TC_EA_VERSION "1.0.0"

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

string TcHelloFrame(const string key,const string role)
  {
   return(JsonOpen("hello")+JI("v",TC_PROTOCOL_VERSION)+JS("key",key)+JS("role",role)+
          JS("platform","mt5")+JI("login",AccountInfoInteger(ACCOUNT_LOGIN))+
          JS("server",AccountInfoString(ACCOUNT_SERVER))+
          JS("currency",AccountInfoString(ACCOUNT_CURRENCY))+JS("margin",TcNetting() ? "netting" : "hedging")+
          JS("ea",TC_EA_VERSION)+JI("build",TerminalInfoInteger(TERMINAL_BUILD))+
          JB("trade",TcTradeAllowed())+JS("company",AccountInfoString(ACCOUNT_COMPANY))+"}");
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
