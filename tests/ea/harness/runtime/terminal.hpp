// terminal.hpp — the small in-memory terminal the compiled EAs trade on: account, symbols with
// quotes, open positions, pending orders, and history (MT4 closed orders; MT5 deals and orders).
// Both the MQL4/MQL5 trade functions and the run harness's control channel act through it.
#pragma once
#include <cmath>
#include <string>
#include <vector>

namespace term {

struct Symbol {
  std::string name; int digits; double point, contract, tick_size, tick_value, vmin, vmax, vstep;
  int stops; int filling; double bid, ask;
};
struct Position {  // an MT4 market order or an MT5 position; type 0 buy, 1 sell
  long ticket; std::string sym; int type; double vol, price, sl, tp; long magic;
  std::string comment; long time_ms;
};
struct Order {  // a pending order; type 2 buy limit, 3 sell limit, 4 buy stop, 5 sell stop
  long ticket; std::string sym; int type; double vol, price, sl, tp; long magic;
  std::string comment; long time_ms, expiration;
};
struct Closed {  // MT4 history: a closed market order or a deleted pending order
  long ticket; std::string sym; int type; double vol, price, sl, tp; long magic;
  std::string comment; long open_time, close_time; double close_price; long expiration;
};
struct Deal {  // type 0 buy, 1 sell; the comment is the order's that made the deal
  long ticket, order, position; std::string sym; int type, entry; double vol, price; long magic; std::string comment;
};
struct HistOrder { long ticket; int type; int state; double vol_initial, price; long position; };
struct Transaction { long deal, order, position; std::string sym; int type; };

enum { ENTRY_IN = 0, ENTRY_OUT = 1, ENTRY_INOUT = 2 };
enum { STATE_FILLED = 4, STATE_CANCELED = 2 };

struct Terminal {
  bool mt5 = false, netting = false;
  long login = 1001; std::string server = "Harness-Demo", company = "Harness Ltd", currency = "USD";
  int build = 1420; double balance = 10000.0, leverage = 100.0; long server_offset_s = 7200;
  long last_quote_s = 0;  // server time of the last quote while the market is closed, else 0
  std::vector<Symbol> symbols;
  std::vector<Position> positions; std::vector<Order> orders; std::vector<Closed> closed;
  std::vector<Deal> deals; std::vector<HistOrder> hist_orders; std::vector<Transaction> transactions;
  long next_ticket = 1001, next_deal = 50001;

  static long now_ms();
  Symbol *symbol(const std::string &name) {
    for (auto &s : symbols) if (s.name == name) return &s;
    return nullptr;
  }
  Position *position(long t) { for (auto &p : positions) if (p.ticket == t) return &p; return nullptr; }
  Order *order(long t) { for (auto &o : orders) if (o.ticket == t) return &o; return nullptr; }
  Closed *history(long t) { for (auto &c : closed) if (c.ticket == t) return &c; return nullptr; }
  Deal *deal(long t) { for (auto &d : deals) if (d.ticket == t) return &d; return nullptr; }
  HistOrder *hist_order(long t) { for (auto &o : hist_orders) if (o.ticket == t) return &o; return nullptr; }
  Position *netted(const std::string &sym) { for (auto &p : positions) if (p.sym == sym) return &p; return nullptr; }
  // Is price a whole number of the symbol's ticks? A trade server refuses other prices.
  static bool on_grid(const Symbol &s, double price) {
    double steps = price / s.tick_size;
    return price == 0 || std::fabs(steps - std::round(steps)) < 1e-6;
  }

  double profit(const Position &p) const;
  double equity() const;
  double margin() const;
  // Trading primitives (no checks: callers check as their platform does).
  long open(const std::string &sym, int type, double vol, double price, double sl, double tp, long magic,
            const std::string &comment, long order_ticket = 0);
  long close(long ticket, double vol, double price);  // returns the remaining ticket (MT4: new) or 0
  long place(const std::string &sym, int type, double vol, double price, double sl, double tp, long magic,
             const std::string &comment, long expiration);
  void remove(long ticket);
  void trigger();  // fill pending orders the quotes have reached
  std::string state_json() const;
};

Terminal &the();

}  // namespace term
