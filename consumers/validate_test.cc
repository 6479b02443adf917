// Tests of ToEvent against the field formats of CONTRACT.md: every bad field
// value is refused with a reason that starts with the field's name, and good
// records of every feed and op give the right Event.
#include "consumers/validate.h"

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "gtest/gtest.h"

namespace enrol {
namespace {

using Kind = RawField::Kind;

const ProfileSet& Profiles() {
  static const ProfileSet* profiles = [] {
    auto p = ProfileSet::Builtin();
    EXPECT_TRUE(p.ok()) << p.status();
    return new ProfileSet(p.ok() ? *std::move(p) : ProfileSet());
  }();
  return *profiles;
}

// An ID number with a valid GB 11643 check character.
std::string MakeId(const std::string& first17) { return first17 + IdCheckCharacter(first17); }

const std::string kId = "532501199001011239";  // born 1990-01-01, male (17th digit 3)

// A record built field by field, as the feed reader would give it.
class Rec {
 public:
  Rec& Set(const std::string& name, const std::string& value, Kind kind = Kind::kString) {
    for (RawField& f : r_.fields) {
      if (f.name == name) {
        f.value = value;
        f.kind = kind;
        return *this;
      }
    }
    r_.fields.push_back(RawField{name, value, kind});
    return *this;
  }
  Rec& Remove(const std::string& name) {
    for (auto it = r_.fields.begin(); it != r_.fields.end(); ++it) {
      if (it->name == name) {
        r_.fields.erase(it);
        return *this;
      }
    }
    return *this;
  }
  const RawRecord& record() const { return r_; }

