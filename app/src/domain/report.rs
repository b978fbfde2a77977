//! Unit reports: report periods and the service indicators computed from a
//! unit's requests (`000` App. 2 §6, App. 3 §7).
//!
//! Definitions, applied to a time window `[start, end)` that never reaches
//! past now ([`Window::until`]: a period still running is judged up to this
//! moment, so a request due later in it is not yet late):
//! - *registered*: the request was registered in the window; counts by kind
//!   and channel, transfers per request and the weekly chart use these.
//! - *answered*: the final answer was sent in the window; the average
//!   handling time and first-contact resolution use these.
//! - *answered on time*: answered in the window, no later than the (possibly
//!   extended) due time.
//! - *overdue*: the due time passed in the window without an answer by it
//!   (answered later, or not yet at all). A request is overdue in the one
//!   window its due time falls in, however late the answer comes.
//! - *on-time share*: answered on time over answered on time plus overdue.
//!   Every request is judged once — when answered, if by its due time, else
//!   when its due time passed — so the weeks of a period add up to the
//!   period: its share is the weeks' shares weighted by what they judged.
//! - *first-contact resolution*: answered «решено» with no transfer to
//!   another unit and no clarifying question to the requester.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::ticket::{Channel, Outcome, RequestForm, Status};

/// First-contact resolution the regulations aim at (App. 3 §7.2).
pub const FCR_GOAL: f64 = 0.8;
/// Transfers per request the regulations allow at most (App. 3 §7.3).
pub const TRANSFERS_GOAL: f64 = 2.0;
/// The longest custom period, in days: a year (a leap one included).
pub const PERIOD_MAX_DAYS: i64 = 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Week,
    Month,
    Quarter,
    Year,
    Custom,
}

impl PeriodKind {
    pub const ALL: &'static [PeriodKind] = &[
        PeriodKind::Week,
        PeriodKind::Month,
        PeriodKind::Quarter,
        PeriodKind::Year,
        PeriodKind::Custom,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PeriodKind::Week => "week",
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Year => "year",
            PeriodKind::Custom => "custom",
        }
    }

    pub fn parse(code: &str) -> Option<PeriodKind> {
        PeriodKind::ALL.iter().copied().find(|k| k.code() == code)
    }
}

/// A report period: whole days from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub kind: PeriodKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Why a period was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodError {
    /// The end is before the start.
    Reversed,
    /// Longer than [`PERIOD_MAX_DAYS`].
    TooLong,
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn add_months(d: NaiveDate, months: i32) -> NaiveDate {
    let shifted = if months >= 0 {
        d.checked_add_months(Months::new(months.unsigned_abs()))
    } else {
        d.checked_sub_months(Months::new(months.unsigned_abs()))
    };
    shifted.unwrap_or(d)
}

impl Period {
    /// The week (Monday to Sunday), month, quarter or year holding `day`;
    /// a custom period of that one day.
    pub fn containing(kind: PeriodKind, day: NaiveDate) -> Period {
        let (from, to) = match kind {
            PeriodKind::Week => {
                let from = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                (from, from + Duration::days(6))
            }
            PeriodKind::Month => {
                let from = month_start(day);
                (from, add_months(from, 1) - Duration::days(1))
            }
            PeriodKind::Quarter => {
                let first_month = (day.month0() / 3) * 3 + 1;
                let from = NaiveDate::from_ymd_opt(day.year(), first_month, 1).unwrap_or(day);
                (from, add_months(from, 3) - Duration::days(1))
            }
            PeriodKind::Year => {
                let from = NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day);
                let to = NaiveDate::from_ymd_opt(day.year(), 12, 31).unwrap_or(day);
                (from, to)
            }
            PeriodKind::Custom => (day, day),
        };
        Period { kind, from, to }
    }

    /// A period given by its dates; a range that is exactly a calendar week,
    /// month, quarter or year is taken as one (so its previous period is the
    /// previous month, not the previous 30 days).
    pub fn from_range(from: NaiveDate, to: NaiveDate) -> Result<Period, PeriodError> {
        if to < from {
            return Err(PeriodError::Reversed);
        }
        if (to - from).num_days() + 1 > PERIOD_MAX_DAYS {
            return Err(PeriodError::TooLong);
        }
        for kind in [
            PeriodKind::Week,
            PeriodKind::Month,
            PeriodKind::Quarter,
            PeriodKind::Year,
        ] {
            let p = Period::containing(kind, from);
            if p.from == from && p.to == to {
                return Ok(p);
            }
        }
        Ok(Period {
            kind: PeriodKind::Custom,
            from,
            to,
        })
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period of the same kind (and, for a custom one, the same number
    /// of days) just before this one.
    pub fn previous(&self) -> Period {
        match self.kind {
            PeriodKind::Week | PeriodKind::Custom => Period {
                kind: self.kind,
                from: self.from - Duration::days(self.days()),
                to: self.from - Duration::days(1),
            },
            PeriodKind::Month => Period::containing(self.kind, add_months(self.from, -1)),
            PeriodKind::Quarter => Period::containing(self.kind, add_months(self.from, -3)),
            PeriodKind::Year => Period::containing(self.kind, add_months(self.from, -12)),
        }
    }

    /// The period of the same kind just after this one.
    pub fn next(&self) -> Period {
        match self.kind {
            PeriodKind::Week | PeriodKind::Custom => Period {
                kind: self.kind,
                from: self.to + Duration::days(1),
                to: self.to + Duration::days(self.days()),
            },
            kind => Period::containing(kind, self.to + Duration::days(1)),
        }
    }

    /// The Mondays of the weeks that overlap the period.
    pub fn week_starts(&self) -> Vec<NaiveDate> {
        let mut week = Period::containing(PeriodKind::Week, self.from).from;
        let mut out = Vec::new();
        while week <= self.to {
            out.push(week);
            week += Duration::days(7);
        }
        out
    }
}

/// A time window `[start, end)` in UTC, made from local days by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    pub fn holds(&self, t: DateTime<Utc>) -> bool {
        t >= self.start && t < self.end
    }

    /// The window cut at `now`: nothing after this moment has happened yet.
    /// A window wholly in the future becomes empty (it ends at its start).
    pub fn until(self, now: DateTime<Utc>) -> Window {
        Window {
            start: self.start,
            end: self.end.min(now).max(self.start),
        }
    }

    /// Nothing of the window has happened yet.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// What the indicators need to know of one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub kind_code: String,
    pub channel: Channel,
    pub form: RequestForm,
    pub status: Status,
    pub assignee_id: Option<i64>,
    pub registered_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Working seconds from registration to the answer, kept at the answer.
    pub work_seconds: Option<i64>,
    pub taken_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    pub extended: bool,
    pub transfers: i32,
    pub questions: i32,
}

