// mql5.hpp — the MQL5 runtime of the compile harness: the trade request/result structures,
// OrderSend with trade-server return codes, positions, orders and history with MQL5's
// select-then-read rules (a selected position is a copy), and the Socket* functions.
#pragma once
#include "mql5_lang.hpp"
#include "mql_terminal.hpp"

#define MQL5_HARNESS 1
enum ENUM_ORDER_TYPE { ORDER_TYPE_BUY, ORDER_TYPE_SELL, ORDER_TYPE_BUY_LIMIT, ORDER_TYPE_SELL_LIMIT,
                       ORDER_TYPE_BUY_STOP, ORDER_TYPE_SELL_STOP };
enum ENUM_POSITION_TYPE { POSITION_TYPE_BUY, POSITION_TYPE_SELL };
enum ENUM_ORDER_TYPE_FILLING { ORDER_FILLING_FOK, ORDER_FILLING_IOC, ORDER_FILLING_RETURN };
enum ENUM_ORDER_TYPE_TIME { ORDER_TIME_GTC, ORDER_TIME_DAY, ORDER_TIME_SPECIFIED };
enum ENUM_TRADE_REQUEST_ACTIONS { TRADE_ACTION_DEAL = 1, TRADE_ACTION_PENDING = 5, TRADE_ACTION_SLTP = 6,
                                  TRADE_ACTION_MODIFY = 7, TRADE_ACTION_REMOVE = 8 };
enum ENUM_TRADE_TRANSACTION_TYPE { TRADE_TRANSACTION_ORDER_ADD, TRADE_TRANSACTION_ORDER_UPDATE,
                                   TRADE_TRANSACTION_ORDER_DELETE, TRADE_TRANSACTION_HISTORY_ADD,
                                   TRADE_TRANSACTION_HISTORY_UPDATE, TRADE_TRANSACTION_HISTORY_DELETE,
                                   TRADE_TRANSACTION_DEAL_ADD, TRADE_TRANSACTION_POSITION,
                                   TRADE_TRANSACTION_REQUEST };
enum ENUM_DEAL_ENTRY { DEAL_ENTRY_IN, DEAL_ENTRY_OUT, DEAL_ENTRY_INOUT, DEAL_ENTRY_OUT_BY };
enum ENUM_ORDER_STATE { ORDER_STATE_STARTED, ORDER_STATE_PLACED, ORDER_STATE_CANCELED, ORDER_STATE_PARTIAL,
                        ORDER_STATE_FILLED };
enum ENUM_POSITION_PROPERTY_INTEGER { POSITION_TICKET, POSITION_TYPE, POSITION_MAGIC, POSITION_TIME_MSC,
                                      POSITION_IDENTIFIER };
enum ENUM_POSITION_PROPERTY_DOUBLE { POSITION_VOLUME, POSITION_PRICE_OPEN, POSITION_SL, POSITION_TP,
                                     POSITION_PROFIT, POSITION_SWAP };
enum ENUM_POSITION_PROPERTY_STRING { POSITION_SYMBOL, POSITION_COMMENT };
enum ENUM_ORDER_PROPERTY_INTEGER { ORDER_TICKET, ORDER_TYPE, ORDER_MAGIC, ORDER_TIME_SETUP_MSC,
                                   ORDER_TIME_EXPIRATION, ORDER_TYPE_TIME, ORDER_STATE, ORDER_POSITION_ID };
