//! The working calendar: which days are working, which are shortened, and
//! where the working day ends. Built from the production calendar (public
//! holidays, transferred days off, working weekend days, shortened days);
//! a date outside the loaded years is an explicit error, never a guess.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

/// What a calendar entry says about a day; days without an entry are
/// working Monday to Friday and days off on Saturday and Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday (non-working, even when it is a weekday).
    Holiday,
    /// A weekday made non-working by a transfer.
    DayOff,
    /// A Saturday or Sunday made working by a transfer.
    Working,
    /// A working day one hour shorter (the day before a holiday).
    Shortened,
}

impl DayKind {
    pub fn code(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::DayOff => "day_off",
            DayKind::Working => "working",
            DayKind::Shortened => "shortened",
        }
    }

    pub fn parse(code: &str) -> Option<DayKind> {
        match code {
            "holiday" => Some(DayKind::Holiday),
            "day_off" => Some(DayKind::DayOff),
            "working" => Some(DayKind::Working),
            "shortened" => Some(DayKind::Shortened),
            _ => None,
        }
    }
}

/// One calendar entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayEntry {
    pub date: NaiveDate,
    pub kind: DayKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One year of the calendar file format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearEntries {
    pub year: i32,
    pub days: Vec<DayEntry>,
}

/// The calendar file format (`servicedesk-calendar/1`), also used for import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarFile {
    pub years: Vec<YearEntries>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum CalendarError {
    #[error("the working calendar has no data for {0}")]
    OutOfRange(NaiveDate),
    #[error("no working day within a year after {0}")]
    NoWorkingDay(NaiveDate),
}

/// Working hours of the body (defaults: 09:00–18:00, 17:00 on shortened days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub shortened_end: NaiveTime,
}

