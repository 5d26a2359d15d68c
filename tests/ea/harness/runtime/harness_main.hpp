// harness_main.hpp — main() of a compiled EA: sets up the in-memory terminal from the environment,
// calls OnInit, then drives OnTimer on the EA's timer, OnTick on quote changes and
// OnTradeTransaction (MQL5) for every trade, and executes control lines from stdin:
//   open EURUSD buy 0.10 sl=1.0800 tp=1.0950 | modify 1001 sl=… tp=… | close 1001 [0.05]
//   pending EURUSD buy_limit 0.10 1.0800 [sl=… tp=…] | delete 1002 | price EURUSD 1.0850 1.0852
//   state (prints STATE {json}) | comment (OK and the chart comment, lines joined by |)
//   draws (how many times Comment() redrew the chart)
//   market closed|open (TimeCurrent stands still, as at a weekend) | clock +S (time passes)
//   net stalled|ok (MT4: ws2_32 send() finds the socket buffer full)
//   during_scan N <line> | trade_fault KIND [ARG] | crash_after_trade [N] [lost] (mql_faults.hpp) | reinit [reason] (OnDeinit then OnInit in the same
//   process: globals keep their values, as on a chart or input change) | account LOGIN [N]
//   (OnDeinit(REASON_ACCOUNT), another account with N open EURUSD buys, then OnInit)
//   quit (OnDeinit, exit 0). Every line is answered OK … or ERR …. Alert() prints ALERT ….
#pragma once
#include <poll.h>
#include <unistd.h>

#include <sstream>

inline void mql_add_symbol(const char *name, int digits, double bid, double spread_points, double tick = 0) {
  double point = std::pow(10.0, -digits);
  if (tick <= 0) tick = point;
  term::the().symbols.push_back(term::Symbol{name, digits, point, 100000, tick, digits == 2 ? 0.01 : 1.0, 0.01, 100,
                                             0.01, 0, 3, bid, bid + spread_points * point});
}

inline void mql_setup() {
  term::Terminal &t = term::the();
#ifdef MQL5_HARNESS
  t.mt5 = true;
#endif
  if (const char *v = std::getenv("TC_LOGIN")) t.login = std::atol(v);
  if (const char *v = std::getenv("TC_SERVER")) t.server = v;
  if (const char *v = std::getenv("TC_MARGIN")) t.netting = std::string(v) == "netting";
  std::string suffix = std::getenv("TC_SUFFIX") ? std::getenv("TC_SUFFIX") : "";
  mql_add_symbol((std::string("EURUSD") + suffix).c_str(), 5, 1.08500, 10);
  mql_add_symbol((std::string("GBPUSD") + suffix).c_str(), 5, 1.26500, 12);
  mql_add_symbol((std::string("USDJPY") + suffix).c_str(), 3, 151.500, 10);
  // an index whose prices move in steps coarser than its point on this terminal (TC_US500_TICK)
  const char *tick = std::getenv("TC_US500_TICK");
  mql_add_symbol((std::string("US500") + suffix).c_str(), 2, 4500.00, 50, tick ? std::atof(tick) : 0);
}

inline std::map<std::string, double> mql_options(std::istringstream &in) {
  std::map<std::string, double> opts;
  std::string word;
  while (in >> word) {
    size_t eq = word.find('=');
    if (eq != std::string::npos) opts[word.substr(0, eq)] = std::strtod(word.c_str() + eq + 1, nullptr);
  }
  return opts;
}

inline bool &mql_quiet() { static bool q = false; return q; }  // a fault's line answers nobody
inline void mql_reply(bool ok, const std::string &text) {
  if (!mql_quiet()) mql_emit(ok ? "OK" : "ERR", text);
}

// OnDeinit(reason) then OnInit without reloading: the terminal sends Deinit and Init to the
// loaded program on a symbol or period change, new inputs and another account
// (https://docs.mql4.com/runtime/event_fire), so its global variables keep their values.
// account > 0 switches the terminal to that login first, with `positions` EURUSD buys on it,
// before OnDeinit: the harder order for the EA, which must not compare one account with another.
inline int mql_reinit(int reason, long account, int positions) {
  term::Terminal &t = term::the();
  if (account > 0) {  // the terminal shows the new account already when OnDeinit runs
    t.login = account;
    t.positions.clear(); t.orders.clear(); t.closed.clear(); t.deals.clear(); t.hist_orders.clear();
    t.transactions.clear();
    t.next_ticket += 100000;  // another account's tickets
    for (int i = 0; i < positions; i++) {
      term::Symbol *s = &t.symbols[0];
      t.open(s->name, 0, 0.1, s->ask, 0, 0, 0, "");
    }
    t.transactions.clear();  // there before the EA starts: no transaction reaches it
  }
#ifdef MQL_HAS_OnDeinit
  OnDeinit(reason);
#endif
  int init = OnInit();
  mql_emit("INIT", std::to_string(init));
  return init;
}

