#include "common/ids.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace enrol {

char IdCheckCharacter(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheck[sum % 11];
}

absl::Status ValidateIdNumber(std::string_view s) {
  if (s.size() != 18) {
    return absl::InvalidArgumentError(
        absl::StrCat("must be 18 characters, got ", s.size()));
  }
  for (int i = 0; i < 17; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) {
      return absl::InvalidArgumentError(
          absl::StrCat("character ", i + 1, " must be a digit"));
    }
  }
  char last = s[17];
  if (!absl::ascii_isdigit(static_cast<unsigned char>(last)) && last != 'X') {
    return absl::InvalidArgumentError("last character must be a digit or X");
  }
  std::string birth = std::string(s.substr(6, 4)) + "-" + std::string(s.substr(10, 2)) + "-" +
                      std::string(s.substr(12, 2));
  if (!ParseDate(birth)) {
    return absl::InvalidArgumentError(absl::StrCat("birth date ", birth, " is not a date"));
  }
  char want = IdCheckCharacter(s.substr(0, 17));
  if (want != last) {
    return absl::InvalidArgumentError(
        absl::StrCat("check digit is ", std::string(1, last), ", expected ", std::string(1, want)));
  }
  return absl::OkStatus();
}

Date BirthDateFromId(std::string_view id) {
  auto num = [&](int pos, int len) {
    int v = 0;
    for (int i = 0; i < len; ++i) v = v * 10 + (id[pos + i] - '0');
    return v;
  };
  return Date(num(6, 4), num(10, 2), num(12, 2));
}

bool IsMaleId(std::string_view id) { return ((id[16] - '0') % 2) == 1; }

absl::Status ValidateAreaCode(std::string_view s) {
  if (s.size() != 6) return absl::InvalidArgumentError("must be a 6-digit area code");
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("must be a 6-digit area code");
    }
  }
  return absl::OkStatus();
}

std::string PoolOf(std::string_view area_code) {
  return std::string(area_code.substr(0, 4)) + "00";
}

}  // namespace enrol
