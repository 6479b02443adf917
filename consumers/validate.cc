#include "consumers/validate.h"

#include <initializer_list>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/dates.h"
#include "common/ids.h"
#include "common/money.h"

namespace enrol {
namespace {

using Kind = RawField::Kind;

absl::Status Bad(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

// The pool's intake limits (IntakeLimits), with defaults for a profile that
// gives none.
struct Limits {
  Date earliest{1950, 1, 1};
  Date latest{2100, 12, 31};
  int employee_months_ahead = 12;

  explicit Limits(const v1::PolicyProfile* profile) {
    if (profile == nullptr) return;
    const v1::IntakeLimits& in = profile->intake();
    if (auto d = ParseDate(in.earliest_date())) earliest = *d;
    if (auto d = ParseDate(in.latest_date())) latest = *d;
    if (in.employee_months_ahead() > 0) employee_months_ahead = in.employee_months_ahead();
  }

  absl::Status Check(const std::string& field, Date d) const {
    if (d < earliest || d > latest) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": ", FormatDate(d), " is outside ",
                                                     FormatDate(earliest), " to ", FormatDate(latest),
                                                     " (the pool's intake limits)"));
    }
    return absl::OkStatus();
  }
};

// A record id a person reads in a report: no control characters and no
// bidirectional overrides that would make it print as another id.
absl::Status CheckRecordId(const std::string& id) {
  for (size_t i = 0; i < id.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(id[i]);
    if (c < 0x20 || c == 0x7f) return Bad("record_id", absl::StrCat("has a control character at byte ", i));
    // Every bidirectional control below starts with 0xE2 or 0xD8 in UTF-8.
    if (c != 0xE2 && c != 0xD8) continue;
    const std::string_view rest = std::string_view(id).substr(i);
    for (std::string_view bidi : {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                                  "\u2069", "\u200e", "\u200f", "\u061c"}) {
      if (rest.substr(0, bidi.size()) == bidi) {
        return Bad("record_id", absl::StrCat("has a bidirectional control character at byte ", i));
      }
    }
  }
  return absl::OkStatus();
}

// Typed access to one record's fields; every getter names the field in its error.
class Fields {
 public:
  explicit Fields(const RawRecord& r) : r_(r) {}

  // The string value, or nullopt when absent, null or empty.
  absl::StatusOr<std::optional<std::string>> Text(const std::string& name) const {
    const RawField* f = r_.Find(name);
    if (f == nullptr || f->kind == Kind::kNull) return std::optional<std::string>();
    if (f->kind != Kind::kString) return Bad(name, "must be a string");
    if (f->value.empty()) return std::optional<std::string>();
    return std::optional<std::string>(f->value);
  }

  absl::StatusOr<std::string> Required(const std::string& name) const {
    auto v = Text(name);
    if (!v.ok()) return v.status();
    if (!*v) return Bad(name, "is required");
    return **v;
  }

  // One of `values`; `fallback` when absent (nullopt: required).
  absl::StatusOr<std::string> Enum(const std::string& name, std::initializer_list<const char*> values,
                                   std::optional<std::string> fallback = std::nullopt) const {
    auto v = Text(name);
    if (!v.ok()) return v.status();
    if (!*v) {
      if (fallback) return *fallback;
      return Bad(name, absl::StrCat("is required (one of ", absl::StrJoin(values, ", "), ")"));
    }
    for (const char* allowed : values) {
      if (**v == allowed) return **v;
    }
    return Bad(name, absl::StrCat("unknown value \"", **v, "\" (one of ", absl::StrJoin(values, ", "), ")"));
  }

  absl::StatusOr<std::optional<Date>> OptionalDate(const std::string& name) const {
    auto v = Text(name);
    if (!v.ok()) return v.status();
    if (!*v) return std::optional<Date>();
    auto d = ParseDate(**v);
    if (!d) return Bad(name, absl::StrCat("\"", **v, "\" is not a YYYY-MM-DD date"));
    return std::optional<Date>(*d);
  }

  absl::StatusOr<Date> RequiredDate(const std::string& name) const {
    auto d = OptionalDate(name);
    if (!d.ok()) return d.status();
    if (!*d) return Bad(name, "is required (YYYY-MM-DD)");
    return **d;
  }