enum ENUM_ORDER_PROPERTY_DOUBLE { ORDER_VOLUME_CURRENT, ORDER_VOLUME_INITIAL, ORDER_PRICE_OPEN, ORDER_SL, ORDER_TP };
enum ENUM_ORDER_PROPERTY_STRING { ORDER_SYMBOL, ORDER_COMMENT };
enum ENUM_DEAL_PROPERTY_INTEGER { DEAL_ENTRY, DEAL_POSITION_ID, DEAL_TYPE, DEAL_ORDER, DEAL_MAGIC };
enum ENUM_DEAL_PROPERTY_DOUBLE { DEAL_PRICE, DEAL_VOLUME };
enum ENUM_DEAL_PROPERTY_STRING { DEAL_SYMBOL, DEAL_COMMENT };
// https://www.mql5.com/en/docs/constants/tradingconstants/dealproperties#enum_deal_type (first two)
enum ENUM_DEAL_TYPE { DEAL_TYPE_BUY, DEAL_TYPE_SELL };

#define TRADE_RETCODE_REQUOTE 10004
#define TRADE_RETCODE_PLACED 10008
#define TRADE_RETCODE_DONE 10009
#define TRADE_RETCODE_DONE_PARTIAL 10010
#define TRADE_RETCODE_ERROR 10011
#define TRADE_RETCODE_TIMEOUT 10012
#define TRADE_RETCODE_INVALID 10013
#define TRADE_RETCODE_INVALID_VOLUME 10014
#define TRADE_RETCODE_INVALID_PRICE 10015
#define TRADE_RETCODE_INVALID_STOPS 10016
#define TRADE_RETCODE_PRICE_CHANGED 10020
#define TRADE_RETCODE_PRICE_OFF 10021
#define TRADE_RETCODE_NO_CHANGES 10025
#define TRADE_RETCODE_INVALID_FILL 10030
#define TRADE_RETCODE_INVALID_ORDER 10035
#define TRADE_RETCODE_POSITION_CLOSED 10036

struct MqlTradeRequest {
  ENUM_TRADE_REQUEST_ACTIONS action; ulong magic; ulong order; string symbol; double volume, price, stoplimit, sl, tp;
  ulong deviation; ENUM_ORDER_TYPE type; ENUM_ORDER_TYPE_FILLING type_filling; ENUM_ORDER_TYPE_TIME type_time;
  datetime expiration; string comment; ulong position, position_by;
};
struct MqlTradeResult {
  uint retcode; ulong deal, order; double volume, price, bid, ask; string comment; uint request_id;
  int retcode_external;
};
struct MqlTradeTransaction {
  ulong deal, order; string symbol; ENUM_TRADE_TRANSACTION_TYPE type; ENUM_ORDER_TYPE order_type;
  ENUM_ORDER_STATE order_state; int deal_type; ENUM_ORDER_TYPE_TIME time_type; datetime time_expiration;
  double price, price_trigger, price_sl, price_tp, volume; ulong position, position_by;
};
struct MqlTick { datetime time; double bid, ask, last; ulong volume; long time_msc; uint flags; double volume_real; };

inline bool SymbolInfoTick(const string &name, MqlTick &tick) {
  term::Symbol *s = T().symbol(mql_std(name));
  if (s == nullptr) { mql_last_error() = 4106; return false; }
  tick = MqlTick{TimeCurrent(), s->bid, s->ask, 0, 0, term::Terminal::now_ms(), 0, 0};
  return true;
}

// ---- selection: copies, as MQL5 keeps them until the next select ------------------------------
inline std::optional<term::Position> &mql5_pos() { static std::optional<term::Position> p; return p; }
inline std::optional<term::Order> &mql5_ord() { static std::optional<term::Order> o; return o; }
inline int PositionsTotal() {
  mql_settle(); return (int)T().positions.size(); }