impl Facts {
    /// Answered by its due time; `None` while open and not yet due at `now`.
    pub fn on_time(&self, now: DateTime<Utc>) -> Option<bool> {
        match self.answered_at {
            Some(a) => Some(a <= self.due_at),
            None if self.due_at < now => Some(false),
            None => None,
        }
    }

    pub fn first_contact(&self) -> bool {
        self.outcome == Some(Outcome::Solved) && self.transfers == 0 && self.questions == 0
    }

    /// Working seconds from registration to the answer (by the calendar,
    /// kept when the answer was given); none while unanswered.
    fn handling_seconds(&self) -> Option<i64> {
        self.answered_at.and(self.work_seconds)
    }

    /// Answered in the window, by the due time.
    pub fn on_time_in(&self, w: Window) -> bool {
        self.answered_at
            .is_some_and(|a| w.holds(a) && a <= self.due_at)
    }

    /// Overdue in the window: its due time passed in it and the answer, if
    /// any, came after that. `w` must not reach past now ([`Window::until`]).
    pub fn overdue_in(&self, w: Window) -> bool {
        w.holds(self.due_at) && self.answered_at.is_none_or(|a| a > self.due_at)
    }
}

/// The service indicators of one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Indicators {
    pub registered: u64,
    pub answered: u64,
    pub answered_on_time: u64,
    /// Due in the period (up to now) and not answered by the due time.
    pub overdue: u64,
    /// Registered in the period and extended.
    pub extended: u64,
    /// Registered in the period and transferred at least once.
    pub transferred: u64,
    pub first_contact_resolution: Option<f64>,
    pub transfers_per_request: Option<f64>,
    pub on_time_share: Option<f64>,
    pub avg_handling_hours: Option<f64>,
    pub by_kind: BTreeMap<String, u64>,
    pub by_channel: BTreeMap<String, u64>,
    pub by_outcome: BTreeMap<String, u64>,
    /// Current status of the requests registered in the period.
    pub by_status: BTreeMap<String, u64>,
    /// Requesters' satisfaction: the mean score (1–5) of the ratings given
    /// in the period, once answers are rated.
    pub satisfaction: Option<f64>,
    /// How many ratings the mean is of.
    #[serde(default)]
    pub ratings: u64,
}

impl Indicators {
    /// Adds `count` ratings whose scores sum to `total`.
    pub fn add_ratings(&mut self, count: u64, total: u64) {
        let sum = self.satisfaction.unwrap_or_default() * self.ratings as f64 + total as f64;
        self.ratings += count;
        self.satisfaction = mean(sum, self.ratings);
    }
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn mean(sum: f64, n: u64) -> Option<f64> {
    (n > 0).then(|| sum / n as f64)
}

/// Requests registered in a window that share kind, channel and status.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegisteredGroup {
    pub kind_code: String,
    pub channel: String,
    pub status: String,
    pub count: u64,
    /// Transfers summed over the group.
    pub transfers: u64,
    pub extended: u64,
    /// Transferred at least once.
    pub transferred: u64,
}

/// Requests answered in a window with the same outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnsweredGroup {
    pub outcome: Option<String>,
    pub count: u64,
    pub on_time: u64,
    /// Handling time summed over the group's requests that have it.
    pub handling_seconds: i64,
    /// How many of the group have a handling time (one answered where the
    /// calendar had no data has none, and is left out of the mean).
    pub handled: u64,
    pub first_contact: u64,
}

fn hours(seconds: i64) -> f64 {
    seconds as f64 / 3600.0
}

/// Indicators gathered from groups of requests: a single request at a time
/// ([`Tally::add`]) or sums the database made ([`Tally::add_registered`],
/// [`Tally::add_answered`], [`Tally::add_overdue`]).
#[derive(Debug, Clone)]
pub struct Tally {
    window: Window,
    ind: Indicators,
    transfers: u64,
    handling: i64,
    handled: u64,
    first: u64,
}

impl Tally {
    pub fn new(window: Window) -> Tally {
        Tally {
            window,
            ind: Indicators::default(),
            transfers: 0,
            handling: 0,
            handled: 0,
            first: 0,
        }
    }

