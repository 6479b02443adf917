#include "projections/person_model.h"

#include <algorithm>
#include <array>
#include <functional>
#include <set>

#include "absl/strings/str_cat.h"
#include "google/protobuf/arena.h"
#include "common/money.h"
#include "projections/employee_rules.h"
#include "projections/resident_rules.h"

namespace enrol {
namespace {

// Every pool of the person's facts needs a profile (R10 judges each year in
// its own).
absl::Status CheckProfiles(const PersonFacts& facts, const ProfileSet& profiles) {
  for (const PoolChange& c : facts.pools) {
    if (profiles.Find(c.pool) == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("no policy profile for pool ", c.pool, " of person ", facts.id_number));
    }
  }
  if (facts.pools.empty() && profiles.Find(facts.pool) == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no policy profile for pool ", facts.pool, " of person ", facts.id_number));
  }
  return absl::OkStatus();
}

// The version year Y is judged under (R10).
const v1::ProfileVersion& YearVersion(const PersonFacts& facts, const ProfileSet& profiles, int year) {
  return VersionFor(*profiles.Find(PoolOfYear(facts, year)), year);
}

}  // namespace

std::pair<int, int> StoredYears(const PersonFacts& facts, const ProfileSet& profiles) {
  const v1::PolicyProfile* p = profiles.Find(facts.pool);
  int start = p == nullptr ? facts.min_year
                           : VersionFor(*p, facts.max_year).resident().mechanism_start_year();
  int first = std::max(facts.min_year, start);
  int last = std::max(facts.max_year + 1, first);
  return {first, last};
}

namespace {

// The resident and employee parts of each year of [first_year, last_year],
// written into *year_at(y), whose year is set: what EvaluatePerson answers
// and a projection stores have in common.
void EvaluateYearsInto(const PersonFacts& facts, const ProfileSet& profiles, int first_year, int last_year,
                       const std::function<v1::PersonYear*(int year)>& year_at) {
  const EmployeeTimeline timeline = EvaluateEmployeeCover(facts, profiles, last_year);
  EvaluateResidentInto(facts, profiles, first_year, last_year, timeline,
                       [&](int y) { return year_at(y)->mutable_resident(); });
  for (int y = first_year; y <= last_year; ++y) {
    v1::PersonYear* py = year_at(y);
    py->set_year(y);
    EvaluateEmployeeYearInto(facts, profiles, timeline, y, py->mutable_employee());
  }
}

}  // namespace

absl::StatusOr<std::vector<v1::PersonYear>> EvaluatePerson(const PersonFacts& facts,
                                                           const ProfileSet& profiles,
                                                           int first_year, int last_year) {
  if (absl::Status s = CheckProfiles(facts, profiles); !s.ok()) return s;
  std::vector<v1::PersonYear> out(static_cast<size_t>(std::max(0, last_year - first_year + 1)));
  EvaluateYearsInto(facts, profiles, first_year, last_year,
                    [&](int y) { return &out[static_cast<size_t>(y - first_year)]; });
  for (int y = first_year; y <= last_year; ++y) {
    v1::PersonYear& py = out[static_cast<size_t>(y - first_year)];
    py.set_id_number(facts.id_number);
    py.set_region(PoolOfYear(facts, y));
  }
  return out;
}

absl::Status AppendStoredYears(const PersonFacts& facts, const ProfileSet& profiles, int first_year,
                               int last_year, std::vector<std::string>* out) {
  if (absl::Status s = CheckProfiles(facts, profiles); !s.ok()) return s;
  if (last_year < first_year) return absl::OkStatus();
  // A person's years fit in the first block, reused by the thread's next person.
  alignas(64) thread_local std::array<char, 32 << 10> block;
  google::protobuf::ArenaOptions options;
  options.initial_block = block.data();
  options.initial_block_size = block.size();
  google::protobuf::Arena arena(options);
  std::vector<v1::PersonYear*> years;
  years.reserve(static_cast<size_t>(last_year - first_year + 1));
  for (int y = first_year; y <= last_year; ++y) {
    years.push_back(google::protobuf::Arena::CreateMessage<v1::PersonYear>(&arena));
  }
  EvaluateYearsInto(facts, profiles, first_year, last_year,
                    [&](int y) { return years[static_cast<size_t>(y - first_year)]; });
  for (const v1::PersonYear* py : years) out->push_back(py->SerializeAsString());
  return absl::OkStatus();
}

