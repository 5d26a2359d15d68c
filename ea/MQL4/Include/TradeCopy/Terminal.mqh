// Terminal.mqh (MT4) — owns what an MT4 terminal tells the copier: the hello, account figures and
// snapshots (docs/protocol.md §4 hello / account / snapshot, §7 Snapshots), and the names of
// order types (§2 Encoding). Both MT4 EAs include it.
#property strict

#define TC_EA_VERSION "1.0.0"

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

// Server time of the broker to UTC epoch ms.
long TcServerToMs(const datetime t)
  {
   if(t<=0)
      return(0);
   return(((long)t-TcServerOffsetS(TimeCurrent()))*1000);
  }

bool TcTradeAllowed()
  {
   return(IsTradeAllowed() && IsExpertEnabled() && AccountInfoInteger(ACCOUNT_TRADE_ALLOWED)!=0 &&
          AccountInfoInteger(ACCOUNT_TRADE_EXPERT)!=0);
  }

string TcHelloFrame(const string key,const string role)
  {
   return(JsonOpen("hello")+JI("v",TC_PROTOCOL_VERSION)+JS("key",key)+JS("role",role)+
          JS("platform","mt4")+JI("login",AccountInfoInteger(ACCOUNT_LOGIN))+
          JS("server",AccountInfoString(ACCOUNT_SERVER))+
          JS("currency",AccountInfoString(ACCOUNT_CURRENCY))+JS("margin","hedging")+
          JS("ea",TC_EA_VERSION)+JI("build",TerminalInfoInteger(TERMINAL_BUILD))+
          JB("trade",TcTradeAllowed())+JS("company",AccountInfoString(ACCOUNT_COMPANY))+"}");
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

void TcAddItem(int &kinds[],string &items[],int &count,const int kind,const string item)
  {
   ArrayResize(kinds,count+1);
   ArrayResize(items,count+1);
   kinds[count]=kind;
   items[count]=item;
   count++;
  }

// positions, then orders, then symbols (Market Watch plus every symbol traded) — §4 snapshot
void TcSnapshot(const long sid,const bool with_symbols)
  {
   int kinds[];
   string items[];
   string traded[];
   int count=0;
   for(int pass=0;pass<2;pass++)
      for(int i=0;i<OrdersTotal();i++)
        {
         if(!OrderSelect(i,SELECT_BY_POS,MODE_TRADES))
            continue;
         bool market=(OrderType()<=OP_SELL);
         if((pass==0)!=market)
            continue;
         TcAddItem(kinds,items,count,pass,TcSelectedItem());
         int k=ArraySize(traded);
         ArrayResize(traded,k+1);
         traded[k]=OrderSymbol();
        }
   if(with_symbols)
     {
      string names[];
      int n=SymbolsTotal(true);
      ArrayResize(names,n);
      for(int i=0;i<n;i++)
         names[i]=SymbolName(i,true);
      for(int i=0;i<ArraySize(traded);i++)
        {
         bool seen=false;
         for(int j=0;j<ArraySize(names);j++)
            if(names[j]==traded[i])
               seen=true;
         if(!seen)
           {
            int m=ArraySize(names);
            ArrayResize(names,m+1);
            names[m]=traded[i];
           }
        }
      for(int i=0;i<ArraySize(names);i++)
         TcAddItem(kinds,items,count,2,TcSymbolItem(names[i]));
     }
   TcSendSnapshot(sid,TcSnapshotHead(),kinds,items,count);
  }
