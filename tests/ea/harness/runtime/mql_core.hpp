// mql_core.hpp — the MQL language runtime shared by MQL4 and MQL5 in the compile harness:
// scalar type names, the UTF-16 string and the string functions whose signature and behaviour
// are the same on both platforms, dynamic/fixed arrays with MQL's resize and copy rules,
// code-page conversions with the trailing NUL, math, clocks, Print/Comment/Alert, the file
// sandbox, inputs and the timer. Built-ins whose official signature differs between the two
// (StringTrimLeft/Right, StringSubstr's length) are in mql4_lang.hpp and mql5_lang.hpp, so an
// EA compiled for one platform gets that platform's semantics. Trading lives in terminal.hpp.
// tests/ea/harness/builtins_mql4.json and builtins_mql5.json list every built-in the EAs call
// with its official signature and page.
#pragma once
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned int uint;
typedef unsigned long ulong;
typedef long datetime;
typedef unsigned int color;

#define WHOLE_ARRAY -1
#define CP_ACP 0
#define CP_UTF8 65001
#define INVALID_HANDLE -1
#define NULL_HANDLE 0
#define clrNONE 0xFFFFFFFFu
#define INIT_SUCCEEDED 0
#define INIT_FAILED 1
#define INIT_PARAMETERS_INCORRECT 2
// OnDeinit reasons (https://docs.mql4.com/constants/namedconstants/uninit,
// https://www.mql5.com/en/docs/constants/namedconstants/uninit: the same codes)
#define REASON_PROGRAM 0
#define REASON_REMOVE 1
#define REASON_RECOMPILE 2
#define REASON_CHARTCHANGE 3
#define REASON_CHARTCLOSE 4
#define REASON_PARAMETERS 5
#define REASON_ACCOUNT 6
#define EMPTY_VALUE 0x7FFFFFFF
#define FILE_READ 1
#define FILE_WRITE 2
#define FILE_BIN 4
#define FILE_CSV 8
#define FILE_TXT 16
#define FILE_ANSI 32
#define FILE_UNICODE 64
#define FILE_SHARE_READ 128
#define FILE_SHARE_WRITE 256
#define FILE_REWRITE 512
#define FILE_COMMON 4096
#define SEEK_SET_MQL 0
#define ERR_ARRAY_RESIZE_ERROR 4007
#define ERR_CANNOT_OPEN_FILE 5004

// ---- errors ---------------------------------------------------------------------------------
inline int &mql_last_error() { static int e = 0; return e; }
inline int GetLastError() { return mql_last_error(); }
inline void ResetLastError() { mql_last_error() = 0; }
inline void SetUserError(ushort e) { mql_last_error() = 65536 + e; }
[[noreturn]] inline void mql_critical(const char *what) {
  std::fprintf(stdout, "CRITICAL %s\n", what);
  std::fflush(stdout);
  std::abort();  // MetaTrader stops an EA on a critical runtime error
}

// The network stalls (control line "net stalled"): ws2_32 send() finds the socket buffer full
// (WSAEWOULDBLOCK), as when the peer stops reading.
inline bool &mql_net_stalled() { static bool s = false; return s; }

