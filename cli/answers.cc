#include "cli/answers.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/dates.h"
#include "common/json.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/content_hash.h"
#include "projections/query_service.h"

namespace enrol {

std::string CountsJson(const IngestCounts& c) {
  return absl::StrFormat("{\"accepted\":%d,\"duplicates\":%d,\"rejected\":%d}", c.accepted, c.duplicates,
                         c.rejected);
}

std::string DeadLetterJson(const v1::DeadLetter& d) {
  return absl::StrCat("{\"source\":", JsonQuote(SourceName(d.source())), ",\"file\":", JsonQuote(d.file()),
                      ",\"line\":", d.line(), ",\"record_id\":", JsonQuote(d.record_id()),
                      ",\"reason\":", JsonQuote(d.reason()), ",\"record\":", JsonQuote(d.record()),
                      ",\"run\":", JsonQuote(d.run()), "}");
}

std::string FindingJson(const v1::Finding& f) {
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  std::string line;
  (void)google::protobuf::util::MessageToJsonString(f, &line, o);
  return line;
}

std::string TimelineJson(const std::string& id_number, const std::vector<v1::PersonYear>& years) {
  std::string out = absl::StrCat("{\"id_number\":", JsonQuote(id_number), ",\"years\":[");
  for (size_t i = 0; i < years.size(); ++i) absl::StrAppend(&out, i == 0 ? "" : ",", AnswerJson(years[i]));
  out += "]}";
  return out;
}

std::string ErrorJson(const std::string& message) { return absl::StrCat("{\"error\":", JsonQuote(message), "}"); }

absl::StatusOr<std::optional<int64_t>> ParseAsOf(const std::string& text, const std::string& name) {
  if (text.empty()) return std::optional<int64_t>();
  auto t = ParseTimestamp(text);
  if (!t) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": \"", text, "\" is not an RFC 3339 timestamp with an offset"));
  }
  return std::optional<int64_t>(absl::ToUnixMicros(*t));
}

}  // namespace enrol
