// terminal.cpp — the in-memory terminal's trading primitives and its state as JSON.
#include "terminal.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

namespace term {

Terminal &the() { static Terminal t; return t; }

long Terminal::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch()).count();
}

double Terminal::profit(const Position &p) const {
  for (auto &s : symbols)
    if (s.name == p.sym) {
      double now = p.type == 0 ? s.bid : s.ask;
      double diff = p.type == 0 ? now - p.price : p.price - now;
      return diff / s.tick_size * s.tick_value * p.vol;
    }
  return 0;
}
double Terminal::equity() const {
  double e = balance;
  for (auto &p : positions) e += profit(p);
  return e;
}
double Terminal::margin() const {
  double m = 0;
  for (auto &p : positions)
    for (auto &s : symbols) if (s.name == p.sym) m += p.vol * s.contract * p.price / leverage;
  return m;
}

static void record_deal(Terminal &t, long order, long position, const std::string &sym, int type, int entry,
                        double vol, double price, long magic, const std::string &comment = "") {
  long d = t.next_deal++;
  t.deals.push_back(Deal{d, order, position, sym, type, entry, vol, price, magic, comment});
  t.transactions.push_back(Transaction{d, order, position, sym, 6 /* DEAL_ADD */});
}

long Terminal::open(const std::string &sym, int type, double vol, double price, double sl, double tp, long magic,
                    const std::string &comment, long order_ticket) {
  long order = order_ticket ? order_ticket : next_ticket++;
  if (mt5) hist_orders.push_back(HistOrder{order, type, STATE_FILLED, vol, price, order});
  Position *net = (mt5 && netting) ? netted(sym) : nullptr;
  if (net == nullptr) {
    positions.push_back(Position{order, sym, type, vol, price, sl, tp, magic, comment, now_ms()});
    if (mt5) record_deal(*this, order, order, sym, type, ENTRY_IN, vol, price, magic, comment);
    return order;
  }
  long id = net->ticket;
  if (net->type == type) {  // netting: the position grows at the average price
    net->price = (net->price * net->vol + price * vol) / (net->vol + vol);
    net->vol = std::round((net->vol + vol) * 1e8) / 1e8;
    record_deal(*this, order, id, sym, type, ENTRY_IN, vol, price, magic, comment);
  } else if (vol < net->vol - 1e-9) {
    net->vol = std::round((net->vol - vol) * 1e8) / 1e8;
    balance += (net->type == 0 ? price - net->price : net->price - price) / symbol(sym)->tick_size *
               symbol(sym)->tick_value * vol;
    record_deal(*this, order, id, sym, type, ENTRY_OUT, vol, price, magic, comment);
  } else {
    double rest = std::round((vol - net->vol) * 1e8) / 1e8;
    balance += (net->type == 0 ? price - net->price : net->price - price) / symbol(sym)->tick_size *
               symbol(sym)->tick_value * net->vol;
    if (rest > 1e-9) {  // a reversal keeps the position id
      net->type = type; net->vol = rest; net->price = price; net->sl = 0; net->tp = 0;
      record_deal(*this, order, id, sym, type, ENTRY_INOUT, vol, price, magic, comment);
    } else {
      for (size_t i = 0; i < positions.size(); i++)
        if (positions[i].ticket == id) { positions.erase(positions.begin() + i); break; }
      record_deal(*this, order, id, sym, type, ENTRY_OUT, vol, price, magic, comment);
    }
  }
  return id;
}

long Terminal::close(long ticket, double vol, double price) {
  Position *p = position(ticket);
  if (p == nullptr) return 0;
  Symbol *s = symbol(p->sym);
  double part = std::min(vol <= 0 ? p->vol : vol, p->vol);
  balance += (p->type == 0 ? price - p->price : p->price - price) / s->tick_size * s->tick_value * part;
  bool whole = part >= p->vol - 1e-9;
  if (mt5) {
    long order = next_ticket++;
    hist_orders.push_back(HistOrder{order, 1 - p->type, STATE_FILLED, part, price, ticket});
    record_deal(*this, order, ticket, p->sym, 1 - p->type, ENTRY_OUT, part, price, p->magic);
    if (whole) {
      for (size_t i = 0; i < positions.size(); i++)
        if (positions[i].ticket == ticket) { positions.erase(positions.begin() + i); break; }
      return 0;
    }
    p->vol = std::round((p->vol - part) * 1e8) / 1e8;
    return ticket;
  }
  // MT4: the closed part keeps the ticket in history; a remainder gets a new ticket
  Position old = *p;
  long rest = 0;
  for (size_t i = 0; i < positions.size(); i++)
    if (positions[i].ticket == ticket) { positions.erase(positions.begin() + i); break; }
  std::string comment = old.comment;
  if (!whole) {
    rest = next_ticket++;
    Position r = old;
    r.ticket = rest;
    r.vol = std::round((old.vol - part) * 1e8) / 1e8;
    r.comment = "from #" + std::to_string(ticket);
    positions.push_back(r);
    comment = "to #" + std::to_string(rest);
  }
  closed.push_back(Closed{ticket, old.sym, old.type, part, old.price, old.sl, old.tp, old.magic, comment,
                          old.time_ms / 1000, now_ms() / 1000, price, 0});
  return rest;
}

