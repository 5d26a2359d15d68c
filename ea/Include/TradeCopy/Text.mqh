// Text.mqh — owns the two string operations whose built-ins behave differently on MT4 and MT5,
// so every other file can call one function for both:
// - TcTrim: MQL4's StringTrimLeft/StringTrimRight return a trimmed copy and leave their argument
//   alone (https://docs.mql4.com/strings/stringtrimleft); MQL5's trim the argument in place and
//   return a count (https://www.mql5.com/en/docs/strings/stringtrimleft).
// - TcMid: MQL4's StringSubstr takes a length of 0 (or less) as "to the end of the string"
//   (https://docs.mql4.com/strings/stringsubstr); MQL5's gives "" for 0 and the rest only for -1
//   (https://www.mql5.com/en/docs/strings/stringsubstr). TcMid gives "" for any count <= 0.

string TcTrim(const string text)
  {
#ifdef __MQL4__
   return(StringTrimRight(StringTrimLeft(text)));
#endif
#ifdef __MQL5__
   string s=text;
   StringTrimLeft(s);
   StringTrimRight(s);
   return(s);
#endif
  }

// count characters of s from start; "" when count <= 0, on both platforms
string TcMid(const string s,const int start,const int count)
  {
   if(count<=0)
      return("");
   return(StringSubstr(s,start,count));
  }