// ---- string ---------------------------------------------------------------------------------
class MqlString {
 public:
  std::u16string s;
  MqlString() = default;
  MqlString(const char *utf8) : s(from_utf8(utf8 ? utf8 : "")) {}
  MqlString(const std::u16string &u) : s(u) {}
  static std::u16string from_utf8(const std::string &in) {
    std::u16string out;
    for (size_t i = 0; i < in.size();) {
      unsigned c = (unsigned char)in[i];
      unsigned cp; int n;
      if (c < 0x80) { cp = c; n = 1; }
      else if ((c >> 5) == 6) { cp = c & 0x1F; n = 2; }
      else if ((c >> 4) == 14) { cp = c & 0x0F; n = 3; }
      else { cp = c & 0x07; n = 4; }
      for (int k = 1; k < n && i + k < in.size(); k++) cp = (cp << 6) | ((unsigned char)in[i + k] & 0x3F);
      i += n;
      if (cp >= 0x10000) {
        cp -= 0x10000;
        out += (char16_t)(0xD800 + (cp >> 10));
        out += (char16_t)(0xDC00 + (cp & 0x3FF));
      } else out += (char16_t)cp;
    }
    return out;
  }
  std::string utf8() const {
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
      unsigned cp = s[i];
      if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] < 0xE000) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (s[i + 1] - 0xDC00);
        i++;
      }
      if (cp < 0x80) out += (char)cp;
      else if (cp < 0x800) { out += (char)(0xC0 | (cp >> 6)); out += (char)(0x80 | (cp & 0x3F)); }
      else if (cp < 0x10000) {
        out += (char)(0xE0 | (cp >> 12)); out += (char)(0x80 | ((cp >> 6) & 0x3F));
        out += (char)(0x80 | (cp & 0x3F));
      } else {
        out += (char)(0xF0 | (cp >> 18)); out += (char)(0x80 | ((cp >> 12) & 0x3F));
        out += (char)(0x80 | ((cp >> 6) & 0x3F)); out += (char)(0x80 | (cp & 0x3F));
      }
    }
    return out;
  }
  MqlString &operator+=(const MqlString &o) { s += o.s; return *this; }
};
typedef MqlString string;
inline MqlString operator+(const MqlString &a, const MqlString &b) { return MqlString(a.s + b.s); }
inline MqlString operator+(const char *a, const MqlString &b) { return MqlString(a) + b; }
inline MqlString operator+(const MqlString &a, const char *b) { return a + MqlString(b); }
inline bool operator==(const MqlString &a, const MqlString &b) { return a.s == b.s; }
inline bool operator!=(const MqlString &a, const MqlString &b) { return a.s != b.s; }
inline bool operator<(const MqlString &a, const MqlString &b) { return a.s < b.s; }
inline bool operator>(const MqlString &a, const MqlString &b) { return a.s > b.s; }
inline bool operator==(const MqlString &a, const char *b) { return a == MqlString(b); }
inline bool operator!=(const MqlString &a, const char *b) { return a != MqlString(b); }

// ---- arrays ---------------------------------------------------------------------------------
template <class T>
class MqlArray {
  using Slot = std::conditional_t<std::is_same_v<T, bool>, unsigned char, T>;
  std::vector<Slot> d_;
  bool fixed_ = false;

 public:
  MqlArray() = default;
  MqlArray(int n, bool fixed) : d_(n), fixed_(fixed) {}
  T &operator[](long i) {
    if (i < 0 || i >= (long)d_.size()) out_of_range(i);
    return reinterpret_cast<T &>(d_[i]);
  }
  const T &operator[](long i) const {
    if (i < 0 || i >= (long)d_.size()) out_of_range(i);
    return reinterpret_cast<const T &>(d_[i]);
  }
  int size() const { return (int)d_.size(); }
  bool fixed() const { return fixed_; }
  bool resize(long n) {
    if (fixed_ || n < 0) return false;
    d_.resize(n);
    return true;
  }
  std::vector<Slot> &raw() { return d_; }
  const std::vector<Slot> &raw() const { return d_; }

 private:
  void out_of_range(long i) const {
    char msg[96];
    std::snprintf(msg, sizeof msg, "array out of range: index %ld, size %zu", i, d_.size());
    mql_critical(msg);
  }
};

template <class T> int ArraySize(const MqlArray<T> &a) { return a.size(); }
template <class T> int ArrayResize(MqlArray<T> &a, int n, int reserve = 0) {
  (void)reserve;
  if (!a.resize(n)) { mql_last_error() = ERR_ARRAY_RESIZE_ERROR; return -1; }
  return n;
}
template <class T> void ArrayFree(MqlArray<T> &a) { a.resize(0); }
template <class T, class V> int ArrayInitialize(MqlArray<T> &a, V v) {
  for (int i = 0; i < a.size(); i++) a[i] = (T)v;
  return a.size();
}
template <class T> bool ArraySort(MqlArray<T> &a) {
  std::sort(a.raw().begin(), a.raw().end());
  return true;
}
// ArrayCopy: a dynamic destination grows to fit; a fixed one takes what fits (MQL rules).
template <class T> int ArrayCopy(MqlArray<T> &dst, const MqlArray<T> &src, int dst_start = 0,
                                 int src_start = 0, int count = WHOLE_ARRAY) {
  if (src_start < 0 || dst_start < 0 || src_start > src.size()) return 0;
  int n = (count < 0) ? src.size() - src_start : std::min(count, src.size() - src_start);
  if (dst_start + n > dst.size()) {
    if (dst.fixed()) n = dst.size() - dst_start;
    else dst.resize(dst_start + n);
  }
  for (int i = 0; i < n; i++) dst[dst_start + i] = src[src_start + i];
  return n < 0 ? 0 : n;
}