 private:
  RawRecord r_;
};

Rec Base(const std::string& record_id) {
  Rec r;
  r.Set("record_id", record_id).Set("id_number", kId).Set("region", "532501");
  return r;
}

// Resident contribution for 2026 paid in the window.
Rec TaxResident() {
  return Base("T1")
      .Set("scheme", "resident")
      .Set("payer", "individual")
      .Set("purpose", "regular")
      .Set("period", "2026")
      .Set("amount", "400.00")
      .Set("paid_at", "2025-10-12T09:30:00+08:00")
      .Set("op", "pay");
}

// Employee month contribution.
Rec TaxEmployee() {
  return Base("T2")
      .Set("scheme", "employee")
      .Set("payer", "employer")
      .Set("period", "2025-03")
      .Set("amount", "1234.56")
      .Set("paid_at", "2025-03-15T10:00:00+08:00");
}

Rec TaxRefund() {
  return Base("T9")
      .Set("op", "refund")
      .Set("refund_of", "T1")
      .Set("scheme", "resident")
      .Set("amount", "400.00")
      .Set("paid_at", "2025-11-01T10:00:00+08:00");
}

Rec Civil() {
  return Base("C1")
      .Set("status", "minimum_living")
      .Set("effective_from", "2025-01-01")
      .Set("effective_to", "2025-12-31");
}

Rec Registry() {
  return Base("R1").Set("action", "enrol").Set("scheme", "resident").Set("effective", "2025-01-01");
}

Rec Claims() {
  return Base("K1")
      .Set("scheme", "resident")
      .Set("kind", "inpatient")
      .Set("service_date", "2025-06-01")
      .Set("settled_at", "2025-06-05T10:00:00+08:00")
      .Set("total_cost", "10000.00")
      .Set("basic_fund_paid", "6000.00")
      .Set("critical_illness_paid", "1000.00");
}

Rec ClaimReversal() {
  return Base("K9")
      .Set("op", "reverse")
      .Set("reverse_of", "K1")
      .Set("service_date", "2025-06-01")
      .Set("settled_at", "2025-06-20T10:00:00+08:00");
}

absl::StatusOr<v1::Event> Convert(v1::Source source, const Rec& r) {
  return ToEvent(source, r.record(), Profiles());
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string Describe(const RawRecord& r) {
  std::string out;
  for (const RawField& f : r.fields) {
    absl::StrAppend(&out, f.name, "=", f.value, f.kind == Kind::kString ? "" : "(non-string)", " ");
  }
  return out;
}

// Expects the record to be refused with "<field>: ...".
void ExpectRefused(v1::Source source, const Rec& r, const std::string& field) {
  auto e = Convert(source, r);
  ASSERT_FALSE(e.ok()) << "accepted: " << Describe(r.record()) << "\n" << e->DebugString();
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << e.status();
  std::string message(e.status().message());
  EXPECT_TRUE(StartsWith(message, field + ": "))
      << "reason \"" << message << "\" does not start with \"" << field << ": \" for "
      << Describe(r.record());
}

v1::Event ExpectAccepted(v1::Source source, const Rec& r) {
  auto e = Convert(source, r);
  EXPECT_TRUE(e.ok()) << e.status() << " for " << Describe(r.record());
  return e.ok() ? *e : v1::Event();
}

// One bad value of one field.
struct BadCase {
  std::string field;  // the field the reason must start with
  std::string value;  // "" with absent = true removes the field
  Kind kind = Kind::kString;
  bool absent = false;
};

BadCase Bad(std::string field, std::string value, Kind kind = Kind::kString) {
  return BadCase{std::move(field), std::move(value), kind, false};
}
BadCase Missing(std::string field) { return BadCase{std::move(field), "", Kind::kString, true}; }

void ExpectEachRefused(v1::Source source, const Rec& base, const std::vector<BadCase>& cases) {
  // The base record itself is good.
  ExpectAccepted(source, base);
  for (const BadCase& c : cases) {
    Rec r = base;
    if (c.absent) {
      r.Remove(c.field);
    } else {
      r.Set(c.field, c.value, c.kind);
    }
    SCOPED_TRACE(absl::StrCat(c.field, " = ", c.absent ? std::string("<absent>") : c.value));
    ExpectRefused(source, r, c.field);
  }
}

// The fields every feed has.
std::vector<BadCase> CommonBadCases() {
  return {
      Missing("record_id"),
      Bad("record_id", "42", Kind::kNumber),
      Bad("record_id", std::string(129, 'r')),
      Missing("id_number"),
      Bad("id_number", "532501199001011238"),   // wrong check digit (9 expected)
      Bad("id_number", "53250119900101123"),    // 17 characters
      Bad("id_number", "5325011990010112390"),  // 19 characters
      Bad("id_number", "53250119900101101x"),   // lower-case x (X is the valid check)
      Bad("id_number", "5325011990010112X9"),   // letter before the check position
      Bad("id_number", MakeId("53250119901301123")),  // month 13, check digit right
      Bad("id_number", "532501199001011239", Kind::kNumber),
      Missing("region"),
      Bad("region", "53250"),
      Bad("region", "5325011"),
      Bad("region", "53250A"),
      Bad("region", "110101"),  // pools to 110100: no profile
      Bad("region", "532501", Kind::kNumber),
  };
}

std::vector<BadCase> WithCommon(std::vector<BadCase> cases) {
  std::vector<BadCase> all = CommonBadCases();
  all.insert(all.end(), cases.begin(), cases.end());
  return all;
}

// ---------------------------------------------------------------------------
// Bad values, field by field

TEST(ValidateTax, EveryBadFieldOfAResidentPaymentIsNamed) {
  ExpectEachRefused(
      v1::TAX, TaxResident(),
      WithCommon({
          Missing("scheme"),
          Bad("scheme", "residnet"),
          Bad("scheme", "Resident"),
          Bad("scheme", "1", Kind::kNumber),
          Missing("payer"),
          Bad("payer", "indivdual"),
          Bad("payer", "employer"),           // pays only the employee scheme
          Bad("payer", "flexible"),
          Bad("payer", "unemployment_fund"),
          Bad("purpose", "regualr"),
          Bad("purpose", "REGULAR"),
          Missing("period"),
          Bad("period", "2025-01"),  // resident periods are years
          Bad("period", "26"),
          Bad("period", "20x6"),
          Missing("amount"),
          Bad("amount", "400", Kind::kNumber),  // a JSON number, not a decimal string
          Bad("amount", "400.5", Kind::kNumber),
          Bad("amount", "400.001"),
          Bad("amount", "-400.00"),
          Bad("amount", "+400.00"),
          Bad("amount", "4e2"),
          Bad("amount", "400,00"),
          Bad("amount", "400."),
          Bad("amount", ".5"),
          Bad("amount", "abc"),
          Bad("amount", " 400.00"),
          Missing("paid_at"),
          Bad("paid_at", "2025-10-12T09:30:00"),  // no offset
          Bad("paid_at", "2025-10-12"),
          Bad("paid_at", "2025-10-12 09:30:00+08:00"),
          Bad("paid_at", "2025-13-12T09:30:00+08:00"),
          Bad("paid_at", "1760232600", Kind::kNumber),
          Bad("op", "pya"),
          Bad("op", "Pay"),
          Bad("refund_of", "T0"),  // only for op refund
          Bad("amout", "400.00"),  // unknown field
      }));
}

TEST(ValidateTax, EveryBadFieldOfAnEmployeePaymentIsNamed) {
  ExpectEachRefused(v1::TAX, TaxEmployee(),
                    {
                        Bad("period", "2025"),  // employee periods are months
                        Bad("period", "2025-13"),
                        Bad("period", "2025-00"),
                        Bad("period", "2025-3"),
                        Bad("period", "202503"),
                        Bad("purpose", "repair"),  // a resident-scheme payment
                        Bad("payer", "employee"),
                        Bad("amount", "1234.567"),
                        Bad("paid_at", "2025-03-15T10:00:00"),
                    });
}

// RFC 3339 (section 5.6): time-numoffset = ("+" / "-") time-hour ":" time-minute,
// seconds are required, a fraction is allowed.
TEST(ValidateTax, TimestampMustBeRfc3339WithAnOffset) {
  ExpectEachRefused(v1::TAX, TaxEmployee(),
                    {
                        Bad("paid_at", "2025-03-15T10:00:00"),
                        Bad("paid_at", "2025-03-15T10:00+08:00"),
                        Bad("paid_at", "2025-03-15T10:00:00+0800"),
                        Bad("paid_at", "2025-03-15T10:00:00+08"),
                        Bad("paid_at", "2025-03-15T10:00:00+08:00:00"),
                    });
  Rec r = TaxEmployee();
  r.Set("paid_at", "2025-03-15T02:00:00.250Z");
  EXPECT_EQ(ExpectAccepted(v1::TAX, r).contribution().paid_on(), 20250315);
  r.Set("paid_at", "2025-03-14T21:00:00-05:00");  // 2025-03-15 10:00 in China
  EXPECT_EQ(ExpectAccepted(v1::TAX, r).contribution().paid_on(), 20250315);
}

TEST(ValidateTax, RefundNeedsAnotherRecordToRefund) {
  ExpectAccepted(v1::TAX, TaxRefund());
  Rec missing = TaxRefund();
  missing.Remove("refund_of");
  ExpectRefused(v1::TAX, missing, "refund_of");
  Rec empty = TaxRefund();
  empty.Set("refund_of", "", Kind::kNull);
  ExpectRefused(v1::TAX, empty, "refund_of");
  Rec self = TaxRefund();
  self.Set("refund_of", "T9");  // its own record_id
  ExpectRefused(v1::TAX, self, "refund_of");
}

TEST(ValidateTax, RefundRefusesBadValuesOfTheFieldsItCarries) {
  ExpectEachRefused(v1::TAX, TaxRefund(),
                    {
                        Bad("scheme", "residnet"),
                        Bad("amount", "400.001"),
                        Bad("amount", "400", Kind::kNumber),
                        Bad("amount", "-1.00"),
                        Bad("paid_at", "2025-11-01T10:00:00"),
                        Bad("op", "refnud"),
                        Bad("refund_of", "7", Kind::kNumber),
                        Bad("amout", "1.00"),
                    });
}

// CONTRACT.md gives the values of payer, purpose and period for every tax
// record; a refund that carries one with a bad value is bad input too.
TEST(ValidateTax, RefundRefusesBadPayerPurposeAndPeriod) {
  ExpectEachRefused(v1::TAX, TaxRefund(),
                    {
                        Bad("payer", "bogus"),
                        Bad("purpose", "bogus"),
                        Bad("period", "bogus"),
                    });
}

TEST(ValidateTax, ResidentRegularPaymentAfterTheYearIsClosed) {
  Rec closed = TaxResident();
  closed.Set("period", "2025").Set("paid_at", "2026-01-01T00:30:00+08:00");
  ExpectRefused(v1::TAX, closed, "period");

  Rec last_second = TaxResident();
  last_second.Set("period", "2025").Set("paid_at", "2025-12-31T23:59:59+08:00");
  v1::Event e = ExpectAccepted(v1::TAX, last_second);
  EXPECT_EQ(e.contribution().period_year(), 2025);
  EXPECT_EQ(e.contribution().paid_on(), 20251231);

  // The same instants written with a UTC offset: the CST day decides.
  Rec closed_utc = TaxResident();
  closed_utc.Set("period", "2025").Set("paid_at", "2025-12-31T16:30:00Z");
  ExpectRefused(v1::TAX, closed_utc, "period");
  Rec last_second_utc = TaxResident();
  last_second_utc.Set("period", "2025").Set("paid_at", "2025-12-31T15:59:59Z");
  e = ExpectAccepted(v1::TAX, last_second_utc);
  EXPECT_EQ(e.contribution().paid_on(), 20251231);
  EXPECT_EQ(e.contribution().paid_at(), 1767196799);
}

TEST(ValidateCivil, EveryBadFieldIsNamed) {
  ExpectEachRefused(v1::CIVIL, Civil(),
                    WithCommon({
                        Missing("status"),
                        Bad("status", "deceased"),
                        Bad("status", "minimum-living"),
                        Bad("status", "Birth"),
                        Missing("effective_from"),
                        Bad("effective_from", "2025-1-1"),
                        Bad("effective_from", "2025/01/01"),
                        Bad("effective_from", "2025-02-30"),
                        Bad("effective_from", "20250101"),
                        Bad("effective_from", "2025-01-01T00:00:00+08:00"),
                        Bad("effective_to", "2025-13-01"),
                        Bad("effective_to", "2024-12-31"),  // before effective_from
                        Bad("effective_to", "2025-12-31", Kind::kBool),
                        Bad("effective", "2025-01-01"),  // a registry field
                    }));
}

TEST(ValidateCivil, BirthMustBeOnTheIdNumbersBirthDate) {
  Rec birth = Civil();
  birth.Remove("effective_to").Set("status", "birth").Set("effective_from", "1990-01-02");
  ExpectRefused(v1::CIVIL, birth, "effective_from");
  birth.Set("effective_from", "1990-01-01");
  v1::Event e = ExpectAccepted(v1::CIVIL, birth);
  EXPECT_EQ(e.status().status(), v1::BIRTH);
  EXPECT_EQ(e.status().effective_from(), 19900101);
}

TEST(ValidateRegistry, EveryBadFieldIsNamed) {
  ExpectEachRefused(v1::REGISTRY, Registry(),
                    WithCommon({
                        Missing("action"),
                        Bad("action", "enroll"),
                        Bad("action", "ENROL"),
                        Missing("scheme"),
                        Bad("scheme", "staff"),
                        Bad("kind", "employer"),  // kind is for the employee scheme only
                        Bad("kind", "flexible"),
                        Missing("effective"),
                        Bad("effective", "20250101"),
                        Bad("effective", "2025-02-29"),
                        Bad("fee_waived", "yes"),
                        Bad("fee_waived", "1", Kind::kNumber),
                        Bad("fee_waived", "TRUE"),
                        Bad("deemed_years", "2"),  // only transfer_in and retire
                        Bad("sex", "female"),      // only retire
                        Bad("status", "veteran"),  // a civil field
                    }));
}

TEST(ValidateRegistry, BadValuesOfEmployeeAndRetireFieldsAreNamed) {
  Rec employee = Registry();
  employee.Set("scheme", "employee").Set("kind", "employer");
  ExpectEachRefused(v1::REGISTRY, employee,
                    {
                        Bad("kind", "employe"),
                        Bad("kind", "staff"),
                        Bad("fee_waived", "true"),  // resident enrol only
                    });

  Rec transfer = Registry();
  transfer.Set("action", "transfer_in").Set("scheme", "employee").Set("kind", "flexible")
      .Set("deemed_years", "2.5");
  ExpectEachRefused(v1::REGISTRY, transfer,
                    {
                        Bad("deemed_years", "-1"),
                        Bad("deemed_years", "abc"),
                        Bad("deemed_years", "1.234"),
                        Bad("deemed_years", "[1]", Kind::kOther),
                        Bad("deemed_years", "true", Kind::kBool),
                        Bad("fee_waived", "true", Kind::kBool),
                    });

  Rec retire = Registry();
  retire.Set("action", "retire").Set("scheme", "employee").Set("sex", "male");
  ExpectEachRefused(v1::REGISTRY, retire,
                    {
                        Bad("sex", "M"),
                        Bad("sex", "Male"),
                        Bad("sex", "other"),
                        Bad("sex", "1", Kind::kNumber),
                    });
}

TEST(ValidateRegistry, FeeWaivedOnlyOnEnrol) {
  for (const char* action : {"suspend", "terminate", "transfer_in", "retire"}) {
    SCOPED_TRACE(action);
    Rec r = Registry();
    r.Set("action", action).Set("fee_waived", "true", Kind::kBool);
    ExpectRefused(v1::REGISTRY, r, "fee_waived");
  }
}

TEST(ValidateClaims, EveryBadFieldIsNamed) {
  ExpectEachRefused(v1::CLAIMS, Claims(),
                    WithCommon({
                        Missing("scheme"),
                        Bad("scheme", "residnet"),
                        Missing("kind"),
                        Bad("kind", "outpatent"),
                        Bad("kind", "Inpatient"),
                        Missing("service_date"),
                        Bad("service_date", "2025-06-31"),
                        Bad("service_date", "2025-6-1"),
                        Missing("settled_at"),
                        Bad("settled_at", "2025-06-05T10:00:00"),  // no offset
                        Bad("settled_at", "2025-06-05"),
                        Bad("settled_at", "2025-05-31T10:00:00+08:00"),  // before service_date
                        // 2025-05-31 23:30 in China: before the service day.
                        Bad("settled_at", "2025-06-01T00:30:00+09:00"),
                        Missing("total_cost"),
                        Bad("total_cost", "10000", Kind::kNumber),
                        Bad("total_cost", "10000.001"),
                        Bad("total_cost", "-10000.00"),
                        Missing("basic_fund_paid"),
                        Bad("basic_fund_paid", "6000", Kind::kNumber),
                        Bad("basic_fund_paid", "60.000"),
                        Bad("basic_fund_paid", "-1"),
                        Missing("critical_illness_paid"),
                        Bad("critical_illness_paid", "1000", Kind::kNumber),
                        Bad("critical_illness_paid", "1.234"),
                        Bad("critical_illness_paid", "x"),
                        Bad("op", "reversal"),
                        Bad("op", "settle "),
                        Bad("reverse_of", "K0"),  // only for op reverse
                        Bad("amount", "1.00"),    // a tax field
                    }));
}

TEST(ValidateClaims, PaidMoreThanTheTotalIsRefused) {
  for (auto [basic, ci] : std::vector<std::pair<std::string, std::string>>{
           {"9000.00", "1000.01"}, {"10000.01", "0"}, {"0", "10000.01"}}) {
    SCOPED_TRACE(absl::StrCat(basic, " + ", ci));
    Rec r = Claims();
    r.Set("basic_fund_paid", basic).Set("critical_illness_paid", ci);
    auto e = Convert(v1::CLAIMS, r);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
    std::string m(e.status().message());
    EXPECT_TRUE(StartsWith(m, "basic_fund_paid: ") || StartsWith(m, "critical_illness_paid: ") ||
                StartsWith(m, "total_cost: "))
        << m;
  }
  Rec exact = Claims();
  exact.Set("basic_fund_paid", "9000.00").Set("critical_illness_paid", "1000.00");
  ExpectAccepted(v1::CLAIMS, exact);
}

TEST(ValidateClaims, ReversalNeedsAnotherClaimToReverse) {
  ExpectAccepted(v1::CLAIMS, ClaimReversal());
  Rec missing = ClaimReversal();
  missing.Remove("reverse_of");
  ExpectRefused(v1::CLAIMS, missing, "reverse_of");
  Rec self = ClaimReversal();
  self.Set("reverse_of", "K9");
  ExpectRefused(v1::CLAIMS, self, "reverse_of");
  ExpectEachRefused(v1::CLAIMS, ClaimReversal(),
                    {
                        Bad("service_date", "2025-06-31"),
                        Bad("settled_at", "2025-06-20T10:00:00"),
                        Bad("op", "revers"),
                        Bad("reverse_of", "1", Kind::kNumber),
                        Bad("amount", "1.00"),
                    });
}

// CONTRACT.md gives the values of scheme, kind and the amounts for every
// claims record; a reversal that carries one with a bad value is bad input too.
TEST(ValidateClaims, ReversalRefusesBadSchemeKindAndAmounts) {
  ExpectEachRefused(v1::CLAIMS, ClaimReversal(),
                    {
                        Bad("scheme", "bogus"),
                        Bad("kind", "bogus"),
                        Bad("total_cost", "bogus"),
                        Bad("basic_fund_paid", "1.001"),
                        Bad("critical_illness_paid", "-1"),
                    });
}

TEST(Validate, ParseErrorIsTheReason) {
  RawRecord r;
  r.text = "{not json";
  r.parse_error = "record: is not a JSON object";
  auto e = ToEvent(v1::TAX, r, Profiles());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(e.status().message(), "record: is not a JSON object");
}

// ---------------------------------------------------------------------------
// Good records

TEST(ValidateTax, ResidentPaymentGivesAContribution) {
  Rec r = TaxResident();
  r.Remove("purpose").Remove("op");  // defaults: regular, pay
  // 2025-10-11T18:30:00Z is 2025-10-12 02:30 in China.
  r.Set("paid_at", "2025-10-11T14:30:00-04:00");
  v1::Event e = ExpectAccepted(v1::TAX, r);
  EXPECT_EQ(e.source(), v1::TAX);
  EXPECT_EQ(e.record_id(), "T1");
  EXPECT_EQ(e.person(), kId);
  EXPECT_EQ(e.region(), "532501");
  EXPECT_EQ(e.pool(), "532500");
  ASSERT_TRUE(e.has_contribution());
  const v1::Contribution& c = e.contribution();
  EXPECT_EQ(c.scheme(), v1::RESIDENT);
  EXPECT_EQ(c.payer(), v1::INDIVIDUAL);
  EXPECT_EQ(c.purpose(), v1::REGULAR);
  EXPECT_EQ(c.period_year(), 2026);
  EXPECT_EQ(c.period_month(), 0);
  EXPECT_EQ(c.amount_fen(), 40000);
  EXPECT_EQ(c.paid_at(), 1760207400);
  EXPECT_EQ(c.paid_on(), 20251012);
  EXPECT_EQ(e.business_date(), 20251012);
}

TEST(ValidateTax, AmountsBecomeFen) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"400.00", 40000}, {"400", 40000}, {"400.5", 40050}, {"0.01", 1},
      {"1234.56", 123456}, {"180.10", 18010}, {"999999.99", 99999999}};
  for (const auto& [text, fen] : cases) {
    SCOPED_TRACE(text);
    Rec r = TaxResident();
    r.Set("amount", text);
    EXPECT_EQ(ExpectAccepted(v1::TAX, r).contribution().amount_fen(), fen);
  }
}

