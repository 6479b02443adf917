#include "projections/month_map.h"

#include "gtest/gtest.h"

namespace enrol {
namespace {

using Month = absl::CivilMonth;

TEST(MonthMap, OutsideTheSpanReadsAsTheDefault) {
  MonthMap<int> m;
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.Get(Month(2025, 3)), 0);
  EXPECT_EQ(m.Find(Month(2025, 3)), nullptr);
  m.Set(Month(2025, 3), Month(2025, 5), 7);
  EXPECT_EQ(m.first(), Month(2025, 3));
  EXPECT_EQ(m.last(), Month(2025, 5));
  EXPECT_EQ(m.Get(Month(2025, 2)), 0);
  EXPECT_EQ(m.Get(Month(2025, 4)), 7);
  EXPECT_EQ(m.Get(Month(2025, 6)), 0);
  EXPECT_EQ(m.GetAt(-1), 0);
  EXPECT_EQ(m.GetAt(2), 7);
  EXPECT_EQ(m.GetAt(3), 0);
}

TEST(MonthMap, GrowsOnBothSidesAcrossYearsAndKeepsWhatItHeld) {
  MonthMap<int> m;
  m[Month(2025, 1)] = 1;
  m[Month(2024, 11)] = 2;  // before: the span grows to the left
  m[Month(2025, 3)] = 3;   // after
  EXPECT_EQ(m.first(), Month(2024, 11));
  EXPECT_EQ(m.size(), 5);
  EXPECT_EQ(m.index(Month(2025, 1)), 2);
  EXPECT_EQ(m.Get(Month(2024, 11)), 2);
  EXPECT_EQ(m.Get(Month(2024, 12)), 0);
  EXPECT_EQ(m.Get(Month(2025, 1)), 1);
  EXPECT_EQ(m.Get(Month(2025, 2)), 0);
  EXPECT_EQ(m.Get(Month(2025, 3)), 3);
}

TEST(MonthMap, AnEmptyRangeSetsNothing) {
  MonthMap<int> m;
  m.Set(Month(2025, 5), Month(2025, 4), 9);
  EXPECT_TRUE(m.empty());
}

}  // namespace
}  // namespace enrol