    /// Requests registered in the window.
    pub fn add_registered(&mut self, g: &RegisteredGroup) {
        let ind = &mut self.ind;
        ind.registered += g.count;
        self.transfers += g.transfers;
        ind.extended += g.extended;
        ind.transferred += g.transferred;
        *ind.by_kind.entry(g.kind_code.clone()).or_default() += g.count;
        *ind.by_channel.entry(g.channel.clone()).or_default() += g.count;
        *ind.by_status.entry(g.status.clone()).or_default() += g.count;
    }

    /// Requests answered in the window.
    pub fn add_answered(&mut self, g: &AnsweredGroup) {
        let ind = &mut self.ind;
        ind.answered += g.count;
        ind.answered_on_time += g.on_time;
        self.handling += g.handling_seconds;
        self.handled += g.handled;
        self.first += g.first_contact;
        if let Some(o) = &g.outcome {
            *ind.by_outcome.entry(o.clone()).or_default() += g.count;
        }
    }

    /// Requests overdue in the window ([`Facts::overdue_in`]).
    pub fn add_overdue(&mut self, count: u64) {
        self.ind.overdue += count;
    }

    pub fn add(&mut self, f: &Facts) {
        let w = self.window;
        if w.holds(f.registered_at) {
            self.add_registered(&RegisteredGroup {
                kind_code: f.kind_code.clone(),
                channel: f.channel.code().into(),
                status: f.status.code().into(),
                count: 1,
                transfers: u64::try_from(f.transfers.max(0)).unwrap_or(0),
                extended: u64::from(f.extended),
                transferred: u64::from(f.transfers > 0),
            });
        }
        if f.answered_at.is_some_and(|a| w.holds(a)) {
            self.add_answered(&AnsweredGroup {
                outcome: f.outcome.map(|o| o.code().into()),
                count: 1,
                on_time: u64::from(f.on_time_in(w)),
                handling_seconds: f.handling_seconds().unwrap_or(0),
                handled: u64::from(f.handling_seconds().is_some()),
                first_contact: u64::from(f.first_contact()),
            });
        }
        if f.overdue_in(w) {
            self.add_overdue(1);
        }
    }

    pub fn finish(self) -> Indicators {
        let mut ind = self.ind;
        let judged = ind.answered_on_time + ind.overdue;
        ind.on_time_share = share(ind.answered_on_time, judged);
        ind.first_contact_resolution = share(self.first, ind.answered);
        ind.transfers_per_request = mean(self.transfers as f64, ind.registered);
        ind.avg_handling_hours = mean(hours(self.handling), self.handled);
        ind
    }
}

/// The indicators of the window over the given requests.
pub fn indicators<'a>(facts: impl IntoIterator<Item = &'a Facts>, w: Window) -> Indicators {
    let mut tally = Tally::new(w);
    for f in facts {
        tally.add(f);
    }
    tally.finish()
}

/// The unit's state at this moment (only open requests matter).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NowCounts {
    pub open: u64,
    /// Due later today.
    pub due_today: u64,
    /// Due from now to the end of the week (today included).
    pub due_this_week: u64,
    pub overdue: u64,
    pub extended: u64,
    pub transferred: u64,
}

/// The bounds "now" is counted against.
#[derive(Debug, Clone, Copy)]
pub struct Moment {
    pub now: DateTime<Utc>,
    pub end_of_today: DateTime<Utc>,
    pub end_of_week: DateTime<Utc>,
}

/// Where an open request's due time falls against a [`Moment`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueBucket {
    Overdue,
    /// Later today.
    Today,
    /// After today, this week.
    ThisWeek,
    Later,
}

impl DueBucket {
    /// The buckets in the order the database numbers them (0, 1, 2, 3).
    pub const ALL: [DueBucket; 4] = [
        DueBucket::Overdue,
        DueBucket::Today,
        DueBucket::ThisWeek,
        DueBucket::Later,
    ];

    pub fn of(due_at: DateTime<Utc>, m: Moment) -> DueBucket {
        if due_at < m.now {
            DueBucket::Overdue
        } else if due_at < m.end_of_today {
            DueBucket::Today
        } else if due_at < m.end_of_week {
            DueBucket::ThisWeek
        } else {
            DueBucket::Later
        }
    }
}

/// Open requests counted together: by due bucket, extended or not,
/// transferred or not (as the database groups them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpenGroup {
    pub bucket: DueBucket,
    pub extended: bool,
    pub transferred: bool,
    pub count: u64,
}

impl NowCounts {
    /// Adds a group of open requests.
    pub fn add(&mut self, g: OpenGroup) {
        self.open += g.count;
        match g.bucket {
            DueBucket::Overdue => self.overdue += g.count,
            DueBucket::Today => {
                self.due_today += g.count;
                self.due_this_week += g.count;
            }
            DueBucket::ThisWeek => self.due_this_week += g.count,
            DueBucket::Later => {}
        }
        self.extended += if g.extended { g.count } else { 0 };
        self.transferred += if g.transferred { g.count } else { 0 };
    }
}

pub fn now_counts<'a>(open: impl IntoIterator<Item = &'a Facts>, m: Moment) -> NowCounts {
    let mut c = NowCounts::default();
    for f in open.into_iter().filter(|f| f.status.is_open()) {
        c.add(OpenGroup {
            bucket: DueBucket::of(f.due_at, m),
            extended: f.extended,
            transferred: f.transfers > 0,
            count: 1,
        });
    }
    c
}

/// One executor's load: now and in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutorLoad {
    pub login: String,
    pub name: String,
    pub open: u64,
    /// Taken into work (or assigned) in the period.
    pub taken: u64,
    /// Answered in the period.
    pub closed: u64,
    /// Open and overdue now.
    pub overdue: u64,
    pub on_time_share: Option<f64>,
    pub avg_answer_hours_oral: Option<f64>,
    pub avg_answer_hours_written: Option<f64>,
}