TEST(ValidateTax, EmployeePaymentHasAMonthPeriod) {
  Rec r = TaxEmployee();
  r.Set("purpose", "makeup").Set("paid_at", "2025-03-01T02:00:00Z");
  v1::Event e = ExpectAccepted(v1::TAX, r);
  const v1::Contribution& c = e.contribution();
  EXPECT_EQ(c.scheme(), v1::EMPLOYEE);
  EXPECT_EQ(c.payer(), v1::EMPLOYER);
  EXPECT_EQ(c.purpose(), v1::MAKEUP);
  EXPECT_EQ(c.period_year(), 2025);
  EXPECT_EQ(c.period_month(), 3);
  EXPECT_EQ(c.amount_fen(), 123456);
  EXPECT_EQ(c.paid_at(), 1740794400);
  EXPECT_EQ(c.paid_on(), 20250301);
  EXPECT_EQ(e.business_date(), 20250301);

  for (auto [payer, want] : std::vector<std::pair<std::string, v1::Payer>>{
           {"individual", v1::INDIVIDUAL}, {"employer", v1::EMPLOYER}, {"flexible", v1::FLEXIBLE},
           {"subsidy", v1::SUBSIDY}, {"unemployment_fund", v1::UNEMPLOYMENT_FUND}}) {
    SCOPED_TRACE(payer);
    r.Set("payer", payer);
    EXPECT_EQ(ExpectAccepted(v1::TAX, r).contribution().payer(), want);
  }
  r.Set("period", "2024-12");
  EXPECT_EQ(ExpectAccepted(v1::TAX, r).contribution().period_month(), 12);
}

