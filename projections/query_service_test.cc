#include "projections/query_service.h"

#include <string>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace enrol {
namespace {

std::string PrintersJson(const v1::Coverage& c) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.always_print_primitive_fields = true;
  o.preserve_proto_field_names = true;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(c, &out, o).ok());
  return out;
}

// AnswerJson writes Coverage itself; the bytes must be the printer's.
TEST(QueryServiceTest, CoverageJsonIsTheProtobufPrinters) {
  v1::Coverage c;
  EXPECT_EQ(AnswerJson(c), PrintersJson(c));
  c.set_covered(true);
  c.set_scheme("resident");
  c.set_reason("enrolled for 2027, paid on 2026-12-01, benefits from 2027-01-01, exempt from waiting as newborn");
  EXPECT_EQ(AnswerJson(c), PrintersJson(c));
  c.set_covered(false);
  c.set_scheme("");
  c.set_reason("resident cover suspended from 2027-03-01 (reg-7); no employee cover for the month");
  EXPECT_EQ(AnswerJson(c), PrintersJson(c));
  // Every ASCII character in a reason, alone and among text (a string field
  // holds UTF-8 only).
  for (int b = 1; b < 128; ++b) {
    const std::string ch(1, static_cast<char>(b));
    for (const std::string& reason : {ch, "waiting until " + ch + " (r" + ch + "1)"}) {
      c.set_reason(reason);
      c.set_scheme(ch);
      EXPECT_EQ(AnswerJson(c), PrintersJson(c)) << "byte " << b;
    }
  }
  c.set_reason("等待期至 2027-06-30");
  EXPECT_EQ(AnswerJson(c), PrintersJson(c));
}

}  // namespace
}  // namespace enrol