  absl::StatusOr<std::optional<absl::Time>> OptionalTimestamp(const std::string& name) const {
    auto v = Text(name);
    if (!v.ok()) return v.status();
    if (!*v) return std::optional<absl::Time>();
    auto t = ParseTimestamp(**v);
    if (!t) {
      return Bad(name, absl::StrCat("\"", **v, "\" is not an RFC 3339 timestamp with an offset"));
    }
    return std::optional<absl::Time>(*t);
  }

  absl::StatusOr<absl::Time> RequiredTimestamp(const std::string& name) const {
    auto t = OptionalTimestamp(name);
    if (!t.ok()) return t.status();
    if (!*t) return Bad(name, "is required (RFC 3339 timestamp)");
    return **t;
  }

  absl::StatusOr<std::optional<int64_t>> OptionalAmount(const std::string& name) const {
    const RawField* f = r_.Find(name);
    if (f != nullptr && f->kind == Kind::kNumber) {
      return Bad(name, "must be a decimal string like \"400.00\", not a JSON number");
    }
    auto v = Text(name);
    if (!v.ok()) return v.status();
    if (!*v) return std::optional<int64_t>();
    auto fen = ParseYuan(**v);
    if (!fen.ok()) return Bad(name, Msg(fen.status()));
    return std::optional<int64_t>(*fen);
  }

  absl::StatusOr<int64_t> RequiredAmount(const std::string& name) const {
    auto a = OptionalAmount(name);
    if (!a.ok()) return a.status();
    if (!*a) return Bad(name, "is required (decimal string in yuan)");
    return **a;
  }

  absl::StatusOr<std::optional<bool>> OptionalBool(const std::string& name) const {
    const RawField* f = r_.Find(name);
    if (f == nullptr || f->kind == Kind::kNull) return std::optional<bool>();
    if (f->kind == Kind::kBool || f->kind == Kind::kString) {
      if (f->value == "true") return std::optional<bool>(true);
      if (f->value == "false") return std::optional<bool>(false);
    }
    return Bad(name, "must be true or false");
  }

  // Decimal (string, or JSON number in this one field) -> hundredths.
  absl::StatusOr<std::optional<int64_t>> OptionalDecimal(const std::string& name) const {
    const RawField* f = r_.Find(name);
    if (f == nullptr || f->kind == Kind::kNull) return std::optional<int64_t>();
    if (f->kind != Kind::kString && f->kind != Kind::kNumber) return Bad(name, "must be a decimal");
    auto v = ParseHundredths(f->value);
    if (!v.ok()) return Bad(name, Msg(v.status()));
    return std::optional<int64_t>(*v);
  }

  // Rejects fields the feed does not have.
  absl::Status OnlyKnown(v1::Source source, std::initializer_list<std::string_view> known) const {
    for (const RawField& f : r_.fields) {
      bool ok = false;
      for (std::string_view k : known) ok = ok || f.name == k;
      if (!ok) {
        return Bad(f.name, absl::StrCat("is not a field of the ",
                                        source == v1::TAX        ? "tax"
                                        : source == v1::CIVIL    ? "civil"
                                        : source == v1::REGISTRY ? "registry"
                                                                 : "claims",
                                        " feed"));
      }
    }
    return absl::OkStatus();
  }

 private:
  const RawRecord& r_;
};

#define ENROL_ASSIGN(lhs, expr)          \
  auto lhs##_or = (expr);                \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = std::move(*lhs##_or)

#define ENROL_CHECK_OK(expr)             \
  do {                                   \
    absl::Status _s = (expr);            \
    if (!_s.ok()) return _s;             \
  } while (0)

v1::Scheme SchemeOf(const std::string& s) { return s == "resident" ? v1::RESIDENT : v1::EMPLOYEE; }

v1::Payer PayerOf(const std::string& s) {
  if (s == "individual") return v1::INDIVIDUAL;
  if (s == "employer") return v1::EMPLOYER;
  if (s == "flexible") return v1::FLEXIBLE;
  if (s == "subsidy") return v1::SUBSIDY;
  return v1::UNEMPLOYMENT_FUND;
}

v1::Purpose PurposeOf(const std::string& s) {
  if (s == "makeup") return v1::MAKEUP;
  if (s == "repair") return v1::REPAIR;
  return v1::REGULAR;
}

