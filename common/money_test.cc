#include "common/money.h"

#include "gtest/gtest.h"

namespace enrol {
namespace {

TEST(Money, ParsesYuanToFen) {
  EXPECT_EQ(*ParseYuan("400.00"), 40000);
  EXPECT_EQ(*ParseYuan("400"), 40000);
  EXPECT_EQ(*ParseYuan("400.5"), 40050);
  EXPECT_EQ(*ParseYuan("0.01"), 1);
  EXPECT_EQ(FormatFen(40050), "400.50");
}

TEST(Money, RejectsWhatIsNotADecimalString) {
  for (const char* bad : {"", "-1", "+1", "1e3", "400.001", "400.", ".5", "4 00", "abc"}) {
    auto v = ParseYuan(bad);
    EXPECT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace enrol
