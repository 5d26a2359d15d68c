// mql4_lang.hpp — the MQL4 language built-ins whose official signature or behaviour differs from
// MQL5's, as docs.mql4.com gives them. An MQL4 EA compiled by the harness gets these, never the
// MQL5 ones (mql5_lang.hpp), so an EA that relies on the other platform's semantics fails here as
// it fails in MetaTrader 4.
#pragma once
#include "mql_core.hpp"

// https://docs.mql4.com/strings/stringtrimleft
//   string StringTrimLeft(const string text) — "Return Value: A copy of the cut string".
// The argument is taken by value and left as it was: a call whose result is dropped trims nothing.
inline string StringTrimLeft(const string text) {
  std::u16string s = text.s;
  mql_trim_left(s);
  return string(s);
}
// https://docs.mql4.com/strings/stringtrimright
//   string StringTrimRight(const string text) — a copy, the argument unchanged.
inline string StringTrimRight(const string text) {
  std::u16string s = text.s;
  mql_trim_right(s);
  return string(s);
}
// https://docs.mql4.com/strings/stringsubstr
//   string StringSubstr(string string_value, int start_pos, int length=0) — "If the parameter
//   value is equal or less than 0 or parameter isn't set, the substring will be extracted from the
//   indicated position till the string end": a length of 0 gives the rest, not "".
inline string StringSubstr(const string &s, int start, int length = 0) {
  return mql_substr(s, start, length, length <= 0);
}
