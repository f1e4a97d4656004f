// Converting between the time text found in telemetry files and seconds.
#ifndef HEIMDALL_TELEMETRY_TIMESTAMP_H_
#define HEIMDALL_TELEMETRY_TIMESTAMP_H_

#include <string>
#include <string_view>

#include "common/status.h"

namespace heimdall::telemetry {

// Parses a time cell into seconds. Accepts a plain finite number (seconds on
// the file's own clock, e.g. a "Time [s]" column) or an ISO-8601-style date
// and time: "YYYY-MM-DD", optionally followed by 'T' or ' ' and
// "HH:MM[:SS[.fraction]]", optionally followed by 'Z' or an offset "+HH:MM",
// "+HHMM" or "+HH". Dates and times are Unix seconds (UTC); a time without a
// zone is taken as UTC. Fails with a message naming the text otherwise.
Result<double> ParseTimestamp(std::string_view text);

// Formats Unix seconds as ISO-8601 UTC: "2013-12-02T21:15:00Z", with
// ".mmm" milliseconds only when the time is not a whole second. Relative
// times (a "Time [s]" column) therefore appear as offsets from 1970-01-01.
// Precondition: `unix_seconds` is finite and within years 0000-9999.
std::string FormatTimestamp(double unix_seconds);

}  // namespace heimdall::telemetry

#endif  // HEIMDALL_TELEMETRY_TIMESTAMP_H_
