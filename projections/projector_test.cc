// Fault tests of the projection: crash between append and projection,
// redelivery, reorder. The state rebuilt by replay must be byte-identical to
// the live one.
#include "projections/projector.h"

#include <algorithm>
#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/ids.h"
#include "gtest/gtest.h"
#include "ledger/embedded_log.h"
#include "ledger/fault_fs.h"
#include "proto/query.pb.h"
#include "tests/testdir.h"

namespace enrol {
namespace {

class ProjectorTest : public ::testing::Test {
 protected:
  void SetUp() override { profiles_ = *ProfileSet::Builtin(); }
  std::string Dir(const std::string& name) { return (tmp_.path() / name).string(); }
  // Appends Population(persons) to `log` in chunks of `chunk`, projecting
  // into `live` after each chunk.
  void AppendProjecting(Log* log, StateStore* live, int persons, size_t chunk);

  TestDir tmp_{"projector"};
  ProfileSet profiles_;
};

std::string Id(int n) {
  std::string first17 = absl::StrCat("5325011990", n % 10 + 1 < 10 ? "0" : "", n % 10 + 1, "01",
                                     100 + n % 900);
  first17 = first17.substr(0, 17);
  return first17 + IdCheckCharacter(first17);
}

// A population with payments, a late payer, breaks, refunds and claims.
std::vector<v1::Event> Population(int persons) {
  std::vector<v1::Event> out;
  int rid = 0;
  for (int i = 0; i < persons; ++i) {
    std::string id = Id(i);
    for (int year = 2025; year <= 2028; ++year) {
      if ((i + year) % 5 == 0) continue;  // a break year
      v1::Event e;
      e.set_source(v1::TAX);
      e.set_record_id(absl::StrCat("T", rid++));
      e.set_person(id);
      e.set_region("532501");
      e.set_pool("532500");
      auto* c = e.mutable_contribution();
      c->set_scheme(v1::RESIDENT);
      c->set_payer(v1::INDIVIDUAL);
      c->set_purpose(v1::REGULAR);
      c->set_period_year(year);
      c->set_amount_fen(40000);
      Date paid = (i % 7 == 0) ? Date(year, 3, 10) : Date(year - 1, 10, 12);
      c->set_paid_on(ToYmd(paid));
      e.set_business_date(c->paid_on());
      out.push_back(e);
      if (i % 11 == 0 && year == 2026) {
        v1::Event r;
        r.set_source(v1::TAX);
        r.set_record_id(absl::StrCat("T", rid++));
        r.set_person(id);
        r.set_region("532501");
        r.set_pool("532500");
        r.mutable_refund()->set_refund_of(e.record_id());
        out.push_back(r);
      }
      if (i % 3 == 0) {
        v1::Event cl;
        cl.set_source(v1::CLAIMS);
        cl.set_record_id(absl::StrCat("C", rid++));
        cl.set_person(id);
        cl.set_region("532501");
        cl.set_pool("532500");
        auto* claim = cl.mutable_claim();
        claim->set_scheme(v1::RESIDENT);
        claim->set_service_date(ToYmd(Date(year, 6, 1)));
        claim->set_total_cost_fen(100000);
        claim->set_basic_fund_paid_fen(i % 2 ? 50000 : 0);
        cl.set_business_date(claim->service_date());
        out.push_back(cl);
      }
    }
  }
  return out;
}

void AppendAll(Log* log, std::vector<v1::Event> events, size_t chunk,
               const std::function<void()>& after_chunk = nullptr) {
  for (size_t at = 0; at < events.size(); at += chunk) {
    std::vector<v1::Event> part(events.begin() + static_cast<long>(at),
                                events.begin() + static_cast<long>(std::min(events.size(), at + chunk)));
    std::vector<AppendResult> r;
    ASSERT_TRUE(log->Append(part, &r).ok());
    if (after_chunk) after_chunk();
  }
}

void ProjectorTest::AppendProjecting(Log* log, StateStore* live, int persons, size_t chunk) {
  Projector projector(live, &profiles_);
  AppendAll(log, Population(persons), chunk, [&] { ASSERT_TRUE(projector.CatchUp(log, 2).ok()); });
}

StateDigest RebuildDigest(Log* log, const ProfileSet& profiles, const std::string& dir) {
  auto fresh = StateStore::Open(dir, false, /*bulk=*/true);
  EXPECT_TRUE(fresh.ok());
  auto r = Rebuild(log, fresh->get(), profiles, std::nullopt, 2);
  EXPECT_TRUE(r.ok()) << r.status();
  return r->digest;
}

TEST_F(ProjectorTest, LiveProjectionEqualsReplayByteForByte) {
  auto log = EmbeddedLog::Open(Dir("log"), {.partitions = 4});
  ASSERT_TRUE(log.ok());
  auto live = StateStore::Open(Dir("live"), false);
  ASSERT_TRUE(live.ok());
  // Project after every small chunk: persons are folded many times over.
  AppendProjecting(log->get(), live->get(), 60, 17);
  auto live_digest = (*live)->Digest();
  ASSERT_TRUE(live_digest.ok());
  StateDigest replayed = RebuildDigest(log->get(), profiles_, Dir("replay"));
  EXPECT_EQ(live_digest->persons, 60);
  EXPECT_EQ(replayed.persons, 60);
  EXPECT_EQ(live_digest->hex, replayed.hex);

  // Byte-identical person records, not just equal digests.
  auto replay_store = StateStore::Open(Dir("replay"), true);
  ASSERT_TRUE(replay_store.ok());
  for (int i = 0; i < 60; ++i) {
    auto a = (*live)->Get(Id(i));
    auto b = (*replay_store)->Get(Id(i));
    ASSERT_TRUE(a.ok() && b.ok() && *a && *b);
    EXPECT_EQ(EncodePersonRecord(**a), EncodePersonRecord(**b)) << Id(i);
  }
}

TEST(RebuildTailStartTest, StartsWhereThePartitionsLeftHoldAtMostTheTail) {
  EXPECT_EQ(RebuildTailStart({100, 100, 100, 100}, 150), 3);  // the last 100 events
  EXPECT_EQ(RebuildTailStart({100, 100, 100, 100}, 200), 2);
  EXPECT_EQ(RebuildTailStart({100, 100, 100, 100}, 99), -1);  // the last partition alone is more
  EXPECT_EQ(RebuildTailStart({100, 100, 100, 100}, 400), -1);  // everything is tail
  EXPECT_EQ(RebuildTailStart({}, 10), -1);
}

// A rebuild that flushes before its last partitions (the early flush starts
// while other partitions are still folding) keeps every person: the store,
// read back after it is closed, is the live projection. (How many tables it
// leaves is RocksDB's choice: a flush that has not started when the last one
// is asked for writes both memtables into one table.)
TEST_F(ProjectorTest, RebuildWithAnEarlyFlushKeepsEveryPerson) {
  auto log = EmbeddedLog::Open(Dir("log"), {.partitions = 8});
  ASSERT_TRUE(log.ok());
  auto live = StateStore::Open(Dir("live"), false);
  ASSERT_TRUE(live.ok());
  AppendProjecting(log->get(), live->get(), 200, 1000);
  auto live_digest = (*live)->Digest();
  ASSERT_TRUE(live_digest.ok());
  {
    auto fresh = StateStore::Open(Dir("replay"), false, /*bulk=*/true);
    ASSERT_TRUE(fresh.ok());
    auto r = Rebuild(log->get(), fresh->get(), profiles_, std::nullopt, 2, nullptr, nullptr, /*tail_events=*/300);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->digest.hex, live_digest->hex);
  }
  auto replayed = StateStore::Open(Dir("replay"), true);
  ASSERT_TRUE(replayed.ok());
  auto scanned = (*replayed)->Digest();
  ASSERT_TRUE(scanned.ok());
  EXPECT_EQ(scanned->persons, 200);
  EXPECT_EQ(scanned->hex, live_digest->hex);
}

TEST_F(ProjectorTest, CrashBetweenAppendAndProjectionIsCaughtUp) {
  auto log = EmbeddedLog::Open(Dir("log"), {.partitions = 4});
  ASSERT_TRUE(log.ok());
  std::vector<v1::Event> events = Population(40);
  {
    auto live = StateStore::Open(Dir("live"), false);
    ASSERT_TRUE(live.ok());
    Projector projector(live->get(), &profiles_);
    // Half is appended and projected, the rest appended only: the "crash".
    std::vector<v1::Event> first(events.begin(), events.begin() + static_cast<long>(events.size() / 2));
    std::vector<v1::Event> second(events.begin() + static_cast<long>(events.size() / 2), events.end());
    AppendAll(log->get(), first, 50);
    ASSERT_TRUE(projector.CatchUp(log->get(), 1).ok());
    AppendAll(log->get(), second, 50);
  }
  auto live = StateStore::Open(Dir("live"), false);
  ASSERT_TRUE(live.ok());
  Projector projector(live->get(), &profiles_);
  auto applied = projector.CatchUp(log->get(), 2);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, static_cast<int64_t>(events.size() - events.size() / 2));
  EXPECT_EQ((*live)->Digest()->hex, RebuildDigest(log->get(), profiles_, Dir("replay")).hex);
}

