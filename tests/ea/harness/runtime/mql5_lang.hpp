// mql5_lang.hpp — the MQL5 language built-ins whose official signature or behaviour differs from
// MQL4's, as mql5.com/en/docs gives them (the MQL4 ones are in mql4_lang.hpp).
#pragma once
#include "mql_core.hpp"

// https://www.mql5.com/en/docs/strings/stringtrimleft
//   int StringTrimLeft(string& string_var) — trims in place, "Returns the number of cut symbols".
inline int StringTrimLeft(string &s) { return (int)mql_trim_left(s.s); }
// https://www.mql5.com/en/docs/strings/stringtrimright
//   int StringTrimRight(string& string_var) — in place, returns the number of cut symbols.
inline int StringTrimRight(string &s) { return (int)mql_trim_right(s.s); }
// https://www.mql5.com/en/docs/strings/stringsubstr
//   string StringSubstr(string string_value, int start_pos, int length=-1) — "-1 or parameter
//   isn't set": the rest of the string; a length of 0 gives "".
inline string StringSubstr(const string &s, int start, int length = -1) {
  return mql_substr(s, start, length, length < 0);
}