// ---- string functions -----------------------------------------------------------------------
inline int StringLen(const string &s) { return (int)s.s.size(); }
// The part of s from start: `length` characters, or the rest when `rest` — when a length means
// "the rest" differs per platform (StringSubstr in mql4_lang.hpp / mql5_lang.hpp).
inline string mql_substr(const string &s, int start, int length, bool rest) {
  if (start < 0 || start >= (int)s.s.size()) return string();
  return string(s.s.substr(start, rest ? std::u16string::npos : (size_t)std::max(length, 0)));
}
inline int StringFind(const string &s, const string &what, int start = 0) {
  if (start < 0) start = 0;
  size_t at = s.s.find(what.s, start);
  return at == std::u16string::npos ? -1 : (int)at;
}
inline ushort StringGetCharacter(const string &s, int pos) {
  if (pos < 0 || pos >= (int)s.s.size()) return 0;
  return s.s[pos];
}
inline string ShortToString(ushort c) { return c == 0 ? string() : string(std::u16string(1, (char16_t)c)); }
inline bool StringToLower(string &s) {
  for (auto &c : s.s) if (c >= 'A' && c <= 'Z') c = c - 'A' + 'a';
  return true;
}
inline bool StringToUpper(string &s) {
  for (auto &c : s.s) if (c >= 'a' && c <= 'z') c = c - 'a' + 'A';
  return true;
}
inline bool mql_space(char16_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
inline size_t mql_trim_left(std::u16string &s) {
  size_t k = 0;
  while (k < s.size() && mql_space(s[k])) k++;
  s.erase(0, k);
  return k;
}
inline size_t mql_trim_right(std::u16string &s) {
  size_t k = 0;
  while (!s.empty() && mql_space(s.back())) { s.pop_back(); k++; }
  return k;
}
inline int StringSplit(const string &s, ushort sep, MqlArray<string> &out) {
  std::vector<std::u16string> parts;
  std::u16string cur;
  for (char16_t c : s.s) {
    if (c == sep) { parts.push_back(cur); cur.clear(); } else cur += c;
  }
  parts.push_back(cur);
  if (s.s.empty()) parts.clear();
  out.resize((int)parts.size());
  for (size_t i = 0; i < parts.size(); i++) out[i] = string(parts[i]);
  return (int)parts.size();
}
inline long StringToInteger(const string &s) { return std::strtol(s.utf8().c_str(), nullptr, 10); }
inline double StringToDouble(const string &s) { return std::strtod(s.utf8().c_str(), nullptr); }
inline string IntegerToString(long v, int len = 0, ushort fill = ' ') {
  std::string t = std::to_string(v);
  while ((int)t.size() < len) t.insert(t.begin(), (char)fill);
  return string(t.c_str());
}
inline string DoubleToString(double v, int digits = 8) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.*f", std::clamp(digits, 0, 16), v);
  return string(buf);
}
template <class... A> string StringFormat(const string &fmt, A... args) {
  static_assert((std::is_arithmetic_v<A> && ...), "the harness formats numbers only");
  char buf[1024];
  std::snprintf(buf, sizeof buf, fmt.utf8().c_str(), args...);
  return string(buf);
}

// StringToCharArray copies the terminating NUL too when the whole string is taken (MQL rule);
// returns the number of bytes copied including it.
inline int StringToCharArray(const string &text, MqlArray<uchar> &arr, int start = 0,
                             int count = WHOLE_ARRAY, uint codepage = CP_ACP) {
  std::string bytes;
  if (codepage == CP_UTF8) bytes = text.utf8();
  else for (char16_t c : text.s) bytes += (char)(c < 256 ? c : '?');
  bytes.push_back('\0');
  int n = (int)bytes.size();
  if (count >= 0 && count < n) n = count;
  if (start + n > arr.size()) {
    if (arr.fixed()) n = std::max(0, arr.size() - start);
    else arr.resize(start + n);
  }
  for (int i = 0; i < n; i++) arr[start + i] = (uchar)bytes[i];
  return n;
}
// CharArrayToString stops at the first NUL byte.
inline string CharArrayToString(const MqlArray<uchar> &arr, int start = 0, int count = WHOLE_ARRAY,
                                uint codepage = CP_ACP) {
  std::string bytes;
  int end = (count < 0) ? arr.size() : std::min(arr.size(), start + count);
  for (int i = start; i < end && arr[i] != 0; i++) bytes.push_back((char)arr[i]);
  if (codepage == CP_UTF8) return string(bytes.c_str());
  std::u16string u;
  for (unsigned char c : bytes) u += (char16_t)c;
  return string(u);
}