TEST_F(ProjectorTest, RedeliveredEntriesChangeNothing) {
  auto log = EmbeddedLog::Open(Dir("log"), {.partitions = 1});
  ASSERT_TRUE(log.ok());
  AppendAll(log->get(), Population(10), 1000);
  auto live = StateStore::Open(Dir("live"), false);
  ASSERT_TRUE(live.ok());
  Projector projector(live->get(), &profiles_);
  ASSERT_TRUE(projector.CatchUp(log->get(), 1).ok());
  std::string before = (*live)->Digest()->hex;
  // Deliver the whole partition again, as a consumer would after a rebalance.
  std::vector<LogEntry> entries;
  ASSERT_TRUE((*log)->Read(Partition{0}, Offset{0}, 100000, &entries).ok());
  ASSERT_TRUE(projector.ApplyEntries(Partition{0}, entries).ok());
  EXPECT_EQ((*live)->Digest()->hex, before);
}

// A disk that fails under the projection (ENOSPC or EIO on the state's
// files): the commit fails, the state keeps the last whole batch with its
// offsets, and after a reopen the projection catches up to the replayed state.
TEST_F(ProjectorTest, AFailedStateWriteIsCaughtUpAfterReopen) {
  for (FaultFs::Fault fault : {FaultFs::Fault::kNoSpace, FaultFs::Fault::kIoError}) {
    const std::string live_dir = Dir(fault == FaultFs::Fault::kNoSpace ? "live-enospc" : "live-eio");
    auto log = EmbeddedLog::Open(Dir(fault == FaultFs::Fault::kNoSpace ? "log-enospc" : "log-eio"), {.partitions = 3});
    ASSERT_TRUE(log.ok());
    std::vector<v1::Event> events = Population(30);
    std::vector<v1::Event> first(events.begin(), events.begin() + static_cast<long>(events.size() / 2));
    std::vector<v1::Event> second(events.begin() + static_cast<long>(events.size() / 2), events.end());
    {
      FaultEnv faults;
      auto live = StateStore::Open(live_dir, false, false, faults.env.get());
      ASSERT_TRUE(live.ok());
      Projector projector(live->get(), &profiles_);
      AppendAll(log->get(), first, 40);
      ASSERT_TRUE(projector.CatchUp(log->get(), 2).ok());
      faults.fs->FailWrites(fault);
      faults.fs->FailSyncs(fault);
      AppendAll(log->get(), second, 40);
      auto caught = projector.CatchUp(log->get(), 2);
      EXPECT_FALSE(caught.ok());
      EXPECT_GT(faults.fs->failures(), 0);
    }
    auto live = StateStore::Open(live_dir, false);
    ASSERT_TRUE(live.ok()) << live.status();
    Projector projector(live->get(), &profiles_);
    ASSERT_TRUE(projector.CatchUp(log->get(), 2).ok());
    EXPECT_EQ((*live)->Digest()->hex,
              RebuildDigest(log->get(), profiles_, live_dir + "-replay").hex);
  }
}

