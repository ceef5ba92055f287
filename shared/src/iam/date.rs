//! Dates for the `Date…` condition operators, parsed by hand (no chrono:
//! the wasm build stays small).
//!
//! Accepted, as AWS documents: epoch seconds (`1700000000`, optionally with a
//! fraction) and ISO 8601 — `2024-01-31`, `2024-01-31T12:00Z`,
//! `2024-01-31T12:00:00Z`, `2024-01-31T12:00:00.123+02:00`, `…+0200`. A time
//! without a zone is read as UTC. The result is milliseconds since the epoch.

/// Milliseconds since 1970-01-01T00:00:00Z, or `None` when `text` is not a date.
pub fn parse_millis(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Some(millis) = parse_epoch_seconds(text) {
        return Some(millis);
    }
    parse_iso8601(text)
}

fn parse_epoch_seconds(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds: i64 = whole.parse().ok()?;
    let millis = fraction_millis(fraction);
    let total = seconds.checked_mul(1000)?.checked_add(millis)?;
    Some(if negative { -total } else { total })
}

/// The first three digits of a decimal fraction as milliseconds.
fn fraction_millis(fraction: &str) -> i64 {
    let mut millis = 0;
    for i in 0..3 {
        millis = millis * 10 + fraction.as_bytes().get(i).map_or(0, |b| i64::from(b - b'0'));
    }
    millis
}

/// A fixed-width run of ASCII digits at `pos`.
fn number(bytes: &[u8], pos: usize, width: usize) -> Option<i64> {
    let slice = bytes.get(pos..pos + width)?;
    if !slice.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(slice.iter().fold(0, |n, b| n * 10 + i64::from(b - b'0')))
}

fn parse_iso8601(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let year = number(b, 0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = number(b, 5, 2)?;
    let day = number(b, 8, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut millis = days_from_civil(year, month, day) * 86_400_000;
    let mut pos = 10;
    if pos == b.len() {
        return Some(millis);
    }
    if !matches!(b[pos], b'T' | b't' | b' ') {
        return None;
    }
    pos += 1;
    let hour = number(b, pos, 2)?;
    if b.get(pos + 2) != Some(&b':') {
        return None;
    }
    let minute = number(b, pos + 3, 2)?;
    pos += 5;
    let mut second = 0;
    if b.get(pos) == Some(&b':') {
        second = number(b, pos + 1, 2)?;
        pos += 3;
        if matches!(b.get(pos), Some(b'.' | b',')) {
            let start = pos + 1;
            let end = start + b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
            if end == start {
                return None;
            }
            millis += fraction_millis(&text[start..end]);
            pos = end;
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    millis += ((hour * 60 + minute) * 60 + second) * 1000;
    let offset_minutes = match b.get(pos) {
        None => 0,
        Some(b'Z' | b'z') if pos + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) => {
            let hours = number(b, pos + 1, 2)?;
            let minutes_at = if b.get(pos + 3) == Some(&b':') { pos + 4 } else { pos + 3 };
            let minutes = number(b, minutes_at, 2)?;
            if minutes_at + 2 != b.len() || hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 60 + minutes;
            if *sign == b'+' { offset } else { -offset }
        }
        Some(_) => return None,
    };
    Some(millis - offset_minutes * 60_000)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let cases: &[(&str, Option<i64>)] = &[
            ("0", Some(0)),
            ("1700000000", Some(1_700_000_000_000)),
            ("1700000000.5", Some(1_700_000_000_500)),
            ("1970-01-01", Some(0)),
            ("2023-11-14T22:13:20Z", Some(1_700_000_000_000)),
            ("2023-11-14T22:13:20", Some(1_700_000_000_000)),
            ("2023-11-14T22:13Z", Some(1_699_999_980_000)),
            ("2023-11-15T00:13:20+02:00", Some(1_700_000_000_000)),
            ("2023-11-14T20:13:20-0200", Some(1_700_000_000_000)),
            ("2023-11-14T22:13:20.250Z", Some(1_700_000_000_250)),
            ("2024-02-29", Some(1_709_164_800_000)),
            ("2000-03-01", Some(951_868_800_000)),
            ("1969-12-31T23:59:59Z", Some(-1000)),
            ("2023-02-29", None),
            ("2023-13-01", None),
            ("2023-11-14T24:00:00Z", None),
            ("2023-11-14T22:13:20Zjunk", None),
            ("2023-11-14X", None),
            ("yesterday", None),
            ("", None),
            ("12ab", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_millis(text), *want, "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,40}", iso in "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.,+Zz-]{0,20}") {
            let _ = parse_millis(&text);
            let _ = parse_millis(&iso);
        }
    }
}