impl Default for WorkingHours {
    fn default() -> Self {
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN);
        WorkingHours {
            start: t(9),
            end: t(18),
            shortened_end: t(17),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkCalendar {
    years: BTreeSet<i32>,
    days: BTreeMap<NaiveDate, DayEntry>,
}

impl WorkCalendar {
    /// A calendar of the given years with the given entries (entries of
    /// other years are ignored).
    pub fn new(
        years: impl IntoIterator<Item = i32>,
        entries: impl IntoIterator<Item = DayEntry>,
    ) -> Self {
        let years: BTreeSet<i32> = years.into_iter().collect();
        let days = entries
            .into_iter()
            .filter(|e| years.contains(&e.date.year()))
            .map(|e| (e.date, e))
            .collect();
        WorkCalendar { years, days }
    }

    pub fn from_file(file: &CalendarFile) -> Self {
        WorkCalendar::new(
            file.years.iter().map(|y| y.year),
            file.years.iter().flat_map(|y| y.days.iter().cloned()),
        )
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn entries(&self) -> impl Iterator<Item = &DayEntry> {
        self.days.values()
    }

    pub fn covers(&self, date: NaiveDate) -> bool {
        self.years.contains(&date.year())
    }

    /// The entry for a day, if it has one (holiday name, transfer, …).
    pub fn entry(&self, date: NaiveDate) -> Result<Option<&DayEntry>, CalendarError> {
        if !self.covers(date) {
            return Err(CalendarError::OutOfRange(date));
        }
        Ok(self.days.get(&date))
    }

    pub fn is_working(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(match self.entry(date)?.map(|e| e.kind) {
            Some(DayKind::Holiday | DayKind::DayOff) => false,
            Some(DayKind::Working | DayKind::Shortened) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        })
    }

    pub fn is_shortened(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(matches!(
            self.entry(date)?.map(|e| e.kind),
            Some(DayKind::Shortened)
        ))
    }

    /// When the working day `date` ends.
    pub fn end_of_day(
        &self,
        date: NaiveDate,
        hours: &WorkingHours,
    ) -> Result<NaiveTime, CalendarError> {
        Ok(if self.is_shortened(date)? {
            hours.shortened_end
        } else {
            hours.end
        })
    }

    fn step(&self, from: NaiveDate, forward: bool) -> Result<NaiveDate, CalendarError> {
        let mut day = from;
        for _ in 0..366 {
            day = if forward {
                day.succ_opt()
            } else {
                day.pred_opt()
            }
            .ok_or(CalendarError::OutOfRange(day))?;
            if self.is_working(day)? {
                return Ok(day);
            }
        }
        Err(CalendarError::NoWorkingDay(from))
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        self.step(date, true)
    }

    /// The last working day strictly before `date`.
    pub fn previous_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        self.step(date, false)
    }

    /// Working time between two local moments, in seconds: the parts of
    /// the working days' hours that fall between them (nothing on days off,
    /// a shortened day's shorter hours). Zero when `to` is not after `from`.
    pub fn working_seconds(
        &self,
        from: chrono::NaiveDateTime,
        to: chrono::NaiveDateTime,
        hours: &WorkingHours,
    ) -> Result<i64, CalendarError> {
        let mut total = 0;
        let mut day = from.date();
        while day <= to.date() {
            if self.is_working(day)? {
                let open = day.and_time(hours.start).max(from);
                let close = day.and_time(self.end_of_day(day, hours)?).min(to);
                if close > open {
                    total += (close - open).num_seconds();
                }
            }
            day = day.succ_opt().ok_or(CalendarError::OutOfRange(day))?;
        }
        Ok(total)
    }

    /// Working days of a year.
    pub fn working_days_in(&self, year: i32) -> Result<usize, CalendarError> {
        let mut count = 0;
        let mut day =
            NaiveDate::from_ymd_opt(year, 1, 1).ok_or(CalendarError::OutOfRange(NaiveDate::MIN))?;
        while day.year() == year {
            if self.is_working(day)? {
                count += 1;
            }
            day = day.succ_opt().ok_or(CalendarError::OutOfRange(day))?;
        }
        Ok(count)
    }
}

/// Why an xmlcalendar file was refused: what and on which line (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    pub line: usize,
    pub what: String,
}

/// Parses the xmlcalendar.ru XML format (`<calendar year="2026">` with
/// `<day d="MM.DD" t="1|2|3" h="…"/>`: 1 non-working, 2 shortened, 3 working
/// weekend) and the names of `<holiday id="…" title="…"/>`.
pub fn parse_xmlcalendar(xml: &str) -> Result<YearEntries, XmlError> {
    fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
        let key = format!(" {name}=\"");
        let start = tag.find(&key)? + key.len();
        let len = tag[start..].find('"')?;
        Some(&tag[start..start + len])
    }
    // Each tag with the line it starts on.
    let mut line = 1;
    let mut last = 0;
    let tags: Vec<(usize, &str)> = xml
        .match_indices('<')
        .map(|(at, _)| {
            line += xml[last..at].matches('\n').count();
            last = at;
            let rest = &xml[at + 1..];
            (line, &rest[..rest.find('<').unwrap_or(rest.len())])
        })
        .collect();
    let fail = |line: usize, what: String| XmlError { line, what };
    let (cal_line, calendar) = tags
        .iter()
        .copied()
        .find(|(_, t)| t.starts_with("calendar"))
        .ok_or_else(|| fail(1, "no <calendar> element".into()))?;
    let year: i32 = attr(calendar, "year")
        .ok_or_else(|| fail(cal_line, "no year attribute".into()))?
        .parse()
        .map_err(|_| fail(cal_line, "bad year attribute".into()))?;
    let mut names = BTreeMap::new();
    for (_, tag) in tags.iter().filter(|(_, t)| t.starts_with("holiday ")) {
        if let (Some(id), Some(title)) = (attr(tag, "id"), attr(tag, "title")) {
            names.insert(id.to_string(), title.to_string());
        }
    }
    let mut days = Vec::new();
    for &(line, tag) in tags.iter().filter(|(_, t)| t.starts_with("day ")) {
        let d = attr(tag, "d").ok_or_else(|| fail(line, "a <day> without d".into()))?;
        let date = d
            .split_once('.')
            .and_then(|(m, dd)| m.parse().ok().zip(dd.parse().ok()))
            .and_then(|(m, dd)| NaiveDate::from_ymd_opt(year, m, dd))
            .ok_or_else(|| fail(line, format!("bad day {d}")))?;
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let kind = match attr(tag, "t") {
            Some("1") if attr(tag, "h").is_some() => DayKind::Holiday,
            Some("1") if weekend => DayKind::Holiday,
            Some("1") => DayKind::DayOff,
            Some("2") => DayKind::Shortened,
            Some("3") => DayKind::Working,
            other => return Err(fail(line, format!("bad day type {other:?} for {d}"))),
        };
        let name = attr(tag, "h").and_then(|h| names.get(h).cloned());
        days.push(DayEntry { date, kind, name });
    }
    days.sort_by_key(|e| e.date);
    Ok(YearEntries { year, days })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The calendar the project ships (seeded by a migration).
    pub fn russia() -> WorkCalendar {
        let file: CalendarFile = serde_json::from_str(include_str!(
            "../../../migrations/src/seed/ru-production-calendar-2024-2027.json"
        ))
        .expect("calendar file");
        WorkCalendar::from_file(&file)
    }

    pub fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn the_shipped_calendar_has_the_official_number_of_working_days() {
        let cal = russia();
        for (year, days) in [(2024, 248), (2025, 247), (2026, 247), (2027, 247)] {
            assert_eq!(cal.working_days_in(year), Ok(days), "{year}");
        }
    }

