#include "ledger/content_hash.h"

#include "common/hashing.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace enrol {

std::string ContentBytes(v1::Event* event) {
  // Serialize without the fields that are not content, without copying the
  // event: lend it the empty values for the duration.
  v1::Event& e = *event;
  std::string event_id, hash;
  e.mutable_event_id()->swap(event_id);
  e.mutable_content_hash()->swap(hash);
  const int64_t recorded = e.recorded_at_us();
  e.clear_recorded_at_us();
  v1::Origin* origin = e.has_origin() ? e.release_origin() : nullptr;
  std::string out(e.ByteSizeLong(), '\0');
  {
    google::protobuf::io::ArrayOutputStream stream(out.data(), static_cast<int>(out.size()));
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    e.SerializeWithCachedSizes(&coded);
  }
  e.mutable_event_id()->swap(event_id);
  e.mutable_content_hash()->swap(hash);
  e.set_recorded_at_us(recorded);
  if (origin != nullptr) e.set_allocated_origin(origin);
  return out;
}

std::string ContentHash(v1::Event* event) { return Sha256Of(ContentBytes(event)); }

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