inline ulong PositionGetTicket(int i) {
  mql_scan_read();
  if (i < 0 || i >= (int)T().positions.size()) { mql5_pos().reset(); return 0; }
  mql5_pos() = T().positions[i];
  return (ulong)T().positions[i].ticket;
}
inline bool PositionSelectByTicket(ulong ticket) {
  mql_settle();
  term::Position *p = T().position((long)ticket);
  if (p == nullptr) { mql5_pos().reset(); mql_last_error() = 4753; return false; }
  mql5_pos() = *p;
  return true;
}
inline bool PositionSelect(const string &sym) {
  mql_settle();
  term::Position *p = T().netted(mql_std(sym));
  if (p == nullptr) { mql5_pos().reset(); mql_last_error() = 4753; return false; }
  mql5_pos() = *p;
  return true;
}
inline const term::Position &mql5_selected_pos() {
  static term::Position none{};
  if (!mql5_pos()) { mql_last_error() = 4753; return none; }
  return *mql5_pos();
}
inline long PositionGetInteger(ENUM_POSITION_PROPERTY_INTEGER what) {
  const term::Position &p = mql5_selected_pos();
  switch (what) {
    case POSITION_TICKET: case POSITION_IDENTIFIER: return p.ticket;
    case POSITION_TYPE: return p.type;
    case POSITION_MAGIC: return p.magic;
    case POSITION_TIME_MSC: return p.time_ms + T().server_offset_s * 1000;
  }
  return 0;
}
inline double PositionGetDouble(ENUM_POSITION_PROPERTY_DOUBLE what) {
  const term::Position &p = mql5_selected_pos();
  switch (what) {
    case POSITION_VOLUME: return p.vol;
    case POSITION_PRICE_OPEN: return p.price;
    case POSITION_SL: return p.sl;
    case POSITION_TP: return p.tp;
    case POSITION_PROFIT: return NormalizeDouble(T().profit(p), 2);
    case POSITION_SWAP: return 0;
  }
  return 0;
}
inline string PositionGetString(ENUM_POSITION_PROPERTY_STRING what) {
  const term::Position &p = mql5_selected_pos();
  return string((what == POSITION_SYMBOL ? p.sym : p.comment).c_str());
}
inline int OrdersTotal() {
  mql_settle(); return (int)T().orders.size(); }
inline ulong OrderGetTicket(int i) {
  mql_scan_read();
  if (i < 0 || i >= (int)T().orders.size()) { mql5_ord().reset(); return 0; }
  mql5_ord() = T().orders[i];
  return (ulong)T().orders[i].ticket;
}
inline bool OrderSelect(ulong ticket) {
  term::Order *o = T().order((long)ticket);
  if (o == nullptr) { mql5_ord().reset(); mql_last_error() = 4754; return false; }
  mql5_ord() = *o;
  return true;
}
inline const term::Order &mql5_selected_ord() {
  static term::Order none{};
  if (!mql5_ord()) { mql_last_error() = 4754; return none; }
  return *mql5_ord();
}
inline long OrderGetInteger(ENUM_ORDER_PROPERTY_INTEGER what) {
  const term::Order &o = mql5_selected_ord();
  switch (what) {
    case ORDER_TICKET: return o.ticket;
    case ORDER_TYPE: return o.type;
    case ORDER_MAGIC: return o.magic;
    case ORDER_TIME_SETUP_MSC: return o.time_ms + T().server_offset_s * 1000;
    case ORDER_TIME_EXPIRATION: return o.expiration;
    case ORDER_TYPE_TIME: return o.expiration ? ORDER_TIME_SPECIFIED : ORDER_TIME_GTC;
    case ORDER_STATE: return ORDER_STATE_PLACED;
    case ORDER_POSITION_ID: return 0;
  }
  return 0;
}
inline double OrderGetDouble(ENUM_ORDER_PROPERTY_DOUBLE what) {
  const term::Order &o = mql5_selected_ord();
  switch (what) {
    case ORDER_VOLUME_CURRENT: case ORDER_VOLUME_INITIAL: return o.vol;
    case ORDER_PRICE_OPEN: return o.price;
    case ORDER_SL: return o.sl;
    case ORDER_TP: return o.tp;
  }
  return 0;
}
inline string OrderGetString(ENUM_ORDER_PROPERTY_STRING what) {
  const term::Order &o = mql5_selected_ord();
  return string((what == ORDER_SYMBOL ? o.sym : o.comment).c_str());
}

