// Clock.mqh — owns the EA's two clocks: a monotonic millisecond clock for timeouts and backoff,
// and UTC epoch milliseconds for the protocol's times (docs/protocol.md §2 Encoding: times are
// epoch milliseconds, UTC). Shared by MT4 and MT5 (ea/Include: one copy for both).

long g_clock_base_ms=0;      // UTC epoch ms at g_clock_base_us
ulong g_clock_base_us=0;

// Milliseconds since an arbitrary start; never goes back (GetTickCount wraps after 49 days).
long TcMonoMs()
  {
   return((long)(GetMicrosecondCount()/1000));
  }

// UTC epoch ms with millisecond steps: TimeGMT() has whole seconds only, so the microsecond
// counter carries the fraction; re-anchored when the two drift more than 2 s apart.
long TcNowMs()
  {
   ulong us=GetMicrosecondCount();
   long gmt=(long)TimeGMT()*1000;
   if(g_clock_base_us==0)
     {
      g_clock_base_us=us;
      g_clock_base_ms=gmt;
     }
   long now=g_clock_base_ms+(long)((us-g_clock_base_us)/1000);
   if(now-gmt>2000 || gmt-now>2000)
     {
      g_clock_base_us=us;
      g_clock_base_ms=gmt;
      now=gmt;
     }
   return(now);
  }

// The trade server's clock minus UTC, rounded to 15 minutes (server times are not UTC).
long TcServerOffsetS(const datetime server_now)
  {
   long d=(long)server_now-(long)TimeGMT();
   return((long)MathRound(d/900.0)*900);
  }
