#include "projections/audit.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/money.h"
#include "ledger/content_hash.h"
#include "projections/facts.h"
#include "projections/person_model.h"

namespace enrol {

std::vector<v1::Finding> PersonFindings(const std::string& id, const PersonRecord& record,
                                        const ProfileSet& profiles, std::optional<int> year) {
  std::vector<v1::Finding> out;
  std::set<std::string_view> tax_ids, claim_ids;
  for (const StoredFact& e : record.facts) {
    if (e.type == v1::Event::kContribution) tax_ids.insert(e.record_id);
    if (e.type == v1::Event::kClaim) claim_ids.insert(e.record_id);
  }
  // Refunds and reversals of records the ledger does not have.
  for (const StoredFact& e : record.facts) {
    const int y = e.business_date / 10000;
    if (year && y != *year) continue;
    if (e.type == v1::Event::kRefund && !tax_ids.count(e.target)) {
      v1::Finding& f = out.emplace_back();
      f.set_finding("refund_of_unknown_record");
      f.set_id_number(id);
      f.set_record_id(e.record_id);
      f.set_source("tax");
      f.set_refers_to(e.target);
      f.set_year(y);
      f.set_date(FormatYmd(e.business_date));
      f.set_reason(absl::StrCat("refund_of names ", e.target,
                                ", which the ledger has no contribution of this person for"));
    }
    if (e.type == v1::Event::kClaimReversal && !claim_ids.count(e.target)) {
      v1::Finding& f = out.emplace_back();
      f.set_finding("reversal_of_unknown_record");
      f.set_id_number(id);
      f.set_record_id(e.record_id);
      f.set_source("claims");
      f.set_refers_to(e.target);
      f.set_year(y);
      f.set_date(FormatYmd(e.business_date));
      f.set_reason(absl::StrCat("reverse_of names ", e.target,
                                ", which the ledger has no claim of this person for"));
    }
  }
  // Fund payments on days the person was not entitled in the claim's scheme.
  PersonFacts facts = CollectFacts(id, record.facts);
  for (const ClaimFact& c : facts.claims) {
    if (c.basic_fund_paid_fen == 0 && c.critical_illness_paid_fen == 0) continue;
    const int y = static_cast<int>(c.service_date.year());
    if (year && y != *year) continue;
    auto cover = EvaluateCoverage(facts, profiles, c.service_date);
    if (!cover.ok()) continue;  // no profile: nothing to judge against
    const char* scheme = c.scheme == v1::EMPLOYEE ? "employee" : "resident";
    if (cover->covered() && cover->scheme() == scheme) continue;
    v1::Finding& f = out.emplace_back();
    f.set_finding("payment_without_entitlement");
    f.set_id_number(id);
    f.set_record_id(c.record_id);
    f.set_source("claims");
    f.set_date(FormatDate(c.service_date));
    f.set_year(y);
    f.set_scheme(scheme);
    f.set_basic_fund_paid(FormatFen(c.basic_fund_paid_fen));
    f.set_critical_illness_paid(FormatFen(c.critical_illness_paid_fen));
    f.set_reason(cover->covered() ? absl::StrCat("covered only by the ", cover->scheme(), " scheme that day")
                                  : cover->reason());
  }
  return out;
}

absl::Status Audit(StateStore* state, DeadLetterStore* dead, const ProfileSet& profiles,
                   std::optional<int> year, const std::function<void(const v1::Finding&)>& emit) {
  absl::Status s = state->ForEachPerson([&](const std::string& id, const PersonRecord& person) {
    for (const v1::Finding& f : PersonFindings(id, person, profiles, year)) emit(f);
    return true;
  });
  if (!s.ok()) return s;
  return dead->ForEach(std::nullopt, [&](const v1::DeadLetter& d) {
    const bool closed = absl::StartsWith(d.reason(), "period: resident period") &&
                        absl::StrContains(d.reason(), "is closed");
    const bool conflict = absl::StartsWith(d.reason(), "record_id: conflicting duplicate");
    if (!closed && !conflict) return true;
    if (year && d.year() != *year) return true;
    v1::Finding f;
    f.set_finding(closed ? "payment_for_closed_period" : "conflicting_duplicate");
    f.set_record_id(d.record_id());
    f.set_source(SourceName(d.source()));
    f.set_file(d.file());
    f.set_line(static_cast<int32_t>(d.line()));
    f.set_year(d.year());
    f.set_reason(d.reason());
    emit(f);
    return true;
  });
}

}  // namespace enrol