long Terminal::place(const std::string &sym, int type, double vol, double price, double sl, double tp, long magic,
                     const std::string &comment, long expiration) {
  long t = next_ticket++;
  orders.push_back(Order{t, sym, type, vol, price, sl, tp, magic, comment, now_ms(), expiration});
  return t;
}

void Terminal::remove(long ticket) {
  for (size_t i = 0; i < orders.size(); i++)
    if (orders[i].ticket == ticket) {
      Order o = orders[i];
      orders.erase(orders.begin() + i);
      if (mt5) hist_orders.push_back(HistOrder{o.ticket, o.type, STATE_CANCELED, o.vol, o.price, 0});
      else closed.push_back(Closed{o.ticket, o.sym, o.type, o.vol, o.price, o.sl, o.tp, o.magic, o.comment,
                                   o.time_ms / 1000, now_ms() / 1000, o.price, o.expiration});
      if (mt5) transactions.push_back(Transaction{0, o.ticket, 0, o.sym, 2 /* ORDER_DELETE */});
      return;
    }
}

void Terminal::trigger() {
  for (size_t i = 0; i < orders.size();) {
    Order o = orders[i];
    Symbol *s = symbol(o.sym);
    bool hit = (o.type == 2 && s->ask <= o.price) || (o.type == 3 && s->bid >= o.price) ||
               (o.type == 4 && s->ask >= o.price) || (o.type == 5 && s->bid <= o.price);
    if (!hit) { i++; continue; }
    orders.erase(orders.begin() + i);
    int side = (o.type == 2 || o.type == 4) ? 0 : 1;
    double px = side == 0 ? s->ask : s->bid;
    open(o.sym, side, o.vol, px, o.sl, o.tp, o.magic, o.comment, o.ticket);  // MT4 and MT5 keep the ticket
    if (HistOrder *h = hist_order(o.ticket)) h->type = o.type;  // MT5 history: the order stays a limit or stop
  }
}

static std::string esc(const std::string &s) {
  std::string o;
  for (char c : s) { if (c == '"' || c == '\\') o += '\\'; o += c; }
  return o;
}

std::string Terminal::state_json() const {
  char b[256];
  std::snprintf(b, sizeof b, "{\"login\":%ld,\"balance\":%.2f,\"equity\":%.2f,\"positions\":[", login, balance, equity());
  std::string out = b;
  for (size_t i = 0; i < positions.size(); i++) {
    const Position &p = positions[i];
    std::snprintf(b, sizeof b, "%s{\"ticket\":%ld,\"sym\":\"%s\",\"side\":\"%s\",\"vol\":%.8g,\"price\":%.8g,"
                  "\"sl\":%.8g,\"tp\":%.8g,\"magic\":%ld,\"comment\":\"", i ? "," : "", p.ticket, p.sym.c_str(),
                  p.type == 0 ? "buy" : "sell", p.vol, p.price, p.sl, p.tp, p.magic);
    out += b + esc(p.comment) + "\"}";
  }
  out += "],\"orders\":[";
  for (size_t i = 0; i < orders.size(); i++) {
    const Order &o = orders[i];
    std::snprintf(b, sizeof b, "%s{\"ticket\":%ld,\"sym\":\"%s\",\"type\":%d,\"vol\":%.8g,\"price\":%.8g,"
                  "\"sl\":%.8g,\"tp\":%.8g,\"magic\":%ld,\"comment\":\"", i ? "," : "", o.ticket, o.sym.c_str(),
                  o.type, o.vol, o.price, o.sl, o.tp, o.magic);
    out += b + esc(o.comment) + "\"}";
  }
  out += "],\"deals\":[";  // MT5: every deal, so tests can count opens and closes
  for (size_t i = 0; i < deals.size(); i++) {
    const Deal &d = deals[i];
    std::snprintf(b, sizeof b, "%s{\"ticket\":%ld,\"order\":%ld,\"position\":%ld,\"sym\":\"%s\",\"type\":%d,"
                  "\"entry\":%d,\"vol\":%.8g,\"price\":%.8g}", i ? "," : "", d.ticket, d.order, d.position,
                  d.sym.c_str(), d.type, d.entry, d.vol, d.price);
    out += b;
  }
  out += "],\"history\":[";  // MT4: closed market orders and deleted pending orders
  for (size_t i = 0; i < closed.size(); i++) {
    const Closed &c = closed[i];
    std::snprintf(b, sizeof b, "%s{\"ticket\":%ld,\"sym\":\"%s\",\"type\":%d,\"vol\":%.8g,\"price\":%.8g,"
                  "\"close_price\":%.8g,\"magic\":%ld,\"comment\":\"", i ? "," : "", c.ticket, c.sym.c_str(),
                  c.type, c.vol, c.price, c.close_price, c.magic);
    out += b + esc(c.comment) + "\"}";
  }
  return out + "]}";
}

}  // namespace term
