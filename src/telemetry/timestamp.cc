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
  const year_month_day date{std::chrono::year(year),
                            std::chrono::month(month), std::chrono::day(day)};
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

}  // namespace

Result<double> ParseTimestamp(std::string_view text) {
  if (Result<double> number = ParseFiniteDouble(text); number.ok()) {
    return number;
  }
  const size_t begin = text.find_first_not_of(" \t");
  const size_t end = text.find_last_not_of(" \t");
  const std::string_view trimmed =
      begin == std::string_view::npos ? "" : text.substr(begin, end - begin + 1);
  if (trimmed.empty()) return Error("empty time cell");
  if (std::optional<double> seconds = ParseDateTime(trimmed)) return *seconds;
  return MakeError("'{}' is neither a number of seconds nor a date and time",
                   trimmed);
}

std::string FormatTimestamp(double unix_seconds) {
  assert(std::isfinite(unix_seconds));
  using namespace std::chrono;
  const auto millis = static_cast<int64_t>(std::llround(unix_seconds * 1000));
  const int64_t day_count = millis >= 0 ? millis / 86'400'000
                                        : (millis - 86'399'999) / 86'400'000;
  const int64_t in_day = millis - day_count * 86'400'000;
  const year_month_day date{sys_days{days{day_count}}};
  const int64_t seconds = in_day / 1000;
  std::string text = fmt::format(
      "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
      seconds / 3600, seconds / 60 % 60, seconds % 60);
  if (in_day % 1000 != 0) text += fmt::format(".{:03}", in_day % 1000);
  text += 'Z';
  return text;
}

}  // namespace heimdall::telemetry