TEST_F(ProjectorTest, ArrivalOrderDoesNotChangeTheState) {
  std::vector<v1::Event> events = Population(30);
  auto log_a = EmbeddedLog::Open(Dir("log-a"), {.partitions = 3});
  auto log_b = EmbeddedLog::Open(Dir("log-b"), {.partitions = 3});
  ASSERT_TRUE(log_a.ok() && log_b.ok());
  AppendAll(log_a->get(), events, 64);
  std::mt19937 rng(7);
  std::shuffle(events.begin(), events.end(), rng);
  AppendAll(log_b->get(), events, 5);
  EXPECT_EQ(RebuildDigest(log_a->get(), profiles_, Dir("a")).hex,
            RebuildDigest(log_b->get(), profiles_, Dir("b")).hex);
}

TEST_F(ProjectorTest, RebuildAsOfLeavesOutLaterEvents) {
  int64_t now_us = 1'000'000;
  auto log = EmbeddedLog::Open(Dir("log"), {.partitions = 2, .clock = [&] { return absl::FromUnixMicros(now_us); }});
  ASSERT_TRUE(log.ok());
  std::vector<v1::Event> events = Population(5);
  std::vector<v1::Event> first(events.begin(), events.begin() + 5);
  std::vector<v1::Event> rest(events.begin() + 5, events.end());
  AppendAll(log->get(), first, 100);
  now_us = 2'000'000;
  AppendAll(log->get(), rest, 100);
  auto fresh = StateStore::Open(Dir("asof"), false, true);
  ASSERT_TRUE(fresh.ok());
  auto r = Rebuild(log->get(), fresh->get(), profiles_, int64_t{1'500'000}, 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->events, 5);
}