/// Someone who works a unit's requests.
#[derive(Debug, Clone, PartialEq)]
pub struct Worker {
    pub id: i64,
    pub login: String,
    pub name: String,
}

#[derive(Debug, Clone, Default)]
struct LoadAcc {
    open: u64,
    taken: u64,
    closed: u64,
    overdue: u64,
    on_time: u64,
    late: u64,
    oral: (i64, u64),
    written: (i64, u64),
}

/// Each worker's load, gathered one request at a time.
#[derive(Debug, Clone)]
pub struct LoadTally {
    window: Window,
    now: DateTime<Utc>,
    acc: BTreeMap<i64, LoadAcc>,
}

impl LoadTally {
    pub fn new(window: Window, now: DateTime<Utc>) -> LoadTally {
        LoadTally {
            window,
            now,
            acc: BTreeMap::new(),
        }
    }

    /// A request open now.
    pub fn add_open(&mut self, f: &Facts) {
        let Some(id) = f.assignee_id.filter(|_| f.status.is_open()) else {
            return;
        };
        let a = self.acc.entry(id).or_default();
        a.open += 1;
        a.overdue += u64::from(f.due_at < self.now);
    }

    /// A group of open requests assigned to one worker.
    pub fn add_open_group(&mut self, id: i64, g: OpenGroup) {
        let a = self.acc.entry(id).or_default();
        a.open += g.count;
        if g.bucket == DueBucket::Overdue {
            a.overdue += g.count;
        }
    }

    /// Requests the worker took into work in the window.
    pub fn add_taken(&mut self, id: i64, count: u64) {
        self.acc.entry(id).or_default().taken += count;
    }

    /// Requests the worker answered in the window.
    pub fn add_answered(&mut self, id: i64, form: RequestForm, g: &AnsweredGroup) {
        let a = self.acc.entry(id).or_default();
        a.closed += g.count;
        a.on_time += g.on_time;
        let slot = match form {
            RequestForm::Oral => &mut a.oral,
            RequestForm::Written => &mut a.written,
        };
        slot.0 += g.handling_seconds;
        slot.1 += g.handled;
    }

    /// The worker's requests overdue in the window.
    pub fn add_overdue(&mut self, id: i64, count: u64) {
        self.acc.entry(id).or_default().late += count;
    }

    /// A request worked on in the period.
    pub fn add(&mut self, f: &Facts) {
        let Some(id) = f.assignee_id else { return };
        let w = self.window;
        self.acc.entry(id).or_default();
        if f.taken_at.is_some_and(|t| w.holds(t)) {
            self.add_taken(id, 1);
        }
        if f.answered_at.is_some_and(|t| w.holds(t)) {
            self.add_answered(
                id,
                f.form,
                &AnsweredGroup {
                    count: 1,
                    on_time: u64::from(f.on_time_in(w)),
                    handling_seconds: f.handling_seconds().unwrap_or(0),
                    handled: u64::from(f.handling_seconds().is_some()),
                    ..AnsweredGroup::default()
                },
            );
        }
        if f.overdue_in(w) {
            self.add_overdue(id, 1);
        }
    }

