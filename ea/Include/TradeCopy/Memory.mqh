// Memory.mqh — owns the Executor's id memory: the last 10,000 executed command ids with their
// results, kept in TradeCopy_<login>_executor.dat and written as soon as each result is known
// (docs/protocol.md §14 step 1 and step 7, §15 What an EA keeps on disk). Shared by MT4 and MT5 (ea/Include: one copy for both).

#define TC_MEMORY_IDS 10000

string g_mem_ids[];
string g_mem_results[];
string g_mem_file="";

// The remembered result frame of id, or "" when id was never executed.
string MemRecall(const string id)
  {
   for(int i=ArraySize(g_mem_ids)-1;i>=0;i--)
      if(g_mem_ids[i]==id)
         return(g_mem_results[i]);
   return("");
  }

void MemRewrite()
  {
   string tmp=g_mem_file+".tmp";
   int h=FileOpen(tmp,FILE_WRITE|FILE_TXT|FILE_ANSI,0,CP_UTF8);
   if(h==INVALID_HANDLE)
     {
      Print("TradeCopy executor: cannot write ",tmp,", error ",GetLastError());
      return;
     }
   for(int i=0;i<ArraySize(g_mem_ids);i++)
      FileWriteString(h,g_mem_ids[i]+"\t"+g_mem_results[i]+"\n");
   FileClose(h);
   FileMove(tmp,0,g_mem_file,FILE_REWRITE);
  }

// Drops the oldest ids beyond the limit (oldest first, §15).
bool MemTrim()
  {
   int k=ArraySize(g_mem_ids);
   int drop=k-TC_MEMORY_IDS;
   if(drop<=0)
      return(false);
   for(int i=drop;i<k;i++)
     {
      g_mem_ids[i-drop]=g_mem_ids[i];
      g_mem_results[i-drop]=g_mem_results[i];
     }
   ArrayResize(g_mem_ids,TC_MEMORY_IDS);
   ArrayResize(g_mem_results,TC_MEMORY_IDS);
   return(true);
  }

long g_created[];   // tickets this EA made since it started: memory only (§14 step 4, §15)

void MemLoad(const string file)
  {
   if(file!=g_mem_file)
      ArrayResize(g_created,0);   // another account (OnInit again without a reload): not ours
   g_mem_file=file;
   ArrayResize(g_mem_ids,0);
   ArrayResize(g_mem_results,0);
   int h=FileOpen(g_mem_file,FILE_READ|FILE_TXT|FILE_ANSI,0,CP_UTF8);
   if(h==INVALID_HANDLE)
      return;
   while(!FileIsEnding(h))
     {
      string line=FileReadString(h);
      int tab=StringFind(line,"\t");
      if(tab<=0)
         continue;
      int k=ArraySize(g_mem_ids);
      ArrayResize(g_mem_ids,k+1);
      ArrayResize(g_mem_results,k+1);
      g_mem_ids[k]=TcMid(line,0,tab);
      g_mem_results[k]=StringSubstr(line,tab+1);
     }
   FileClose(h);
   if(MemTrim())
      MemRewrite();
  }

// Remembers id with its result before the result is sent (§14 step 7).
void MemRemember(const string id,const string result)
  {
   int k=ArraySize(g_mem_ids);
   ArrayResize(g_mem_ids,k+1);
   ArrayResize(g_mem_results,k+1);
   g_mem_ids[k]=id;
   g_mem_results[k]=result;
   if(k+1>TC_MEMORY_IDS+TC_MEMORY_IDS/10)
     {
      MemTrim();   // trimmed in batches so the file is not rewritten on every command
      MemRewrite();
      return;
     }
   int h=FileOpen(g_mem_file,FILE_READ|FILE_WRITE|FILE_TXT|FILE_ANSI,0,CP_UTF8);
   if(h==INVALID_HANDLE)
     {
      Print("TradeCopy executor: cannot write ",g_mem_file,", error ",GetLastError());
      return;
     }
   FileSeek(h,0,SEEK_END);
   FileWriteString(h,id+"\t"+result+"\n");
   FileClose(h);
  }

// The result frame of §4 result.
string ResultFrame(const string id,const int rc,const string msg,const long ticket,const double vol,
                   const double price,const double sl,const double tp)
  {
   return(JsonOpen("result")+JS("id",id)+JI("rc",rc)+JS("msg",StringSubstr(msg,0,200))+
          JI("ticket",ticket)+JD("vol",vol)+JD("price",price)+JI("time",TcNowMs())+
          JD("sl",sl)+JD("tp",tp)+"}");
  }

// A command as received (§4 command); optional fields take their defaults.
struct TcCommand
  {
   string            id;
   string            kind;
   long              link;
   long              ticket;
   string            sym;
   string            type;
   double            vol;
   double            price;
   double            sl;
   double            tp;
   long              slave_ticket;
   long              magic;
   string            comment;
   long              dev;
   long              sl_pts;
   long              tp_pts;
   bool              two_step;
   long              seq;
   long              leg;
   long              created;
   long              expires;
   bool              was;        // the was_* fields say what the copy looks like before it (§14 step 5)
   double            was_vol;
   double            was_price;
   double            was_sl;
   double            was_tp;
   long              was_exp;
  };