// "YYYY" or "YYYY-MM" into year/month (month 0 for a year).
absl::Status ParsePeriod(const std::string& text, bool monthly, int* year, int* month) {
  auto digits = [](const std::string& s) {
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return !s.empty();
  };
  if (monthly) {
    if (text.size() != 7 || text[4] != '-' || !digits(text.substr(0, 4)) || !digits(text.substr(5))) {
      return Bad("period", absl::StrCat("\"", text, "\" must be YYYY-MM for the employee scheme"));
    }
    *year = std::stoi(text.substr(0, 4));
    *month = std::stoi(text.substr(5));
    if (*month < 1 || *month > 12) return Bad("period", absl::StrCat("\"", text, "\" has no such month"));
  } else {
    if (text.size() != 4 || !digits(text)) {
      return Bad("period", absl::StrCat("\"", text, "\" must be YYYY for the resident scheme"));
    }
    *year = std::stoi(text);
    *month = 0;
  }
  if (*year < 1950 || *year > 2100) return Bad("period", absl::StrCat("year ", *year, " is out of range"));
  return absl::OkStatus();
}

absl::Status Tax(const Fields& f, const std::string& record_id, const Limits& limits, v1::Event* e) {
  ENROL_CHECK_OK(f.OnlyKnown(v1::TAX, {"record_id", "id_number", "region", "scheme", "payer", "purpose",
                                       "period", "amount", "paid_at", "op", "refund_of"}));
  ENROL_ASSIGN(op, f.Enum("op", {"pay", "refund"}, "pay"));
  if (op == "refund") {
    ENROL_ASSIGN(target, f.Required("refund_of"));
    if (target == record_id) return Bad("refund_of", "a record cannot refund itself");
    v1::Refund* r = e->mutable_refund();
    r->set_refund_of(target);
    ENROL_ASSIGN(paid_at, f.OptionalTimestamp("paid_at"));
    if (paid_at) ENROL_CHECK_OK(limits.Check("paid_at", CstDay(*paid_at)));
    if (paid_at) {
      r->set_paid_at(absl::ToUnixSeconds(*paid_at));
      r->set_paid_on(ToYmd(CstDay(*paid_at)));
      e->set_business_date(r->paid_on());
    }
    ENROL_ASSIGN(amount, f.OptionalAmount("amount"));
    if (amount) r->set_amount_fen(*amount);
    // The rest is optional on a refund, but what is given must be right.
    ENROL_ASSIGN(scheme, f.Text("scheme"));
    if (scheme) {
      ENROL_ASSIGN(s, f.Enum("scheme", {"resident", "employee"}));
      r->set_scheme(SchemeOf(s));
    }
    ENROL_ASSIGN(payer_text, f.Text("payer"));
    if (payer_text) {
      ENROL_ASSIGN(payer, f.Enum("payer", {"individual", "employer", "flexible", "subsidy", "unemployment_fund"}));
      r->set_payer(PayerOf(payer));
    }
    ENROL_ASSIGN(purpose_text, f.Text("purpose"));
    if (purpose_text) {
      ENROL_ASSIGN(purpose, f.Enum("purpose", {"regular", "makeup", "repair"}));
      r->set_purpose(PurposeOf(purpose));
    }
    ENROL_ASSIGN(period, f.Text("period"));
    if (period) {
      if (!scheme) return Bad("period", "needs scheme to be read (YYYY resident, YYYY-MM employee)");
      int year = 0, month = 0;
      ENROL_CHECK_OK(ParsePeriod(*period, *scheme == "employee", &year, &month));
      r->set_period_year(year);
      r->set_period_month(month);
    }
    return absl::OkStatus();
  }
  if (f.Text("refund_of").ok() && *f.Text("refund_of")) {
    return Bad("refund_of", "is only for op \"refund\"");
  }
  ENROL_ASSIGN(scheme, f.Enum("scheme", {"resident", "employee"}));
  ENROL_ASSIGN(payer, f.Enum("payer", {"individual", "employer", "flexible", "subsidy", "unemployment_fund"}));
  ENROL_ASSIGN(purpose, f.Enum("purpose", {"regular", "makeup", "repair"}, "regular"));
  ENROL_ASSIGN(period, f.Required("period"));
  ENROL_ASSIGN(amount, f.RequiredAmount("amount"));
  ENROL_ASSIGN(paid_at, f.RequiredTimestamp("paid_at"));
  const bool resident = scheme == "resident";
  if (resident && (payer == "employer" || payer == "flexible" || payer == "unemployment_fund")) {
    return Bad("payer", absl::StrCat("\"", payer, "\" pays only the employee scheme"));
  }
  if (!resident && purpose == "repair") {
    return Bad("purpose", "repair is a resident-scheme payment (period YYYY)");
  }
  int year = 0, month = 0;
  ENROL_CHECK_OK(ParsePeriod(period, !resident, &year, &month));
  const Date paid_on = CstDay(paid_at);
  ENROL_CHECK_OK(limits.Check("paid_at", paid_on));
  if (!resident &&
      (year * 12 + month) - (static_cast<int>(paid_on.year()) * 12 + paid_on.month()) > limits.employee_months_ahead) {
    return Bad("period", absl::StrCat("employee month ", period, " is more than ", limits.employee_months_ahead,
                                      " months after the payment on ", FormatDate(paid_on)));
  }
  if (resident) {
    if (purpose == "repair" && year >= paid_on.year()) {
      return Bad("period", absl::StrCat("a repair pays for a past break year; ", year,
                                        " is not before the payment's year ", paid_on.year()));
    }
    if (purpose == "regular" && paid_on > Date(year, 12, 31)) {
      return Bad("period", absl::StrCat("resident period ", year, " is closed: paid on ",
                                        FormatDate(paid_on), ", after ", year, "-12-31"));
    }
    if (purpose != "repair" && year > paid_on.year() + 1) {
      return Bad("period", absl::StrCat("resident period ", year, " is more than a year after the payment on ",
                                        FormatDate(paid_on)));
    }
  }
  v1::Contribution* c = e->mutable_contribution();
  c->set_scheme(SchemeOf(scheme));
  c->set_payer(PayerOf(payer));
  c->set_purpose(PurposeOf(purpose));
  c->set_period_year(year);
  c->set_period_month(month);
  c->set_amount_fen(amount);
  c->set_paid_at(absl::ToUnixSeconds(paid_at));
  c->set_paid_on(ToYmd(paid_on));
  e->set_business_date(c->paid_on());
  return absl::OkStatus();
}