// ---- history: readable only after it is selected ----------------------------------------------
inline std::vector<long> &mql5_deals() { static std::vector<long> d; return d; }
inline std::vector<long> &mql5_hist_orders() { static std::vector<long> o; return o; }
inline bool mql5_has(const std::vector<long> &v, long t) { return std::find(v.begin(), v.end(), t) != v.end(); }
inline bool HistorySelectByPosition(long position) {
  mql_settle();
  mql5_deals().clear();
  mql5_hist_orders().clear();
  for (auto &d : T().deals) if (d.position == position) mql5_deals().push_back(d.ticket);
  for (auto &o : T().hist_orders) if (o.position == position) mql5_hist_orders().push_back(o.ticket);
  return true;
}
inline bool HistorySelect(datetime from, datetime to) {
  mql_settle();
  (void)from; (void)to;
  mql5_deals().clear();
  mql5_hist_orders().clear();
  for (auto &d : T().deals) mql5_deals().push_back(d.ticket);
  for (auto &o : T().hist_orders) mql5_hist_orders().push_back(o.ticket);
  return true;
}
inline int HistoryDealsTotal() { return (int)mql5_deals().size(); }
inline ulong HistoryDealGetTicket(int i) {
  return (i >= 0 && i < (int)mql5_deals().size()) ? (ulong)mql5_deals()[i] : 0;
}
inline bool HistoryDealSelect(ulong ticket) {
  mql_settle();
  if (T().deal((long)ticket) == nullptr) return false;
  if (!mql5_has(mql5_deals(), (long)ticket)) mql5_deals().push_back((long)ticket);
  return true;
}
inline const term::Deal *mql5_deal(ulong ticket) {
  if (!mql5_has(mql5_deals(), (long)ticket)) { mql_last_error() = 4755; return nullptr; }
  return T().deal((long)ticket);
}
inline long HistoryDealGetInteger(ulong ticket, ENUM_DEAL_PROPERTY_INTEGER what) {
  const term::Deal *d = mql5_deal(ticket);
  if (d == nullptr) return 0;
  switch (what) {
    case DEAL_ENTRY: return d->entry;
    case DEAL_POSITION_ID: return d->position;
    case DEAL_TYPE: return d->type;
    case DEAL_ORDER: return d->order;
    case DEAL_MAGIC: return d->magic;
  }
  return 0;
}
inline double HistoryDealGetDouble(ulong ticket, ENUM_DEAL_PROPERTY_DOUBLE what) {
  const term::Deal *d = mql5_deal(ticket);
  if (d == nullptr) return 0;
  return what == DEAL_PRICE ? d->price : d->vol;
}
// https://www.mql5.com/en/docs/trading/historydealgetstring: the deal's symbol and comment.
inline string HistoryDealGetString(ulong ticket, ENUM_DEAL_PROPERTY_STRING what) {
  const term::Deal *d = mql5_deal(ticket);
  if (d == nullptr) return string();
  return string((what == DEAL_SYMBOL ? d->sym : d->comment).c_str());
}
inline bool HistoryOrderSelect(ulong ticket) {
  mql_settle();
  if (T().hist_order((long)ticket) == nullptr) return false;
  if (!mql5_has(mql5_hist_orders(), (long)ticket)) mql5_hist_orders().push_back((long)ticket);
  return true;
}
inline const term::HistOrder *mql5_hist(ulong ticket) {
  if (!mql5_has(mql5_hist_orders(), (long)ticket)) { mql_last_error() = 4755; return nullptr; }
  return T().hist_order((long)ticket);
}
inline long HistoryOrderGetInteger(ulong ticket, ENUM_ORDER_PROPERTY_INTEGER what) {
  const term::HistOrder *o = mql5_hist(ticket);
  if (o == nullptr) return 0;
  switch (what) {
    case ORDER_STATE: return o->state;
    case ORDER_TYPE: return o->type;
    case ORDER_POSITION_ID: return o->position;
    case ORDER_TICKET: return o->ticket;
    default: return 0;
  }
}
inline double HistoryOrderGetDouble(ulong ticket, ENUM_ORDER_PROPERTY_DOUBLE what) {
  const term::HistOrder *o = mql5_hist(ticket);
  if (o == nullptr) return 0;
  return (what == ORDER_PRICE_OPEN) ? o->price : o->vol_initial;
}

