#include "common/ids.h"

#include "gtest/gtest.h"

namespace enrol {
namespace {

TEST(Ids, ContractExampleIsValid) {
  EXPECT_TRUE(ValidateIdNumber("532501199001011239").ok());
  EXPECT_EQ(IdCheckCharacter("53250119900101123"), '9');
}

TEST(Ids, RejectsBadCheckDigitLengthAndDate) {
  auto s = ValidateIdNumber("532501199001011238");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("check digit"), std::string::npos);
  EXPECT_FALSE(ValidateIdNumber("53250119900101123").ok());
  EXPECT_FALSE(ValidateIdNumber("532501199002301234").ok());  // 1990-02-30
  EXPECT_FALSE(ValidateIdNumber("53250119900101123x").ok());  // lower-case x
}

TEST(Ids, XCheckCharacter) {
  // Find a 17-digit prefix whose check character is X and verify round trip.
  std::string base = "11010519491231002";
  EXPECT_EQ(IdCheckCharacter(base), 'X');
  EXPECT_TRUE(ValidateIdNumber(base + "X").ok());
}

TEST(Ids, PoolAndSex) {
  EXPECT_EQ(PoolOf("532501"), "532500");
  EXPECT_EQ(PoolOf("421321"), "421300");
  EXPECT_TRUE(IsMaleId("532501199001011239"));  // 17th digit 3
  EXPECT_EQ(BirthDateFromId("532501199001011239"), Date(1990, 1, 1));
  EXPECT_FALSE(ValidateAreaCode("53250").ok());
  EXPECT_FALSE(ValidateAreaCode("53250a").ok());
}

}  // namespace
}  // namespace enrol