TEST(ValidateTax, ResidentRepairAndSubsidy) {
  Rec repair = TaxResident();
  repair.Set("purpose", "repair").Set("period", "2023").Set("amount", "380.00");
  v1::Event e = ExpectAccepted(v1::TAX, repair);
  EXPECT_EQ(e.contribution().purpose(), v1::REPAIR);
  EXPECT_EQ(e.contribution().period_year(), 2023);
  EXPECT_EQ(e.contribution().period_month(), 0);
  EXPECT_EQ(e.contribution().amount_fen(), 38000);

  Rec subsidy = TaxResident();
  subsidy.Set("payer", "subsidy");
  EXPECT_EQ(ExpectAccepted(v1::TAX, subsidy).contribution().payer(), v1::SUBSIDY);
}

TEST(ValidateTax, IdNumberWithCheckCharacterX) {
  const std::string id = MakeId("53250119900101101");
  ASSERT_EQ(id.back(), 'X');
  Rec r = TaxResident();
  r.Set("id_number", id);
  EXPECT_EQ(ExpectAccepted(v1::TAX, r).person(), id);
}

TEST(ValidateTax, EveryBuiltinPoolIsServed) {
  for (auto [region, pool] : std::vector<std::pair<std::string, std::string>>{
           {"532501", "532500"}, {"532500", "532500"}, {"421302", "421300"}, {"510402", "510400"}}) {
    SCOPED_TRACE(region);
    Rec r = TaxResident();
    r.Set("region", region);
    v1::Event e = ExpectAccepted(v1::TAX, r);
    EXPECT_EQ(e.region(), region);
    EXPECT_EQ(e.pool(), pool);
  }
}