// A random history of one person: resident payments in and after the window,
// repairs, refunds, employee months with gaps and make-ups, registry actions,
// statuses (the register, migrant workers and severe mental illness among
// them), claims and reversals, now and then in another pool.
class RandomHistory {
 public:
  explicit RandomHistory(uint32_t seed) : rng_(seed) {}

  std::vector<StoredFact> Make() {
    std::vector<StoredFact> out;
    pool_ = Pick({"532500", "421300", "510400"});
    const int n = Uniform(1, 40);
    for (int i = 0; i < n; ++i) {
      if (Uniform(0, 30) == 0) pool_ = Pick({"532500", "421300", "510400"});
      switch (Uniform(0, 9)) {
        case 0: case 1: out.push_back(Resident(v1::REGULAR)); break;
        case 2: out.push_back(Resident(v1::REPAIR)); break;
        case 3: case 4: case 5: out.push_back(EmployeeMonth()); break;
        case 6: out.push_back(Registry()); break;
        case 7: out.push_back(Status()); break;
        case 8: out.push_back(Claim()); break;
        default: {
          if (out.empty()) break;
          const StoredFact t = out[static_cast<size_t>(Uniform(0, static_cast<int>(out.size()) - 1))];
          if (t.type == v1::Event::kContribution) out.push_back(Cancel(v1::TAX, v1::Event::kRefund, t));
          if (t.type == v1::Event::kClaim) out.push_back(Cancel(v1::CLAIMS, v1::Event::kClaimReversal, t));
        }
      }
    }
    return out;
  }

