// libFuzzer target: arbitrary bytes as a feed file (JSON Lines or CSV, by
// ENROL_FUZZ_FORMAT) through the reader and the validation of all four
// sources. Every record must come out either as an event whose compact form
// reads back the same (the form the log and projection store) or as a refusal
// with a reason naming a field; nothing may crash, hang or leak. Built with
// -DENROL_FUZZ=ON and clang (deploy/fuzz.sh runs it).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "consumers/feed_reader.h"
#include "consumers/validate.h"
#include "ledger/content_hash.h"
#include "ledger/fact.h"

namespace {

const enrol::ProfileSet& Profiles() {
  static const auto* profiles = new enrol::ProfileSet(*enrol::ProfileSet::Builtin());
  return *profiles;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::FILE* f = ::fmemopen(const_cast<uint8_t*>(data), size, "rb");
  if (f == nullptr) return 0;
  auto reader = enrol::FeedReader::FromStream(f, "fuzz." ENROL_FUZZ_FORMAT);
  enrol::RawRecord r;
  for (int n = 0; n < 10000; ++n) {
    auto more = reader->Next(&r);
    if (!more.ok() || !*more) break;
    for (enrol::v1::Source source : {enrol::v1::TAX, enrol::v1::CIVIL, enrol::v1::REGISTRY, enrol::v1::CLAIMS}) {
      auto event = enrol::ToEvent(source, r, Profiles());
      if (!event.ok()) {
        const std::string reason(event.status().message());
        Check(event.status().code() == absl::StatusCode::kInvalidArgument, "a refusal is kInvalidArgument");
        Check(reason.find(": ") != std::string::npos, "a refusal names a field");
        continue;
      }
      // The compact form keeps the whole content: the event read back hashes the same.
      enrol::StoredFact fact = enrol::FactOfEvent(*event, 0);
      enrol::v1::Event back = enrol::EventOfFact(fact, event->person());
      Check(enrol::ContentHash(&back) == enrol::ContentHash(&*event), "the compact form keeps the content");
    }
  }
  reader.reset();
  std::fclose(f);
  return 0;
}
