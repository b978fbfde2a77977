//! Answer deadlines as the regulations set them, on the working calendar.
//!
//! - Oral: by the end of the working day of registration; registered on a
//!   non-working day or after hours, by the end of the next working day.
//! - Written: day 30 is the registration date + 30 days; if it is a
//!   non-working day, the preceding working day; due at its end.
//! - Extension: once, by 1–30 days added to the unadjusted day 30, then the
//!   same rule.
//! - Forwarding out of competence: registration date + 7, the same rule; if
//!   stepping back would land before the registration date, the first
//!   working day after the term instead.
//!
//! Times here are the body's local civil time; the caller converts.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::calendar::{CalendarError, WorkCalendar, WorkingHours};

/// The term of a written request, in calendar days after registration.
pub const WRITTEN_TERM_DAYS: u32 = 30;
/// The term for forwarding a request to the competent unit.
pub const FORWARD_TERM_DAYS: u32 = 7;
/// The longest extension.
pub const EXTENSION_MAX_DAYS: u32 = 30;

/// Which term a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Term {
    Written,
    Forward,
}

/// How a term day was moved when it was not a working day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "shift", rename_all = "snake_case")]
pub enum Shift {
    /// The term day is a working day.
    None,
    /// Moved back to the preceding working day.
    Back,
    /// Stepping back would land before registration: the first working day after the term.
    Forward { preceding: NaiveDate },
}

/// Why a due date is what it is, worded by `i18n::explain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Explanation {
    /// Oral, registered during a working day.
    OralSameDay { registered_on: NaiveDate },
    /// Oral, registered on a non-working day.
    OralNonWorkingDay {
        registered_on: NaiveDate,
        due_on: NaiveDate,
    },
    /// Oral, registered after the end of the working day.
    OralAfterHours {
        registered_on: NaiveDate,
        day_end: String,
        due_on: NaiveDate,
    },
    /// A term counted in calendar days from registration.
    Term {
        term: Term,
        registered_on: NaiveDate,
        days: u32,
        extension_days: Option<u32>,
        term_day: NaiveDate,
        term_day_name: Option<String>,
        shift: Shift,
        due_on: NaiveDate,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub due_on: NaiveDate,
    /// The end of the working day `due_on`, local time.
    pub due_at: NaiveDateTime,
    pub explanation: Explanation,
}

fn at_end(
    cal: &WorkCalendar,
    hours: &WorkingHours,
    due_on: NaiveDate,
    explanation: Explanation,
) -> Result<Deadline, CalendarError> {
    Ok(Deadline {
        due_on,
        due_at: due_on.and_time(cal.end_of_day(due_on, hours)?),
        explanation,
    })
}

/// An oral request registered at local time `registered`.
pub fn oral(
    cal: &WorkCalendar,
    hours: &WorkingHours,
    registered: NaiveDateTime,
) -> Result<Deadline, CalendarError> {
    let day = registered.date();
    if !cal.is_working(day)? {
        let due_on = cal.next_working_day(day)?;
        return at_end(
            cal,
            hours,
            due_on,
            Explanation::OralNonWorkingDay {
                registered_on: day,
                due_on,
            },
        );
    }
    let end = cal.end_of_day(day, hours)?;
    if registered.time() >= end {
        let due_on = cal.next_working_day(day)?;
        let day_end = end.format("%H:%M").to_string();
        return at_end(
            cal,
            hours,
            due_on,
            Explanation::OralAfterHours {
                registered_on: day,
                day_end,
                due_on,
            },
        );
    }
    at_end(
        cal,
        hours,
        day,
        Explanation::OralSameDay { registered_on: day },
    )
}

fn term(
    cal: &WorkCalendar,
    hours: &WorkingHours,
    term: Term,
    registered_on: NaiveDate,
    extension_days: Option<u32>,
) -> Result<Deadline, CalendarError> {
    let base = match term {
        Term::Written => WRITTEN_TERM_DAYS,
        Term::Forward => FORWARD_TERM_DAYS,
    };
    let days = base + extension_days.unwrap_or(0);
    let term_day = registered_on + Duration::days(i64::from(days));
    let term_day_name = cal.entry(term_day)?.and_then(|e| e.name.clone());
    let (due_on, shift) = if cal.is_working(term_day)? {
        (term_day, Shift::None)
    } else {
        let preceding = cal.previous_working_day(term_day)?;
        if preceding < registered_on {
            (
                cal.next_working_day(term_day)?,
                Shift::Forward { preceding },
            )
        } else {
            (preceding, Shift::Back)
        }
    };
    let explanation = Explanation::Term {
        term,
        registered_on,
        days,
        extension_days,
        term_day,
        term_day_name,
        shift,
        due_on,
    };
    at_end(cal, hours, due_on, explanation)
}

