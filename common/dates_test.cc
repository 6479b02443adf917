#include "common/dates.h"

#include "absl/strings/str_format.h"
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

// ParseTimestamp reads the common form by arithmetic and the rest through
// absl::ParseTime; CstDay computes the day. Both must agree with absl's
// RFC 3339 parser and civil-day conversion on every input.
TEST(Dates, TimestampsAndCstDaysAgreeWithAbsl) {
  const absl::TimeZone utc8 = absl::FixedTimeZone(8 * 3600);
  uint64_t state = 12345;
  auto next = [&](uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  const char* zones[] = {"Z", "+08:00", "-05:30", "+00:00", "+23:59", "-23:59", "+14:00", "+24:00"};
  const char* seconds[] = {"00", "59", "60", "07.5", "30.123456789"};
  for (int i = 0; i < 20000; ++i) {
    const std::string s = absl::StrFormat(
        "%04d-%02d-%02dT%02d:%02d:%s%s", 1900 + next(202), 1 + next(12), 1 + next(31), next(25), next(61),
        i % 7 == 0 ? seconds[next(5)] : absl::StrFormat("%02d", next(60)), zones[next(8)]);
    absl::Time want;
    std::string err;
    const bool valid = ParseDate(s.substr(0, 10)).has_value() && absl::ParseTime(absl::RFC3339_full, s, &want, &err);
    const std::optional<absl::Time> got = ParseTimestamp(s);
    ASSERT_EQ(got.has_value(), valid) << s;
    if (!valid) continue;
    EXPECT_EQ(*got, want) << s;
    EXPECT_EQ(CstDay(*got), absl::ToCivilDay(want, utc8)) << s;
  }
  for (int64_t t : {int64_t{-2208988800}, int64_t{-28801}, int64_t{-28800}, int64_t{-1}, int64_t{0}, int64_t{57599},
                    int64_t{57600}, int64_t{4102444799}}) {
    EXPECT_EQ(CstDay(absl::FromUnixSeconds(t)), absl::ToCivilDay(absl::FromUnixSeconds(t), utc8)) << t;
    EXPECT_EQ(CstDay(absl::FromUnixMillis(t * 1000 - 1)), absl::ToCivilDay(absl::FromUnixMillis(t * 1000 - 1), utc8))
        << t;
  }
}

TEST(Dates, YmdRoundTrip) {
  EXPECT_EQ(ToYmd(Date(2026, 2, 5)), 20260205);
  EXPECT_EQ(FromYmd(20260205), Date(2026, 2, 5));
  EXPECT_EQ(FormatYmd(20260205), "2026-02-05");
  EXPECT_EQ(FormatYmd(0), "");
}

}  // namespace
}  // namespace enrol
