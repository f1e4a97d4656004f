#include "telemetry/timestamp.h"

#include <gtest/gtest.h>

namespace heimdall::telemetry {
namespace {

TEST(ParseTimestamp, PlainSecondsPassThrough) {
  EXPECT_DOUBLE_EQ(ParseTimestamp("12.5").value(), 12.5);
  EXPECT_DOUBLE_EQ(ParseTimestamp(" 0 ").value(), 0);
}

TEST(ParseTimestamp, NabDateTimeIsUnixSeconds) {
  // 2013-12-02 21:15:00 UTC, checked with `date -u -d ... +%s`.
  EXPECT_DOUBLE_EQ(ParseTimestamp("2013-12-02 21:15:00").value(), 1386018900);
  EXPECT_DOUBLE_EQ(ParseTimestamp("2013-12-02T21:15:00Z").value(), 1386018900);
}

TEST(ParseTimestamp, FractionsAndZones) {
  EXPECT_DOUBLE_EQ(ParseTimestamp("1970-01-01T00:00:01.25").value(), 1.25);
  EXPECT_DOUBLE_EQ(ParseTimestamp("1970-01-01T01:00:00+01:00").value(), 0);
  EXPECT_DOUBLE_EQ(ParseTimestamp("1970-01-01T00:00:00-0130").value(), 5400);
  EXPECT_DOUBLE_EQ(ParseTimestamp("1970-01-02").value(), 86400);
  EXPECT_DOUBLE_EQ(ParseTimestamp("1970-01-01 00:01").value(), 60);
}

TEST(ParseTimestamp, RejectsNonsenseNamingIt) {
  for (const char* bad : {"", "yesterday", "2013-13-01 00:00:00", "2013-02-30",
                          "2013-12-02 25:00:00", "2013-12-02 21:15:00 UTC",
                          "nan", "2013-12-02T"}) {
    const Result<double> parsed = ParseTimestamp(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
  }
  EXPECT_NE(ParseTimestamp("yesterday").error().message().find("yesterday"),
            std::string::npos);
}

TEST(FormatTimestamp, WholeAndFractionalSeconds) {
  EXPECT_EQ(FormatTimestamp(1386018900), "2013-12-02T21:15:00Z");
  EXPECT_EQ(FormatTimestamp(1.25), "1970-01-01T00:00:01.250Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59Z");
}

TEST(FormatTimestamp, RoundTripsThroughParse) {
  for (double t : {0.0, 1735689600.0, 1386018900.5, 951782400.0}) {
    EXPECT_DOUBLE_EQ(ParseTimestamp(FormatTimestamp(t)).value(), t);
  }
}

}  // namespace
}  // namespace heimdall::telemetry