/// A written request registered on `registered_on`, optionally extended.
pub fn written(
    cal: &WorkCalendar,
    hours: &WorkingHours,
    registered_on: NaiveDate,
    extension_days: Option<u32>,
) -> Result<Deadline, CalendarError> {
    term(cal, hours, Term::Written, registered_on, extension_days)
}

/// The date by which a request out of the unit's competence must be forwarded.
pub fn forward(
    cal: &WorkCalendar,
    hours: &WorkingHours,
    registered_on: NaiveDate,
) -> Result<Deadline, CalendarError> {
    term(cal, hours, Term::Forward, registered_on, None)
}

/// The end of the reopening window of an answer given on `answered_on`:
/// the end of the `days`-th working day after it.
pub fn reopen_until(
    cal: &WorkCalendar,
    hours: &WorkingHours,
    answered_on: NaiveDate,
    days: u32,
) -> Result<NaiveDateTime, CalendarError> {
    let mut day = answered_on;
    for _ in 0..days {
        day = cal.next_working_day(day)?;
    }
    Ok(day.and_time(cal.end_of_day(day, hours)?))
}

/// Checks the number of days of an extension.
pub fn extension_days(days: i64) -> Option<u32> {
    u32::try_from(days)
        .ok()
        .filter(|d| (1..=EXTENSION_MAX_DAYS).contains(d))
}

/// Overdue: open after its due moment, or answered after it (it stays marked).
pub fn is_overdue<T: PartialOrd>(open: bool, answered_at: Option<T>, due_at: T, now: T) -> bool {
    match answered_at {
        Some(answered) => answered > due_at,
        None => open && now > due_at,
    }
}

/// How long an open request has left, as the lists show it beside its due
/// time: red once overdue, amber within a day, else the working days left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "left", rename_all = "snake_case")]
pub enum TimeLeft {
    /// The due time has passed.
    Overdue,
    /// Due within 24 hours: the whole hours left (at least 1).
    Hours { hours: u32 },
    /// Due later: the working days from tomorrow up to the due day, both
    /// included (calendar days where the calendar does not reach).
    Days { days: u32 },
}

impl TimeLeft {
    /// At `now`, for a request due at `due` (both local time).
    pub fn at(due: NaiveDateTime, now: NaiveDateTime, cal: &WorkCalendar) -> TimeLeft {
        if due <= now {
            return TimeLeft::Overdue;
        }
        let left = due - now;
        if left < Duration::hours(24) {
            let hours = (left.num_minutes() + 59) / 60;
            return TimeLeft::Hours {
                hours: u32::try_from(hours.max(1)).unwrap_or(1),
            };
        }
        let mut days = 0u32;
        let mut day = now.date();
        while day < due.date() {
            let Some(next) = day.succ_opt() else { break };
            day = next;
            if cal.is_working(day).unwrap_or(true) {
                days += 1;
            }
        }
        TimeLeft::Days { days }
    }

