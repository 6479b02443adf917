// The content of an event for idempotency: what it says, not when or from
// which file it arrived. Pure; thread-safe.
#ifndef ENROL_LEDGER_CONTENT_HASH_H_
#define ENROL_LEDGER_CONTENT_HASH_H_

#include <string>

#include "proto/event.pb.h"

namespace enrol {

// SHA-256 of the event's deterministic serialization without event_id,
// recorded_at_us, content_hash and origin. The event is lent those fields'
// empty values while it is serialized and is unchanged on return (so it must
// not be read concurrently).
std::string ContentHash(v1::Event* event);

// The event's serialization without those fields: what the hash covers.
std::string ContentBytes(v1::Event* event);

// "tax", "civil", "registry", "claims".
const char* SourceName(v1::Source source);
bool ParseSourceName(const std::string& name, v1::Source* source);

}  // namespace enrol

#endif  // ENROL_LEDGER_CONTENT_HASH_H_