// ---- math -----------------------------------------------------------------------------------
// https://docs.mql4.com/math/mathmin and https://www.mql5.com/en/docs/math/mathmin, alike on both:
// "double MathMin(double value1, double value2)", but "can work with integer types without
// typecasting ... the type of the return value corresponds to the larger type".
template <class A, class B> auto MathMin(A a, B b) { return a < b ? a : b; }
template <class A, class B> auto MathMax(A a, B b) { return a > b ? a : b; }
template <class A> A MathAbs(A a) { return a < 0 ? -a : a; }
inline double MathPow(double b, double e) { return std::pow(b, e); }
inline double MathRound(double v) { return std::round(v); }
inline double MathFloor(double v) { return std::floor(v); }
inline double MathCeil(double v) { return std::ceil(v); }
inline double MathSqrt(double v) { return std::sqrt(v); }
inline bool MathIsValidNumber(double v) { return std::isfinite(v); }
inline std::minstd_rand &mql_rng() { static std::minstd_rand r(1); return r; }
inline void MathSrand(uint seed) { mql_rng().seed(seed); }
inline int MathRand() { return (int)(mql_rng()() % 32768); }
inline double NormalizeDouble(double v, int digits) {
  double p = std::pow(10.0, digits);
  return std::round(v * p) / p;
}

