//! The TIMESTAMP of a PASSWORD_VERIFIER answer: `ddd MMM D HH:mm:ss UTC YYYY` in UTC with
//! English names (acij `DateHelper.js`: `Tue Mar 3 09:05:07 UTC 2026`, day not padded);
//! pycognito's `strftime("%a %b %d …")` pads the day (`Tue Mar 03 …`), so both are accepted.

use time::PrimitiveDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// The format as acij writes it; parsing takes a day or an hour of one or two digits.
pub(super) const FORMAT: &[BorrowedFormatItem<'_>] = format_description!(
    "[weekday repr:short] [month repr:short] [day padding:none] [hour]:[minute]:[second] UTC [year]"
);

const PARSE_FORMAT: &[BorrowedFormatItem<'_>] = format_description!(
    "[weekday repr:short] [month repr:short] [day padding:none] [hour padding:none]:[minute]:[second] UTC [year]"
);

/// Parses Cognito's TIMESTAMP (`Tue Mar 3 09:05:07 UTC 2026`) into epoch milliseconds. Runs
/// of spaces count as one (C's `%e` pads the day with a space).
///
/// The weekday must be an English abbreviation but is not checked against the date (it adds
/// nothing the date does not say; the signature covers the text as sent anyway).
pub fn parse_timestamp(value: &str) -> Option<i64> {
    // `[year]` would take a sign (`+2026`); Cognito's format has none.
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b':')
    {
        return None;
    }
    let words: Vec<&str> = value.split(' ').filter(|w| !w.is_empty()).collect();
    let at = PrimitiveDateTime::parse(&words.join(" "), PARSE_FORMAT)
        .ok()?
        .assume_utc();
    Some(at.unix_timestamp() * 1000)
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
    fn one_digit_hour_extra_spaces_and_any_weekday() {
        for text in [
            "Tue Mar 3 9:05:07 UTC 2026",
            "Tue Mar  3 09:05:07 UTC 2026",
            " Tue Mar 3 09:05:07  UTC 2026 ",
            // The weekday is not checked against the date.
            "Sun Mar 3 09:05:07 UTC 2026",
        ] {
            assert_eq!(parse_timestamp(text), Some(1_772_528_707_000), "{text:?}");
        }
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
            "Tue Mar 3 09:05:07 UTC +2026",
            "Tue Mar 3 09:05:07 UTC -2026",
            "Tue Mar 3 9:05:07.5 UTC 2026",
            "tue Mar 3 09:05:07 UTC 2026",
            "Tue MAR 3 09:05:07 UTC 2026",
            "Tuesday Mar 3 09:05:07 UTC 2026",
            "Tue Mar 003 09:05:07 UTC 2026",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }
}