TEST(ValidateTax, RefundGivesARefund) {
  v1::Event e = ExpectAccepted(v1::TAX, TaxRefund());
  EXPECT_EQ(e.source(), v1::TAX);
  EXPECT_EQ(e.record_id(), "T9");
  ASSERT_TRUE(e.has_refund());
  EXPECT_FALSE(e.has_contribution());
  EXPECT_EQ(e.refund().refund_of(), "T1");
  EXPECT_EQ(e.refund().amount_fen(), 40000);
  EXPECT_EQ(e.refund().scheme(), v1::RESIDENT);
  EXPECT_EQ(e.refund().paid_on(), 20251101);
  EXPECT_EQ(e.business_date(), 20251101);
}

TEST(ValidateCivil, StatusGivesAStatusChange) {
  v1::Event e = ExpectAccepted(v1::CIVIL, Civil());
  EXPECT_EQ(e.source(), v1::CIVIL);
  EXPECT_EQ(e.record_id(), "C1");
  ASSERT_TRUE(e.has_status());
  EXPECT_EQ(e.status().status(), v1::MINIMUM_LIVING);
  EXPECT_EQ(e.status().effective_from(), 20250101);
  EXPECT_EQ(e.status().effective_to(), 20251231);
  EXPECT_EQ(e.business_date(), 20250101);

  Rec open = Civil();
  open.Remove("effective_to");
  EXPECT_EQ(ExpectAccepted(v1::CIVIL, open).status().effective_to(), 0);
  Rec same_day = Civil();
  same_day.Set("effective_to", "2025-01-01");
  EXPECT_EQ(ExpectAccepted(v1::CIVIL, same_day).status().effective_to(), 20250101);
}