// ---- OrderSend --------------------------------------------------------------------------------
inline bool mql5_answer(MqlTradeResult &res, uint code, const char *text) {
  res.retcode = code;
  res.comment = string(text);
  return code == TRADE_RETCODE_DONE || code == TRADE_RETCODE_PLACED;
}
inline bool mql5_stops_ok(const term::Symbol &s, bool buy, double base, double sl, double tp) {
  if (!term::Terminal::on_grid(s, sl) || !term::Terminal::on_grid(s, tp)) return false;
  double gap = s.stops * s.point;
  if (sl != 0 && (buy ? sl > base - gap : sl < base + gap)) return false;
  if (tp != 0 && (buy ? tp < base + gap : tp > base - gap)) return false;
  return true;
}
inline bool mql5_send(const MqlTradeRequest &req, MqlTradeResult &res);

// OrderSend with the faults of mql_faults.hpp: a refusal, a timeout after the trade was done, or
// a market deal the server only placed (deal 0) and fills a moment later.
inline bool OrderSend(const MqlTradeRequest &req, MqlTradeResult &res) {
  mql_settle();
  res = MqlTradeResult{};
  if (req.action == TRADE_ACTION_MODIFY) mql_fill_before_change((long)req.order);
  bool market = req.action == TRADE_ACTION_DEAL || req.action == TRADE_ACTION_PENDING;
  MqlTradeFault fault = market ? mql_trade_fault(true) : MqlTradeFault{};
  if (fault.kind == "requote" && req.action == TRADE_ACTION_DEAL)
    return mql5_answer(res, TRADE_RETCODE_REQUOTE, "Requote");
  if (fault.kind == "off_quotes") return mql5_answer(res, TRADE_RETCODE_PRICE_OFF, "Off quotes");
  term::Symbol *reached = fault.kind == "reached" && req.action == TRADE_ACTION_PENDING
                               ? T().symbol(req.symbol.utf8()) : nullptr;
  if (reached != nullptr)
    mql_reach(*reached, req.type == ORDER_TYPE_BUY_LIMIT || req.type == ORDER_TYPE_BUY_STOP, req.price);
  if (fault.kind == "placed" && req.action == TRADE_ACTION_DEAL) {
    long order = T().next_ticket++;
    MqlTradeRequest later = req;
    mql_faults().fills.push_back(MqlDelayedFill{term::Terminal::now_ms() + fault.arg, [later, order]() {
      long keep = T().next_ticket;
      T().next_ticket = order;  // the deal fills the order placed earlier, under its ticket
      MqlTradeResult ignored;
      mql5_send(later, ignored);
      T().next_ticket = std::max(keep, T().next_ticket);
    }});
    res.order = (ulong)order;
    res.volume = req.volume;
    return mql5_answer(res, TRADE_RETCODE_PLACED, "Order placed");
  }
  bool ok = mql5_send(req, res);
  if (fault.kind == "timeout" && ok) {  // done on the server, but the answer never came
    res = MqlTradeResult{};
    return mql5_answer(res, TRADE_RETCODE_TIMEOUT, "Request canceled by timeout");
  }
  if (ok) mql_crash_point();
  return ok;
}