 private:
  int Uniform(int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng_); }
  std::string Pick(std::initializer_list<const char*> xs) {
    return *(xs.begin() + Uniform(0, static_cast<int>(xs.size()) - 1));
  }
  int32_t Day(int year) { return year * 10000 + Uniform(1, 12) * 100 + Uniform(1, 28); }
  StoredFact Base(v1::Source source, v1::Event::PayloadCase type, int32_t date) {
    StoredFact f;
    f.source = source;
    f.type = type;
    f.record_id = absl::StrCat("r", next_id_++);
    f.region = pool_.substr(0, 4) + "02";
    f.pool = pool_;
    f.business_date = date;
    return f;
  }
  StoredFact Payment(v1::Scheme scheme, v1::Payer payer, v1::Purpose purpose, int year, int month, int32_t paid) {
    StoredFact f = Base(v1::TAX, v1::Event::kContribution, paid);
    f.v = {scheme, payer, purpose, year, month, 35000, 1700000000 + paid % 1000000, paid};
    return f;
  }
  StoredFact Resident(v1::Purpose purpose) {
    const int year = Uniform(2023, 2030);
    const int32_t paid = Day(Uniform(0, 3) == 0 ? year : year - 1);
    return Payment(v1::RESIDENT, v1::INDIVIDUAL, purpose, year, 0, purpose == v1::REPAIR ? paid + 20000 : paid);
  }
  StoredFact EmployeeMonth() {
    const int year = Uniform(2024, 2029), month = Uniform(1, 12);
    const bool late = Uniform(0, 4) == 0;
    const int32_t paid = late ? Day(year + Uniform(0, 1)) : year * 10000 + month * 100 + 15;
    return Payment(v1::EMPLOYEE, Uniform(0, 2) == 0 ? v1::FLEXIBLE : v1::EMPLOYER, late ? v1::MAKEUP : v1::REGULAR,
                   year, month, paid);
  }
  StoredFact Registry() {
    StoredFact f = Base(v1::REGISTRY, v1::Event::kRegistry, Day(Uniform(2023, 2030)));
    const v1::Action action = static_cast<v1::Action>(Uniform(1, 5));
    const v1::Scheme scheme = action == v1::ENROL && Uniform(0, 1) ? v1::RESIDENT : v1::EMPLOYEE;
    f.v = {action, scheme, scheme == v1::EMPLOYEE ? Uniform(1, 2) : 0, f.business_date,
           action == v1::ENROL && scheme == v1::RESIDENT, Uniform(0, 1) * 12 * Uniform(0, 20), 0, 0};
    return f;
  }
  StoredFact Status() {
    StoredFact f = Base(v1::CIVIL, v1::Event::kStatus, Day(Uniform(2022, 2030)));
    f.v = {Uniform(1, 14), f.business_date, Uniform(0, 1) ? 0 : f.business_date + 10000, 0, 0, 0, 0, 0};
    return f;
  }
  StoredFact Claim() {
    StoredFact f = Base(v1::CLAIMS, v1::Event::kClaim, Day(Uniform(2024, 2030)));
    f.v = {Uniform(1, 2), 1, f.business_date, 1700000000, 500000, Uniform(0, 1) * 200000,
           Uniform(0, 1) * Uniform(0, 50000000), 0};
    return f;
  }
  StoredFact Cancel(v1::Source source, v1::Event::PayloadCase type, const StoredFact& t) {
    StoredFact f = Base(source, type, t.business_date + Uniform(0, 1) * 100);
    f.target = t.record_id;
    if (type == v1::Event::kRefund) {
      f.v = t.v;
    } else {
      f.v = {t.v[slot::kServiceDate], 1700000000, 0, 0, 0, 0, 0, 0};
    }
    return f;
  }

  std::mt19937 rng_;
  std::string pool_;
  int next_id_ = 0;
};

// Where two records of the same facts differ: the first year, both answers and the facts.
std::string FirstDifference(const PersonRecord& a, const PersonRecord& b, const std::vector<StoredFact>& facts) {
  std::string out = absl::StrCat("first years ", a.first_year, "/", b.first_year, ", years ", a.years.size(), "/",
                                 b.years.size());
  for (size_t i = 0; i < std::min(a.years.size(), b.years.size()); ++i) {
    if (a.years[i] == b.years[i]) continue;
    v1::PersonYear x, y;
    x.ParseFromString(a.years[i]);
    y.ParseFromString(b.years[i]);
    absl::StrAppend(&out, "\nyear ", a.first_year + static_cast<int>(i), "\nincremental: ", x.ShortDebugString(),
                    "\nfull:        ", y.ShortDebugString());
    break;
  }
  for (const StoredFact& f : facts) {
    absl::StrAppend(&out, "\n  ", f.record_id, " @", f.offset, " ", EventOfFact(f, "").ShortDebugString());
  }
  return out;
}