v1::Status StatusOf(const std::string& s) {
  static const std::pair<const char*, v1::Status> kMap[] = {
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
  for (const auto& [name, value] : kMap) {
    if (s == name) return value;
  }
  return v1::STATUS_UNSPECIFIED;
}

absl::Status Civil(const Fields& f, const std::string& id, const Limits& limits, v1::Event* e) {
  ENROL_CHECK_OK(f.OnlyKnown(v1::CIVIL, {"record_id", "id_number", "region", "status", "effective_from",
                                         "effective_to"}));
  ENROL_ASSIGN(status, f.Enum("status", {"birth", "death", "special_hardship", "orphan", "minimum_living",
                                         "low_income_monitored", "severe_disability", "medical_assistance",
                                         "veteran", "military_dependent", "released_prisoner", "registered",
                                         "migrant_worker", "severe_mental_illness"}));
  ENROL_ASSIGN(from, f.RequiredDate("effective_from"));
  ENROL_CHECK_OK(limits.Check("effective_from", from));
  ENROL_ASSIGN(to, f.OptionalDate("effective_to"));
  if (to) ENROL_CHECK_OK(limits.Check("effective_to", *to));
  if (to && *to < from) return Bad("effective_to", "is before effective_from");
  if (status == "birth" && from != BirthDateFromId(id)) {
    return Bad("effective_from", absl::StrCat("birth date ", FormatDate(from),
                                              " differs from the ID number's ", FormatDate(BirthDateFromId(id))));
  }
  v1::StatusChange* s = e->mutable_status();
  s->set_status(StatusOf(status));
  s->set_effective_from(ToYmd(from));
  if (to) s->set_effective_to(ToYmd(*to));
  e->set_business_date(s->effective_from());
  return absl::OkStatus();
}

absl::Status Registry(const Fields& f, const Limits& limits, v1::Event* e) {
  ENROL_CHECK_OK(f.OnlyKnown(v1::REGISTRY, {"record_id", "id_number", "region", "action", "scheme", "kind",
                                            "effective", "fee_waived", "deemed_years", "sex"}));
  ENROL_ASSIGN(action, f.Enum("action", {"enrol", "suspend", "terminate", "transfer_in", "retire"}));
  ENROL_ASSIGN(scheme, f.Enum("scheme", {"resident", "employee"}));
  ENROL_ASSIGN(kind_text, f.Text("kind"));
  ENROL_ASSIGN(effective, f.RequiredDate("effective"));
  ENROL_CHECK_OK(limits.Check("effective", effective));
  ENROL_ASSIGN(fee_waived, f.OptionalBool("fee_waived"));
  ENROL_ASSIGN(deemed, f.OptionalDecimal("deemed_years"));
  ENROL_ASSIGN(sex_text, f.Text("sex"));
  v1::RegistryAction* r = e->mutable_registry();
  if (kind_text) {
    if (scheme != "employee") return Bad("kind", "is only for the employee scheme");
    ENROL_ASSIGN(kind, f.Enum("kind", {"employer", "flexible"}));
    r->set_kind(kind == "employer" ? v1::EMPLOYER_STAFF : v1::FLEXIBLE_WORKER);
  } else if (scheme == "employee" && (action == "enrol" || action == "transfer_in")) {
    return Bad("kind", "is required for an employee enrol or transfer_in (employer or flexible)");
  }
  if (fee_waived) {
    if (action != "enrol" || scheme != "resident") {
      return Bad("fee_waived", "is only for a resident enrol");
    }
    r->set_fee_waived(*fee_waived);
  }
  if (deemed) {
    if (action != "transfer_in" && action != "retire") {
      return Bad("deemed_years", "is only for transfer_in and retire");
    }
    if (*deemed > 6000) return Bad("deemed_years", "is more than 60 years");
    r->set_deemed_months((*deemed * 12 + 50) / 100);
  }
  if (sex_text) {
    if (action != "retire") return Bad("sex", "is only for retire");
    ENROL_ASSIGN(sex, f.Enum("sex", {"male", "female"}));
    r->set_sex(sex == "male" ? v1::MALE : v1::FEMALE);
  }
  static const std::pair<const char*, v1::Action> kActions[] = {
      {"enrol", v1::ENROL}, {"suspend", v1::SUSPEND}, {"terminate", v1::TERMINATE},
      {"transfer_in", v1::TRANSFER_IN}, {"retire", v1::RETIRE}};
  for (const auto& [name, value] : kActions) {
    if (action == name) r->set_action(value);
  }
  r->set_scheme(SchemeOf(scheme));
  r->set_effective(ToYmd(effective));
  e->set_business_date(r->effective());
  return absl::OkStatus();
}

absl::Status Claims(const Fields& f, const std::string& record_id, const Limits& limits, v1::Event* e) {
  ENROL_CHECK_OK(f.OnlyKnown(v1::CLAIMS, {"record_id", "id_number", "region", "scheme", "kind", "service_date",
                                          "settled_at", "total_cost", "basic_fund_paid",
                                          "critical_illness_paid", "op", "reverse_of"}));
  ENROL_ASSIGN(op, f.Enum("op", {"settle", "reverse"}, "settle"));
  if (op == "reverse") {
    ENROL_ASSIGN(target, f.Required("reverse_of"));
    if (target == record_id) return Bad("reverse_of", "a claim cannot reverse itself");
    v1::ClaimReversal* r = e->mutable_claim_reversal();
    r->set_reverse_of(target);
    ENROL_ASSIGN(service, f.OptionalDate("service_date"));
    ENROL_ASSIGN(settled, f.OptionalTimestamp("settled_at"));
    if (service) ENROL_CHECK_OK(limits.Check("service_date", *service));
    if (settled) ENROL_CHECK_OK(limits.Check("settled_at", CstDay(*settled)));
    if (service) r->set_service_date(ToYmd(*service));
    if (settled) r->set_settled_at(absl::ToUnixSeconds(*settled));
    // The rest is optional on a reversal, but what is given must be right.
    ENROL_ASSIGN(scheme, f.Text("scheme"));
    if (scheme) ENROL_CHECK_OK(f.Enum("scheme", {"resident", "employee"}).status());
    ENROL_ASSIGN(kind, f.Text("kind"));
    if (kind) ENROL_CHECK_OK(f.Enum("kind", {"outpatient", "inpatient", "chronic"}).status());
    for (const char* amount : {"total_cost", "basic_fund_paid", "critical_illness_paid"}) {
      ENROL_CHECK_OK(f.OptionalAmount(amount).status());
    }
    e->set_business_date(service ? ToYmd(*service) : settled ? ToYmd(CstDay(*settled)) : 0);
    return absl::OkStatus();
  }
  if (f.Text("reverse_of").ok() && *f.Text("reverse_of")) {
    return Bad("reverse_of", "is only for op \"reverse\"");
  }
  ENROL_ASSIGN(scheme, f.Enum("scheme", {"resident", "employee"}));
  ENROL_ASSIGN(kind, f.Enum("kind", {"outpatient", "inpatient", "chronic"}));
  ENROL_ASSIGN(service, f.RequiredDate("service_date"));
  ENROL_CHECK_OK(limits.Check("service_date", service));
  ENROL_ASSIGN(settled, f.RequiredTimestamp("settled_at"));
  ENROL_CHECK_OK(limits.Check("settled_at", CstDay(settled)));
  ENROL_ASSIGN(total, f.RequiredAmount("total_cost"));
  ENROL_ASSIGN(basic, f.RequiredAmount("basic_fund_paid"));
  ENROL_ASSIGN(ci, f.RequiredAmount("critical_illness_paid"));
  if (basic + ci > total) {
    return Bad("basic_fund_paid", "basic_fund_paid plus critical_illness_paid exceed total_cost");
  }
  if (CstDay(settled) < service) return Bad("settled_at", "is before service_date");
  v1::Claim* c = e->mutable_claim();
  c->set_scheme(SchemeOf(scheme));
  c->set_kind(kind == "outpatient" ? v1::OUTPATIENT : kind == "inpatient" ? v1::INPATIENT : v1::CHRONIC);
  c->set_service_date(ToYmd(service));
  c->set_settled_at(absl::ToUnixSeconds(settled));
  c->set_total_cost_fen(total);
  c->set_basic_fund_paid_fen(basic);
  c->set_critical_illness_paid_fen(ci);
  e->set_business_date(c->service_date());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Event> ToEvent(v1::Source source, const RawRecord& record,
                                  const ProfileSet& profiles) {
  if (!record.parse_error.empty()) return absl::InvalidArgumentError(record.parse_error);
  Fields f(record);
  ENROL_ASSIGN(record_id, f.Required("record_id"));
  if (record_id.size() > 128) return Bad("record_id", "is longer than 128 characters");
  ENROL_CHECK_OK(CheckRecordId(record_id));
  ENROL_ASSIGN(id, f.Required("id_number"));
  if (auto s = ValidateIdNumber(id); !s.ok()) return Bad("id_number", Msg(s));
  ENROL_ASSIGN(region, f.Required("region"));
  if (auto s = ValidateAreaCode(region); !s.ok()) return Bad("region", Msg(s));
  const std::string pool = PoolOf(region);
  const v1::PolicyProfile* profile = profiles.Find(pool);
  if (profile == nullptr) {
    return Bad("region", absl::StrCat(region, " pools to ", pool, ", a region this ledger has no policy profile for"));
  }
  const Limits limits(profile);
  v1::Event e;
  e.set_source(source);
  e.set_record_id(record_id);
  e.set_person(id);
  e.set_region(region);
  e.set_pool(pool);
  absl::Status s;
  switch (source) {
    case v1::TAX: s = Tax(f, record_id, limits, &e); break;
    case v1::CIVIL: s = Civil(f, id, limits, &e); break;
    case v1::REGISTRY: s = Registry(f, limits, &e); break;
    case v1::CLAIMS: s = Claims(f, record_id, limits, &e); break;
    default: s = absl::InvalidArgumentError("source: unknown");
  }
  if (!s.ok()) return s;
  // The person must be born by the record's date (a birth date from the ID
  // after it is a typing error).
  if (e.business_date() != 0 && BirthDateFromId(id) > FromYmd(e.business_date())) {
    return Bad("id_number", absl::StrCat("the birth date in the ID, ", FormatDate(BirthDateFromId(id)),
                                         ", is after the record's date ", FormatYmd(e.business_date())));
  }
  return e;
}

}  // namespace enrol