    #[test]
    fn working_time_counts_only_the_working_hours_of_working_days() {
        let cal = russia();
        let hours = WorkingHours::default();
        let at =
            |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("moment");
        let h = 3600;
        for (from, to, expected) in [
            // Within one day.
            ("2026-03-10 10:00", "2026-03-10 12:30", 2 * h + h / 2),
            // Before opening and after closing count from 9:00 to 18:00.
            ("2026-03-10 07:00", "2026-03-10 20:00", 9 * h),
            // Over a night: Tuesday 17:00 to Wednesday 10:00 is two hours.
            ("2026-03-10 17:00", "2026-03-11 10:00", 2 * h),
            // Over a weekend: Friday 17:00 to Monday 10:00 is two hours.
            ("2026-03-13 17:00", "2026-03-16 10:00", 2 * h),
            // A shortened day ends at 17:00 (3 November 2026, before Unity Day,
            // a holiday on the 4th): Monday 2 Nov 17:00 → Thursday 5 Nov 10:00.
            ("2026-11-02 17:00", "2026-11-05 10:00", h + 8 * h + h),
            // Filed on a day off: counted from the next working morning.
            ("2026-03-14 12:00", "2026-03-16 11:00", 2 * h),
            // 9 March 2026 is the day off for 8 March, a Sunday.
            ("2026-03-06 17:00", "2026-03-10 10:00", 2 * h),
            // Backwards or equal: nothing.
            ("2026-03-10 12:00", "2026-03-10 11:00", 0),
            ("2026-03-10 12:00", "2026-03-10 12:00", 0),
        ] {
            assert_eq!(
                cal.working_seconds(at(from), at(to), &hours),
                Ok(expected),
                "{from} → {to}"
            );
        }
    }

    #[test]
    fn days_are_told_apart_by_the_production_calendar() {
        let cal = russia();
        for (day, working, shortened) in [
            ("2025-12-31", false, false), // transferred day off
            ("2024-12-28", true, false),  // working Saturday
            ("2025-11-01", true, true),   // working Saturday, shortened
            ("2027-02-20", true, true),   // working Saturday, shortened
            ("2026-06-12", false, false), // Russia Day
            ("2026-11-04", false, false), // Unity Day
            ("2026-11-03", true, true),   // day before a holiday
            ("2024-02-29", true, false),
            ("2026-03-07", false, false), // an ordinary Saturday
            ("2026-03-10", true, false),
        ] {
            assert_eq!(cal.is_working(d(day)), Ok(working), "{day}");
            assert_eq!(cal.is_shortened(d(day)), Ok(shortened), "{day}");
        }
        let hours = WorkingHours::default();
        assert_eq!(
            cal.end_of_day(d("2026-11-03"), &hours),
            Ok(hours.shortened_end)
        );
        assert_eq!(cal.end_of_day(d("2026-11-05"), &hours), Ok(hours.end));
    }

    #[test]
    fn a_date_outside_the_loaded_years_is_an_error() {
        let cal = russia();
        assert_eq!(
            cal.is_working(d("2028-01-10")),
            Err(CalendarError::OutOfRange(d("2028-01-10")))
        );
        assert_eq!(
            cal.is_working(d("2023-12-29")),
            Err(CalendarError::OutOfRange(d("2023-12-29")))
        );
        assert_eq!(
            cal.next_working_day(d("2027-12-31")),
            Err(CalendarError::OutOfRange(d("2028-01-01")))
        );
    }

    #[test]
    fn the_xmlcalendar_format_is_read() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<calendar year="2026" lang="ru" date="2025.09.01" country="ru">
  <holidays>
    <holiday id="1" title="Новогодние каникулы"/>
    <holiday id="2" title="Рождество Христово"/>
  </holidays>
  <days>
    <day d="01.01" t="1" h="1"/>
    <day d="01.07" t="1" h="2"/>
    <day d="01.09" t="1" f="01.03"/>
    <day d="03.07" t="2"/>
    <day d="11.01" t="3"/>
  </days>
</calendar>"#;
        let year = parse_xmlcalendar(xml).expect("parsed");
        assert_eq!(year.year, 2026);
        let kinds: Vec<(String, DayKind, Option<String>)> = year
            .days
            .iter()
            .map(|e| (e.date.to_string(), e.kind, e.name.clone()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (
                    "2026-01-01".into(),
                    DayKind::Holiday,
                    Some("Новогодние каникулы".into())
                ),
                (
                    "2026-01-07".into(),
                    DayKind::Holiday,
                    Some("Рождество Христово".into())
                ),
                ("2026-01-09".into(), DayKind::DayOff, None),
                ("2026-03-07".into(), DayKind::Shortened, None),
                ("2026-11-01".into(), DayKind::Working, None),
            ]
        );
        assert!(parse_xmlcalendar("<calendar><days/></calendar>").is_err());
        let wrong = "<calendar year=\"2026\">\n  <days>\n    <day d=\"01.01\" t=\"1\"/>\n    <day d=\"13.45\" t=\"1\"/>\n  </days>\n</calendar>";
        assert_eq!(
            parse_xmlcalendar(wrong).map_err(|e| e.line),
            Err(4),
            "the wrong day is on line 4"
        );
        let wrong_type = xml.replace("t=\"2\"", "t=\"7\"");
        assert_eq!(parse_xmlcalendar(&wrong_type).map_err(|e| e.line), Err(11));
    }
}
