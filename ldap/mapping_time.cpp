#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <string>

#include "ldap/mapping.h"

// RFC 3339 date-times and LDAP GeneralizedTime (RFC 4517 3.3.13).
namespace scimgate::ldap {
namespace {

// RFC 4517 3.3.13 GeneralizedTime digits from an RFC 3339 date-time.
bool isDigits(const std::string& s, std::size_t from, std::size_t count) {
  if (from + count > s.size()) return false;
  return std::all_of(s.begin() + static_cast<long>(from),
                     s.begin() + static_cast<long>(from + count),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

int number(const std::string& s, std::size_t from, std::size_t count) {
  return std::stoi(s.substr(from, count));
}

// A local date-time and its offset from UTC as UTC digits YYYYMMDDHHMMSS; empty when a field is
// out of range (month 13, February 30, hour 24...). A leap second (:60) rolls into the next minute.
std::string utcDigits(int year, int month, int day, int hour, int minute, int second,
                      int offsetMinutes) {
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{year},
                            std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return {};
  const sys_seconds utc =
      sys_days{date} + hours{hour} + minutes{minute} + seconds{second} - minutes{offsetMinutes};
  const auto utcDay = floor<days>(utc);
  const year_month_day utcDate{utcDay};
  const hh_mm_ss<seconds> time{utc - utcDay};
  const int utcYear = static_cast<int>(utcDate.year());
  if (utcYear < 0 || utcYear > 9999) return {};
  char digits[32];  // 14 digits here; sized for what the compiler cannot prove
  std::snprintf(digits, sizeof digits, "%04d%02u%02u%02d%02d%02d", utcYear,
                static_cast<unsigned>(utcDate.month()), static_cast<unsigned>(utcDate.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return digits;
}

}  // namespace

std::string toGeneralizedTime(const std::string& rfc3339) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  const std::string& s = rfc3339;
  if (!isDigits(s, 0, 4) || s.size() < 19 || s[4] != '-' || !isDigits(s, 5, 2) || s[7] != '-' ||
      !isDigits(s, 8, 2) || (s[10] != 'T' && s[10] != 't') || !isDigits(s, 11, 2) || s[13] != ':' ||
      !isDigits(s, 14, 2) || s[16] != ':' || !isDigits(s, 17, 2)) {
    return {};
  }
  std::size_t pos = 19;
  std::string fraction;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) fraction += s[pos++];
    if (fraction.empty()) return {};
    fraction = fraction.substr(0, 6);
  }
  const std::string zone = s.substr(pos);
  int offsetMinutes = 0;
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && isDigits(zone, 1, 2) &&
      zone[3] == ':' && isDigits(zone, 4, 2)) {
    const int hours = number(zone, 1, 2);
    const int minutes = number(zone, 4, 2);
    if (hours > 23 || minutes > 59) return {};
    offsetMinutes = (zone[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
  } else if (zone != "Z" && zone != "z") {
    return {};
  }
  // Mapping.h promises UTC: an ordering match against createTimestamp must not depend on the
  // directory normalising a g-differential.
  const std::string utc =
      utcDigits(number(s, 0, 4), number(s, 5, 2), number(s, 8, 2), number(s, 11, 2),
                number(s, 14, 2), number(s, 17, 2), offsetMinutes);
  if (utc.empty()) return {};
  return utc + (fraction.empty() ? "" : "." + fraction) + "Z";
}

std::string fromGeneralizedTime(const std::string& g) {
  // RFC 4517 3.3.13, as directories write it: YYYYMMDDHHMMSS[(.|,)frac](Z|(+|-)HH[MM]).
  if (!isDigits(g, 0, 14)) return {};
  std::size_t pos = 14;
  std::string fraction;
  if (pos < g.size() && (g[pos] == '.' || g[pos] == ',')) {
    ++pos;
    while (pos < g.size() && std::isdigit(static_cast<unsigned char>(g[pos]))) fraction += g[pos++];
    if (fraction.empty()) return {};
  }
  const std::string zone = g.substr(pos);
  int offsetMinutes = 0;
  if ((zone.size() == 3 || zone.size() == 5) && (zone[0] == '+' || zone[0] == '-') &&
      isDigits(zone, 1, zone.size() - 1)) {
    const int hours = number(zone, 1, 2);
    const int minutes = zone.size() == 5 ? number(zone, 3, 2) : 0;
    if (hours > 23 || minutes > 59) return {};
    offsetMinutes = (zone[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
  } else if (zone != "Z") {
    return {};
  }
  const std::string utc =
      utcDigits(number(g, 0, 4), number(g, 4, 2), number(g, 6, 2), number(g, 8, 2),
                number(g, 10, 2), number(g, 12, 2), offsetMinutes);
  if (utc.empty()) return {};
  std::string out = utc.substr(0, 4) + "-" + utc.substr(4, 2) + "-" + utc.substr(6, 2) + "T" +
                    utc.substr(8, 2) + ":" + utc.substr(10, 2) + ":" + utc.substr(12, 2);
  if (!fraction.empty()) out += "." + fraction;
  return out + "Z";
}

}  // namespace scimgate::ldap
