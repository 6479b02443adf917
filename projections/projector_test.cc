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

namespace enrol {
namespace {

class ProjectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            absl::StrCat("projector-", ::getpid(), "-",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    profiles_ = *ProfileSet::Builtin();
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string Dir(const std::string& name) { return (root_ / name).string(); }

  std::filesystem::path root_;
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
  Projector projector(live->get(), &profiles_);
  // Project after every small chunk: persons are folded many times over.
  AppendAll(log->get(), Population(60), 17, [&] { ASSERT_TRUE(projector.CatchUp(log->get(), 2).ok()); });
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
    EXPECT_EQ((*a)->SerializeAsString(), (*b)->SerializeAsString()) << Id(i);
  }
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

}  // namespace
}  // namespace enrol