    /// Within a day of the due time, or past it.
    pub fn pressing(self) -> bool {
        !matches!(self, TimeLeft::Days { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::tests::{d, russia};
    use crate::i18n::{Lang, explain};

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
    }

    #[test]
    fn written_requests_on_the_calendar() {
        let cal = russia();
        let h = WorkingHours::default();
        // registered on → due on
        for (registered, due) in [
            ("2026-03-02", "2026-04-01"), // ordinary
            ("2025-12-12", "2025-12-30"), // day 30 = 11.01.2026 (holidays); 31.12.2025 is a transferred day off
            ("2024-12-09", "2024-12-28"), // day 30 = 08.01.2025; 30 and 31.12.2024 are days off → working Saturday
            ("2024-11-28", "2024-12-28"), // day 30 is the working Saturday 28.12.2024
            ("2026-04-02", "2026-04-30"), // day 30 = 02.05.2026, Saturday after 1 May → 30.04
            ("2026-05-13", "2026-06-11"), // day 30 = 12.06, Russia Day → 11.06
            ("2026-10-05", "2026-11-03"), // day 30 = 04.11, Unity Day → 03.11 (shortened)
            ("2025-10-02", "2025-11-01"), // day 30 = 01.11.2025, a working Saturday: stays
            ("2024-01-30", "2024-02-29"), // leap day
            ("2026-01-31", "2026-03-02"), // across the end of February
            ("2027-01-21", "2027-02-20"), // working Saturday 20.02.2027
            ("2026-03-07", "2026-04-06"), // registered on a Saturday: the term still counts from the date
            ("2026-12-15", "2027-01-14"), // across the year boundary
        ] {
            let got = written(&cal, &h, d(registered), None).expect(registered);
            assert_eq!(got.due_on, d(due), "{registered}");
        }
    }

    #[test]
    fn the_reopening_window_counts_working_days_after_the_answer() {
        let cal = russia();
        let h = WorkingHours::default();
        // Answered on Monday 02.03.2026: 8 March (Sunday) and 9 March (its day off) are skipped.
        assert_eq!(
            reopen_until(&cal, &h, d("2026-03-02"), 10).expect("window"),
            t("2026-03-17 18:00")
        );
        // Answered on 29.12.2025: the New Year holidays do not count.
        assert_eq!(
            reopen_until(&cal, &h, d("2025-12-29"), 10).expect("window"),
            t("2026-01-22 18:00")
        );
    }

    #[test]
    fn the_explanation_of_a_shifted_day_names_both_days() {
        let cal = russia();
        let h = WorkingHours::default();
        let got = written(&cal, &h, d("2025-12-12"), None).expect("deadline");
        assert_eq!(got.due_at, t("2025-12-30 18:00"));
        assert_eq!(
            explain(&got.explanation, Lang::Ru),
            "30-й день — 11.01.2026, нерабочий день; срок — предшествующий рабочий день, 30.12.2025"
        );
        let plain = written(&cal, &h, d("2026-03-02"), None).expect("deadline");
        assert_eq!(
            explain(&plain.explanation, Lang::Ru),
            "30-й день — 01.04.2026, рабочий день; срок — 01.04.2026"
        );
    }

    #[test]
    fn a_due_date_on_a_shortened_day_ends_an_hour_earlier() {
        let cal = russia();
        let got = written(&cal, &WorkingHours::default(), d("2026-10-05"), None).expect("deadline");
        assert_eq!(got.due_at, t("2026-11-03 17:00"));
    }

    #[test]
    fn oral_requests_are_due_the_same_working_day_or_the_next() {
        let cal = russia();
        let h = WorkingHours::default();
        for (registered, due_at) in [
            ("2026-03-02 10:15", "2026-03-02 18:00"),
            ("2026-03-02 07:40", "2026-03-02 18:00"), // before hours: still that day
            ("2026-03-02 18:00", "2026-03-03 18:00"), // at the end of the day: next day
            ("2026-03-06 19:30", "2026-03-10 18:00"), // Friday evening; 09.03 is the day off for 08.03
            ("2026-03-07 11:00", "2026-03-10 18:00"), // Saturday
            ("2025-12-30 17:30", "2025-12-30 18:00"),
            ("2025-12-30 18:30", "2026-01-12 18:00"), // 31.12.2025 and the New Year holidays, 9.01 moved
            ("2026-11-03 16:30", "2026-11-03 17:00"), // shortened day
            ("2026-11-03 17:10", "2026-11-05 18:00"), // after the shortened day's end
            ("2024-12-28 12:00", "2024-12-28 18:00"), // working Saturday
        ] {
            let got = oral(&cal, &h, t(registered)).expect(registered);
            assert_eq!(got.due_at, t(due_at), "{registered}");
        }
        let sat = oral(&cal, &h, t("2026-03-07 11:00")).expect("x");
        assert_eq!(
            explain(&sat.explanation, Lang::Ru),
            "Устное обращение зарегистрировано в нерабочий день, 07.03.2026; срок — конец следующего рабочего дня, 10.03.2026"
        );
    }

    #[test]
    fn an_extension_adds_days_to_the_unadjusted_day_thirty() {
        let cal = russia();
        let h = WorkingHours::default();
        // 12.12.2025: day 30 is 11.01.2026 (unadjusted); + 10 = 21.01.2026, a Wednesday.
        let got = written(&cal, &h, d("2025-12-12"), Some(10)).expect("deadline");
        assert_eq!(got.due_on, d("2026-01-21"));
        assert_eq!(
            explain(&got.explanation, Lang::Ru),
            "40-й день (30 + продление на 10) — 21.01.2026, рабочий день; срок — 21.01.2026"
        );
        // + 30 = 10.02.2026 (Tuesday)
        assert_eq!(
            written(&cal, &h, d("2025-12-12"), Some(30))
                .expect("x")
                .due_on,
            d("2026-02-10")
        );
        assert_eq!(extension_days(0), None);
        assert_eq!(extension_days(31), None);
        assert_eq!(extension_days(-3), None);
        assert_eq!(extension_days(30), Some(30));
    }

    #[test]
    fn forwarding_never_steps_back_before_registration() {
        let cal = russia();
        let h = WorkingHours::default();
        // 02.03.2026 + 7 = 09.03.2026, the day off for 08.03 → back to 06.03.
        let got = forward(&cal, &h, d("2026-03-02")).expect("x");
        assert_eq!(got.due_on, d("2026-03-06"));
        // 31.12.2025 + 7 = 07.01.2026; back lands on 30.12.2025, before registration → 12.01.2026.
        let got = forward(&cal, &h, d("2025-12-31")).expect("x");
        assert_eq!(got.due_on, d("2026-01-12"));
        assert_eq!(
            explain(&got.explanation, Lang::Ru),
            "7-й день — 07.01.2026, нерабочий день (Рождество Христово); предшествующий рабочий день, 30.12.2025, раньше даты регистрации, поэтому срок переадресации — первый рабочий день после него, 12.01.2026"
        );
        // Registered on 30.12.2025 (working): back lands on the registration date itself, which is allowed.
        assert_eq!(
            forward(&cal, &h, d("2025-12-30")).expect("x").due_on,
            d("2025-12-30")
        );
    }

    #[test]
    fn dates_outside_the_calendar_are_errors() {
        let cal = russia();
        let h = WorkingHours::default();
        assert_eq!(
            written(&cal, &h, d("2027-12-10"), None),
            Err(CalendarError::OutOfRange(d("2028-01-09")))
        );
        assert!(oral(&cal, &h, t("2023-06-01 10:00")).is_err());
    }

    /// Properties over every registration date the calendar allows.
    #[test]
    fn every_due_date_is_a_working_day_within_its_term_and_explained() {
        let cal = russia();
        let h = WorkingHours::default();
        // From the first date whose steps back stay inside the loaded years.
        let mut day = d("2024-01-09");
        while day <= d("2027-11-01") {
            for ext in [None, Some(1), Some(17)] {
                let got = written(&cal, &h, day, ext).expect("in range");
                let last = day + Duration::days(i64::from(30 + ext.unwrap_or(0)));
                assert!(cal.is_working(got.due_on).expect("cal"), "{day}");
                assert!(
                    got.due_on <= last && got.due_on > day,
                    "{day} → {}",
                    got.due_on
                );
                // Nothing working between the due date and the term's last day.
                let mut between = got.due_on.succ_opt().expect("succ");
                while between <= last {
                    assert!(
                        !cal.is_working(between).expect("cal"),
                        "{day}: skipped working {between}"
                    );
                    between = between.succ_opt().expect("succ");
                }
                let text = explain(&got.explanation, Lang::Ru);
                assert!(
                    text.contains(&last.format("%d.%m.%Y").to_string()),
                    "{text}"
                );
                assert!(
                    text.contains(&got.due_on.format("%d.%m.%Y").to_string()),
                    "{text}"
                );
            }
            let fwd = forward(&cal, &h, day).expect("in range");
            assert!(cal.is_working(fwd.due_on).expect("cal"));
            assert!(fwd.due_on >= day, "{day}");
            if fwd.due_on > day + Duration::days(7) {
                assert!(
                    cal.previous_working_day(day + Duration::days(7))
                        .expect("cal")
                        < day,
                    "{day}"
                );
            }
            day = day.succ_opt().expect("succ");
        }
    }

    #[test]
    fn overdue_stays_marked_after_a_late_answer() {
        assert!(is_overdue(true, None, 10, 11));
        assert!(!is_overdue(true, None, 10, 10));
        assert!(!is_overdue(false, None, 10, 11));
        assert!(is_overdue(false, Some(12), 10, 20));
        assert!(!is_overdue(false, Some(9), 10, 20));
    }

    #[test]
    fn time_left_counts_working_days_and_hours() {
        let cal = russia();
        let due = t("2026-03-06 18:00"); // Friday
        // Monday morning: Tuesday to Friday are four working days.
        assert_eq!(
            TimeLeft::at(due, t("2026-03-02 10:00"), &cal),
            TimeLeft::Days { days: 4 }
        );
        // Thursday noon: 30 hours, one working day.
        assert_eq!(
            TimeLeft::at(due, t("2026-03-05 12:00"), &cal),
            TimeLeft::Days { days: 1 }
        );
        // Friday 08:30: within the day, 9.5 hours round up to 10.
        let left = TimeLeft::at(due, t("2026-03-06 08:30"), &cal);
        assert_eq!(left, TimeLeft::Hours { hours: 10 });
        assert!(left.pressing());
        assert_eq!(
            TimeLeft::at(due, t("2026-03-06 17:59"), &cal),
            TimeLeft::Hours { hours: 1 }
        );
        assert_eq!(TimeLeft::at(due, due, &cal), TimeLeft::Overdue);
        // Across the 8 March holiday (Sunday, moved to Monday 9 March) and a
        // weekend: from Friday 6 March to Wednesday 11 March, two working days.
        let after = TimeLeft::at(t("2026-03-11 18:00"), t("2026-03-06 10:00"), &cal);
        assert_eq!(after, TimeLeft::Days { days: 2 });
        assert!(!after.pressing());
    }
}