absl::StatusOr<v1::Explanation> ExplainPerson(const PersonFacts& facts, const ProfileSet& profiles,
                                              int year) {
  if (absl::Status s = CheckProfiles(facts, profiles); !s.ok()) return s;
  const v1::ProfileVersion& version = YearVersion(facts, profiles, year);
  const std::string pool = PoolOfYear(facts, year);
  v1::Explanation x;
  x.set_id_number(facts.id_number);
  x.set_region(pool);
  x.set_year(year);
  std::vector<v1::Step> steps;
  std::vector<v1::ResidentYear> resident = EvaluateResident(facts, profiles, year, year, &steps);
  // R9: the claims of the year, and the reversals that cancelled others.
  {
    v1::Step s;
    s.set_rule("R9");
    s.set_source(RuleSource(version, "R9"));
    int64_t basic = 0, ci = 0;
    for (const ClaimFact& c : facts.claims) {
      if (c.service_date.year() != year) continue;
      s.add_records(c.record_id);
      basic += c.basic_fund_paid_fen;
      ci += c.critical_illness_paid_fen;
    }
    s.set_says(absl::StrCat(s.records_size(), " standing claim(s) with service dates in ", year,
                            " (reversed claims left out): basic fund paid ", FormatFen(basic),
                            ", critical illness paid ", FormatFen(ci)));
    steps.push_back(std::move(s));
  }
  const EmployeeTimeline timeline = EvaluateEmployeeCover(facts, profiles, year);
  std::vector<EmployeeStep> employee_steps;
  v1::EmployeeYear employee = EvaluateEmployeeYear(facts, profiles, timeline, year, &employee_steps);
  for (EmployeeStep& e : employee_steps) {
    v1::Step s;
    s.set_rule(e.rule);
    s.set_source(RuleSource(version, e.rule));
    s.set_says(std::move(e.says));
    for (auto& r : e.records) s.add_records(std::move(r));
    steps.push_back(std::move(s));
  }
  for (auto& s : steps) *x.add_steps() = std::move(s);
  v1::PersonYear* answer = x.mutable_answer();
  answer->set_id_number(facts.id_number);
  answer->set_region(pool);
  answer->set_year(year);
  *answer->mutable_resident() = std::move(resident[0]);
  *answer->mutable_employee() = std::move(employee);
  return x;
}

absl::StatusOr<v1::Coverage> EvaluateCoverage(const PersonFacts& facts, const ProfileSet& profiles,
                                              Date day) {
  v1::Coverage c;
  const int year = static_cast<int>(day.year());
  if (facts.death && day > *facts.death) {
    c.set_reason(absl::StrCat("deceased on ", FormatDate(*facts.death)));
    return c;
  }
  if (absl::Status s = CheckProfiles(facts, profiles); !s.ok()) return s;
  // One employee timeline serves both schemes' answers.
  const EmployeeTimeline timeline = EvaluateEmployeeCover(facts, profiles, year);
  const std::vector<v1::ResidentYear> resident = EvaluateResident(facts, profiles, year, year, nullptr, &timeline);
  const v1::ResidentYear& r = resident[0];
  std::string resident_reason;
  if (r.enrolled()) {
    Date from = *ParseDate(r.waiting().benefits_from());
    // The agency's last resident action on or before the day.
    const RegistryFact* last = nullptr;
    for (const RegistryFact& a : facts.registry) {
      if (a.scheme == v1::RESIDENT && a.effective <= day) last = &a;
    }
    if (last != nullptr && (last->action == v1::SUSPEND || last->action == v1::TERMINATE)) {
      resident_reason = absl::StrCat("resident cover ",
                                     last->action == v1::SUSPEND ? "suspended" : "terminated",
                                     " from ", FormatDate(last->effective), " (", last->record_id, ")");
    } else if (day < from) {
      resident_reason = absl::StrCat("enrolled for ", year, " but waiting until ",
                                     FormatDate(from - 1), "; benefits from ", FormatDate(from));
    } else {
      c.set_covered(true);
      c.set_scheme("resident");
      std::string why = r.waiting().exempt().empty()
                            ? std::string()
                            : absl::StrCat(", exempt from waiting as ", r.waiting().exempt());
      c.set_reason(absl::StrCat("enrolled for ", year, ", paid on ", r.paid_on(),
                                ", benefits from ", FormatDate(from), why));
      return c;
    }
  } else {
    resident_reason = absl::StrCat("not enrolled in the resident scheme for ", year);
  }
  const absl::CivilMonth month(day);
  const MonthCover cover = timeline.Cover(month);
  std::string employee_reason;
  switch (cover) {
    case MonthCover::kCovered:
    case MonthCover::kRetired:
      c.set_covered(true);
      c.set_scheme("employee");
      c.set_reason(cover == MonthCover::kRetired ? "employee scheme: covered as a retiree"
                                                 : "employee scheme: covered for the month");
      return c;
    case MonthCover::kWaiting: employee_reason = "employee scheme: in the waiting period"; break;
    case MonthCover::kSuspended: employee_reason = "employee scheme: cover suspended for the month"; break;
    case MonthCover::kNone: employee_reason = "no employee cover for the month"; break;
  }
  c.set_reason(resident_reason + "; " + employee_reason);
  return c;
}

}  // namespace enrol