TEST(ValidateCivil, EveryStatusMaps) {
  const std::vector<std::pair<std::string, v1::Status>> statuses = {
      {"birth", v1::BIRTH},
      {"death", v1::DEATH},
      {"special_hardship", v1::SPECIAL_HARDSHIP},
      {"orphan", v1::ORPHAN},
      {"minimum_living", v1::MINIMUM_LIVING},
      {"low_income_monitored", v1::LOW_INCOME_MONITORED},
      {"severe_disability", v1::SEVERE_DISABILITY},
      {"medical_assistance", v1::MEDICAL_ASSISTANCE},
      {"veteran", v1::VETERAN},
      {"military_dependent", v1::MILITARY_DEPENDENT},
      {"released_prisoner", v1::RELEASED_PRISONER},
      {"registered", v1::REGISTERED},
      {"migrant_worker", v1::MIGRANT_WORKER},
      {"severe_mental_illness", v1::SEVERE_MENTAL_ILLNESS}};
  for (const auto& [name, status] : statuses) {
    SCOPED_TRACE(name);
    Rec r = Civil();
    r.Remove("effective_to").Set("status", name).Set("effective_from", "1990-01-01");
    EXPECT_EQ(ExpectAccepted(v1::CIVIL, r).status().status(), status);
  }
}

