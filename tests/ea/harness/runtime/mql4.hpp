// mql4.hpp — the MQL4 runtime of the compile harness: the MT4 order functions over the in-memory
// terminal, with MT4's error numbers (GetLastError) and its order-pool selection rules.
#pragma once
#include "mql4_lang.hpp"
#include "mql_terminal.hpp"

#define MQL4_HARNESS 1
#define OP_BUY 0
#define OP_SELL 1
#define OP_BUYLIMIT 2
#define OP_SELLLIMIT 3
#define OP_BUYSTOP 4
#define OP_SELLSTOP 5
#define SELECT_BY_POS 0
#define SELECT_BY_TICKET 1
#define MODE_TRADES 0
#define MODE_HISTORY 1
#define MODE_BID 9
#define MODE_ASK 10
#define MODE_POINT 11
#define MODE_DIGITS 12
#define MODE_STOPLEVEL 14
#define MODE_LOTSIZE 15
#define MODE_TICKVALUE 16
#define MODE_TICKSIZE 17
#define MODE_MINLOT 23
#define MODE_LOTSTEP 24
#define MODE_MAXLOT 25
#define ERR_NO_RESULT 1
#define ERR_INVALID_PRICE 129
#define ERR_INVALID_STOPS 130
#define ERR_INVALID_TRADE_VOLUME 131
#define ERR_TRADE_TIMEOUT 128
#define ERR_OFF_QUOTES 136
#define ERR_BROKER_BUSY 137
#define ERR_REQUOTE 138
#define ERR_TRADE_CONTEXT_BUSY 146
#define ERR_INVALID_TICKET 4108
#define ERR_UNKNOWN_SYMBOL 4106
#define ERR_INVALID_FUNCTION_PARAMVALUE 4051

inline double AccountBalance() { return AccountInfoDouble(ACCOUNT_BALANCE); }
inline double AccountEquity() { return AccountInfoDouble(ACCOUNT_EQUITY); }
inline double AccountMargin() { return AccountInfoDouble(ACCOUNT_MARGIN); }
inline double AccountFreeMargin() { return AccountInfoDouble(ACCOUNT_MARGIN_FREE); }
inline bool IsTradeAllowed() { return true; }
inline bool IsExpertEnabled() { return true; }
inline bool IsDllsAllowed() { return true; }
inline bool IsTradeContextBusy() { return false; }
inline bool IsStopped() { return false; }
inline bool RefreshRates() { return true; }

inline double MarketInfo(const string &name, int mode) {
  term::Symbol *s = T().symbol(mql_std(name));
  if (s == nullptr) { mql_last_error() = ERR_UNKNOWN_SYMBOL; return 0; }
  switch (mode) {
    case MODE_BID: return s->bid;
    case MODE_ASK: return s->ask;
    case MODE_POINT: return s->point;
    case MODE_DIGITS: return s->digits;
    case MODE_STOPLEVEL: return s->stops;
    case MODE_LOTSIZE: return s->contract;
    case MODE_TICKVALUE: return s->tick_value;
    case MODE_TICKSIZE: return s->tick_size;
    case MODE_MINLOT: return s->vmin;
    case MODE_LOTSTEP: return s->vstep;
    case MODE_MAXLOT: return s->vmax;
  }
  mql_last_error() = ERR_INVALID_FUNCTION_PARAMVALUE;
  return 0;
}

