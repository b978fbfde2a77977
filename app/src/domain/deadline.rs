//! Answer deadlines. This first version counts calendar days only: a written
//! request is due at the end of the registration date + 30 days, an oral one
//! at the end of the registration day. The production calendar comes next.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

use super::ticket::RequestForm;

/// The term of a written request, in calendar days after registration.
pub const WRITTEN_TERM_DAYS: i64 = 30;

/// Where the working day ends; the due moment of a due date.
pub fn end_of_working_day() -> NaiveTime {
    NaiveTime::from_hms_opt(18, 0, 0).unwrap_or(NaiveTime::MIN)
}

/// The due date of a request registered on `registered_on`.
pub fn due_on(form: RequestForm, registered_on: NaiveDate) -> NaiveDate {
    match form {
        RequestForm::Oral => registered_on,
        RequestForm::Written => registered_on + Duration::days(WRITTEN_TERM_DAYS),
    }
}

/// The due moment of a request registered at `registered_at`, in the body's time zone.
pub fn due_at(form: RequestForm, registered_at: DateTime<Utc>, zone: FixedOffset) -> DateTime<Utc> {
    let local_day = registered_at.with_timezone(&zone).date_naive();
    let due = due_on(form, local_day).and_time(end_of_working_day());
    zone.from_local_datetime(&due)
        .single()
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or(registered_at)
}

/// Overdue: still open after its due moment.
pub fn is_overdue(open: bool, due_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    open && now > due_at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moscow() -> FixedOffset {
        FixedOffset::east_opt(3 * 3600).expect("offset")
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn a_written_request_is_due_thirty_days_after_registration() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(
            due_on(RequestForm::Written, d("2026-03-01")),
            d("2026-03-31")
        );
        assert_eq!(
            due_on(RequestForm::Written, d("2024-02-01")),
            d("2024-03-02")
        );
        assert_eq!(
            due_on(RequestForm::Written, d("2025-12-15")),
            d("2026-01-14")
        );
    }

    #[test]
    fn an_oral_request_is_due_at_the_end_of_the_local_registration_day() {
        // 22:30 UTC on 1 March is already 2 March in Moscow.
        let due = due_at(RequestForm::Oral, utc("2026-03-01T22:30:00Z"), moscow());
        assert_eq!(due, utc("2026-03-02T15:00:00Z"));
        let due = due_at(RequestForm::Written, utc("2026-03-01T08:00:00Z"), moscow());
        assert_eq!(due, utc("2026-03-31T15:00:00Z"));
    }

    #[test]
    fn only_open_requests_past_due_are_overdue() {
        let due = utc("2026-03-02T15:00:00Z");
        assert!(is_overdue(true, due, utc("2026-03-02T15:00:01Z")));
        assert!(!is_overdue(true, due, due));
        assert!(!is_overdue(false, due, utc("2026-04-01T00:00:00Z")));
    }
}