// Incremental folds (a new fact re-derives only the years it can change) end
// in the record a fold of all the facts at once makes, for any arrival order
// and batching; and the years do not depend on the order at all.
TEST(FoldPersonTest, IncrementalEqualsFullFoldForRandomHistoriesAndOrders) {
  const ProfileSet profiles = *ProfileSet::Builtin();
  int folds = 0;
  for (uint32_t seed = 1; seed <= 3000; ++seed) {
    RandomHistory gen(seed);
    std::vector<StoredFact> facts = gen.Make();
    std::mt19937 rng(seed);
    std::vector<std::string> first_years;
    for (int order = 0; order < 3; ++order) {
      std::shuffle(facts.begin(), facts.end(), rng);
      for (size_t i = 0; i < facts.size(); ++i) facts[i].offset = static_cast<int64_t>(i);
      PersonRecord full;
      full.id_number = Id(static_cast<int>(seed));
      FoldPerson(facts, profiles, &full);
      PersonRecord live;
      live.id_number = full.id_number;
      for (size_t at = 0; at < facts.size();) {
        size_t n = std::uniform_int_distribution<size_t>(1, 4)(rng);
        std::vector<StoredFact> batch(facts.begin() + static_cast<long>(at),
                                      facts.begin() + static_cast<long>(std::min(facts.size(), at + n)));
        FoldPerson(std::move(batch), profiles, &live);
        ++folds;
        at += n;
      }
      ASSERT_TRUE(EncodePersonRecord(live) == EncodePersonRecord(full))
          << "seed " << seed << " order " << order << ": " << FirstDifference(live, full, facts);
      std::string years = absl::StrCat(full.first_year);
      for (const std::string& y : full.years) years += y;
      first_years.push_back(years);
      ASSERT_EQ(first_years.front(), first_years.back()) << "seed " << seed << ": years depend on arrival order";
    }
  }
  EXPECT_GT(folds, 10000);
}

// Over Kafka a conflicting duplicate reaches the projection: the first of a
// (source, record_id) by log order stays, in one batch or across batches.
TEST(FoldPersonTest, FirstOfADuplicateKeyByLogOrderWins) {
  const ProfileSet profiles = *ProfileSet::Builtin();
  RandomHistory gen(5);
  std::vector<StoredFact> facts = gen.Make();
  ASSERT_FALSE(facts.empty());
  StoredFact conflicting = facts.front();
  conflicting.v[slot::kAmountFen] += 1;
  conflicting.business_date += 1;
  for (size_t i = 0; i < facts.size(); ++i) facts[i].offset = static_cast<int64_t>(i);
  conflicting.offset = static_cast<int64_t>(facts.size());
  PersonRecord once, first_alone, twice;
  once.id_number = first_alone.id_number = twice.id_number = Id(5);
  std::vector<StoredFact> all = facts;
  all.push_back(conflicting);
  all.push_back(facts.front());  // an exact duplicate, later still
  FoldPerson(all, profiles, &once);
  FoldPerson(facts, profiles, &first_alone);
  FoldPerson(facts, profiles, &twice);
  FoldPerson({conflicting, facts.front()}, profiles, &twice);
  EXPECT_EQ(once.facts.size(), facts.size());
  EXPECT_TRUE(EncodePersonRecord(once) == EncodePersonRecord(first_alone));
  EXPECT_TRUE(EncodePersonRecord(twice) == EncodePersonRecord(first_alone));
}

TEST(PersonRecordTest, EncodeDecodeRoundTripsAndRejectsCorruption) {
  RandomHistory gen(42);
  PersonRecord r;
  r.id_number = Id(1);
  r.facts = gen.Make();
  for (size_t i = 0; i < r.facts.size(); ++i) {
    r.facts[i].offset = static_cast<int64_t>(i * 1000);
    r.facts[i].recorded_at_us = 1'700'000'000'000'000 + static_cast<int64_t>(i % 3) * 7;
  }
  std::sort(r.facts.begin(), r.facts.end(), FactKeyLess);
  r.first_year = 2025;
  r.years = {"a", "bb", std::string(300, 'c')};
  const std::string bytes = EncodePersonRecord(r);
  auto back = DecodePersonRecord(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(EncodePersonRecord(*back), bytes);
  for (const StoredFact& f : back->facts) {
    EXPECT_EQ(FactOfEvent(EventOfFact(f, r.id_number), f.offset).v, f.v) << f.record_id;
  }
  for (size_t cut : {size_t{0}, size_t{1}, bytes.size() / 2, bytes.size() - 1}) {
    auto bad = DecodePersonRecord(std::string_view(bytes).substr(0, cut));
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss) << cut;
  }
}

}  // namespace
}  // namespace enrol
