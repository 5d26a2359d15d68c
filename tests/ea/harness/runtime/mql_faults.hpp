// mql_faults.hpp — how the harness terminal misbehaves like a real one, on request: the run
// harness (harness_main.hpp) arms a fault with a control line, or draws faults at random from a
// seed (TC_FAULT_SEED, TC_FAULT_RATE 0..1, TC_FAULT_KINDS a comma list); the MQL4/MQL5 trade
// functions fire them.
//   trade_fault KIND [ARG]        the next trade request (MQL4 OrderSend/OrderClose, MQL5
//                                 OrderSend) meets KIND — with the trade server's own codes
//                                 (https://docs.mql4.com/constants/errorswarnings/errorcodes,
//                                 https://www.mql5.com/en/docs/constants/errorswarnings/
//                                 enum_trade_return_codes):
//     requote     refused: MT4 138 ERR_REQUOTE, MT5 10004 TRADE_RETCODE_REQUOTE
//     off_quotes  refused: MT4 136 ERR_OFF_QUOTES, MT5 10021 TRADE_RETCODE_PRICE_OFF
//     busy ARG    refused for ARG ms from this request on: MT4 137 ERR_BROKER_BUSY (MT5: none)
//     timeout     done, but answered as failed: MT4 128 ERR_TRADE_TIMEOUT, MT5 10012
//                 TRADE_RETCODE_TIMEOUT — the order did fill
//     placed ARG  MT5 market deal answered 10008 TRADE_RETCODE_PLACED with deal 0: the deal and
//                 the position appear ARG ms later (the EA sees them when it next asks)
//     reached     a pending order request: the market gets to its price while the request is on
//                 its way (it was priced on a quote a moment old), so the server finds it on the
//                 wrong side of the market — MT4 129 ERR_INVALID_PRICE, MT5 10015
//                 TRADE_RETCODE_INVALID_PRICE (the checks of mql4.hpp OrderSend and mql5.hpp
//                 mql5_send; the limits: https://book.mql4.com/appendix/limits). Armed before a
//                 change of a pending order (MQL4 OrderModify, MQL5 TRADE_ACTION_MODIFY), the
//                 market gets to the order's price and fills it while the change is on its way:
//                 the change finds a position (MT4: the order keeps its ticket as OP_BUY/OP_SELL,
//                 https://docs.mql4.com/constants/trading) or no order at all (MT5: the order is
//                 in history as filled; the harness answers 10035 TRADE_RETCODE_INVALID_ORDER, as
//                 for any missing order — the real server's code for this case is not documented,
//                 so the Executors look at the order again whatever the code). Only an armed one:
//                 random draws stay with new orders and closes.
//   during_scan N <control line>  the trade pool changes while the EA walks it by index: after
//                                 the EA's next N index reads (MQL4 OrderSelect SELECT_BY_POS,
//                                 MQL5 PositionGetTicket/OrderGetTicket) the line runs, e.g.
//                                 "during_scan 1 close 1001" or "during_scan 2 open EURUSD buy 0.1".
//   crash_after_trade [N] [lost]  the terminal dies right after its N-th (1) next trade request is
//                                 done (MQL4 OrderSend/OrderClose/OrderModify/OrderDelete, MQL5
//                                 OrderSend): the trade stays done, the EA writes nothing more down
//                                 and starts again (harness_main.hpp mql_guarded); "lost": its id
//                                 file (TradeCopy_<login>_executor.dat) is gone too.
// A real terminal's trade pool belongs to the trade server: a stop loss, a stop-out, another EA or
// the trader closes and opens orders between two index reads of an EA, so the order at an index
// may be another one a moment later (OrderSelect SELECT_BY_POS, https://docs.mql4.com/trading/
// orderselect; PositionGetTicket, https://www.mql5.com/en/docs/trading/positiongetticket).
#pragma once
#include <cstdlib>
#include <deque>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "terminal.hpp"