    /// The people counted so far.
    pub fn ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.acc.keys().copied()
    }

    /// Everyone listed in `staff`, plus anyone else who held a request (a
    /// former executor, named from `former` if found there), sorted by name.
    pub fn finish(self, staff: &[Worker], former: &[Worker]) -> Vec<ExecutorLoad> {
        let mut acc = self.acc;
        for s in staff {
            acc.entry(s.id).or_default();
        }
        let mut out: Vec<ExecutorLoad> = acc
            .into_iter()
            .filter_map(|(id, a)| {
                let on_staff = staff.iter().find(|s| s.id == id);
                let busy = a.open + a.taken + a.closed + a.late > 0;
                if on_staff.is_none() && !busy {
                    return None;
                }
                let person = on_staff.or_else(|| former.iter().find(|s| s.id == id));
                Some(ExecutorLoad {
                    login: person.map(|p| p.login.clone()).unwrap_or_default(),
                    name: person
                        .map(|p| p.name.clone())
                        .unwrap_or_else(|| format!("#{id}")),
                    open: a.open,
                    taken: a.taken,
                    closed: a.closed,
                    overdue: a.overdue,
                    on_time_share: share(a.on_time, a.on_time + a.late),
                    avg_answer_hours_oral: mean(hours(a.oral.0), a.oral.1),
                    avg_answer_hours_written: mean(hours(a.written.0), a.written.1),
                })
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}

/// The load of each worker over requests in memory.
pub fn executor_loads(
    period: &[Facts],
    open: &[Facts],
    staff: &[Worker],
    w: Window,
    now: DateTime<Utc>,
) -> Vec<ExecutorLoad> {
    let mut tally = LoadTally::new(w, now);
    open.iter().for_each(|f| tally.add_open(f));
    period.iter().for_each(|f| tally.add(f));
    tally.finish(staff, &[])
}

/// One week of the charts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WeekPoint {
    /// The week's first day in the period: its Monday, except for a week
    /// the period starts in the middle of.
    pub start: NaiveDate,
    /// Requests registered in the week by kind code.
    pub by_kind: BTreeMap<String, u64>,
    /// Answered on time in the week.
    #[serde(default)]
    pub on_time: u64,
    /// Judged in the week: answered on time, or overdue.
    #[serde(default)]
    pub judged: u64,
    pub on_time_share: Option<f64>,
}

/// Weekly series, gathered one request at a time.
#[derive(Debug, Clone)]
pub struct WeekTally {
    weeks: Vec<(NaiveDate, Window)>,
    points: Vec<WeekPoint>,
    judged: Vec<(u64, u64)>,
}

impl WeekTally {
    /// `weeks` are the windows of the weeks, in order, with their first
    /// days, cut at now ([`Window::until`]); weeks that have not begun are
    /// left out, so the charts never draw the future.
    pub fn new(weeks: Vec<(NaiveDate, Window)>) -> WeekTally {
        let weeks: Vec<(NaiveDate, Window)> =
            weeks.into_iter().filter(|(_, w)| !w.is_empty()).collect();
        let points = weeks
            .iter()
            .map(|(d, _)| WeekPoint {
                start: *d,
                ..WeekPoint::default()
            })
            .collect();
        let judged = vec![(0, 0); weeks.len()];
        WeekTally {
            weeks,
            points,
            judged,
        }
    }

    /// The end of each week, in order.
    pub fn ends(&self) -> Vec<DateTime<Utc>> {
        self.weeks.iter().map(|(_, w)| w.end).collect()
    }

    /// The window from the first week's start to the last one's end.
    pub fn span(&self) -> Option<Window> {
        Some(Window {
            start: self.weeks.first()?.1.start,
            end: self.weeks.last()?.1.end,
        })
    }

    /// The week holding `t`.
    fn find(&self, t: DateTime<Utc>) -> Option<usize> {
        let i = self.weeks.partition_point(|(_, w)| w.end <= t);
        (i < self.weeks.len() && self.weeks[i].1.holds(t)).then_some(i)
    }

    /// Requests of a kind registered in week `i`.
    pub fn add_registered(&mut self, i: usize, kind_code: &str, count: u64) {
        if let Some(p) = self.points.get_mut(i) {
            *p.by_kind.entry(kind_code.to_string()).or_default() += count;
        }
    }

    /// Requests answered on time in week `i`.
    pub fn add_on_time(&mut self, i: usize, count: u64) {
        if let Some(j) = self.judged.get_mut(i) {
            j.0 += count;
            j.1 += count;
        }
    }

    /// Requests overdue in week `i`.
    pub fn add_overdue(&mut self, i: usize, count: u64) {
        if let Some(j) = self.judged.get_mut(i) {
            j.1 += count;
        }
    }

    pub fn add(&mut self, f: &Facts) {
        if let Some(i) = self.find(f.registered_at) {
            self.add_registered(i, &f.kind_code, 1);
        }
        if let Some(a) = f.answered_at
            && let Some(i) = self.find(a)
            && f.on_time_in(self.weeks[i].1)
        {
            self.add_on_time(i, 1);
        }
        if let Some(i) = self.find(f.due_at)
            && f.overdue_in(self.weeks[i].1)
        {
            self.add_overdue(i, 1);
        }
    }

    pub fn finish(self) -> Vec<WeekPoint> {
        let mut points = self.points;
        for (p, (ok, all)) in points.iter_mut().zip(self.judged) {
            p.on_time = ok;
            p.judged = all;
            p.on_time_share = share(ok, all);
        }
        points
    }
}

/// Weekly series over requests in memory.
pub fn weekly(facts: &[Facts], weeks: &[(NaiveDate, Window)]) -> Vec<WeekPoint> {
    let mut tally = WeekTally::new(weeks.to_vec());
    facts.iter().for_each(|f| tally.add(f));
    tally.finish()
}

/// A request overdue now, for the meeting list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverdueItem {
    pub id: i64,
    pub number: String,
    pub subject: String,
    pub kind_title: String,
    pub executor: Option<String>,
    pub due_at: DateTime<Utc>,
    /// Whole days past the due time.
    pub days_late: i64,
}

/// Overdue requests listed on the workload (the longest overdue first).
pub const OVERDUE_SHOWN: usize = 50;