// The selected order: a copy, as MT4 keeps it until the next OrderSelect.
struct Mql4Selected { bool ok = false; term::Closed o{}; };
inline Mql4Selected &mql4_sel() { static Mql4Selected s; return s; }
inline term::Closed mql4_view(const term::Position &p) {
  return term::Closed{p.ticket, p.sym, p.type, p.vol, p.price, p.sl, p.tp, p.magic, p.comment, p.time_ms / 1000, 0, 0, 0};
}
inline term::Closed mql4_view(const term::Order &o) {
  return term::Closed{o.ticket, o.sym, o.type, o.vol, o.price, o.sl, o.tp, o.magic, o.comment, o.time_ms / 1000, 0, 0,
                      o.expiration};
}
// The trade pool in MT4's order: by ticket, market orders and pendings together.
inline std::vector<term::Closed> mql4_pool() {
  std::vector<term::Closed> pool;
  for (auto &p : T().positions) pool.push_back(mql4_view(p));
  for (auto &o : T().orders) pool.push_back(mql4_view(o));
  std::sort(pool.begin(), pool.end(), [](auto &a, auto &b) { return a.ticket < b.ticket; });
  return pool;
}
inline int OrdersTotal() { return (int)(T().positions.size() + T().orders.size()); }
inline int OrdersHistoryTotal() { return (int)T().closed.size(); }
inline bool OrderSelect(int index, int select, int pool = MODE_TRADES) {
  Mql4Selected &s = mql4_sel();
  s.ok = false;
  if (select == SELECT_BY_TICKET) {
    if (term::Position *p = T().position(index)) s.o = mql4_view(*p), s.ok = true;
    else if (term::Order *o = T().order(index)) s.o = mql4_view(*o), s.ok = true;
    else if (term::Closed *c = T().history(index)) s.o = *c, s.ok = true;
  } else if (pool == MODE_TRADES) {
    mql_scan_read();
    auto all = mql4_pool();
    if (index >= 0 && index < (int)all.size()) s.o = all[index], s.ok = true;
  } else if (index >= 0 && index < (int)T().closed.size()) s.o = T().closed[index], s.ok = true;
  if (!s.ok) mql_last_error() = ERR_INVALID_TICKET;
  return s.ok;
}
inline const term::Closed &mql4_selected() {
  if (!mql4_sel().ok) mql_last_error() = ERR_INVALID_TICKET;  // MT4 answers 0 with no order selected
  return mql4_sel().o;
}
inline int OrderTicket() { return (int)mql4_selected().ticket; }
inline int OrderType() { return mql4_selected().type; }
inline double OrderLots() { return mql4_selected().vol; }
inline double OrderOpenPrice() { return mql4_selected().price; }
inline double OrderStopLoss() { return mql4_selected().sl; }
inline double OrderTakeProfit() { return mql4_selected().tp; }
inline int OrderMagicNumber() { return (int)mql4_selected().magic; }
inline string OrderComment() { return string(mql4_selected().comment.c_str()); }
inline string OrderSymbol() { return string(mql4_selected().sym.c_str()); }
inline datetime OrderOpenTime() { return mql4_selected().open_time + T().server_offset_s; }
inline datetime OrderCloseTime() {
  return mql4_selected().close_time ? mql4_selected().close_time + T().server_offset_s : 0;
}
inline double OrderClosePrice() {
  const term::Closed &c = mql4_selected();
  if (c.close_time) return c.close_price;
  term::Symbol *s = T().symbol(c.sym);
  return s == nullptr ? 0 : (c.type == OP_BUY ? s->bid : s->ask);
}
inline datetime OrderExpiration() { return mql4_selected().expiration; }
inline double OrderProfit() {
  const term::Closed &c = mql4_selected();
  if (term::Position *p = T().position(c.ticket)) return NormalizeDouble(T().profit(*p), 2);
  return 0;
}
inline double OrderSwap() { return 0; }
inline double OrderCommission() { return 0; }

inline bool mql4_fail(int err) { mql_last_error() = err; return false; }
inline bool mql4_volume_ok(const term::Symbol &s, double vol) {
  double steps = vol / s.vstep;
  return vol >= s.vmin - 1e-9 && vol <= s.vmax + 1e-9 && std::fabs(steps - std::round(steps)) < 1e-6;
}
inline bool mql4_stops_ok(const term::Symbol &s, int type, double base, double sl, double tp) {
  if (!term::Terminal::on_grid(s, sl) || !term::Terminal::on_grid(s, tp)) return false;
  bool buy = (type == OP_BUY || type == OP_BUYLIMIT || type == OP_BUYSTOP);
  double gap = s.stops * s.point;
  if (sl != 0 && (buy ? sl > base - gap : sl < base + gap)) return false;
  if (tp != 0 && (buy ? tp < base + gap : tp > base - gap)) return false;
  return true;
}

// The MT4 error a refusing fault answers with, or 0 (mql_faults.hpp).
inline int mql4_refusal(const MqlTradeFault &fault) {
  if (fault.kind == "requote") return ERR_REQUOTE;
  if (fault.kind == "off_quotes") return ERR_OFF_QUOTES;
  if (fault.kind == "busy") return ERR_BROKER_BUSY;
  return 0;
}

