#include "ledger/content_hash.h"

#include "common/hashing.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace enrol {

std::string ContentBytes(const v1::Event& event) {
  v1::Event copy = event;
  copy.clear_event_id();
  copy.clear_recorded_at_us();
  copy.clear_content_hash();
  copy.clear_origin();
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&coded);
  }
  return out;
}

std::string ContentHash(const v1::Event& event) { return Sha256Of(ContentBytes(event)); }

const char* SourceName(v1::Source source) {
  switch (source) {
    case v1::TAX: return "tax";
    case v1::CIVIL: return "civil";
    case v1::REGISTRY: return "registry";
    case v1::CLAIMS: return "claims";
    default: return "unknown";
  }
}

bool ParseSourceName(const std::string& name, v1::Source* source) {
  if (name == "tax") *source = v1::TAX;
  else if (name == "civil") *source = v1::CIVIL;
  else if (name == "registry") *source = v1::REGISTRY;
  else if (name == "claims") *source = v1::CLAIMS;
  else return false;
  return true;
}

}  // namespace enrol
