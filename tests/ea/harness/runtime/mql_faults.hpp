// mql_faults.hpp — how the harness terminal misbehaves like a real one, on request: the run
// harness (harness_main.hpp) arms a fault with a control line, the MQL4/MQL5 functions fire it.
//   during_scan N <control line>  the trade pool changes while the EA walks it by index: after
//                                 the EA's next N index reads (MQL4 OrderSelect SELECT_BY_POS,
//                                 MQL5 PositionGetTicket/OrderGetTicket) the line runs, e.g.
//                                 "during_scan 1 close 1001" or "during_scan 2 open EURUSD buy 0.1".
// A real terminal's trade pool belongs to the trade server: a stop loss, a stop-out, another EA or
// the trader closes and opens orders between two index reads of an EA, so the order at an index
// may be another one a moment later (OrderSelect SELECT_BY_POS, https://docs.mql4.com/trading/
// orderselect; PositionGetTicket, https://www.mql5.com/en/docs/trading/positiongetticket).
#pragma once
#include <functional>
#include <string>
#include <vector>

struct MqlScanFault { int reads_left; std::string line; };
struct MqlFaults {
  std::vector<MqlScanFault> scan;
  std::function<void(const std::string &)> run;  // runs a control line without a reply
};
inline MqlFaults &mql_faults() { static MqlFaults f; return f; }

// Called by every index read of the trade pool, before it selects.
inline void mql_scan_read() {
  MqlFaults &f = mql_faults();
  for (size_t i = 0; i < f.scan.size();) {
    if (--f.scan[i].reads_left > 0) { i++; continue; }
    std::string line = f.scan[i].line;
    f.scan.erase(f.scan.begin() + (long)i);
    if (f.run) f.run(line);
  }
}