/// Everything the workload page and the API show for a unit and period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workload {
    pub unit: String,
    pub unit_name: String,
    pub period: PeriodKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub now: NowCounts,
    pub executors: Vec<ExecutorLoad>,
    pub indicators: Indicators,
    pub previous_from: NaiveDate,
    pub previous_to: NaiveDate,
    pub previous: Indicators,
    pub weeks: Vec<WeekPoint>,
    /// Kind codes to titles, for the tables and charts.
    pub kind_titles: BTreeMap<String, String>,
    /// The longest overdue open requests, at most [`OVERDUE_SHOWN`]; the
    /// rest are in the unit queue's overdue view.
    pub overdue_now: Vec<OverdueItem>,
    /// How many open requests are overdue now, all of them.
    pub overdue_total: u64,
    /// The head's proposals saved for this period.
    pub proposals: String,
    /// The body's local date when this was computed.
    pub as_of: NaiveDate,
    /// Hours of a full working day (handling time is working time).
    #[serde(default)]
    pub workday_hours: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid")
    }

    fn t(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0)
            .single()
            .expect("valid")
    }

    fn fact(kind: &str, reg: DateTime<Utc>, due: DateTime<Utc>) -> Facts {
        Facts {
            kind_code: kind.into(),
            channel: Channel::Portal,
            form: RequestForm::Written,
            status: Status::InProgress,
            assignee_id: None,
            registered_at: reg,
            due_at: due,
            answered_at: None,
            work_seconds: None,
            taken_at: None,
            outcome: None,
            extended: false,
            transfers: 0,
            questions: 0,
        }
    }

    fn answered(mut f: Facts, at: DateTime<Utc>, outcome: Outcome) -> Facts {
        f.answered_at = Some(at);
        // As if every hour between were a working one (the calendar's part
        // is pinned in `domain::calendar`).
        f.work_seconds = Some(at.timestamp() - f.registered_at.timestamp());
        f.outcome = Some(outcome);
        f.status = Status::Answered;
        f
    }

    #[test]
    fn periods_of_each_kind_and_their_predecessors() {
        let day = d(2026, 3, 18); // a Wednesday
        let w = Period::containing(PeriodKind::Week, day);
        assert_eq!((w.from, w.to), (d(2026, 3, 16), d(2026, 3, 22)));
        assert_eq!(w.previous().from, d(2026, 3, 9));
        let m = Period::containing(PeriodKind::Month, day);
        assert_eq!((m.from, m.to), (d(2026, 3, 1), d(2026, 3, 31)));
        let pm = m.previous();
        assert_eq!((pm.from, pm.to), (d(2026, 2, 1), d(2026, 2, 28)));
        let q = Period::containing(PeriodKind::Quarter, day);
        assert_eq!((q.from, q.to), (d(2026, 1, 1), d(2026, 3, 31)));
        assert_eq!(q.previous().from, d(2025, 10, 1));
        assert_eq!(q.previous().to, d(2025, 12, 31));
        let y = Period::containing(PeriodKind::Year, day);
        assert_eq!(y.previous().from, d(2025, 1, 1));
        let c = Period::from_range(d(2026, 3, 5), d(2026, 3, 14)).expect("valid");
        assert_eq!(c.kind, PeriodKind::Custom);
        assert_eq!(
            (c.previous().from, c.previous().to),
            (d(2026, 2, 23), d(2026, 3, 4))
        );
        assert_eq!(c.previous().days(), c.days());
    }

    #[test]
    fn exact_ranges_are_recognised_and_bad_ones_refused() {
        let p = Period::from_range(d(2026, 2, 1), d(2026, 2, 28)).expect("valid");
        assert_eq!(p.kind, PeriodKind::Month);
        assert_eq!(p.previous().to, d(2026, 1, 31));
        assert_eq!(
            Period::from_range(d(2026, 4, 1), d(2026, 6, 30))
                .expect("valid")
                .kind,
            PeriodKind::Quarter
        );
        assert_eq!(
            Period::from_range(d(2026, 3, 2), d(2026, 3, 1)),
            Err(PeriodError::Reversed)
        );
        assert_eq!(
            Period::from_range(d(2020, 1, 1), d(2026, 1, 1)),
            Err(PeriodError::TooLong)
        );
        let weeks = Period::containing(PeriodKind::Month, d(2026, 3, 1)).week_starts();
        assert_eq!(weeks.first(), Some(&d(2026, 2, 23)));
        assert_eq!(weeks.last(), Some(&d(2026, 3, 30)));
        assert_eq!(weeks.len(), 6);
    }

    /// A known week: five requests whose every indicator is worked out by hand.
    fn known() -> (Vec<Facts>, Window) {
        let w = Window {
            start: t(9, 0),
            end: t(16, 0),
        };
        let mut a = answered(fact("keys", t(9, 9), t(11, 18)), t(10, 12), Outcome::Solved);
        a.assignee_id = Some(1);
        a.taken_at = Some(t(9, 10));
        a.channel = Channel::Phone;
        a.form = RequestForm::Oral;
        // Solved but after a transfer: not first contact; answered late.
        let mut b = answered(
            fact("keys", t(9, 10), t(10, 18)),
            t(12, 10),
            Outcome::Solved,
        );
        b.transfers = 1;
        b.assignee_id = Some(2);
        b.taken_at = Some(t(11, 9));
        // Answered on time but after a question.
        let mut c = answered(
            fact("setup", t(10, 9), t(13, 18)),
            t(13, 9),
            Outcome::WillBeSolved,
        );
        c.questions = 1;
        c.assignee_id = Some(1);
        c.taken_at = Some(t(10, 10));
        // Due in the week, still open: late.
        let mut e = fact("setup", t(11, 9), t(13, 18));
        e.assignee_id = Some(2);
        e.extended = true;
        e.taken_at = Some(t(11, 10));
        // Registered before the week, answered in it on time, solved at first contact.
        let mut f = answered(
            fact("supplies", t(5, 9), t(10, 18)),
            t(9, 15),
            Outcome::Solved,
        );
        f.assignee_id = Some(1);
        f.taken_at = Some(t(5, 10));
        // Outside the week altogether.
        let g = answered(
            fact("supplies", t(2, 9), t(3, 18)),
            t(3, 9),
            Outcome::Solved,
        );
        (vec![a, b, c, e, f, g], w)
    }

    #[test]
    fn indicators_of_a_known_week() {
        let (facts, w) = known();
        let ind = indicators(&facts, w);
        assert_eq!(ind.registered, 4);
        assert_eq!(ind.answered, 4);
        assert_eq!(ind.answered_on_time, 3);
        assert_eq!(ind.overdue, 2, "b answered late, e unanswered past due");
        assert_eq!(ind.on_time_share, Some(3.0 / 5.0));
        assert_eq!(ind.first_contact_resolution, Some(2.0 / 4.0), "a and f");
        assert_eq!(ind.transfers_per_request, Some(0.25));
        // a 27 h, b 72 h, c 72 h, f 102 h
        assert_eq!(
            ind.avg_handling_hours,
            Some((27.0 + 72.0 + 72.0 + 102.0) / 4.0)
        );
        assert_eq!(ind.extended, 1);
        assert_eq!(ind.transferred, 1);
        assert_eq!(ind.by_kind.get("keys"), Some(&2));
        assert_eq!(ind.by_kind.get("setup"), Some(&2));
        assert_eq!(ind.by_kind.get("supplies"), None);
        assert_eq!(ind.by_channel.get("phone"), Some(&1));
        assert_eq!(ind.by_channel.get("portal"), Some(&3));
        assert_eq!(ind.by_outcome.get("solved"), Some(&3));
        assert_eq!(ind.by_status.get("in_progress"), Some(&1));
        assert_eq!(ind.satisfaction, None);
    }

    /// Each definition pinned request by request: what one request counts
    /// for in a week that is still running (judged at Thursday noon).
    #[test]
    fn the_mean_handling_time_leaves_out_answers_without_one() {
        let w = Window {
            start: t(9, 0),
            end: t(16, 0),
        };
        let mut a = answered(
            fact("esign_key", t(9, 9), t(11, 18)),
            t(9, 12),
            Outcome::Solved,
        );
        a.work_seconds = Some(3 * 3600);
        let mut b = answered(
            fact("esign_key", t(9, 9), t(11, 18)),
            t(10, 9),
            Outcome::Solved,
        );
        b.work_seconds = Some(5 * 3600);
        // Answered where the calendar had no data: counted as answered, but
        // not as a handling time of nought.
        let mut c = answered(
            fact("esign_key", t(9, 9), t(11, 18)),
            t(10, 10),
            Outcome::Solved,
        );
        c.work_seconds = None;
        let ind = indicators([&a, &b, &c], w);
        assert_eq!(ind.answered, 3);
        assert_eq!(ind.avg_handling_hours, Some(4.0));
        c.assignee_id = Some(7);
        a.assignee_id = Some(7);
        let loads = executor_loads(&[a, c], &[], &[], w, t(16, 0));
        assert_eq!(loads.len(), 1);
        assert_eq!(loads[0].closed, 2);
        assert_eq!(loads[0].avg_answer_hours_written, Some(3.0));
    }

    #[test]
    fn each_request_counts_as_the_definitions_say() {
        let week = Window {
            start: t(9, 0),
            end: t(16, 0),
        };
        let now = t(12, 12);
        let w = week.until(now);
        assert_eq!((w.start, w.end), (t(9, 0), now), "cut at now");
        // (case, registered, due, answered, on time, overdue)
        let table = [
            ("on time", t(9, 9), t(11, 18), Some(t(10, 12)), true, false),
            (
                "late, due in it",
                t(9, 9),
                t(10, 18),
                Some(t(11, 9)),
                false,
                true,
            ),
            ("past due, no answer", t(9, 9), t(11, 18), None, false, true),
            (
                "due later this week",
                t(9, 9),
                t(14, 18),
                None,
                false,
                false,
            ),
            ("due at this moment", t(9, 9), now, None, false, false),
            (
                "due last week, late",
                t(2, 9),
                t(6, 18),
                Some(t(10, 9)),
                false,
                false,
            ),
            (
                "early, due next week",
                t(9, 9),
                t(20, 18),
                Some(t(10, 9)),
                true,
                false,
            ),
            (
                "on time at the minute",
                t(9, 9),
                t(11, 18),
                Some(t(11, 18)),
                true,
                false,
            ),
            (
                "answered before the week",
                t(2, 9),
                t(9, 18),
                Some(t(6, 9)),
                false,
                false,
            ),
        ];
        let mut facts = Vec::new();
        for (case, reg, due, ans, on_time, overdue) in table {
            let mut f = fact("keys", reg, due);
            if let Some(a) = ans {
                f = answered(f, a, Outcome::Solved);
            }
            assert_eq!(f.on_time_in(w), on_time, "{case}: on time");
            assert_eq!(f.overdue_in(w), overdue, "{case}: overdue");
            facts.push(f);
        }
        let ind = indicators(&facts, w);
        assert_eq!(ind.answered, 5);
        assert_eq!(ind.answered_on_time, 3);
        assert_eq!(ind.overdue, 2);
        assert_eq!(ind.on_time_share, Some(3.0 / 5.0));
        // Judged over the whole week instead, the one due later this week
        // (and the one due at noon) would count as overdue: not yet.
        assert_eq!(indicators(&facts, week).overdue, 4);
    }

    /// A month that runs into the future: no future week is drawn, nothing
    /// due after now is overdue, and the weeks add up to the month.
    #[test]
    fn a_running_month_and_its_weeks_agree() {
        let now = t(18, 12);
        let month = Window {
            start: t(1, 0),
            end: Utc
                .with_ymd_and_hms(2026, 4, 1, 0, 0, 0)
                .single()
                .expect("valid"),
        }
        .until(now);
        // The weeks of March 2026 cut to the month: 1, 2–8, …, 30–31.
        let mut starts = vec![1];
        starts.extend([2, 9, 16, 23, 30]);
        let weeks: Vec<(NaiveDate, Window)> = starts
            .iter()
            .enumerate()
            .map(|(i, &day)| {
                let end = starts
                    .get(i + 1)
                    .map(|&next| t(next, 0))
                    .unwrap_or(month.start + Duration::days(31));
                let w = Window {
                    start: t(day, 0),
                    end,
                }
                .until(now);
                (d(2026, 3, day), w)
            })
            .collect();
        // A request registered every six hours, due two days later,
        // answered after a time that cycles through 1..=80 hours.
        let mut facts = Vec::new();
        let mut reg = t(1, 3);
        let mut i = 0i64;
        while reg < now {
            let mut f = fact("keys", reg, reg + Duration::hours(48));
            let answer = reg + Duration::hours(1 + i * 7 % 80);
            if answer < now {
                f = answered(f, answer, Outcome::Solved);
            }
            facts.push(f);
            reg += Duration::hours(6);
            i += 1;
        }
        let ind = indicators(&facts, month);
        let points = weekly(&facts, &weeks);
        assert_eq!(points.len(), 4, "the weeks from the 23rd have not begun");
        assert_eq!(points.last().map(|p| p.start), Some(d(2026, 3, 16)));
        let on_time: u64 = points.iter().map(|p| p.on_time).sum();
        let judged: u64 = points.iter().map(|p| p.judged).sum();
        assert_eq!(on_time, ind.answered_on_time);
        assert_eq!(judged, ind.answered_on_time + ind.overdue);
        assert!(ind.overdue > 0 && ind.answered_on_time > 0, "{ind:?}");
        // Nothing due after now is overdue.
        let due_later = facts.iter().filter(|f| f.due_at >= now).count();
        assert!(due_later > 0);
        let overdue: Vec<&Facts> = facts.iter().filter(|f| f.overdue_in(month)).collect();
        assert!(overdue.iter().all(|f| f.due_at < now));
        assert_eq!(overdue.len() as u64, ind.overdue);
        // The month's share is the weeks' shares weighted by what they judged.
        let weighted: f64 = points
            .iter()
            .filter_map(|p| p.on_time_share.map(|s| s * p.judged as f64))
            .sum::<f64>()
            / judged as f64;
        let share = ind.on_time_share.expect("judged");
        assert!((weighted - share).abs() < 1e-9, "{weighted} vs {share}");
    }

    #[test]
    fn a_window_wholly_in_the_future_is_empty() {
        let w = Window {
            start: t(20, 0),
            end: t(27, 0),
        }
        .until(t(13, 0));
        assert!(w.is_empty());
        assert_eq!(w.start, t(20, 0));
        let (facts, _) = known();
        assert_eq!(indicators(&facts, w), Indicators::default());
    }

    #[test]
    fn an_empty_period_has_no_shares_rather_than_zeroes() {
        let (facts, _) = known();
        let w = Window {
            start: t(20, 0),
            end: t(27, 0),
        };
        let ind = indicators(&facts, w);
        assert_eq!(ind.registered, 0);
        assert_eq!(ind.on_time_share, None);
        assert_eq!(ind.first_contact_resolution, None);
        assert_eq!(ind.avg_handling_hours, None);
    }

    #[test]
    fn executors_of_a_known_week() {
        let (facts, w) = known();
        let staff = vec![
            Worker {
                id: 1,
                login: "smirnov".into(),
                name: "Смирнов".into(),
            },
            Worker {
                id: 2,
                login: "petrov".into(),
                name: "Петров".into(),
            },
            Worker {
                id: 3,
                login: "idle".into(),
                name: "Яковлев".into(),
            },
        ];
        let open: Vec<Facts> = facts
            .iter()
            .filter(|f| f.status.is_open())
            .cloned()
            .collect();
        let loads = executor_loads(&facts, &open, &staff, w, t(14, 12));
        let names: Vec<&str> = loads.iter().map(|l| l.login.as_str()).collect();
        assert_eq!(names, ["petrov", "smirnov", "idle"]);
        let smirnov = &loads[1];
        assert_eq!((smirnov.open, smirnov.taken, smirnov.closed), (0, 2, 3));
        assert_eq!(smirnov.on_time_share, Some(1.0));
        assert_eq!(smirnov.avg_answer_hours_oral, Some(27.0));
        assert_eq!(smirnov.avg_answer_hours_written, Some((72.0 + 102.0) / 2.0));
        let petrov = &loads[0];
        assert_eq!(
            (petrov.open, petrov.taken, petrov.closed, petrov.overdue),
            (1, 2, 1, 1)
        );
        assert_eq!(petrov.on_time_share, Some(0.0));
        assert_eq!(petrov.avg_answer_hours_oral, None);
        assert_eq!(loads[2].open + loads[2].taken + loads[2].closed, 0);
    }

    #[test]
    fn the_state_now_and_the_weekly_series() {
        let (facts, _) = known();
        let mut open: Vec<Facts> = facts
            .iter()
            .filter(|f| f.status.is_open())
            .cloned()
            .collect();
        let mut soon = fact("keys", t(13, 9), t(13, 17));
        soon.transfers = 2;
        open.push(soon);
        let now = now_counts(
            &open,
            Moment {
                now: t(13, 12),
                end_of_today: t(14, 0),
                end_of_week: t(16, 0),
            },
        );
        assert_eq!(
            now,
            NowCounts {
                open: 2,
                due_today: 2,
                due_this_week: 2,
                overdue: 0,
                extended: 1,
                transferred: 1,
            }
        );
        let weeks = [
            (
                d(2026, 3, 2),
                Window {
                    start: t(2, 0),
                    end: t(9, 0),
                },
            ),
            (
                d(2026, 3, 9),
                Window {
                    start: t(9, 0),
                    end: t(16, 0),
                },
            ),
        ];
        let points = weekly(&facts, &weeks);
        assert_eq!(points[0].by_kind.get("supplies"), Some(&2));
        assert_eq!(points[0].on_time_share, Some(1.0));
        assert_eq!(points[1].by_kind.values().sum::<u64>(), 4);
        assert_eq!(points[1].on_time_share, Some(3.0 / 5.0));
    }
}