TEST(ValidateCivil, NewbornBirth) {
  const std::string baby = MakeId("51040220250301002");  // born 2025-03-01 in 510402
  Rec r = Base("C2");
  r.Set("id_number", baby).Set("region", "510402").Set("status", "birth").Set("effective_from",
                                                                               "2025-03-01");
  v1::Event e = ExpectAccepted(v1::CIVIL, r);
  EXPECT_EQ(e.person(), baby);
  EXPECT_EQ(e.pool(), "510400");
  EXPECT_EQ(e.status().status(), v1::BIRTH);
  EXPECT_EQ(e.status().effective_from(), 20250301);
  EXPECT_EQ(e.business_date(), 20250301);
}

TEST(ValidateRegistry, ResidentEnrolWithFeeWaived) {
  Rec r = Registry();
  r.Set("fee_waived", "true", Kind::kBool);
  v1::Event e = ExpectAccepted(v1::REGISTRY, r);
  EXPECT_EQ(e.source(), v1::REGISTRY);
  EXPECT_EQ(e.record_id(), "R1");
  ASSERT_TRUE(e.has_registry());
  EXPECT_EQ(e.registry().action(), v1::ENROL);
  EXPECT_EQ(e.registry().scheme(), v1::RESIDENT);
  EXPECT_EQ(e.registry().kind(), v1::KIND_UNSPECIFIED);
  EXPECT_TRUE(e.registry().fee_waived());
  EXPECT_EQ(e.registry().effective(), 20250101);
  EXPECT_EQ(e.business_date(), 20250101);

  r.Set("fee_waived", "true");  // as a CSV cell
  EXPECT_TRUE(ExpectAccepted(v1::REGISTRY, r).registry().fee_waived());
  r.Set("fee_waived", "false", Kind::kBool);
  EXPECT_FALSE(ExpectAccepted(v1::REGISTRY, r).registry().fee_waived());
  r.Remove("fee_waived");
  EXPECT_FALSE(ExpectAccepted(v1::REGISTRY, r).registry().fee_waived());
}

TEST(ValidateRegistry, EmployeeKinds) {
  Rec r = Registry();
  r.Set("scheme", "employee").Set("kind", "employer");
  v1::Event e = ExpectAccepted(v1::REGISTRY, r);
  EXPECT_EQ(e.registry().scheme(), v1::EMPLOYEE);
  EXPECT_EQ(e.registry().kind(), v1::EMPLOYER_STAFF);
  r.Set("kind", "flexible");
  EXPECT_EQ(ExpectAccepted(v1::REGISTRY, r).registry().kind(), v1::FLEXIBLE_WORKER);
}

TEST(ValidateRegistry, DeemedYearsBecomeMonths) {
  const std::vector<std::tuple<std::string, Kind, int64_t>> cases = {
      {"2.5", Kind::kString, 30},  {"10", Kind::kNumber, 120}, {"10", Kind::kString, 120},
      {"0.25", Kind::kString, 3},  {"1.5", Kind::kNumber, 18}, {"15.75", Kind::kString, 189},
      {"0", Kind::kString, 0}};
  for (const auto& [text, kind, months] : cases) {
    SCOPED_TRACE(text);
    Rec r = Registry();
    r.Set("action", "transfer_in").Set("scheme", "employee").Set("kind", "employer")
        .Set("deemed_years", text, kind);
    v1::Event e = ExpectAccepted(v1::REGISTRY, r);
    EXPECT_EQ(e.registry().action(), v1::TRANSFER_IN);
    EXPECT_EQ(e.registry().deemed_months(), months);
  }
  Rec retire = Registry();
  retire.Set("action", "retire").Set("scheme", "employee").Set("deemed_years", "8");
  EXPECT_EQ(ExpectAccepted(v1::REGISTRY, retire).registry().deemed_months(), 96);
}

TEST(ValidateRegistry, RetireWithSex) {
  Rec r = Registry();
  r.Set("action", "retire").Set("scheme", "employee").Set("effective", "2050-01-01");
  v1::Event e = ExpectAccepted(v1::REGISTRY, r);
  EXPECT_EQ(e.registry().action(), v1::RETIRE);
  EXPECT_EQ(e.registry().effective(), 20500101);
  r.Set("sex", "female");  // the ID says male; the record decides
  EXPECT_EQ(ExpectAccepted(v1::REGISTRY, r).registry().sex(), v1::FEMALE);
  r.Set("sex", "male");
  EXPECT_EQ(ExpectAccepted(v1::REGISTRY, r).registry().sex(), v1::MALE);
}

TEST(ValidateRegistry, EveryActionMaps) {
  for (auto [name, action] : std::vector<std::pair<std::string, v1::Action>>{
           {"enrol", v1::ENROL}, {"suspend", v1::SUSPEND}, {"terminate", v1::TERMINATE},
           {"transfer_in", v1::TRANSFER_IN}, {"retire", v1::RETIRE}}) {
    SCOPED_TRACE(name);
    Rec r = Registry();
    r.Set("action", name);
    EXPECT_EQ(ExpectAccepted(v1::REGISTRY, r).registry().action(), action);
  }
}

