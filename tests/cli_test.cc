// The command line as a user runs it: contract JSON shapes and exit codes,
// dead letters, as-of answers, replay digests, and a real SIGKILL of
// `enrol ingest` part-way followed by the same command again.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "gtest/gtest.h"
#include "tests/testutil.h"

namespace enrol {
namespace {

TEST_F(CliTest, ContractQueryExample) {
  Write("tax.jsonl", Pay("T1", kPerson, 2025, "2024-10-12T09:30:00+08:00") +
                         Pay("T2", kPerson, 2026, "2025-10-12T09:30:00+08:00") +
                         Pay("T3", kPerson, 2027, "2026-10-12T09:30:00+08:00"));
  Result in = Enrol("ingest --source tax tax.jsonl");
  ASSERT_EQ(in.exit_code, 0) << in.err;
  EXPECT_EQ(in.out, "{\"accepted\":3,\"duplicates\":0,\"rejected\":0}\n");
  Result q = Enrol(absl::StrCat("query --id ", kPerson, " --year 2027"));
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out,
            "{\"id_number\":\"532501199001011239\",\"region\":\"532500\",\"year\":2027,"
            "\"resident\":{\"enrolled\":true,\"paid_on\":\"2026-10-12\",\"in_window\":true,"
            "\"continuous_years\":3,\"break_years\":0,"
            "\"waiting\":{\"exempt\":\"\",\"fixed_months\":0,\"variable_months\":0,\"repaired_months\":0,"
            "\"total_months\":0,\"benefits_from\":\"2027-01-01\"},"
            "\"critical_illness_cap\":{\"base\":400000,\"continuity_bonus\":0,\"zero_claim_bonus\":8000,"
            "\"break_penalty\":0,\"effective\":408000,\"unlimited\":false}},"
            "\"employee\":{\"enrolled\":false,\"kind\":\"\",\"months_paid\":0,\"contribution_years\":0,"
            "\"actual_years\":0,\"local_actual_years\":0,\"deemed_years\":0,\"required_years\":30,"
            "\"retirement_eligible\":false,\"suspended\":[],\"benefits_from\":null,\"maternity_from\":null}}\n");
  Result c = Enrol(absl::StrCat("covered --id ", kPerson, " --date 2027-06-01"));
  ASSERT_EQ(c.exit_code, 0);
  EXPECT_NE(c.out.find("{\"covered\":true,\"scheme\":\"resident\",\"reason\":"), std::string::npos) << c.out;
}

TEST_F(CliTest, UnknownPersonIsExitThree) {
  Write("tax.jsonl", Pay("T1", kPerson, 2025, "2024-10-12T09:30:00+08:00"));
  ASSERT_EQ(Enrol("ingest --source tax tax.jsonl").exit_code, 0);
  Result q = Enrol("query --id 11010519491231002X --year 2025");
  EXPECT_EQ(q.exit_code, 3);
  EXPECT_EQ(q.out, "{\"error\":\"not_found\"}\n");
  Result c = Enrol("covered --id 11010519491231002X --date 2025-03-01");
  EXPECT_EQ(c.exit_code, 3);
  Result bad = Enrol("query --id 123");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--id"), std::string::npos);
}

TEST_F(CliTest, BadRecordsAreKeptAndGoodOnesOfTheBatchApplied) {
  Write("tax.jsonl", Pay("T1", kPerson, 2025, "2024-10-12T09:30:00+08:00") +
                         Pay("T2", "532501199001011238", 2025, "2024-10-12T09:30:00+08:00") +
                         "{not json\n" + Pay("T3", kPerson, 2026, "2025-10-12T09:30:00+08:00") +
                         Pay("T1", kPerson, 2025, "2024-10-13T09:30:00+08:00"));
  Result in = Enrol("ingest --source tax tax.jsonl");
  ASSERT_EQ(in.exit_code, 0) << in.err;
  EXPECT_EQ(in.out, "{\"accepted\":2,\"duplicates\":0,\"rejected\":3}\n");
  Result rej = Enrol("rejects");
  ASSERT_EQ(rej.exit_code, 0);
  EXPECT_NE(rej.out.find("\"line\":2,\"record_id\":\"T2\",\"reason\":\"id_number: check digit"), std::string::npos) << rej.out;
  EXPECT_NE(rej.out.find("\"line\":3,\"record_id\":\"\",\"reason\":\"record: is not a JSON object"), std::string::npos);
  EXPECT_NE(rej.out.find("\"line\":5,\"record_id\":\"T1\",\"reason\":\"record_id: conflicting duplicate"), std::string::npos);
  EXPECT_EQ(Enrol("rejects --source civil").out, "");
  // Again: nothing new appended; the second run's refusals are kept beside
  // the first run's, each with its run (nothing is ever replaced).
  EXPECT_EQ(Enrol("ingest --source tax tax.jsonl").out, "{\"accepted\":0,\"duplicates\":2,\"rejected\":3}\n");
  Result again = Enrol("rejects --source tax");
  EXPECT_EQ(std::count(again.out.begin(), again.out.end(), '\n'), 6);
  Result q = Enrol(absl::StrCat("query --id ", kPerson, " --year 2026"));
  EXPECT_NE(q.out.find("\"continuous_years\":2"), std::string::npos) << q.out;
}

TEST_F(CliTest, StdinAndCsv) {
  Write("reg.csv",
        "record_id,id_number,region,action,scheme,kind,effective,fee_waived,deemed_years,sex\n"
        "R1,532501199001011239,532501,enrol,resident,,2025-01-01,,,\n");
  EXPECT_EQ(Enrol("ingest --source registry reg.csv").out, "{\"accepted\":1,\"duplicates\":0,\"rejected\":0}\n");
  Write("tax.jsonl", Pay("T1", kPerson, 2025, "2024-10-12T09:30:00+08:00"));
  EXPECT_EQ(Enrol("ingest --source tax - < tax.jsonl").out, "{\"accepted\":1,\"duplicates\":0,\"rejected\":0}\n");
}

TEST_F(CliTest, AsOfAnswersFromFactsRecordedByThen) {
  Write("a.jsonl", Pay("T1", kPerson, 2026, "2025-10-12T09:30:00+08:00"));
  Write("b.jsonl", "{\"record_id\":\"T9\",\"id_number\":\"532501199001011239\",\"region\":\"532501\","
                   "\"op\":\"refund\",\"refund_of\":\"T1\",\"paid_at\":\"2025-11-01T10:00:00+08:00\"}\n");
  ASSERT_EQ(Enrol("ingest --source tax a.jsonl").exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto between = std::chrono::system_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ASSERT_EQ(Enrol("ingest --source tax b.jsonl").exit_code, 0);
  std::time_t t = std::chrono::system_clock::to_time_t(between);
  char ts[64];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  Result now = Enrol(absl::StrCat("query --id ", kPerson, " --year 2026"));
  Result then = Enrol(absl::StrCat("query --id ", kPerson, " --year 2026 --as-of ", ts));
  EXPECT_NE(now.out.find("\"enrolled\":false"), std::string::npos) << now.out;
  EXPECT_NE(then.out.find("\"enrolled\":true"), std::string::npos) << then.out;
  Result before_all = Enrol(absl::StrCat("query --id ", kPerson, " --as-of 2000-01-01T00:00:00+08:00"));
  EXPECT_EQ(before_all.exit_code, 3);
  Result replay_then = Enrol(absl::StrCat("replay --as-of ", ts));
  EXPECT_NE(replay_then.out.find("\"events\":1,"), std::string::npos) << replay_then.out;
  Result replay_now = Enrol("replay");
  EXPECT_NE(replay_now.out.find("\"events\":2,"), std::string::npos) << replay_now.out;
}

std::string EmployeePay(const std::string& rid, const std::string& id, const std::string& period,
                        const std::string& paid_on, const std::string& purpose = "regular") {
  return absl::StrCat("{\"record_id\":\"", rid, "\",\"id_number\":\"", id,
                      "\",\"region\":\"421302\",\"scheme\":\"employee\",\"payer\":\"employer\",\"purpose\":\"",
                      purpose, "\",\"period\":\"", period, "\",\"amount\":\"500.00\",\"paid_at\":\"", paid_on,
                      "T10:00:00+08:00\"}\n");
}

// Suizhou art. 10: three unpaid months suspend; paid up within six months,
// cover is restored and backdated. As of before the make-up the suspension
// shows; after it, the backdated cover.
TEST_F(CliTest, EmployeeArrearsAsOfBeforeAndAfterTheMakeUp) {
  const std::string id = "421302198503011233";
  std::string regular;
  for (int m = 1; m <= 12; ++m) {
    if (m >= 3 && m <= 5) continue;
    char period[8], paid[11];
    std::snprintf(period, sizeof period, "2026-%02d", m);
    std::snprintf(paid, sizeof paid, "2026-%02d-15", m);
    regular += EmployeePay(absl::StrCat("E", m), id, period, paid);
  }
  Write("a.jsonl", regular);
  Write("b.jsonl", EmployeePay("M3", id, "2026-03", "2026-07-20", "makeup") +
                       EmployeePay("M4", id, "2026-04", "2026-07-20", "makeup") +
                       EmployeePay("M5", id, "2026-05", "2026-07-20", "makeup"));
  ASSERT_EQ(Enrol("ingest --source tax a.jsonl").exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto between = std::chrono::system_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ASSERT_EQ(Enrol("ingest --source tax b.jsonl").exit_code, 0);
  std::time_t t = std::chrono::system_clock::to_time_t(between);
  char ts[64];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  Result before = Enrol(absl::StrCat("query --id ", id, " --year 2026 --as-of ", ts));
  EXPECT_NE(before.out.find("\"suspended\":[{\"from\":\"2026-03-01\",\"to\":\"2026-05-31\"}]"), std::string::npos)
      << before.out;
  Result after = Enrol(absl::StrCat("query --id ", id, " --year 2026"));
  EXPECT_NE(after.out.find("\"suspended\":[]"), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("\"months_paid\":12"), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("\"benefits_from\":\"2026-02-01\""), std::string::npos) << after.out;
  Result c_before = Enrol(absl::StrCat("covered --id ", id, " --date 2026-04-10 --as-of ", ts));
  EXPECT_NE(c_before.out.find("\"covered\":false"), std::string::npos) << c_before.out;
  Result c_after = Enrol(absl::StrCat("covered --id ", id, " --date 2026-04-10"));
  EXPECT_NE(c_after.out.find("{\"covered\":true,\"scheme\":\"employee\""), std::string::npos) << c_after.out;
  Result x = Enrol(absl::StrCat("explain --id ", id, " --year 2026"));
  ASSERT_EQ(x.exit_code, 0);
  EXPECT_NE(x.out.find("\"rule\":\"E2\""), std::string::npos) << x.out;
  EXPECT_NE(x.out.find("003_ed9836a7e493e18c art. 10"), std::string::npos) << x.out;
  EXPECT_NE(x.out.find("\"M5\""), std::string::npos) << x.out;
}

TEST_F(CliTest, ExplainNamesRulesSourcesAndRecords) {
  Write("tax.jsonl", Pay("T1", kPerson, 2025, "2024-10-12T09:30:00+08:00") +
                         Pay("T3", kPerson, 2027, "2026-11-06T09:30:00+08:00"));
  ASSERT_EQ(Enrol("ingest --source tax tax.jsonl").exit_code, 0);
  Result x = Enrol(absl::StrCat("explain --id ", kPerson, " --year 2027"));
  ASSERT_EQ(x.exit_code, 0) << x.err;
  for (const char* want : {"\"rule\":\"R1\"", "\"rule\":\"R2\"", "\"rule\":\"R3\"", "\"rule\":\"R7\"",
                           "\"rule\":\"R8\"", "002_7f3f053018f157c6", "\"records\":[\"T3\"]",
                           "N = 1 (2026 to 2026)", "\"answer\":{"}) {
    EXPECT_NE(x.out.find(want), std::string::npos) << want << "\n" << x.out;
  }
  EXPECT_EQ(Enrol("explain --id 11010519491231002X --year 2027").exit_code, 3);
}

// R10: a move does not re-judge an earlier year, through the stored
// projection and the evaluated (--as-of) path alike.
TEST_F(CliTest, EachYearIsAnsweredInItsOwnPool) {
  Write("tax.jsonl",
        "{\"record_id\":\"T1\",\"id_number\":\"532501199001011239\",\"region\":\"421302\",\"scheme\":\"resident\","
        "\"payer\":\"individual\",\"period\":\"2026\",\"amount\":\"400.00\",\"paid_at\":\"2026-02-10T09:30:00+08:00\"}\n" +
            Pay("T2", kPerson, 2027, "2026-10-15T09:30:00+08:00"));
  ASSERT_EQ(Enrol("ingest --source tax tax.jsonl").exit_code, 0);
  for (const char* as_of : {"", " --as-of 2100-01-01T00:00:00+08:00"}) {
    Result y2026 = Enrol(std::string("query --id 532501199001011239 --year 2026") + as_of);
    ASSERT_EQ(y2026.exit_code, 0) << y2026.err;
    EXPECT_NE(y2026.out.find("\"region\":\"421300\""), std::string::npos) << y2026.out;
    EXPECT_NE(y2026.out.find("\"benefits_from\":\"2026-05-10\""), std::string::npos) << y2026.out;
    EXPECT_NE(y2026.out.find("\"base\":350000"), std::string::npos) << y2026.out;
    Result y2027 = Enrol(std::string("query --id 532501199001011239 --year 2027") + as_of);
    EXPECT_NE(y2027.out.find("\"region\":\"532500\""), std::string::npos) << y2027.out;
    EXPECT_NE(y2027.out.find("\"base\":400000"), std::string::npos) << y2027.out;
  }
}

// Every command has its own --help (exit 0); a usage error exits 2, an
// unknown flag or command included; --version prints the version.
TEST_F(CliTest, HelpUsageErrorsAndVersion) {
  for (const char* cmd : {"ingest", "query", "covered", "explain", "audit", "rejects", "replay", "digest", "project",
                          "stream", "topics", "serve", "decode", "rekey", "access-log"}) {
    Result h = RunEnrol(dir_, absl::StrCat(cmd, " --help"));
    EXPECT_EQ(h.exit_code, 0) << cmd;
    EXPECT_NE(h.out.find(absl::StrCat("Usage: enrol ", cmd)), std::string::npos) << cmd << ": " << h.out;
    if (std::string(cmd) != "topics") {
      EXPECT_NE(h.out.find("--data-dir"), std::string::npos) << cmd;
    }
  }
  EXPECT_EQ(RunEnrol(dir_, "query --id 532501199001011239 --no-such-flag 1").exit_code, 2);
  EXPECT_EQ(RunEnrol(dir_, "query --id 532501199001011239 --as_of 2026-01-01T00:00:00+08:00").exit_code, 2);
  EXPECT_EQ(RunEnrol(dir_, "frobnicate").exit_code, 2);
  EXPECT_EQ(RunEnrol(dir_, "").exit_code, 2);
  EXPECT_EQ(RunEnrol(dir_, "digest unexpected").exit_code, 2);
  Result v = RunEnrol(dir_, "--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("enrol ", 0), 0u) << v.out;
}

TEST_F(CliTest, AuditFindings) {
  Write("tax.jsonl", Pay("T1", kPerson, 2025, "2025-11-06T09:30:00+08:00") +
                         Pay("T2", kPerson, 2025, "2026-01-06T09:30:00+08:00") +
                         "{\"record_id\":\"T3\",\"id_number\":\"532501199001011239\",\"region\":\"532501\","
                         "\"op\":\"refund\",\"refund_of\":\"T99\",\"paid_at\":\"2026-01-06T09:30:00+08:00\"}\n" +
                         Pay("T1", kPerson, 2025, "2025-11-07T09:30:00+08:00"));
  Write("claims.jsonl",
        "{\"record_id\":\"C1\",\"id_number\":\"532501199001011239\",\"region\":\"532501\",\"scheme\":\"resident\","
        "\"kind\":\"inpatient\",\"service_date\":\"2025-12-01\",\"settled_at\":\"2025-12-05T10:00:00+08:00\","
        "\"total_cost\":\"5000.00\",\"basic_fund_paid\":\"3000.00\",\"critical_illness_paid\":\"0.00\"}\n"
        "{\"record_id\":\"C9\",\"id_number\":\"532501199001011239\",\"region\":\"532501\",\"op\":\"reverse\","
        "\"reverse_of\":\"C404\",\"service_date\":\"2026-02-01\"}\n");
  ASSERT_EQ(Enrol("ingest --source tax tax.jsonl").exit_code, 0);
  ASSERT_EQ(Enrol("ingest --source claims claims.jsonl").exit_code, 0);
  Result a = Enrol("audit");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '\n'), 5) << a.out;
  for (const char* want : {"\"finding\":\"payment_without_entitlement\",\"id_number\":\"532501199001011239\",\"record_id\":\"C1\"",
                           "waiting until 2026-02-05", "\"finding\":\"unknown_target\",\"id_number\":\"532501199001011239\",\"record_id\":\"T3\"",
                           "\"finding\":\"unknown_target\",\"id_number\":\"532501199001011239\",\"record_id\":\"C9\"",
                           "\"finding\":\"closed_period\"",
                           "\"finding\":\"conflicting_duplicate\""}) {
    EXPECT_NE(a.out.find(want), std::string::npos) << want << "\n" << a.out;
  }
  Result y = Enrol("audit --year 2025");
  EXPECT_EQ(y.out.find("\"record_id\":\"C9\""), std::string::npos) << y.out;
  EXPECT_NE(y.out.find("closed_period"), std::string::npos) << y.out;
}

TEST_F(CliTest, SigkillDuringIngestThenRerunEndsWithTheCleanDigest) {
  WriteBigFeed(dir_ / "big.jsonl", 240000);
  // The clean run.
  Result clean = Enrol("ingest --source tax big.jsonl", "clean");
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  Result clean_replay = Enrol("replay", "clean");
  ASSERT_EQ(clean_replay.exit_code, 0);
  Result clean_live = Enrol("digest", "clean");

  // Kill the same ingest part-way, a few times, then run it to the end.
  int killed = 0;
  for (int round = 0; round < 3; ++round) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::chdir(dir_.c_str());
      ::execl(ENROL_BINARY, ENROL_BINARY, "ingest", "--source", "tax", "big.jsonl", "--data-dir", "killed",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(400 + 300 * round));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++killed;
  }
  EXPECT_GE(killed, 1) << "the ingest finished before it could be killed; use a bigger file";
  Result rerun = Enrol("ingest --source tax big.jsonl", "killed");
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  // Everything is there exactly once: what the killed runs appended shows up
  // as duplicates.
  EXPECT_NE(rerun.out.find("\"rejected\":48}"), std::string::npos) << rerun.out;
  Result killed_live = Enrol("digest", "killed");
  Result killed_replay = Enrol("replay", "killed");
  ASSERT_EQ(killed_replay.exit_code, 0);
  EXPECT_EQ(killed_replay.out, clean_replay.out);
  // The live projection after the crash equals the replayed one.
  EXPECT_EQ(killed_live.out, clean_live.out);
  EXPECT_NE(clean_replay.out.find("\"events\":240000,\"persons\":60000,"), std::string::npos) << clean_replay.out;
}

}  // namespace
}  // namespace enrol
