#include "projections/profiles.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "google/protobuf/util/json_util.h"

namespace enrol {

// Generated from projections/profiles/*.json (see CMakeLists.txt).
extern const std::map<std::string, std::string>& BuiltinProfileJson();

namespace {
// The rules explain and audit cite.
constexpr const char* kCitedRules[] = {"R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10",
                                       "R12_duplicate_enrolment", "R12_refund_after_benefits",
                                       "R12_claim_after_death", "E1", "E2", "E3", "E4", "E5", "E6"};
}  // namespace

const std::string& RuleSource(const v1::ProfileVersion& v, const std::string& rule) {
  static const std::string kNone;
  auto it = v.rule_sources().find(rule);
  return it == v.rule_sources().end() ? kNone : it->second;
}

absl::Status ProfileSet::Add(const std::string& json, const std::string& name) {
  v1::PolicyProfile p;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = false;
  auto s = google::protobuf::util::JsonStringToMessage(json, &p, opts);
  if (!s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("profile ", name, ": ", s.ToString()));
  }
  if (p.pool().size() != 6 || p.pool().substr(4) != "00") {
    return absl::InvalidArgumentError(absl::StrCat("profile ", name, ": pool must be AABB00"));
  }
  if (p.versions().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("profile ", name, ": versions is empty"));
  }
  std::string last;
  for (const auto& v : p.versions()) {
    if (!ParseDate(v.effective_from())) {
      return absl::InvalidArgumentError(
          absl::StrCat("profile ", name, ": versions.effective_from is not a date"));
    }
    if (v.effective_from() <= last) {
      return absl::InvalidArgumentError(
          absl::StrCat("profile ", name, ": versions must be in ascending effective_from"));
    }
    last = v.effective_from();
    for (const char* rule : kCitedRules) {
      if (!v.rule_sources().contains(rule)) {
        return absl::InvalidArgumentError(absl::StrCat("profile ", name, " version ", v.effective_from(),
                                                       ": rule_sources has no ", rule));
      }
    }
    const auto& r = v.resident();
    if (r.window_start_month() < 1 || r.window_start_month() > 12 || r.window_end_month() < 1 ||
        r.window_end_month() > 12 || r.ci_base_cap().yuan() <= 0 ||
        r.bonus_limit_percent() < 0 || r.penalty_limit_percent() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("profile ", name, " version ", v.effective_from(),
                       ": resident window months must be 1-12 and ci_base_cap positive"));
    }
    if (r.window_extension_statuses_size() > 0 &&
        (r.window_extension_end_month() < 1 || r.window_extension_end_month() > 12)) {
      return absl::InvalidArgumentError(absl::StrCat("profile ", name, " version ", v.effective_from(),
                                                     ": window_extension_end_month must be 1-12"));
    }
    for (const auto& ex : r.exemptions()) {
      if (ex.name().empty() || ex.status() == v1::STATUS_UNSPECIFIED || ex.when() == v1::Exemption::WHEN_UNSPECIFIED) {
        return absl::InvalidArgumentError(absl::StrCat("profile ", name, " version ", v.effective_from(),
                                                       ": every exemption needs a name, a status and `when`"));
      }
    }
  }
  std::string pool = p.pool();
  profiles_[pool] = std::move(p);
  return absl::OkStatus();
}

absl::StatusOr<ProfileSet> ProfileSet::Builtin() {
  ProfileSet set;
  for (const auto& [name, json] : BuiltinProfileJson()) {
    if (auto s = set.Add(json, name + ".json"); !s.ok()) return s;
  }
  return set;
}

absl::StatusOr<ProfileSet> ProfileSet::LoadDir(const std::string& dir) {
  ProfileSet set;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream buf;
    buf << in.rdbuf();
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", entry.path().string()));
    if (auto s = set.Add(buf.str(), entry.path().string()); !s.ok()) return s;
  }
  if (ec) return absl::NotFoundError(absl::StrCat("cannot list profiles in ", dir, ": ", ec.message()));
  if (set.profiles_.empty()) return absl::NotFoundError(absl::StrCat("no profiles in ", dir));
  return set;
}

const v1::PolicyProfile* ProfileSet::Find(const std::string& pool) const {
  auto it = profiles_.find(pool);
  return it == profiles_.end() ? nullptr : &it->second;
}

const v1::ProfileVersion& VersionFor(const v1::PolicyProfile& profile, int year) {
  // Called for every year of every evaluation: compare "YYYY-MM-DD" strings
  // without building one.
  char jan1[10] = {static_cast<char>('0' + year / 1000 % 10), static_cast<char>('0' + year / 100 % 10),
                   static_cast<char>('0' + year / 10 % 10), static_cast<char>('0' + year % 10),
                   '-', '0', '1', '-', '0', '1'};
  const std::string_view day(jan1, sizeof jan1);
  const v1::ProfileVersion* chosen = &profile.versions(0);
  for (const auto& v : profile.versions()) {
    if (std::string_view(v.effective_from()) <= day) chosen = &v;
  }
  return *chosen;
}

}  // namespace enrol