// ---- clocks ---------------------------------------------------------------------------------
inline std::chrono::steady_clock::time_point mql_started() {
  static auto t0 = std::chrono::steady_clock::now();
  return t0;
}
inline ulong GetMicrosecondCount() {
  return (ulong)std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - mql_started()).count();
}
inline uint GetTickCount() { return (uint)(GetMicrosecondCount() / 1000); }
// The harness can move the wall clock on (control line "clock +S"), so hours pass in a test.
inline long &mql_clock_shift_s() { static long s = 0; return s; }
inline datetime TimeGMT() { return (datetime)std::time(nullptr) + mql_clock_shift_s(); }
inline datetime TimeLocal() { return TimeGMT(); }
inline void Sleep(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// ---- output ---------------------------------------------------------------------------------
inline std::string mql_text(const string &v) { return v.utf8(); }
inline std::string mql_text(const char *v) { return v; }
inline std::string mql_text(bool v) { return v ? "true" : "false"; }
inline std::string mql_text(double v) { char b[64]; std::snprintf(b, sizeof b, "%.8g", v); return b; }
template <class T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
std::string mql_text(T v) { return std::to_string(v); }
template <class... A> std::string mql_join(A... a) { std::string out; ((out += mql_text(a)), ...); return out; }
inline void mql_emit(const char *tag, const std::string &text) {
  std::string line = text;
  for (auto &c : line) if (c == '\n') c = '|';
  std::fprintf(stdout, "%s %s\n", tag, line.c_str());
  std::fflush(stdout);
}
template <class... A> void Print(A... a) { mql_emit("PRINT", mql_join(a...)); }
template <class... A> void Alert(A... a) { mql_emit("ALERT", mql_join(a...)); }
inline std::string &mql_comment() { static std::string c; return c; }
inline long &mql_comment_draws() { static long n = 0; return n; }  // each Comment() redraws the chart
template <class... A> void Comment(A... a) { mql_comment() = mql_join(a...); mql_comment_draws()++; }

// ---- inputs and timer -----------------------------------------------------------------------
// The run harness passes inputs as environment variables MQL_INPUT_<name>.
template <class T, class D> T mql_input(const char *name, D def) {
  const char *v = std::getenv((std::string("MQL_INPUT_") + name).c_str());
  if (v == nullptr) return (T)def;
  if constexpr (std::is_same_v<T, string>) return string(v);
  else if constexpr (std::is_floating_point_v<T>) return (T)std::strtod(v, nullptr);
  else return (T)std::strtol(v, nullptr, 10);
}
inline int &mql_timer_ms() { static int ms = 0; return ms; }
inline bool EventSetMillisecondTimer(int ms) { if (ms <= 0) return false; mql_timer_ms() = ms; return true; }
inline bool EventSetTimer(int s) { if (s <= 0) return false; mql_timer_ms() = s * 1000; return true; }
inline void EventKillTimer() { mql_timer_ms() = 0; }

// ---- files (sandbox: $MQL_FILES_DIR) --------------------------------------------------------
struct MqlFile { std::FILE *f = nullptr; bool text = false; };
inline std::map<int, MqlFile> &mql_files() { static std::map<int, MqlFile> m; return m; }
inline std::string mql_file_path(const string &name) {
  const char *dir = std::getenv("MQL_FILES_DIR");
  return std::string(dir ? dir : ".") + "/" + name.utf8();
}
inline int FileOpen(const string &name, int flags, short delimiter = '\t', uint codepage = CP_ACP) {
  (void)delimiter; (void)codepage;
  std::string path = mql_file_path(name);
  std::FILE *f = nullptr;
  if ((flags & FILE_READ) && (flags & FILE_WRITE)) {
    f = std::fopen(path.c_str(), "r+b");
    if (f == nullptr) f = std::fopen(path.c_str(), "w+b");
  } else if (flags & FILE_WRITE) f = std::fopen(path.c_str(), "wb");
  else f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) { mql_last_error() = ERR_CANNOT_OPEN_FILE; return INVALID_HANDLE; }
  static int next = 1;
  mql_files()[next] = MqlFile{f, (flags & FILE_TXT) != 0};
  return next++;
}
inline MqlFile *mql_file(int h) {
  auto it = mql_files().find(h);
  return it == mql_files().end() ? nullptr : &it->second;
}
inline void FileClose(int h) {
  if (MqlFile *m = mql_file(h)) { std::fclose(m->f); mql_files().erase(h); }
}
// In text files a lone "\n" is written as "\r\n" (MQL's text mode).
inline uint FileWriteString(int h, const string &s, int length = -1) {
  MqlFile *m = mql_file(h);
  if (m == nullptr) return 0;
  std::string bytes = mql_substr(s, 0, length, length <= 0).utf8();  // TXT files ignore length
  std::string out;
  for (size_t i = 0; i < bytes.size(); i++) {
    if (m->text && bytes[i] == '\n' && (i == 0 || bytes[i - 1] != '\r')) out += '\r';
    out += bytes[i];
  }
  return (uint)std::fwrite(out.data(), 1, out.size(), m->f);
}
inline string FileReadString(int h, int length = -1) {
  (void)length;
  MqlFile *m = mql_file(h);
  if (m == nullptr) return string();
  std::string line;
  int c;
  while ((c = std::fgetc(m->f)) != EOF && c != '\n') line += (char)c;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return string(line.c_str());
}
inline bool FileIsEnding(int h) {
  MqlFile *m = mql_file(h);
  if (m == nullptr) return true;
  int c = std::fgetc(m->f);
  if (c == EOF) return true;
  std::ungetc(c, m->f);
  return false;
}
#ifndef SEEK_END
#define SEEK_END 2
#endif
inline bool FileSeek(int h, long offset, int origin) {
  MqlFile *m = mql_file(h);
  return m != nullptr && std::fseek(m->f, offset, origin) == 0;
}
inline bool FileIsExist(const string &name, int common = 0) {
  (void)common;
  std::FILE *f = std::fopen(mql_file_path(name).c_str(), "rb");
  if (f) std::fclose(f);
  return f != nullptr;
}
inline bool FileDelete(const string &name, int common = 0) {
  (void)common;
  return std::remove(mql_file_path(name).c_str()) == 0;
}
inline bool FileMove(const string &src, int common, const string &dst, int mode) {
  (void)common;
  if (!(mode & FILE_REWRITE) && FileIsExist(dst)) return false;
  return std::rename(mql_file_path(src).c_str(), mql_file_path(dst).c_str()) == 0;
}

template <class T> void ZeroMemory(T &v) { v = T{}; }