inline bool mql5_send(const MqlTradeRequest &req, MqlTradeResult &res) {
  term::Terminal &t = T();
  res = MqlTradeResult{};
  std::string sym = req.symbol.utf8();
  if (req.action == TRADE_ACTION_DEAL) {
    term::Symbol *s = t.symbol(sym);
    if (s == nullptr) return mql5_answer(res, TRADE_RETCODE_INVALID, "Invalid request");
    double steps = req.volume / s->vstep;
    if (req.volume < s->vmin - 1e-9 || req.volume > s->vmax + 1e-9 || std::fabs(steps - std::round(steps)) > 1e-6)
      return mql5_answer(res, TRADE_RETCODE_INVALID_VOLUME, "Invalid volume");
    if (req.type_filling != ORDER_FILLING_RETURN && !(s->filling & (req.type_filling == ORDER_FILLING_FOK ? 1 : 2)))
      return mql5_answer(res, TRADE_RETCODE_INVALID_FILL, "Unsupported filling mode");
    bool buy = req.type == ORDER_TYPE_BUY;
    double now = buy ? s->ask : s->bid;
    if (std::fabs(now - req.price) > req.deviation * s->point + s->point * 1e-6)
      return mql5_answer(res, TRADE_RETCODE_REQUOTE, "Requote");
    res.bid = s->bid; res.ask = s->ask;
    if (req.position != 0 && !t.netting) {
      term::Position *p = t.position((long)req.position);
      if (p == nullptr) return mql5_answer(res, TRADE_RETCODE_POSITION_CLOSED, "Position doesn't exist");
      if ((p->type == 0) == buy || req.volume > p->vol + 1e-9) return mql5_answer(res, TRADE_RETCODE_INVALID, "Invalid request");
      size_t before = t.deals.size();
      t.close((long)req.position, req.volume, now);
      res.deal = (ulong)t.deals[before].ticket; res.order = (ulong)t.deals[before].order;
      res.volume = req.volume; res.price = now;
      return mql5_answer(res, TRADE_RETCODE_DONE, "Request executed");
    }
    if (!mql5_stops_ok(*s, buy, buy ? s->bid : s->ask, req.sl, req.tp))
      return mql5_answer(res, TRADE_RETCODE_INVALID_STOPS, "Invalid stops");
    size_t before = t.deals.size();
    t.open(sym, buy ? 0 : 1, req.volume, now, req.sl, req.tp, (long)req.magic, req.comment.utf8().substr(0, 31));
    res.deal = (ulong)t.deals[before].ticket; res.order = (ulong)t.deals[before].order;
    res.volume = req.volume; res.price = now;
    return mql5_answer(res, TRADE_RETCODE_DONE, "Request executed");
  }
  if (req.action == TRADE_ACTION_SLTP) {
    term::Position *p = t.position((long)req.position);
    if (p == nullptr && t.netting) p = t.netted(sym);
    if (p == nullptr) return mql5_answer(res, TRADE_RETCODE_POSITION_CLOSED, "Position doesn't exist");
    if (p->sl == req.sl && p->tp == req.tp) return mql5_answer(res, TRADE_RETCODE_NO_CHANGES, "No changes");
    term::Symbol *s = t.symbol(p->sym);
    if (!mql5_stops_ok(*s, p->type == 0, p->type == 0 ? s->bid : s->ask, req.sl, req.tp))
      return mql5_answer(res, TRADE_RETCODE_INVALID_STOPS, "Invalid stops");
    p->sl = req.sl; p->tp = req.tp;
    return mql5_answer(res, TRADE_RETCODE_DONE, "Request executed");
  }
  if (req.action == TRADE_ACTION_PENDING) {
    term::Symbol *s = t.symbol(sym);
    if (s == nullptr || req.type < ORDER_TYPE_BUY_LIMIT || req.type > ORDER_TYPE_SELL_STOP)
      return mql5_answer(res, TRADE_RETCODE_INVALID, "Invalid request");
    double steps = req.volume / s->vstep;
    if (req.volume < s->vmin - 1e-9 || std::fabs(steps - std::round(steps)) > 1e-6)
      return mql5_answer(res, TRADE_RETCODE_INVALID_VOLUME, "Invalid volume");
    bool above = (req.type == ORDER_TYPE_SELL_LIMIT || req.type == ORDER_TYPE_BUY_STOP);
    double ref = (req.type == ORDER_TYPE_BUY_LIMIT || req.type == ORDER_TYPE_BUY_STOP) ? s->ask : s->bid;
    if ((above ? req.price <= ref : req.price >= ref) || !term::Terminal::on_grid(*s, req.price))
      return mql5_answer(res, TRADE_RETCODE_INVALID_PRICE, "Invalid price");
    bool buy = (req.type == ORDER_TYPE_BUY_LIMIT || req.type == ORDER_TYPE_BUY_STOP);
    if (!mql5_stops_ok(*s, buy, req.price, req.sl, req.tp)) return mql5_answer(res, TRADE_RETCODE_INVALID_STOPS, "Invalid stops");
    res.order = (ulong)t.place(sym, req.type, req.volume, req.price, req.sl, req.tp, (long)req.magic,
                               req.comment.utf8().substr(0, 31), req.expiration);
    res.volume = req.volume; res.price = req.price;
    return mql5_answer(res, TRADE_RETCODE_DONE, "Request executed");
  }
  if (req.action == TRADE_ACTION_MODIFY) {
    term::Order *o = t.order((long)req.order);
    if (o == nullptr) return mql5_answer(res, TRADE_RETCODE_INVALID_ORDER, "Invalid order");
    if (o->price == req.price && o->sl == req.sl && o->tp == req.tp) return mql5_answer(res, TRADE_RETCODE_NO_CHANGES, "No changes");
    const term::Symbol &s = *t.symbol(o->sym);
    if (!term::Terminal::on_grid(s, req.price)) return mql5_answer(res, TRADE_RETCODE_INVALID_PRICE, "Invalid price");
    if (!term::Terminal::on_grid(s, req.sl) || !term::Terminal::on_grid(s, req.tp))
      return mql5_answer(res, TRADE_RETCODE_INVALID_STOPS, "Invalid stops");
    o->price = req.price; o->sl = req.sl; o->tp = req.tp; o->expiration = req.expiration;
    res.order = req.order;
    return mql5_answer(res, TRADE_RETCODE_DONE, "Request executed");
  }
  if (req.action == TRADE_ACTION_REMOVE) {
    if (t.order((long)req.order) == nullptr) return mql5_answer(res, TRADE_RETCODE_INVALID_ORDER, "Invalid order");
    t.remove((long)req.order);
    res.order = req.order;
    return mql5_answer(res, TRADE_RETCODE_DONE, "Request executed");
  }
  return mql5_answer(res, TRADE_RETCODE_INVALID, "Invalid request");
}

// ---- sockets (net_posix.cpp) -------------------------------------------------------------------
int SocketCreate(uint flags = 0);
bool SocketConnect(int socket, const string &server, uint port, uint timeout_ms);
bool SocketIsConnected(int socket);
uint SocketIsReadable(int socket);
int SocketRead(int socket, MqlArray<uchar> &buffer, uint maxlen, uint timeout_ms);
int SocketSend(int socket, const MqlArray<uchar> &buffer, uint len);
bool SocketClose(int socket);
// ---- TLS on those sockets (tls_openssl.cpp) --------------------------------------------------
bool SocketTlsHandshake(int socket, const string &host);
bool SocketTlsCertificate(int socket, string &subject, string &issuer, string &serial, string &thumbprint, datetime &expiration);
int SocketTlsSend(int socket, const MqlArray<uchar> &buffer, uint len);
int SocketTlsRead(int socket, MqlArray<uchar> &buffer, uint maxlen);
int SocketTlsReadAvailable(int socket, MqlArray<uchar> &buffer, const uint maxlen);
