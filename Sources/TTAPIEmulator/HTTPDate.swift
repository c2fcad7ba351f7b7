import Foundation

/// HTTP-dates in the IMF-fixdate form of RFC 9110 (`Sun, 06 Nov 1994 08:49:37 GMT`), written by
/// hand so no locale or time zone setting can change them.
enum HTTPDate {
  private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
  private static let months = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
  ]

  /// The IMF-fixdate `seconds` from now, counted from the next whole second so that a client
  /// never waits less than `seconds`.
  static func secondsFromNow(_ seconds: Int) -> String {
    let now = Date().timeIntervalSince1970.rounded(.up)
    return imfFixdate(secondsSince1970: Int64(now) + Int64(seconds))
  }

  /// The IMF-fixdate of a Unix time (UTC).
  static func imfFixdate(secondsSince1970 time: Int64) -> String {
    let days = time >= 0 ? time / 86_400 : (time - 86_399) / 86_400
    let secondOfDay = Int(time - days * 86_400)
    let (year, month, day) = civil(daysSince1970: days)
    // 1970-01-01 was a Thursday.
    let weekday = Int(((days % 7) + 11) % 7)
    return "\(weekdays[weekday]), \(pad(day)) \(months[month - 1]) \(year) "
      + "\(pad(secondOfDay / 3600)):\(pad(secondOfDay / 60 % 60)):\(pad(secondOfDay % 60)) GMT"
  }

  /// Year, month (1-12) and day (1-31) of a day count, proleptic Gregorian (H. Hinnant's algorithm).
  private static func civil(daysSince1970 days: Int64) -> (Int64, Int, Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let shiftedMonth = (5 * dayOfYear + 2) / 153
    let day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
    let month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    return (year, month, day)
  }

  private static func pad(_ value: Int) -> String {
    value < 10 ? "0\(value)" : String(value)
  }
}
