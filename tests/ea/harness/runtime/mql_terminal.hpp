// mql_terminal.hpp — account, terminal, symbol and time functions both MQL4 and MQL5 have,
// answered from the in-memory terminal.
#pragma once
#include "mql_core.hpp"
#include "terminal.hpp"
#include "mql_faults.hpp"

enum ENUM_ACCOUNT_INFO_INTEGER { ACCOUNT_LOGIN, ACCOUNT_TRADE_ALLOWED, ACCOUNT_TRADE_EXPERT, ACCOUNT_MARGIN_MODE,
                                 ACCOUNT_LEVERAGE };
enum ENUM_ACCOUNT_INFO_DOUBLE { ACCOUNT_BALANCE, ACCOUNT_EQUITY, ACCOUNT_MARGIN, ACCOUNT_MARGIN_FREE };
enum ENUM_ACCOUNT_INFO_STRING { ACCOUNT_SERVER, ACCOUNT_CURRENCY, ACCOUNT_COMPANY, ACCOUNT_NAME };
enum ENUM_ACCOUNT_MARGIN_MODE { ACCOUNT_MARGIN_MODE_RETAIL_NETTING, ACCOUNT_MARGIN_MODE_EXCHANGE,
                                ACCOUNT_MARGIN_MODE_RETAIL_HEDGING };
enum ENUM_TERMINAL_INFO_INTEGER { TERMINAL_BUILD, TERMINAL_TRADE_ALLOWED, TERMINAL_CONNECTED, TERMINAL_DLLS_ALLOWED };
enum ENUM_MQL_INFO_INTEGER { MQL_TRADE_ALLOWED, MQL_DLLS_ALLOWED };
enum ENUM_SYMBOL_INFO_INTEGER { SYMBOL_DIGITS, SYMBOL_TRADE_STOPS_LEVEL, SYMBOL_FILLING_MODE, SYMBOL_SELECT };
enum ENUM_SYMBOL_INFO_DOUBLE { SYMBOL_POINT, SYMBOL_TRADE_CONTRACT_SIZE, SYMBOL_TRADE_TICK_SIZE,
                               SYMBOL_TRADE_TICK_VALUE, SYMBOL_VOLUME_MIN, SYMBOL_VOLUME_MAX, SYMBOL_VOLUME_STEP,
                               SYMBOL_BID, SYMBOL_ASK };
enum ENUM_SYMBOL_INFO_STRING { SYMBOL_CURRENCY_PROFIT, SYMBOL_CURRENCY_BASE, SYMBOL_DESCRIPTION };

inline term::Terminal &T() { return term::the(); }
inline std::string mql_std(const string &s) { return s.utf8(); }

inline long AccountInfoInteger(ENUM_ACCOUNT_INFO_INTEGER what) {
  switch (what) {
    case ACCOUNT_LOGIN: return T().login;
    case ACCOUNT_TRADE_ALLOWED: case ACCOUNT_TRADE_EXPERT: return 1;
    case ACCOUNT_MARGIN_MODE:
      return T().netting ? ACCOUNT_MARGIN_MODE_RETAIL_NETTING : ACCOUNT_MARGIN_MODE_RETAIL_HEDGING;
    case ACCOUNT_LEVERAGE: return (long)T().leverage;
  }
  return 0;
}
inline double AccountInfoDouble(ENUM_ACCOUNT_INFO_DOUBLE what) {
  switch (what) {
    case ACCOUNT_BALANCE: return T().balance;
    case ACCOUNT_EQUITY: return NormalizeDouble(T().equity(), 2);
    case ACCOUNT_MARGIN: return NormalizeDouble(T().margin(), 2);
    case ACCOUNT_MARGIN_FREE: return NormalizeDouble(T().equity() - T().margin(), 2);
  }
  return 0;
}
inline string AccountInfoString(ENUM_ACCOUNT_INFO_STRING what) {
  switch (what) {
    case ACCOUNT_SERVER: return string(T().server.c_str());
    case ACCOUNT_CURRENCY: return string(T().currency.c_str());
    case ACCOUNT_COMPANY: return string(T().company.c_str());
    case ACCOUNT_NAME: return string("Harness");
  }
  return string();
}
inline long TerminalInfoInteger(ENUM_TERMINAL_INFO_INTEGER what) {
  return what == TERMINAL_BUILD ? T().build : 1;
}
inline long MQLInfoInteger(ENUM_MQL_INFO_INTEGER) { return 1; }
// TimeCurrent is the time of the last quote (https://docs.mql4.com/dateandtime/timecurrent:
// "the last known server time, time of the last quote receipt"): with the market closed
// (control line "market closed") it stands still. TimeTradeServer (MQL5) is the server's clock,
// computed by the terminal, and goes on (https://www.mql5.com/en/docs/dateandtime/timetradeserver).
inline datetime TimeTradeServer() { return TimeGMT() + T().server_offset_s; }
inline datetime TimeCurrent() { return T().last_quote_s ? T().last_quote_s : TimeTradeServer(); }

inline int SymbolsTotal(bool selected) { (void)selected; return (int)T().symbols.size(); }
inline string SymbolName(int i, bool selected) {
  (void)selected;
  if (i < 0 || i >= (int)T().symbols.size()) return string();
  return string(T().symbols[i].name.c_str());
}
inline bool SymbolSelect(const string &name, bool select) {
  (void)select;
  if (T().symbol(mql_std(name)) != nullptr) return true;
  mql_last_error() = 4106;  // unknown symbol
  return false;
}
inline long SymbolInfoInteger(const string &name, ENUM_SYMBOL_INFO_INTEGER what) {
  term::Symbol *s = T().symbol(mql_std(name));
  if (s == nullptr) { mql_last_error() = 4106; return 0; }
  switch (what) {
    case SYMBOL_DIGITS: return s->digits;
    case SYMBOL_TRADE_STOPS_LEVEL: return s->stops;
    case SYMBOL_FILLING_MODE: return s->filling;
    case SYMBOL_SELECT: return 1;
  }
  return 0;
}
inline double SymbolInfoDouble(const string &name, ENUM_SYMBOL_INFO_DOUBLE what) {
  term::Symbol *s = T().symbol(mql_std(name));
  if (s == nullptr) { mql_last_error() = 4106; return 0; }
  switch (what) {
    case SYMBOL_POINT: return s->point;
    case SYMBOL_TRADE_CONTRACT_SIZE: return s->contract;
    case SYMBOL_TRADE_TICK_SIZE: return s->tick_size;
    case SYMBOL_TRADE_TICK_VALUE: return s->tick_value;
    case SYMBOL_VOLUME_MIN: return s->vmin;
    case SYMBOL_VOLUME_MAX: return s->vmax;
    case SYMBOL_VOLUME_STEP: return s->vstep;
    case SYMBOL_BID: return s->bid;
    case SYMBOL_ASK: return s->ask;
  }
  return 0;
}
inline string SymbolInfoString(const string &name, ENUM_SYMBOL_INFO_STRING what) {
  term::Symbol *s = T().symbol(mql_std(name));
  if (s == nullptr) { mql_last_error() = 4106; return string(); }
  if (what == SYMBOL_DESCRIPTION) return string(s->name.c_str());
  return string(what == SYMBOL_CURRENCY_BASE ? s->name.substr(0, 3).c_str() : "USD");
}
