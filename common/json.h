// Small JSON output helpers for the command line's hand-built lines (numbers
// must print as numbers; protobuf's JSON prints int64 as strings). Pure.
#ifndef ENROL_COMMON_JSON_H_
#define ENROL_COMMON_JSON_H_

#include <string>
#include <string_view>

namespace enrol {

// A JSON string literal, quotes included. Bytes that are not valid UTF-8
// become U+FFFD.
std::string JsonQuote(std::string_view s);

// True when s is valid UTF-8.
bool IsValidUtf8(std::string_view s);

}  // namespace enrol

#endif  // ENROL_COMMON_JSON_H_
