#include "common/csv.h"

#include <gtest/gtest.h>

namespace heimdall {
namespace {

TEST(SplitCsvLine, TrimsCellsAndKeepsBlanks) {
  Result<std::vector<std::string>> cells = SplitCsvLine(" a , b,,c ");
  ASSERT_TRUE(cells.ok());
  EXPECT_EQ(*cells, (std::vector<std::string>{"a", "b", "", "c"}));
}

TEST(SplitCsvLine, UnderstandsQuotes) {
  Result<std::vector<std::string>> cells =
      SplitCsvLine(R"("2014-01-01, 00:00","say ""hi""",3)");
  ASSERT_TRUE(cells.ok());
  EXPECT_EQ(*cells,
            (std::vector<std::string>{"2014-01-01, 00:00", "say \"hi\"", "3"}));
}

TEST(SplitCsvLine, RejectsUnterminatedQuote) {
  Result<std::vector<std::string>> cells = SplitCsvLine(R"(1,"open)");
  ASSERT_FALSE(cells.ok());
  EXPECT_NE(cells.error().message().find("unterminated"), std::string::npos);
}

TEST(ParseFiniteDouble, AcceptsNumbersAndRejectsTheRest) {
  EXPECT_DOUBLE_EQ(*ParseFiniteDouble(" 36.7 "), 36.7);
  EXPECT_DOUBLE_EQ(*ParseFiniteDouble("+1e2"), 100.0);
  EXPECT_DOUBLE_EQ(*ParseFiniteDouble("-0.5"), -0.5);
  for (const char* bad : {"", "  ", "abc", "1.2.3", "nan", "inf", "1e999",
                          "12abc"}) {
    EXPECT_FALSE(ParseFiniteDouble(bad).ok()) << bad;
  }
}

TEST(CsvReader, HandlesCrlfStraySpacesAndBlankLines) {
  Result<CsvReader> reader = CsvReader::FromString(
      "\xEF\xBB\xBFTime [s] , HR,SpO2\r\n0,80,98\r\n\r\n1, 81 ,\r\n");
  ASSERT_TRUE(reader.ok()) << reader.error().message();
  EXPECT_EQ(reader->header(),
            (std::vector<std::string>{"Time [s]", "HR", "SpO2"}));
  EXPECT_EQ(reader->Column("HR"), 1u);
  EXPECT_FALSE(reader->Column("PULSE").has_value());

  CsvRecord record;
  ASSERT_TRUE(*reader->Next(&record));
  EXPECT_EQ(record.line, 2u);
  EXPECT_EQ(record.cells, (std::vector<std::string>{"0", "80", "98"}));
  ASSERT_TRUE(*reader->Next(&record));
  EXPECT_EQ(record.line, 4u);
  EXPECT_EQ(record.cells, (std::vector<std::string>{"1", "81", ""}));
  EXPECT_FALSE(*reader->Next(&record));
}

TEST(CsvReader, RejectsBadHeaders) {
  EXPECT_FALSE(CsvReader::FromString("").ok());
  EXPECT_FALSE(CsvReader::FromString("a,,b\n").ok());
  Result<CsvReader> twice = CsvReader::FromString("a,b,a\n");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message().find("twice"), std::string::npos);
}

TEST(CsvReader, OpenNamesMissingFile) {
  Result<CsvReader> reader = CsvReader::Open("/nonexistent/x.csv");
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.error().message().find("/nonexistent/x.csv"),
            std::string::npos);
}

TEST(ReadNumericTable, ReadsColumnsInRequestedOrder) {
  Result<CsvReader> reader = CsvReader::FromString("a,b,c\n1,2,3\n4,5,6\n");
  ASSERT_TRUE(reader.ok());
  Result<NumericTable> table = ReadNumericTable(*reader, {"c", "a"});
  ASSERT_TRUE(table.ok()) << table.error().message();
  EXPECT_EQ(table->rows(), 2u);
  EXPECT_EQ(table->values, (std::vector<double>{3, 1, 6, 4}));
}

TEST(ReadNumericTable, NamesLineAndColumnOfBadCell) {
  Result<CsvReader> reader =
      CsvReader::FromString("a,b\n1,2\n3,x\n", "vitals.csv");
  ASSERT_TRUE(reader.ok());
  Result<NumericTable> table = ReadNumericTable(*reader, {"a", "b"});
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.error().message(),
            "vitals.csv: line 3: column 'b': 'x' is not a number");
}

TEST(ReadNumericTable, NamesMissingColumnAndShortLine) {
  Result<CsvReader> reader = CsvReader::FromString("a,b\n1\n");
  ASSERT_TRUE(reader.ok());
  Result<NumericTable> missing = ReadNumericTable(*reader, {"z"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("no column 'z'"), std::string::npos);
  Result<NumericTable> short_line = ReadNumericTable(*reader, {"a", "b"});
  ASSERT_FALSE(short_line.ok());
  EXPECT_NE(short_line.error().message().find("line 2"), std::string::npos);
}

}  // namespace
}  // namespace heimdall
