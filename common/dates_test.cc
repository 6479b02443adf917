#include "common/dates.h"

#include "gtest/gtest.h"

namespace enrol {
namespace {

TEST(Dates, AddMonthsClampsToMonthEnd) {
  EXPECT_EQ(AddMonths(Date(2025, 11, 30), 3), Date(2026, 2, 28));
  EXPECT_EQ(AddMonths(Date(2025, 11, 6), 3), Date(2026, 2, 6));
  EXPECT_EQ(AddMonths(Date(2024, 1, 31), 1), Date(2024, 2, 29));
  EXPECT_EQ(AddMonths(Date(2025, 1, 1), 0), Date(2025, 1, 1));
  EXPECT_EQ(AddMonths(Date(2025, 1, 1), 24), Date(2027, 1, 1));
}

TEST(Dates, LastDayOfMonthIsTheDayBeforeTheNextMonthsFirst) {
  for (int64_t y = 1899; y <= 2101; ++y) {
    for (int m = 1; m <= 12; ++m) {
      EXPECT_EQ(LastDayOfMonth(y, m), Date(absl::CivilMonth(y, m) + 1) - 1) << y << "-" << m;
    }
  }
  EXPECT_EQ(LastDayOfMonth(2024, 2), Date(2024, 2, 29));
  EXPECT_EQ(LastDayOfMonth(1900, 2), Date(1900, 2, 28));
  EXPECT_EQ(LastDayOfMonth(2000, 2), Date(2000, 2, 29));
  // Months outside 1-12 are normalised, as a civil month would be.
  EXPECT_EQ(LastDayOfMonth(2024, 13), Date(2025, 1, 31));
  EXPECT_EQ(LastDayOfMonth(2024, 0), Date(2023, 12, 31));
}

TEST(Dates, ParseDateIsStrict) {
  EXPECT_EQ(ParseDate("2025-02-28"), Date(2025, 2, 28));
  EXPECT_FALSE(ParseDate("2025-02-29"));
  EXPECT_FALSE(ParseDate("2025-2-28"));
  EXPECT_FALSE(ParseDate("2025/02/28"));
  EXPECT_FALSE(ParseDate("2025-13-01"));
  EXPECT_FALSE(ParseDate(""));
  EXPECT_EQ(ParseDate("2024-02-29"), Date(2024, 2, 29));
}

TEST(Dates, TimestampsNeedAnOffsetAndLandOnTheCstDay) {
  auto t = ParseTimestamp("2025-10-12T09:30:00+08:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(CstDay(*t), Date(2025, 10, 12));
  auto late_utc = ParseTimestamp("2025-12-31T17:00:00Z");  // 2026-01-01 01:00 CST
  ASSERT_TRUE(late_utc);
  EXPECT_EQ(CstDay(*late_utc), Date(2026, 1, 1));
  EXPECT_FALSE(ParseTimestamp("2025-10-12T09:30:00"));
  EXPECT_FALSE(ParseTimestamp("2025-10-12"));
  EXPECT_FALSE(ParseTimestamp("2025-02-30T09:30:00+08:00"));
}

TEST(Dates, YmdRoundTrip) {
  EXPECT_EQ(ToYmd(Date(2026, 2, 5)), 20260205);
  EXPECT_EQ(FromYmd(20260205), Date(2026, 2, 5));
  EXPECT_EQ(FormatYmd(20260205), "2026-02-05");
  EXPECT_EQ(FormatYmd(0), "");
}

}  // namespace
}  // namespace enrol