TEST(ValidateClaims, SettlementGivesAClaim) {
  Rec r = Claims();
  r.Set("settled_at", "2025-06-05T02:00:00Z").Set("total_cost", "10000.5").Set("op", "settle");
  v1::Event e = ExpectAccepted(v1::CLAIMS, r);
  EXPECT_EQ(e.source(), v1::CLAIMS);
  EXPECT_EQ(e.record_id(), "K1");
  ASSERT_TRUE(e.has_claim());
  EXPECT_EQ(e.claim().scheme(), v1::RESIDENT);
  EXPECT_EQ(e.claim().kind(), v1::INPATIENT);
  EXPECT_EQ(e.claim().service_date(), 20250601);
  EXPECT_EQ(e.claim().settled_at(), 1749088800);
  EXPECT_EQ(e.claim().total_cost_fen(), 1000050);
  EXPECT_EQ(e.claim().basic_fund_paid_fen(), 600000);
  EXPECT_EQ(e.claim().critical_illness_paid_fen(), 100000);
  EXPECT_EQ(e.business_date(), 20250601);

  for (auto [kind, want] : std::vector<std::pair<std::string, v1::ClaimKind>>{
           {"outpatient", v1::OUTPATIENT}, {"inpatient", v1::INPATIENT}, {"chronic", v1::CHRONIC}}) {
    r.Set("kind", kind);
    EXPECT_EQ(ExpectAccepted(v1::CLAIMS, r).claim().kind(), want);
  }
  r.Set("scheme", "employee");
  EXPECT_EQ(ExpectAccepted(v1::CLAIMS, r).claim().scheme(), v1::EMPLOYEE);
  // Settled the same CST day as the service.
  r.Set("settled_at", "2025-05-31T16:00:00Z");
  EXPECT_EQ(ExpectAccepted(v1::CLAIMS, r).claim().settled_at(), 1748707200);
}

TEST(ValidateClaims, ReversalGivesAClaimReversal) {
  v1::Event e = ExpectAccepted(v1::CLAIMS, ClaimReversal());
  ASSERT_TRUE(e.has_claim_reversal());
  EXPECT_FALSE(e.has_claim());
  EXPECT_EQ(e.record_id(), "K9");
  EXPECT_EQ(e.claim_reversal().reverse_of(), "K1");
  EXPECT_EQ(e.claim_reversal().service_date(), 20250601);
}

// Issue 9: values that used to pass and cost unbounded work or hid a typing
// error are refused naming the field.
TEST(ValidateLimits, DatesOutsideThePoolsIntakeLimitsAreNamed) {
  ExpectRefused(v1::TAX, TaxResident().Set("paid_at", "9999-12-31T10:00:00+08:00").Set("period", "2026"), "paid_at");
  ExpectRefused(v1::TAX, TaxEmployee().Set("paid_at", "9999-12-31T10:00:00+08:00"), "paid_at");
  ExpectRefused(v1::TAX, TaxRefund().Set("paid_at", "1949-12-31T10:00:00+08:00"), "paid_at");
  ExpectRefused(v1::CIVIL, Civil().Set("effective_from", "9999-12-31").Set("effective_to", ""), "effective_from");
  ExpectRefused(v1::CIVIL, Civil().Set("effective_to", "9999-12-31"), "effective_to");
  ExpectRefused(v1::REGISTRY, Registry().Set("effective", "9999-01-01"), "effective");
  ExpectRefused(v1::CLAIMS, Claims().Set("service_date", "2061-01-01").Set("settled_at", "2061-01-02T10:00:00+08:00"),
                "service_date");
  ExpectRefused(v1::CLAIMS, ClaimReversal().Set("settled_at", "9999-01-01T10:00:00+08:00"), "settled_at");
  // The last day of the limits is accepted.
  ExpectAccepted(v1::REGISTRY, Registry().Set("effective", "2060-12-31"));
}

TEST(ValidateLimits, AnEmployeeMonthFarAfterItsPaymentIsNamed) {
  ExpectRefused(v1::TAX, TaxEmployee().Set("period", "2100-12"), "period");
  ExpectRefused(v1::TAX, TaxEmployee().Set("period", "2026-04"), "period");  // 13 months ahead
  ExpectAccepted(v1::TAX, TaxEmployee().Set("period", "2026-03"));           // 12 months ahead
}

TEST(ValidateLimits, ARecordIdWithControlOrBidiCharactersIsNamed) {
  ExpectRefused(v1::TAX, TaxResident().Set("record_id", "T1\x01"), "record_id");
  ExpectRefused(v1::TAX, TaxResident().Set("record_id", "T1\x7f"), "record_id");
  ExpectRefused(v1::TAX, TaxResident().Set("record_id", "T\u202e1"), "record_id");
  ExpectRefused(v1::TAX, TaxResident().Set("record_id", "T\u20661"), "record_id");
  ExpectAccepted(v1::TAX, TaxResident().Set("record_id", "T-1_a.b/c"));
}

TEST(ValidateLimits, AnIdWhoseBirthDateIsAfterTheRecordIsNamed) {
  // Born 2027-01-20; paid for 2026 on 2025-10-12.
  ExpectRefused(v1::TAX, TaxResident().Set("id_number", MakeId("53250120270120123")).Set("record_id", "TB"), "id_number");
}

}  // namespace
}  // namespace enrol
