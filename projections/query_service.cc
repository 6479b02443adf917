#include "projections/query_service.h"

#include <algorithm>
#include <filesystem>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/hashing.h"
#include "common/ids.h"
#include "google/protobuf/util/json_util.h"
#include "projections/facts.h"
#include "projections/person_model.h"
#include "projections/resident_rules.h"

namespace enrol {

namespace {

// Whether `s` prints in JSON as itself between quotes: printable ASCII that
// neither JSON nor protobuf's printer escapes (it escapes some of <>&'=).
bool PlainJsonText(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c == '\'' ||
        c == '=') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string AnswerJson(const google::protobuf::Message& answer) {
  // Coverage, asked at every settlement, is written directly when its text
  // needs no escaping: the printer's reflection took a sixteenth of a
  // `covered` request (tests/bench/serve_bench.sh). The same bytes
  // (QueryServiceTest.CoverageJsonIsTheProtobufPrinters).
  if (const auto* c = dynamic_cast<const v1::Coverage*>(&answer);
      c != nullptr && PlainJsonText(c->scheme()) && PlainJsonText(c->reason())) {
    return absl::StrCat("{\"covered\":", c->covered() ? "true" : "false", ",\"scheme\":\"", c->scheme(),
                        "\",\"reason\":\"", c->reason(), "\"}");
  }
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.always_print_primitive_fields = true;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(answer, &out, o);
  return out;
}

struct QueryService::Person {
  PersonFacts facts;
  std::optional<PersonRecord> state;
  bool found = false;
  bool pending = false;  // facts include events the projection has not applied
};

absl::StatusOr<std::unique_ptr<QueryService>> QueryService::Open(const std::string& data_dir,
                                                                 const ProfileSet* profiles,
                                                                 const Keyring* keys) {
  // A Kafka projection worker's directory has a state and no log.
  std::unique_ptr<EmbeddedLog> embedded;
  std::error_code ec;
  if (std::filesystem::exists(data_dir + "/log/CURRENT", ec)) {
    auto log = EmbeddedLog::Open(data_dir + "/log", {.read_only = true, .keys = keys});
    if (!log.ok()) return log.status();
    embedded = std::move(*log);
  }
  std::unique_ptr<StateStore> state;
  if (std::filesystem::exists(data_dir + "/state/CURRENT", ec)) {
    auto store = StateStore::Open(data_dir + "/state", /*read_only=*/true, /*bulk=*/false, nullptr, keys);
    if (!store.ok()) return store.status();
    state = std::move(*store);
  }
  if (embedded == nullptr && state == nullptr) {
    return absl::NotFoundError(absl::StrCat("no ledger at ", data_dir));
  }
  if (embedded != nullptr && state != nullptr) {
    // Answers fold the projection with the log past its offsets: both must
    // be of the same log.
    if (auto s = CheckStateAgainstLog(state.get(), embedded.get(), /*adopt=*/false, data_dir); !s.ok()) return s;
  }
  return std::unique_ptr<QueryService>(new QueryService(std::move(embedded), std::move(state), profiles));
}

QueryService::QueryService(std::unique_ptr<EmbeddedLog> log, std::unique_ptr<StateStore> state,
                           const ProfileSet* profiles)
    : owned_log_(std::move(log)), owned_state_(std::move(state)), profiles_(profiles) {
  log_ = owned_log_.get();
  state_ = owned_state_.get();
}

std::unique_ptr<QueryService> QueryService::Over(EmbeddedLog* log, StateStore* state, const ProfileSet* profiles) {
  std::unique_ptr<QueryService> q(new QueryService(nullptr, nullptr, profiles));
  q->log_ = log;
  q->state_ = state;
  return q;
}

absl::StatusOr<QueryService::Person> QueryService::Load(const std::string& id,
                                                        std::optional<int64_t> as_of_us) {
  if (auto s = ValidateIdNumber(id); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--id: ", s.message()));
  }
  Person person;
  std::vector<StoredFact> facts;
  if (log_ == nullptr && state_ != nullptr) {
    // A worker's store: say so when the person is in a partition it does not hold.
    auto own = state_->GetOwnership();
    if (!own.ok()) return own.status();
    if (own->partitions > 0) {
      const int32_t part = PersonPartition(state_->keys(), id, own->partitions);
      if (std::find(own->owned.begin(), own->owned.end(), part) == own->owned.end()) {
        std::string held;
        for (int32_t o : own->owned) absl::StrAppend(&held, held.empty() ? "" : ",", o);
        return absl::FailedPreconditionError(
            absl::StrCat("person ", id, " is in partition ", part, " of ", own->partitions,
                         ", which this worker does not own (it owns: ", held.empty() ? "none" : held,
                         "); ask the worker that does"));
      }
    }
  }
  Partition p{log_ != nullptr ? PersonPartition(log_->keys(), id, log_->partitions()) : 0};
  Offset applied{0};
  if (state_ != nullptr) {
    // The offset first: should a projector commit in between, the record is
    // newer than the offset, and the events read again are dropped as
    // duplicates below.
    auto a = state_->AppliedOffset(p);
    if (!a.ok()) return a.status();
    applied = *a;
    auto st = state_->Get(id);
    if (!st.ok()) return st.status();
    person.state = std::move(*st);
    if (person.state) facts = person.state->facts;
  }
  auto end = log_ != nullptr ? log_->EndOffset(p) : absl::StatusOr<Offset>(applied);
  if (!end.ok()) return end.status();
  if (log_ != nullptr && applied < *end) {
    std::vector<LogEntry> entries;
    if (auto s = log_->Read(p, applied, static_cast<size_t>(end->value - applied.value), &entries);
        !s.ok()) {
      return s;
    }
    for (LogEntry& e : entries) {
      if (e.event.person() == id) {
        facts.push_back(FactOfEvent(e.event, e.offset.value));
        person.pending = true;
      }
    }
  }
  if (person.pending) {
    // Unapplied events may repeat a stored (source, record_id): the first wins.
    std::stable_sort(facts.begin(), facts.end(), FactKeyLess);
    facts.erase(std::unique(facts.begin(), facts.end(),
                            [](const StoredFact& a, const StoredFact& b) {
                              return !FactKeyLess(a, b) && !FactKeyLess(b, a);
                            }),
                facts.end());
  }
  person.facts = CollectFacts(id, facts, as_of_us);
  person.found = !facts.empty() && !person.facts.empty();
  return person;
}

absl::StatusOr<std::optional<v1::PersonYear>> QueryService::Query(const std::string& id, int year,
                                                                  std::optional<int64_t> as_of_us) {
  auto person = Load(id, as_of_us);
  if (!person.ok()) return person.status();
  if (!person->found) return std::optional<v1::PersonYear>();
  // The stored projection answers when it is current; otherwise evaluate.
  const PersonRecord* st = person->state ? &*person->state : nullptr;
  if (st != nullptr && !as_of_us && !person->pending && year >= st->first_year &&
      year < st->first_year + static_cast<int>(st->years.size())) {
    v1::PersonYear answer;
    if (!answer.ParseFromString(st->years[static_cast<size_t>(year - st->first_year)])) {
      return absl::DataLossError(absl::StrCat("projection of ", id, ": year ", year, " does not parse"));
    }
    answer.set_id_number(id);
    answer.set_region(PoolOfYear(person->facts, year));  // R10: the year's own pool
    return std::optional<v1::PersonYear>(std::move(answer));
  }
  auto years = EvaluatePerson(person->facts, *profiles_, year, year);
  if (!years.ok()) return years.status();
  return std::optional<v1::PersonYear>(std::move((*years)[0]));
}

absl::StatusOr<std::optional<v1::Explanation>> QueryService::Explain(const std::string& id, int year,
                                                                     std::optional<int64_t> as_of_us) {
  auto person = Load(id, as_of_us);
  if (!person.ok()) return person.status();
  if (!person->found) return std::optional<v1::Explanation>();
  auto x = ExplainPerson(person->facts, *profiles_, year);
  if (!x.ok()) return x.status();
  return std::optional<v1::Explanation>(std::move(*x));
}

absl::StatusOr<std::optional<v1::Coverage>> QueryService::Covered(const std::string& id, Date day,
                                                                  std::optional<int64_t> as_of_us) {
  auto person = Load(id, as_of_us);
  if (!person.ok()) return person.status();
  if (!person->found) return std::optional<v1::Coverage>();
  auto c = EvaluateCoverage(person->facts, *profiles_, day);
  if (!c.ok()) return c.status();
  return std::optional<v1::Coverage>(std::move(*c));
}

absl::StatusOr<std::optional<std::vector<v1::PersonYear>>> QueryService::Timeline(const std::string& id, int from,
                                                                                int to) {
  auto person = Load(id, std::nullopt);
  if (!person.ok()) return person.status();
  if (!person->found) return std::optional<std::vector<v1::PersonYear>>();
  if (from == 0 && to == 0) std::tie(from, to) = StoredYears(person->facts, *profiles_);
  if (from == 0) from = to;
  if (to == 0) to = from;
  if (from > to || to - from > 100) {
    return absl::InvalidArgumentError("from: must be a year on or before `to`, at most 100 years apart");
  }
  auto years = EvaluatePerson(person->facts, *profiles_, from, to);
  if (!years.ok()) return years.status();
  return std::optional<std::vector<v1::PersonYear>>(std::move(*years));
}

}  // namespace enrol
