// enrol_answers: prints what `enrol query`, `covered` and `explain` answer for
// many persons in one process, so that a change of the data layout can be shown
// not to change a single answer (tests/answers_test.sh compares the output with
// tests/fixtures/, which the build before the change wrote).
//
//   enrol_answers DATA_DIR [--verbose] < ids
//
// For each ID (one a line): query for 2023..2031, query --as-of 2100-01-01 for
// 2024..2030 (the evaluated path), explain for 2024..2030, and covered on the
// 1st and 15th of every month of 2024..2030. Prints "ID SHA-256" of those
// answers in CLI JSON form, or the answers themselves with --verbose.
#include <cstdio>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/dates.h"
#include "common/hashing.h"
#include "projections/profiles.h"
#include "common/keyring.h"
#include "projections/query_service.h"

namespace {

template <typename T>
std::string Answer(const absl::StatusOr<std::optional<T>>& a) {
  if (!a.ok()) return absl::StrCat("error: ", a.status().message());
  if (!*a) return "{\"error\":\"not_found\"}";
  return enrol::AnswerJson(**a);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: enrol_answers DATA_DIR [--verbose] < ids\n";
    return 2;
  }
  const bool verbose = argc > 2 && std::string(argv[2]) == "--verbose";
  auto profiles = enrol::ProfileSet::Builtin();
  if (!profiles.ok()) return 1;
  // The store's key, as the enrol commands find it (ENROL_KEY_FILE, else ~/.config/enrol/master.key).
  auto keys = enrol::Keyring::Load("");
  if (!keys.ok()) {
    std::cerr << keys.status() << "\n";
    return 1;
  }
  auto service = enrol::QueryService::Open(argv[1], &*profiles, &*keys);
  if (!service.ok()) {
    std::cerr << service.status() << "\n";
    return 1;
  }
  const int64_t far = absl::ToUnixMicros(absl::FromCivil(absl::CivilSecond(2100, 1, 1), absl::UTCTimeZone()));
  std::string id;
  while (std::getline(std::cin, id)) {
    if (id.empty()) continue;
    std::string all;
    auto add = [&](const std::string& what, const std::string& answer) {
      std::string line = absl::StrCat(what, " ", answer, "\n");
      if (verbose) std::fputs(absl::StrCat(id, " ", line).c_str(), stdout);
      all += line;
    };
    for (int y = 2023; y <= 2031; ++y) add(absl::StrCat("query ", y), Answer((*service)->Query(id, y, std::nullopt)));
    for (int y = 2024; y <= 2030; ++y) add(absl::StrCat("query-as-of ", y), Answer((*service)->Query(id, y, far)));
    for (int y = 2024; y <= 2030; ++y) add(absl::StrCat("explain ", y), Answer((*service)->Explain(id, y, std::nullopt)));
    for (int y = 2024; y <= 2030; ++y) {
      for (int m = 1; m <= 12; ++m) {
        for (int d : {1, 15}) {
          enrol::Date day(y, m, d);
          add(absl::StrCat("covered ", enrol::FormatDate(day)), Answer((*service)->Covered(id, day, std::nullopt)));
        }
      }
    }
    if (!verbose) std::printf("%s %s\n", id.c_str(), enrol::HexOf(enrol::Sha256Of(all)).c_str());
  }
  return 0;
}