void ReadCommand(JsonObj &o,TcCommand &c)
  {
   c.id=JsonStr(o,"id","");
   c.kind=JsonStr(o,"kind","");
   c.link=JsonLong(o,"link",0);
   c.ticket=JsonLong(o,"ticket",0);
   c.sym=JsonStr(o,"sym","");
   c.type=JsonStr(o,"type","");
   c.vol=JsonDouble(o,"vol",0);
   c.price=JsonDouble(o,"price",0);
   c.sl=JsonDouble(o,"sl",0);
   c.tp=JsonDouble(o,"tp",0);
   c.slave_ticket=JsonLong(o,"slave_ticket",0);
   c.magic=JsonLong(o,"magic",0);
   c.comment=JsonStr(o,"comment","");
   if(c.comment=="")
      c.comment="TC|"+IntegerToString(c.ticket);   // empty means TC|<ticket> (§4 command)
   c.dev=JsonLong(o,"dev",0);
   c.sl_pts=JsonLong(o,"sl_pts",0);
   c.tp_pts=JsonLong(o,"tp_pts",0);
   c.two_step=JsonBool(o,"two_step",false);
   c.seq=JsonLong(o,"seq",0);
   c.leg=JsonLong(o,"leg",0);
   c.created=JsonLong(o,"created",0);
   c.expires=JsonLong(o,"expires",0);
   c.was=JsonBool(o,"was",false);   // an older copier sends none of them: the id alone decides
   c.was_vol=JsonDouble(o,"was_vol",0);
   c.was_price=JsonDouble(o,"was_price",0);
   c.was_sl=JsonDouble(o,"was_sl",0);
   c.was_tp=JsonDouble(o,"was_tp",0);
   c.was_exp=JsonLong(o,"was_exp",0);
  }

// Does comment belong to master ticket: it starts TC|<ticket> and the number ends there.
bool IsCopyOf(const string comment,const long master)
  {
   string want="TC|"+IntegerToString(master);
   if(StringFind(comment,want)!=0)
      return(false);
   if(StringLen(comment)==StringLen(want))
      return(true);
   ushort next=StringGetCharacter(comment,StringLen(want));
   return(next<'0' || next>'9');
  }

// Adds ticket to found[0..n) unless it is there already. The Executors walk the trade pool from
// its top index down, count taken once: a position or order that closes below the current index
// meanwhile (a stop loss, the trader) moves one already read into the next index, read twice
// then, instead of moving an unread copy past the walk, where it would not be found.
void AddTicket(long &found[],int &n,const long ticket)
  {
   for(int i=0;i<n;i++)
      if(found[i]==ticket)
         return;
   ArrayResize(found,n+1);
   found[n++]=ticket;
  }

void Created(const long ticket)
  {
   if(ticket<=0)
      return;
   int k=ArraySize(g_created);
   ArrayResize(g_created,k+1);
   g_created[k]=ticket;
  }

bool WasCreated(const long ticket)
  {
   for(int i=0;i<ArraySize(g_created);i++)
      if(g_created[i]==ticket)
         return(true);
   return(false);
  }

// Volume rounded to the nearest step (§14 step 5); the caller checks the minimum.
double RoundVolume(const double vol,const double step)
  {
   if(step<=0)
      return(vol);
   return(NormalizeDouble(MathRound(vol/step)*step,8));
  }

// The symbol's tick size, point and digits on each platform.
double TcTickSize(const string sym)
  {
#ifdef __MQL4__
   return(MarketInfo(sym,MODE_TICKSIZE));
#endif
#ifdef __MQL5__
   return(SymbolInfoDouble(sym,SYMBOL_TRADE_TICK_SIZE));
#endif
  }

double TcPoint(const string sym)
  {
#ifdef __MQL4__
   return(MarketInfo(sym,MODE_POINT));
#endif
#ifdef __MQL5__
   return(SymbolInfoDouble(sym,SYMBOL_POINT));
#endif
  }

int TcDigits(const string sym)
  {
#ifdef __MQL4__
   return((int)MarketInfo(sym,MODE_DIGITS));
#endif
#ifdef __MQL5__
   return((int)SymbolInfoInteger(sym,SYMBOL_DIGITS));
#endif
  }

// A price the trade server takes: on the symbol's tick grid, which on indices and futures is
// coarser than its point (SYMBOL_TRADE_TICK_SIZE "Minimal price change",
// https://docs.mql4.com/constants/environment_state/marketinfoconstants and
// https://www.mql5.com/en/docs/constants/environment_state/marketinfoconstants; MODE_TICKSIZE of
// https://docs.mql4.com/marketinformation/marketinfo), then to its digits.
// 0 (no price) stays 0.
double TcPrice(const string sym,const double v)
  {
   if(v==0)
      return(0);
   double tick=TcTickSize(sym);
   double p=(tick>0) ? MathRound(v/tick)*tick : v;
   return(NormalizeDouble(p,TcDigits(sym)));
  }

// SL/TP from distances in points from base (buy: below/above; a sell mirrored); a zero
// distance keeps the price given (§14 step 6 open). Both on the symbol's tick grid.
void StopsFrom(const TcCommand &c,const bool buy,const double base,double &sl,double &tp)
  {
   double point=TcPoint(c.sym);
   sl=c.sl;
   tp=c.tp;
   if(c.sl_pts>0)
      sl=buy ? base-c.sl_pts*point : base+c.sl_pts*point;
   if(c.tp_pts>0)
      tp=buy ? base+c.tp_pts*point : base-c.tp_pts*point;
   sl=TcPrice(c.sym,sl);
   tp=TcPrice(c.sym,tp);
  }
