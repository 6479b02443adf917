#include "common/hashing.h"

#include "gtest/gtest.h"

namespace enrol {
namespace {

TEST(Hashing, Sha256KnownVector) {
  EXPECT_EQ(HexOf(Sha256Of("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(HexOf(h.Finish()), HexOf(Sha256Of("abc")));
}

TEST(Hashing, PartitionIsStableAndInRange) {
  for (int n : {1, 3, 16}) {
    int32_t p = PartitionForKey("532501199001011239", n);
    EXPECT_GE(p, 0);
    EXPECT_LT(p, n);
    EXPECT_EQ(p, PartitionForKey("532501199001011239", n));
  }
}

}  // namespace
}  // namespace enrol
