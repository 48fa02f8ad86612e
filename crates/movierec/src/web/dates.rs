//! Times as pages print them. The database holds epoch seconds; the `time` crate does the
//! calendar.

/// `YYYY-MM-DD HH:MM UTC` from epoch seconds; one out of the calendar's range (past the year
/// 9999) prints as 1970.
pub fn format_utc(secs: i64) -> String {
    let at =
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_utc(1_795_621_468), "2026-11-25 15:44 UTC");
        assert_eq!(format_utc(-1), "1969-12-31 23:59 UTC");
    }
}