struct MqlScanFault { int reads_left; std::string line; };
struct MqlCrash {};  // thrown out of the EA where its terminal died
struct MqlTradeFault { std::string kind; long arg = 0; };
struct MqlDelayedFill { long due_ms; std::function<void()> fill; };
struct MqlFaults {
  std::vector<MqlScanFault> scan;
  std::function<void(const std::string &)> run;  // runs a control line without a reply
  std::deque<MqlTradeFault> trade;
  long busy_until_ms = 0;
  std::vector<MqlDelayedFill> fills;
  bool seeded = false;
  std::mt19937 rng;
  double rate = 0;
  std::vector<std::string> kinds;
  std::vector<std::string> fired;  // every fault that fired, in order (printed as FAULT lines)
  int crash_in = 0;                // the crash_in-th done trade from now kills the terminal (0: none)
  bool crash_lose = false;         // … and takes its id file with it
  bool crash_lost = false;         // the crash that happened took the id file with it
};
inline MqlFaults &mql_faults() {
  static MqlFaults f;
  if (!f.seeded) {
    f.seeded = true;
    const char *seed = std::getenv("TC_FAULT_SEED");
    const char *rate = std::getenv("TC_FAULT_RATE");
    const char *kinds = std::getenv("TC_FAULT_KINDS");
    if (seed && rate && kinds) {
      f.rng.seed((unsigned)std::strtoul(seed, nullptr, 10));
      f.rate = std::strtod(rate, nullptr);
      std::stringstream list(kinds);
      for (std::string k; std::getline(list, k, ',');) if (!k.empty()) f.kinds.push_back(k);
    }
  }
  return f;
}

// The fault the next trade request meets ("" none): an armed one, a busy server, or a draw.
inline MqlTradeFault mql_trade_fault(bool mt5) {
  MqlFaults &f = mql_faults();
  long now = term::Terminal::now_ms();
  MqlTradeFault out;
  if (now < f.busy_until_ms) out.kind = "busy";
  else if (!f.trade.empty()) { out = f.trade.front(); f.trade.pop_front(); }
  else if (f.rate > 0 && !f.kinds.empty() && std::uniform_real_distribution<double>(0, 1)(f.rng) < f.rate) {
    out.kind = f.kinds[std::uniform_int_distribution<size_t>(0, f.kinds.size() - 1)(f.rng)];
    out.arg = out.kind == "busy" ? 300 : out.kind == "placed" ? 200 : 0;
  }
  if ((out.kind == "busy" && mt5) || (out.kind == "placed" && !mt5)) out.kind.clear();  // not there
  if (out.kind == "busy" && now >= f.busy_until_ms) f.busy_until_ms = now + out.arg;
  if (!out.kind.empty()) f.fired.push_back(out.kind);
  return out;
}

// "reached": the side a pending order triggers on — the ask for a buy limit or buy stop, the
// bid for a sell — now stands at its price; the spread stays.
inline void mql_reach(term::Symbol &s, bool buy, double price) {
  double spread = s.ask - s.bid;
  if (buy) { s.ask = price; s.bid = price - spread; }
  else { s.bid = price; s.ask = price + spread; }
}

// An armed "reached" before a change of pending order ``ticket``: the market fills the order
// first (term::Terminal::trigger); true when it fired.
inline bool mql_fill_before_change(long ticket) {
  MqlFaults &f = mql_faults();
  term::Terminal &t = term::the();
  term::Order *o = t.order(ticket);
  if (o == nullptr || f.trade.empty() || f.trade.front().kind != "reached") return false;
  f.trade.pop_front();
  f.fired.push_back("reached");
  double price = o->price;
  mql_reach(*t.symbol(o->sym), o->type == 2 || o->type == 4, price);
  t.trigger();
  return true;
}

// After a trade the server did: the terminal dies here when crash_after_trade is armed.
inline void mql_crash_point() {
  MqlFaults &f = mql_faults();
  if (f.crash_in == 0 || --f.crash_in > 0) return;
  f.crash_lost = f.crash_lose;
  throw MqlCrash{};
}

// The trade server finishes what it accepted earlier: run every delayed fill that is due.
inline void mql_settle() {
  MqlFaults &f = mql_faults();
  long now = term::Terminal::now_ms();
  for (size_t i = 0; i < f.fills.size();) {
    if (f.fills[i].due_ms > now) { i++; continue; }
    auto fill = f.fills[i].fill;
    f.fills.erase(f.fills.begin() + (long)i);
    fill();
  }
}

// Called by every index read of the trade pool, before it selects.
inline void mql_scan_read() {
  MqlFaults &f = mql_faults();
  for (size_t i = 0; i < f.scan.size();) {
    if (--f.scan[i].reads_left > 0) { i++; continue; }
    std::string line = f.scan[i].line;
    f.scan.erase(f.scan.begin() + (long)i);
    if (f.run) f.run(line);
  }
}
