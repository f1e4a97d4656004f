#include "telemetry/timestamp.h"

#include <cassert>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>

#include "common/csv.h"

namespace heimdall::telemetry {
namespace {

// Reads exactly `width` digits at text[*pos]; advances *pos.
bool ReadDigits(std::string_view text, size_t* pos, int width, int* value) {
  if (*pos + width > text.size()) return false;
  const char* begin = text.data() + *pos;
  for (int i = 0; i < width; ++i) {
    if (begin[i] < '0' || begin[i] > '9') return false;
  }
  std::from_chars(begin, begin + width, *value);
  *pos += width;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

// Seconds since 1970-01-01 of the date, or nullopt for an invalid one.
std::optional<int64_t> DaySeconds(int year, int month, int day) {
  using namespace std::chrono;
  const year_month_day date{std::chrono::year(year), std::chrono::month(month),
                            std::chrono::day(day)};
  if (!date.ok()) return std::nullopt;
  return int64_t{sys_days(date).time_since_epoch().count()} * 86400;
}

// Parses "HH:MM[:SS[.fraction]]" into seconds since midnight.
std::optional<double> ParseClock(std::string_view text, size_t* pos) {
  int hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, pos, 2, &hour) || !Expect(text, pos, ':') ||
      !ReadDigits(text, pos, 2, &minute)) {
    return std::nullopt;
  }
  double fraction = 0;
  if (*pos < text.size() && text[*pos] == ':') {
    ++*pos;
    if (!ReadDigits(text, pos, 2, &second)) return std::nullopt;
    if (*pos < text.size() && text[*pos] == '.') {
      const size_t begin = *pos;
      ++*pos;
      while (*pos < text.size() && text[*pos] >= '0' && text[*pos] <= '9') {
        ++*pos;
      }
      if (*pos == begin + 1) return std::nullopt;
      std::from_chars(text.data() + begin, text.data() + *pos, fraction);
    }
  }
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return hour * 3600.0 + minute * 60.0 + second + fraction;
}

// Parses "", "Z", "+HH", "+HHMM" or "+HH:MM" (or '-') into seconds east of
// UTC; the whole rest of `text` must be the zone.
std::optional<int> ParseZone(std::string_view text, size_t pos) {
  if (pos == text.size()) return 0;
  if (text.substr(pos) == "Z" || text.substr(pos) == "z") return 0;
  const char sign = text[pos];
  if (sign != '+' && sign != '-') return std::nullopt;
  ++pos;
  int hours = 0, minutes = 0;
  if (!ReadDigits(text, &pos, 2, &hours)) return std::nullopt;
  if (pos < text.size()) {
    Expect(text, &pos, ':');
    if (!ReadDigits(text, &pos, 2, &minutes)) return std::nullopt;
  }
  if (pos != text.size() || hours > 23 || minutes > 59) return std::nullopt;
  const int offset = hours * 3600 + minutes * 60;
  return sign == '+' ? offset : -offset;
}

std::optional<double> ParseDateTime(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0;
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day)) {
    return std::nullopt;
  }
  const std::optional<int64_t> date = DaySeconds(year, month, day);
  if (!date) return std::nullopt;

  double clock = 0;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    ++pos;
    const std::optional<double> parsed = ParseClock(text, &pos);
    if (!parsed) return std::nullopt;
    clock = *parsed;
  }
  const std::optional<int> zone = ParseZone(text, pos);
  if (!zone) return std::nullopt;
  return static_cast<double>(*date) + clock - *zone;
}

struct CivilDate {
  int64_t year;
  int64_t month;  // 1-12.
  int64_t day;    // 1-31.
};

// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
// civil_from_days).
CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 +
                               day_of_era / 36524 - day_of_era / 146096) /
                              365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;  // March = 0.
  const int64_t day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  const int64_t month =
      shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  const int64_t year = year_of_era + era * 400 + (month <= 2);
  return {year, month, day};
}

// Writes `value` (>= 0) as exactly `width` decimal digits.
void WriteDigits(int64_t value, int width, char* out) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

Result<double> ParseTimestamp(std::string_view text) {
  if (Result<double> number = ParseFiniteDouble(text); number.ok()) {
    return number;
  }
  const size_t begin = text.find_first_not_of(" \t");
  const size_t end = text.find_last_not_of(" \t");
  const std::string_view trimmed = begin == std::string_view::npos
                                       ? ""
                                       : text.substr(begin, end - begin + 1);
  if (trimmed.empty()) return Error("empty time cell");
  if (std::optional<double> seconds = ParseDateTime(trimmed)) return *seconds;
  return MakeError("'{}' is neither a number of seconds nor a date and time",
                   trimmed);
}

std::string FormatTimestamp(double unix_seconds) {
  assert(std::isfinite(unix_seconds));
  const auto millis = static_cast<int64_t>(std::llround(unix_seconds * 1000));
  constexpr int64_t kMillisPerDay = 86'400'000;
  const int64_t day_count = millis >= 0
                                ? millis / kMillisPerDay
                                : (millis - kMillisPerDay + 1) / kMillisPerDay;
  const int64_t in_day = millis - day_count * kMillisPerDay;
  const CivilDate date = CivilFromDays(day_count);
  const int64_t seconds = in_day / 1000;

  // Written by hand: this runs once per sample, and fmt with chrono dates
  // cost about 0.7 us here.
  char text[] = "0000-00-00T00:00:00.000Z";
  WriteDigits(date.year, 4, text);
  WriteDigits(date.month, 2, text + 5);
  WriteDigits(date.day, 2, text + 8);
  WriteDigits(seconds / 3600, 2, text + 11);
  WriteDigits(seconds / 60 % 60, 2, text + 14);
  WriteDigits(seconds % 60, 2, text + 17);
  if (in_day % 1000 == 0) {
    text[19] = 'Z';
    return std::string(text, 20);
  }
  WriteDigits(in_day % 1000, 3, text + 20);
  return std::string(text, 24);
}

}  // namespace heimdall::telemetry
