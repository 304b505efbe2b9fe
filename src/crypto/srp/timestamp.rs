//! The TIMESTAMP of a PASSWORD_VERIFIER answer: `ddd MMM D HH:mm:ss UTC YYYY` in UTC with
//! English names (acij `DateHelper.js`: `Tue Mar 3 09:05:07 UTC 2026`, day not padded);
//! pycognito's `strftime("%a %b %d …")` pads the day (`Tue Mar 03 …`), so both are accepted.

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses Cognito's TIMESTAMP (`Tue Mar 3 09:05:07 UTC 2026`) into epoch milliseconds.
///
/// The weekday must be an English abbreviation but is not checked against the date (it adds
/// nothing the date does not say; the signature covers the text as sent anyway).
pub fn parse_timestamp(value: &str) -> Option<i64> {
    let parts: Vec<&str> = value.split(' ').filter(|p| !p.is_empty()).collect();
    let [weekday, month, day, time, zone, year] = parts.as_slice() else {
        return None;
    };
    if !WEEKDAYS.contains(weekday) || *zone != "UTC" {
        return None;
    }
    let month = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let day = number(day, 1, 2)?;
    let year = number(year, 4, 4)?;
    let mut clock = time.split(':');
    let (hour, minute, second) = (
        number(clock.next()?, 1, 2)?,
        number(clock.next()?, 2, 2)?,
        number(clock.next()?, 2, 2)?,
    );
    if clock.next().is_some() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    if day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let days = crate::calendar::days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000)
}

/// Digits only (no sign), `min..=max` of them.
fn number(text: &str, min: usize, max: usize) -> Option<i64> {
    if text.len() < min || text.len() > max || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_timestamp;

    #[test]
    fn acij_format_day_not_padded() {
        // 2026-03-03T09:05:07Z
        assert_eq!(
            parse_timestamp("Tue Mar 3 09:05:07 UTC 2026"),
            Some(1_772_528_707_000)
        );
    }

    #[test]
    fn pycognito_format_day_padded() {
        assert_eq!(
            parse_timestamp("Tue Mar 03 09:05:07 UTC 2026"),
            Some(1_772_528_707_000)
        );
    }

    #[test]
    fn epoch_leap_day_and_year_end() {
        assert_eq!(parse_timestamp("Thu Jan 1 00:00:00 UTC 1970"), Some(0));
        assert_eq!(
            parse_timestamp("Thu Feb 29 12:00:00 UTC 2024"),
            Some(1_709_208_000_000)
        );
        assert_eq!(
            parse_timestamp("Thu Dec 31 23:59:59 UTC 2026"),
            Some(1_798_761_599_000)
        );
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "Tue Mar 3 09:05:07 GMT 2026",
            "Tue Mrz 3 09:05:07 UTC 2026",
            "Die Mar 3 09:05:07 UTC 2026",
            "Tue Mar 0 09:05:07 UTC 2026",
            "Tue Feb 29 09:05:07 UTC 2026",
            "Tue Apr 31 09:05:07 UTC 2026",
            "Tue Mar 3 24:05:07 UTC 2026",
            "Tue Mar 3 09:60:07 UTC 2026",
            "Tue Mar 3 09:05:60 UTC 2026",
            "Tue Mar 3 09:05 UTC 2026",
            "Tue Mar 3 09:05:07:01 UTC 2026",
            "Tue Mar 3 09:5:07 UTC 2026",
            "Tue Mar +3 09:05:07 UTC 2026",
            "Tue Mar 3 09:05:07 UTC 26",
            "Tue Mar 3 09:05:07 UTC 2026 extra",
            "2026-03-03T09:05:07Z",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }
}