inline int mql_pending_type(const std::string &name) {
  const char *names[] = {"buy", "sell", "buy_limit", "sell_limit", "buy_stop", "sell_stop"};
  for (int i = 0; i < 6; i++) if (name == names[i]) return i;
  return -1;
}

// One control line; true when the harness should stop.
inline bool mql_control(const std::string &line, bool &traded) {
  term::Terminal &t = term::the();
  std::istringstream in(line);
  std::string cmd;
  in >> cmd;
  if (cmd.empty()) return false;
  if (cmd == "quit") return true;
  if (cmd == "state") { mql_emit("STATE", t.state_json()); return false; }
  if (cmd == "comment") { mql_reply(true, mql_comment()); return false; }
  if (cmd == "draws") { mql_reply(true, std::to_string(mql_comment_draws())); return false; }
  if (cmd == "during_scan") {
    int reads = 0; in >> reads;
    std::string rest; std::getline(in, rest);
    if (reads <= 0 || rest.find_first_not_of(' ') == std::string::npos) { mql_reply(false, line); return false; }
    mql_faults().scan.push_back(MqlScanFault{reads, rest.substr(rest.find_first_not_of(' '))});
    mql_reply(true, "armed");
    return false;
  }
  if (cmd == "market" || cmd == "clock" || cmd == "net") {  // market closed|open; clock +S; net stalled|ok
    std::string arg; in >> arg;
    if (cmd == "net") mql_net_stalled() = arg == "stalled";
    else if (cmd == "clock") mql_clock_shift_s() += std::atol(arg.c_str());
    else if (arg == "closed") t.last_quote_s = TimeTradeServer();
    else t.last_quote_s = 0;
    mql_reply(true, arg);
    return false;
  }
  if (cmd == "trade_fault") {
    MqlTradeFault f;
    in >> f.kind >> f.arg;
    const char *known[] = {"requote", "off_quotes", "busy", "timeout", "placed", "reached"};
    if (std::find(std::begin(known), std::end(known), f.kind) == std::end(known)) { mql_reply(false, line); return false; }
    mql_faults().trade.push_back(f);
    mql_reply(true, "armed");
    return false;
  }
  if (cmd == "crash_after_trade") {
    int n = 1; bool lose = false;
    for (std::string word; in >> word;) {
      if (word == "lost") lose = true;
      else if ((n = std::atoi(word.c_str())) <= 0) { mql_reply(false, line); return false; }
    }
    mql_faults().crash_in = n;
    mql_faults().crash_lose = lose;
    mql_reply(true, "armed");
    return false;
  }
  if (cmd == "reinit" || cmd == "account") {
    long login = 0; int n = 0, reason = REASON_CHARTCHANGE;
    if (cmd == "account") { in >> login >> n; reason = REASON_ACCOUNT; } else in >> reason;
    if (cmd == "account" && login <= 0) { mql_reply(false, line); return false; }
    int init = mql_reinit(reason, login, n);
    mql_reply(init == INIT_SUCCEEDED, std::to_string(init));
    return false;
  }
  if (cmd == "open" || cmd == "pending") {
    std::string sym, side; double vol = 0, price = 0;
    in >> sym >> side >> vol;
    if (cmd == "pending") in >> price;
    auto o = mql_options(in);
    term::Symbol *s = t.symbol(sym);
    int type = mql_pending_type(side);
    if (s == nullptr || type < 0 || vol <= 0 || (cmd == "open") != (type <= 1)) { mql_reply(false, line); return false; }
    long ticket = cmd == "open"
        ? t.open(sym, type, vol, type == 0 ? s->ask : s->bid, o["sl"], o["tp"], (long)o["magic"], "")
        : t.place(sym, type, vol, price, o["sl"], o["tp"], (long)o["magic"], "", (long)o["exp"]);
    traded = true;
    mql_reply(true, std::to_string(ticket));
    return false;
  }
  if (cmd == "modify" || cmd == "close" || cmd == "delete") {
    long ticket = 0; in >> ticket;
    if (cmd == "close") {
      double vol = 0; in >> vol;
      term::Position *p = t.position(ticket);
      if (p == nullptr) { mql_reply(false, line); return false; }
      term::Symbol *s = t.symbol(p->sym);
      long rest = t.close(ticket, vol, p->type == 0 ? s->bid : s->ask);
      traded = true;
      mql_reply(true, std::to_string(rest));
      return false;
    }
    if (cmd == "delete") {
      if (t.order(ticket) == nullptr) { mql_reply(false, line); return false; }
      t.remove(ticket);
      traded = true;
      mql_reply(true, std::to_string(ticket));
      return false;
    }
    auto o = mql_options(in);
    if (term::Position *p = t.position(ticket)) {
      if (o.count("sl")) p->sl = o["sl"];
      if (o.count("tp")) p->tp = o["tp"];
    } else if (term::Order *od = t.order(ticket)) {
      if (o.count("price")) od->price = o["price"];
      if (o.count("sl")) od->sl = o["sl"];
      if (o.count("tp")) od->tp = o["tp"];
    } else { mql_reply(false, line); return false; }
    traded = true;
    mql_reply(true, std::to_string(ticket));
    return false;
  }
  if (cmd == "price") {
    std::string sym; double bid = 0, ask = 0;
    in >> sym >> bid >> ask;
    term::Symbol *s = t.symbol(sym);
    if (s == nullptr || bid <= 0 || ask < bid) { mql_reply(false, line); return false; }
    s->bid = bid; s->ask = ask;
    t.trigger();
    traded = true;
    mql_reply(true, sym);
    return false;
  }
  mql_reply(false, line);
  return false;
}

