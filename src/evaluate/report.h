// An evaluation report as a table for people or JSON for machines.
//
// JSON layout (numbers are plain JSON numbers; a value that does not exist,
// such as the threshold of a profile where no row should fire or the
// precision of a run without heals, is null):
//   {"detector": str, "series": int, "rows": int,
//    "detect_seconds": num, "score_seconds": num,
//    "nab": [{"profile", "threshold", "raw", "null", "perfect", "score",
//             "tp", "fp", "tn", "fn"}],
//    "heals": {"threshold", "heals", "false_heals", "windows",
//              "windows_healed", "precision", "recall",
//              "median_lead_seconds", "mean_lead_seconds"},
//    "files": [{"name", "rows", "windows", "windows_detected",
//               "false_positives", "nab_raw" (first profile), "heals",
//               "false_heals", "windows_healed", "lead_seconds": [int]}]}
#ifndef HEIMDALL_EVALUATE_REPORT_H_
#define HEIMDALL_EVALUATE_REPORT_H_

#include <cstdint>
#include <string>

#include "evaluate/evaluation.h"

namespace heimdall::evaluate {

// A summary table; with `per_series`, one line per series after it.
std::string FormatTable(const EvaluationReport& report, bool per_series);

// The report as one JSON document (layout above), pretty-printed.
std::string FormatJson(const EvaluationReport& report);

// "3d 4h", "2h 05m", "12m", "40s" (negative: "-" in front).
std::string FormatDuration(int64_t seconds);

}  // namespace heimdall::evaluate

#endif  // HEIMDALL_EVALUATE_REPORT_H_