inline int OrderSend(const string &symbol, int cmd, double volume, double price, int slippage, double sl, double tp,
                     const string &comment = string(), int magic = 0, datetime expiration = 0,
                     color arrow = clrNONE) {
  (void)arrow;
  term::Symbol *s = T().symbol(mql_std(symbol));
  if (s == nullptr) return mql4_fail(ERR_UNKNOWN_SYMBOL) ? 0 : -1;
  if (cmd < OP_BUY || cmd > OP_SELLSTOP) return mql4_fail(ERR_INVALID_FUNCTION_PARAMVALUE) ? 0 : -1;
  if (!mql4_volume_ok(*s, volume)) return mql4_fail(ERR_INVALID_TRADE_VOLUME) ? 0 : -1;
  std::string text = StringSubstr(comment, 0, 31).utf8();  // MT4 keeps 31 characters
  MqlTradeFault fault = mql_trade_fault(false);
  if (int refused = mql4_refusal(fault)) return mql4_fail(refused) ? 0 : -1;
  int ticket = 0;
  if (cmd <= OP_SELL) {
    double now = cmd == OP_BUY ? s->ask : s->bid;
    if (std::fabs(now - price) > slippage * s->point + s->point * 1e-6) return mql4_fail(ERR_REQUOTE) ? 0 : -1;
    if (!mql4_stops_ok(*s, cmd, cmd == OP_BUY ? s->bid : s->ask, sl, tp)) return mql4_fail(ERR_INVALID_STOPS) ? 0 : -1;
    ticket = (int)T().open(s->name, cmd, volume, now, sl, tp, magic, text);
  } else {
    bool above = (cmd == OP_SELLLIMIT || cmd == OP_BUYSTOP);
    if (fault.kind == "reached") mql_reach(*s, cmd == OP_BUYLIMIT || cmd == OP_BUYSTOP, price);
    double ref = (cmd == OP_BUYLIMIT || cmd == OP_BUYSTOP) ? s->ask : s->bid;
    if ((above ? price <= ref : price >= ref) || !term::Terminal::on_grid(*s, price))
      return mql4_fail(ERR_INVALID_PRICE) ? 0 : -1;
    if (!mql4_stops_ok(*s, cmd, price, sl, tp)) return mql4_fail(ERR_INVALID_STOPS) ? 0 : -1;
    ticket = (int)T().place(s->name, cmd, volume, price, sl, tp, magic, text, expiration);
  }
  if (fault.kind == "timeout") return mql4_fail(ERR_TRADE_TIMEOUT) ? 0 : -1;  // yet the order exists
  mql_crash_point();
  return ticket;
}

inline bool OrderClose(int ticket, double lots, double price, int slippage, color arrow = clrNONE) {
  (void)arrow;
  term::Position *p = T().position(ticket);
  if (p == nullptr) return mql4_fail(ERR_INVALID_TICKET);
  term::Symbol *s = T().symbol(p->sym);
  if (lots > p->vol + 1e-9 || !mql4_volume_ok(*s, lots)) return mql4_fail(ERR_INVALID_TRADE_VOLUME);
  double now = p->type == OP_BUY ? s->bid : s->ask;
  MqlTradeFault fault = mql_trade_fault(false);
  if (int refused = mql4_refusal(fault)) return mql4_fail(refused);
  if (std::fabs(now - price) > slippage * s->point + s->point * 1e-6) return mql4_fail(ERR_REQUOTE);
  T().close(ticket, lots, now);
  if (fault.kind == "timeout") return mql4_fail(ERR_TRADE_TIMEOUT);  // timed out, yet closed
  mql_crash_point();
  return true;
}

inline bool OrderModify(int ticket, double price, double sl, double tp, datetime expiration, color arrow = clrNONE) {
  (void)arrow;
  mql_fill_before_change(ticket);
  if (term::Position *p = T().position(ticket)) {
    if (p->sl == sl && p->tp == tp) return mql4_fail(ERR_NO_RESULT);
    term::Symbol *s = T().symbol(p->sym);
    if (!mql4_stops_ok(*s, p->type, p->type == OP_BUY ? s->bid : s->ask, sl, tp)) return mql4_fail(ERR_INVALID_STOPS);
    p->sl = sl; p->tp = tp;
    mql_crash_point();
    return true;
  }
  if (term::Order *o = T().order(ticket)) {
    if (o->price == price && o->sl == sl && o->tp == tp && o->expiration == expiration) return mql4_fail(ERR_NO_RESULT);
    term::Symbol *s = T().symbol(o->sym);
    if (!mql4_stops_ok(*s, o->type, price, sl, tp)) return mql4_fail(ERR_INVALID_STOPS);
    o->price = price; o->sl = sl; o->tp = tp; o->expiration = expiration;
    mql_crash_point();
    return true;
  }
  return mql4_fail(ERR_INVALID_TICKET);
}

inline bool OrderDelete(int ticket, color arrow = clrNONE) {
  (void)arrow;
  if (T().order(ticket) == nullptr) return mql4_fail(ERR_INVALID_TICKET);
  T().remove(ticket);
  mql_crash_point();
  return true;
}