#ifdef MQL5_HARNESS
inline void mql_deliver_transactions() {
  std::vector<term::Transaction> batch;
  batch.swap(term::the().transactions);
#ifdef MQL_HAS_OnTradeTransaction
  for (auto &tx : batch) {
    MqlTradeTransaction trans{};
    trans.deal = (ulong)tx.deal; trans.order = (ulong)tx.order; trans.position = (ulong)tx.position;
    trans.symbol = string(tx.sym.c_str()); trans.type = (ENUM_TRADE_TRANSACTION_TYPE)tx.type;
    MqlTradeRequest request{};
    MqlTradeResult result{};
    OnTradeTransaction(trans, request, result);
  }
#endif
}
#else
inline void mql_deliver_transactions() {}
#endif

// Runs an event handler. A terminal that dies inside it (crash_after_trade) keeps what its trade
// server did, but nothing the EA meant to do after the trade happens (no id written, no result
// sent); the EA comes back as after a restart of its terminal: OnDeinit (its connection closes),
// then OnInit, reading its files anew — with "lost" its id file is gone. (Globals keep their
// values: this process is the terminal's trade pool too, so it cannot be started afresh.)
template <class Handler> inline void mql_guarded(Handler run) {
  try {
    run();
  } catch (const MqlCrash &) {
    mql_emit("FAULT", mql_faults().crash_lost ? "crash lost" : "crash");
    if (mql_faults().crash_lost) {
      std::string name = "TradeCopy_" + std::to_string(term::the().login) + "_executor.dat";
      std::remove(mql_file_path(string(name.c_str())).c_str());
    }
    mql_reinit(REASON_CHARTCLOSE, 0, 0);
  }
}

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  mql_setup();
  mql_faults().run = [](const std::string &line) {
    bool traded = false;
    mql_quiet() = true;
    mql_control(line, traded);
    mql_quiet() = false;
    mql_emit("FAULT", line);
  };
  int init = OnInit();
  mql_emit("INIT", std::to_string(init));
  if (init != INIT_SUCCEEDED) return 3;
  ulong next_timer = 0;
  std::string pending;
  bool running = true, stdin_open = true;
  while (running) {
    ulong now = GetMicrosecondCount();
    int period = mql_timer_ms();
    int wait_ms = period > 0 ? (int)std::max<long>(0, ((long)next_timer - (long)now) / 1000) : 50;
    pollfd p{0, POLLIN, 0};
    if (stdin_open && ::poll(&p, 1, wait_ms) == 1) {
      char buf[4096];
      ssize_t n = ::read(0, buf, sizeof buf);
      if (n <= 0) { stdin_open = false; running = false; }
      else pending.append(buf, n);
      size_t eol;
      while ((eol = pending.find('\n')) != std::string::npos) {
        std::string line = pending.substr(0, eol);
        pending.erase(0, eol + 1);
        bool traded = false;
        if (mql_control(line, traded)) { running = false; break; }
        mql_deliver_transactions();
#ifdef MQL_HAS_OnTick
        if (traded) mql_guarded([] { OnTick(); });
#endif
      }
    } else if (!stdin_open) Sleep(wait_ms);
    mql_settle();
    for (auto &kind : mql_faults().fired) mql_emit("FAULT", "trade " + kind);
    mql_faults().fired.clear();
    mql_deliver_transactions();
    now = GetMicrosecondCount();
    if (period > 0 && now >= next_timer) {
      next_timer = now + (ulong)period * 1000;
#ifdef MQL_HAS_OnTimer
      mql_guarded([] { OnTimer(); });
#endif
    }
  }
#ifdef MQL_HAS_OnDeinit
  OnDeinit(0);
#endif
  mql_emit("DEINIT", "0");
  return 0;
}
