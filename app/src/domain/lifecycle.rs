//! The lifecycle of a request: a typed snapshot ([`Ticket`]), who may do
//! what with it now ([`Actions`], from the one rule table [`Ticket::may`]),
//! and pure transitions that return the [`Change`] to write or a
//! [`Refusal`]. The server writes a change, its events and its notices in
//! one guarded transaction, so the page's buttons and the services' checks
//! can never drift apart.
//!
//! Statuses and who moves a request between them:
//!
//! | from | action | by | to |
//! |---|---|---|---|
//! | registered | take, assign, public reply | unit staff (assign: head) | in_progress |
//! | registered, in_progress | question | unit staff | awaiting_requester |
//! | awaiting_requester | reply | requester | in_progress |
//! | any open | transfer (at most twice) | unit staff | registered (other unit) |
//! | any open | final answer | unit staff | answered |
//! | answered | confirm | requester | closed |
//! | answered | reopen (within 10 working days) | requester | in_progress |
//! | answered | close | unit head, administrator, or the scheduler after 10 working days | closed |

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use super::access::Roles;
use super::calendar::CalendarError;
use super::deadline::{self, Explanation};
use super::fields::{BODY_MAX, FieldError, FieldErrorCode, validate_text};
use super::ticket::{Outcome, RequestForm, Status, TRANSFERS_MAX};

/// Working days after a final answer during which the requester may reopen
/// the request; after them it is closed by the scheduler.
pub const REOPEN_WORKING_DAYS: u32 = 10;
/// The longest reason (extension, transfer, reopening, refusal).
pub const REASON_MAX: usize = 2000;
/// Scores of a rating.
pub const SCORE_MIN: i64 = 1;
pub const SCORE_MAX: i64 = 5;
/// The longest comment of a rating.
pub const RATING_COMMENT_MAX: usize = 2000;

/// A request as the rules see it, parsed from storage in exactly one place.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: i64,
    pub number: String,
    pub subject: String,
    pub unit: String,
    pub requester_id: i64,
    pub assignee_id: Option<i64>,
    pub status: Status,
    pub form: RequestForm,
    pub registered_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub due_explanation: Option<Explanation>,
    pub extension_days: Option<u32>,
    pub extension_reason: Option<String>,
    pub extended_at: Option<DateTime<Utc>>,
    pub transfer_count: u32,
    pub questions: u32,
    pub taken_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Working seconds from registration to the final answer.
    pub handling_work_seconds: Option<i64>,
    pub outcome: Option<Outcome>,
    pub planned_on: Option<NaiveDate>,
    /// Final answers given so far (a reopened request is answered again).
    pub answers: u32,
    /// Final answers the requester has rated.
    pub rated_answers: u32,
    pub reopen_count: u32,
    /// Until when the requester may reopen the answered request; then it closes.
    pub reopen_until: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The executor's extension request waiting for the head.
    pub pending_extension: Option<i64>,
    pub updated_at: DateTime<Utc>,
    /// Bumped by every change; a change written against an old version is refused.
    pub version: i64,
}

/// Who acts.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub id: i64,
    pub roles: &'a Roles,
}

/// Everything that can be done to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Take,
    Assign,
    Reply,
    Note,
    Question,
    Extend,
    RequestExtension,
    DecideExtension,
    Transfer,
    Answer,
    Confirm,
    Reopen,
    Close,
    Rate,
}

impl Action {
    pub const ALL: [Action; 14] = [
        Action::Take,
        Action::Assign,
        Action::Reply,
        Action::Note,
        Action::Question,
        Action::Extend,
        Action::RequestExtension,
        Action::DecideExtension,
        Action::Transfer,
        Action::Answer,
        Action::Confirm,
        Action::Reopen,
        Action::Close,
        Action::Rate,
    ];
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The actor may never do this to this request.
    Forbidden,
    /// Not in the request's present state; the code names why.
    Conflict(&'static str),
    Invalid(Vec<FieldError>),
    /// The working calendar does not cover a date the rule needs.
    Calendar(CalendarError),
}

impl From<CalendarError> for Refusal {
    fn from(e: CalendarError) -> Self {
        Refusal::Calendar(e)
    }
}

/// Who a notice goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    Requester,
    /// One person (an executor told of a decision, an assignee).
    User(i64),
    /// The executor of the request, or the unit's staff while nobody took it.
    AssigneeOrUnit,
    /// Executors and head of a unit (a new request in their queue).
    UnitStaff(String),
    /// The unit's heads.
    UnitHeads,
}

/// A notice to send with a change: its kind and the data it is worded from
/// (the server adds the number, subject and actor's name).
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeSpec {
    pub to: Audience,
    pub kind: &'static str,
    pub data: Value,
}

/// A timeline entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSpec {
    pub kind: &'static str,
    pub data: Value,
    pub internal: bool,
}

/// A row written beside the request.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Comment {
        body: String,
        internal: bool,
    },
    Rating {
        answer: u32,
        score: u8,
        comment: String,
    },
    ExtensionRequest {
        days: u32,
        reason: String,
    },
    ExtensionDecision {
        id: i64,
        approved: bool,
        reason: String,
    },
}

/// What a transition does: the request after it, a timeline entry, a row
/// beside it and the notices. A status change gets its own entry on write.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub after: Ticket,
    pub event: Option<EventSpec>,
    pub record: Option<Record>,
    pub notices: Vec<NoticeSpec>,
}

/// The flags a page shows buttons by; the same rules the transitions check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Actions {
    pub take: bool,
    pub assign: bool,
    pub reply: bool,
    pub note: bool,
    pub question: bool,
    pub extend: bool,
    pub request_extension: bool,
    pub decide_extension: bool,
    pub transfer: bool,
    pub answer: bool,
    pub confirm: bool,
    pub reopen: bool,
    pub close: bool,
    pub rate: bool,
}

impl Actions {
    /// What `user_id` with `roles` may do with `ticket` at `now`.
    pub fn of(roles: &Roles, user_id: i64, ticket: &Ticket, now: DateTime<Utc>) -> Actions {
        let actor = Actor { id: user_id, roles };
        let ok = |a| ticket.may(a, actor, now).is_ok();
        Actions {
            take: ok(Action::Take),
            assign: ok(Action::Assign),
            reply: ok(Action::Reply),
            note: ok(Action::Note),
            question: ok(Action::Question),
            extend: ok(Action::Extend),
            request_extension: ok(Action::RequestExtension),
            decide_extension: ok(Action::DecideExtension),
            transfer: ok(Action::Transfer),
            answer: ok(Action::Answer),
            confirm: ok(Action::Confirm),
            reopen: ok(Action::Reopen),
            close: ok(Action::Close),
            rate: ok(Action::Rate),
        }
    }
}

fn invalid(errors: Vec<FieldError>) -> Result<(), Refusal> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Invalid(errors))
    }
}

fn reason(text: &str, errors: &mut Vec<FieldError>) -> String {
    validate_text("reason", text, true, REASON_MAX, errors)
}

/// The checked number of days of an extension.
fn days_of(days: i64, errors: &mut Vec<FieldError>) -> u32 {
    match deadline::extension_days(days) {
        Some(d) => d,
        None => {
            let code = if days < 1 {
                FieldErrorCode::BelowMin { min: 1.0 }
            } else {
                FieldErrorCode::AboveMax {
                    max: f64::from(deadline::EXTENSION_MAX_DAYS),
                }
            };
            errors.push(FieldError::new("days", code));
            0
        }
    }
}

/// A new term worked out by the server's calendar: the due moment, why, and the day.
pub struct NewTerm {
    pub due_at: DateTime<Utc>,
    pub explanation: Explanation,
    pub due_on: NaiveDate,
}

/// A final answer as submitted, with the executor's signature already added.
pub struct FinalAnswer<'a> {
    pub body: &'a str,
    pub outcome: Option<&'a str>,
    pub planned_on: Option<&'a str>,
    /// The local day the request was registered: a planned date cannot be earlier.
    pub registered_on: NaiveDate,
    /// The end of the reopening window, from the calendar.
    pub reopen_until: DateTime<Utc>,
    /// Working seconds from registration to now, from the calendar (none
    /// where the calendar has no data).
    pub work_seconds: Option<i64>,
}

impl Ticket {
    /// The one table of who may do what, and when. `Forbidden` means never
    /// for this actor; `Conflict` means not in this state.
    pub fn may(&self, action: Action, actor: Actor<'_>, now: DateTime<Utc>) -> Result<(), Refusal> {
        let roles = actor.roles;
        let staff = roles.can_work(&self.unit);
        let head = roles.can_assign(&self.unit);
        let requester = actor.id == self.requester_id;
        let open = self.status.is_open();
        let allowed = |yes: bool| if yes { Ok(()) } else { Err(Refusal::Forbidden) };
        let when = |yes: bool, code: &'static str| {
            if yes {
                Ok(())
            } else {
                Err(Refusal::Conflict(code))
            }
        };
        match action {
            Action::Take => {
                allowed(staff)?;
                when(open, "not_open")?;
                // One's own request is taken already.
                when(self.assignee_id != Some(actor.id), "already_yours")
            }
            Action::Question | Action::Answer => {
                allowed(staff)?;
                when(open, "not_open")
            }
            Action::Assign => {
                allowed(head)?;
                when(open, "not_open")
            }
            Action::Reply => {
                allowed(roles.can_view(actor.id, self.requester_id, &self.unit))?;
                when(self.status != Status::Closed, "closed")
            }
            Action::Note => allowed(roles.can_see_internal(&self.unit)),
            Action::Extend => {
                allowed(head)?;
                when(open, "not_open")?;
                when(self.form == RequestForm::Written, "oral")?;
                when(self.extension_days.is_none(), "already_extended")
            }
            Action::RequestExtension => {
                allowed(staff && !head)?;
                when(open, "not_open")?;
                when(self.form == RequestForm::Written, "oral")?;
                when(self.extension_days.is_none(), "already_extended")?;
                when(self.pending_extension.is_none(), "extension_pending")
            }
            Action::DecideExtension => {
                allowed(head)?;
                when(self.pending_extension.is_some(), "no_extension_request")?;
                when(open, "not_open")
            }
            Action::Transfer => {
                allowed(staff)?;
                when(open, "not_open")?;
                when(self.transfer_count < TRANSFERS_MAX, "too_many_transfers")
            }
            Action::Confirm => {
                allowed(requester)?;
                when(self.status == Status::Answered, "awaiting_answer")
            }
            Action::Reopen => {
                allowed(requester)?;
                when(self.status == Status::Answered, "awaiting_answer")?;
                when(
                    self.reopen_until.is_none_or(|until| now <= until),
                    "reopen_window_passed",
                )
            }
            Action::Close => {
                allowed(head)?;
                when(self.status == Status::Answered, "awaiting_answer")
            }
            Action::Rate => {
                allowed(requester)?;
                when(
                    matches!(self.status, Status::Answered | Status::Closed) && self.answers > 0,
                    "awaiting_answer",
                )?;
                when(self.rated_answers < self.answers, "already_rated")
            }
        }
    }

    fn next(&self, now: DateTime<Utc>) -> Ticket {
        Ticket {
            updated_at: now,
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// An executor takes the request; the head assigns it (`to` is then the
    /// chosen member of staff, checked by the caller against the unit).
    pub fn take(&self, actor: Actor<'_>, now: DateTime<Utc>) -> Result<Change, Refusal> {
        self.may(Action::Take, actor, now)?;
        Ok(self.set_assignee(actor.id, "taken", now))
    }

    pub fn assign(&self, actor: Actor<'_>, to: i64, now: DateTime<Utc>) -> Result<Change, Refusal> {
        self.may(Action::Assign, actor, now)?;
        let mut change = self.set_assignee(to, "assigned", now);
        if to != actor.id {
            change.notices.push(NoticeSpec {
                to: Audience::User(to),
                kind: "assigned_to_you",
                data: json!({}),
            });
        }
        Ok(change)
    }

    fn set_assignee(&self, to: i64, kind: &'static str, now: DateTime<Utc>) -> Change {
        let mut after = self.next(now);
        after.assignee_id = Some(to);
        after.taken_at = Some(now);
        if after.status == Status::Registered {
            after.status = Status::InProgress;
        }
        Change {
            after,
            event: Some(EventSpec {
                kind,
                data: json!({ "assignee_id": to }),
                internal: false,
            }),
            record: None,
            notices: vec![NoticeSpec {
                to: Audience::Requester,
                kind: "taken",
                data: json!({ "assignee_id": to }),
            }],
        }
    }

    /// A public reply, an internal note, or a clarifying question.
    pub fn comment(
        &self,
        actor: Actor<'_>,
        body: &str,
        internal: bool,
        question: bool,
        now: DateTime<Utc>,
    ) -> Result<Change, Refusal> {
        // An internal note may be added to a closed request too.
        if internal {
            self.may(Action::Note, actor, now)?;
        } else {
            self.may(Action::Reply, actor, now)?;
        }
        if question {
            self.may(Action::Question, actor, now)?;
        }
        let mut errors = Vec::new();
        let body = validate_text("body", body, true, BODY_MAX, &mut errors);
        if internal && question {
            errors.push(FieldError::new("question", FieldErrorCode::NotAllowed));
        }
        invalid(errors)?;
        let by_staff = actor.roles.can_work(&self.unit) && actor.id != self.requester_id;
        let mut after = self.next(now);
        let mut notices = Vec::new();
        if question {
            after.status = Status::AwaitingRequester;
            after.questions += 1;
            notices.push(NoticeSpec {
                to: Audience::Requester,
                kind: "question",
                data: json!({ "text": body }),
            });
        } else if !internal {
            after.status = self.status.after_public_reply(by_staff);
            notices.push(if by_staff {
                NoticeSpec {
                    to: Audience::Requester,
                    kind: "reply",
                    data: json!({ "text": body }),
                }
            } else {
                NoticeSpec {
                    to: Audience::AssigneeOrUnit,
                    kind: "requester_replied",
                    data: json!({ "text": body }),
                }
            });
        }
        Ok(Change {
            after,
            event: Some(EventSpec {
                kind: if internal { "noted" } else { "commented" },
                data: json!({ "question": question }),
                internal,
            }),
            record: Some(Record::Comment { body, internal }),
            notices,
        })
    }

    /// The head extends the term of a written request once.
    pub fn extend(
        &self,
        actor: Actor<'_>,
        days: i64,
        reason_text: &str,
        term: impl FnOnce(u32) -> Result<NewTerm, CalendarError>,
        now: DateTime<Utc>,
    ) -> Result<Change, Refusal> {
        self.may(Action::Extend, actor, now)?;
        let mut errors = Vec::new();
        let days = days_of(days, &mut errors);
        let reason_text = reason(reason_text, &mut errors);
        invalid(errors)?;
        self.extended(days, reason_text, term(days)?, now)
    }

    fn extended(
        &self,
        days: u32,
        reason_text: String,
        term: NewTerm,
        now: DateTime<Utc>,
    ) -> Result<Change, Refusal> {
        let mut after = self.next(now);
        after.due_at = term.due_at;
        after.due_explanation = Some(term.explanation);
        after.extension_days = Some(days);
        after.extension_reason = Some(reason_text.clone());
        after.extended_at = Some(now);
        after.pending_extension = None;
        let data = json!({ "days": days, "reason": reason_text, "due_on": term.due_on });
        Ok(Change {
            after,
            event: Some(EventSpec {
                kind: "extended",
                data: data.clone(),
                internal: false,
            }),
            record: None,
            notices: vec![NoticeSpec {
                to: Audience::Requester,
                kind: "extended",
                data,
            }],
        })
    }

    /// An executor asks the head for more time.
    pub fn request_extension(
        &self,
        actor: Actor<'_>,
        days: i64,
        reason_text: &str,
        now: DateTime<Utc>,
    ) -> Result<Change, Refusal> {
        self.may(Action::RequestExtension, actor, now)?;
        let mut errors = Vec::new();
        let days = days_of(days, &mut errors);
        let reason_text = reason(reason_text, &mut errors);
        invalid(errors)?;
        let data = json!({ "days": days, "reason": reason_text });
        Ok(Change {
            after: self.next(now),
            event: Some(EventSpec {
                kind: "extension_asked",
                data: data.clone(),
                internal: true,
            }),
            record: Some(Record::ExtensionRequest {
                days,
                reason: reason_text,
            }),
            notices: vec![NoticeSpec {
                to: Audience::UnitHeads,
                kind: "extension_asked",
                data,
            }],
        })
    }

    /// The head approves (the extension rule then applies) or refuses with a reason.
    #[allow(clippy::too_many_arguments)]
    pub fn decide_extension(
        &self,
        actor: Actor<'_>,
        request_id: i64,
        asked_by: i64,
        days: u32,
        approve: bool,
        reason_text: &str,
        term: impl FnOnce(u32) -> Result<NewTerm, CalendarError>,
        now: DateTime<Utc>,
    ) -> Result<Change, Refusal> {
        self.may(Action::DecideExtension, actor, now)?;
        if self.pending_extension != Some(request_id) {
            return Err(Refusal::Conflict("no_extension_request"));
        }
        let record = |reason: String| Record::ExtensionDecision {
            id: request_id,
            approved: approve,
            reason,
        };
        if approve {
            self.may(Action::Extend, actor, now)?;
            let mut errors = Vec::new();
            let text = validate_text("reason", reason_text, false, REASON_MAX, &mut errors);
            invalid(errors)?;
            let mut change = self.extended(days, text.clone(), term(days)?, now)?;
            change.record = Some(record(text));
            change.notices.push(NoticeSpec {
                to: Audience::User(asked_by),
                kind: "extension_approved",
                data: json!({ "days": days }),
            });
            Ok(change)
        } else {
            let mut errors = Vec::new();
            let text = reason(reason_text, &mut errors);
            invalid(errors)?;
            let mut after = self.next(now);
            after.pending_extension = None;
            Ok(Change {
                after,
                event: Some(EventSpec {
                    kind: "extension_refused",
                    data: json!({ "reason": text }),
                    internal: true,
                }),
                record: Some(record(text.clone())),
                notices: vec![NoticeSpec {
                    to: Audience::User(asked_by),
                    kind: "extension_refused",
                    data: json!({ "reason": text }),
                }],
            })
        }
    }

    /// Hands the request to another unit (`to` is a known unit code, with its name).
    pub fn transfer(
        &self,
        actor: Actor<'_>,
        to: Option<(&str, &str)>,
        reason_text: &str,
        now: DateTime<Utc>,
    ) -> Result<Change, Refusal> {
        self.may(Action::Transfer, actor, now)?;
        let mut errors = Vec::new();
        match to {
            None => errors.push(FieldError::new("unit", FieldErrorCode::UnknownOption)),
            Some((code, _)) if code == self.unit => {
                errors.push(FieldError::new("unit", FieldErrorCode::NotAllowed))
            }
            Some(_) => {}
        }
        let reason_text = reason(reason_text, &mut errors);
        invalid(errors)?;
        let Some((code, name)) = to else {
            return Err(Refusal::Invalid(Vec::new()));
        };
        let mut after = self.next(now);
        after.unit = code.to_string();
        after.assignee_id = None;
        after.status = Status::Registered;
        after.transfer_count += 1;
        after.pending_extension = None;
        let data =
            json!({ "from": self.unit, "to": code, "unit_name": name, "reason": reason_text });
        Ok(Change {
            after,
            event: Some(EventSpec {
                kind: "transferred",
                data: data.clone(),
                internal: false,
            }),
            record: None,
            notices: vec![
                NoticeSpec {
                    to: Audience::Requester,
                    kind: "transferred",
                    data: data.clone(),
                },
                NoticeSpec {
                    to: Audience::UnitStaff(code.to_string()),
                    kind: "transferred_in",
                    data,
                },
            ],
        })
    }

    /// The final answer: one of four outcomes (a planned date for "will be
    /// solved"); the request waits for the requester's confirmation.
    pub fn answer(
        &self,
        actor: Actor<'_>,
        input: FinalAnswer<'_>,
        now: DateTime<Utc>,
    ) -> Result<Change, Refusal> {
        self.may(Action::Answer, actor, now)?;
        let mut errors = Vec::new();
        let body = validate_text("body", input.body, true, BODY_MAX, &mut errors);
        let outcome = match input.outcome.map(str::trim).filter(|o| !o.is_empty()) {
            None => {
                errors.push(FieldError::new("outcome", FieldErrorCode::Required));
                None
            }
            Some(code) => {
                let parsed = Outcome::parse(code);
                if parsed.is_none() {
                    errors.push(FieldError::new("outcome", FieldErrorCode::UnknownOption));
                }
                parsed
            }
        };
        let planned = input.planned_on.map(str::trim).filter(|p| !p.is_empty());
        let planned_on = match (outcome, planned) {
            (Some(Outcome::WillBeSolved), None) => {
                errors.push(FieldError::new("planned_on", FieldErrorCode::Required));
                None
            }
            (Some(Outcome::WillBeSolved), Some(text)) => match super::fields::parse_date(text) {
                Some(d) if d >= input.registered_on => Some(d),
                Some(_) => {
                    errors.push(FieldError::new("planned_on", FieldErrorCode::NotAllowed));
                    None
                }
                None => {
                    errors.push(FieldError::new("planned_on", FieldErrorCode::InvalidDate));
                    None
                }
            },
            _ => None,
        };
        invalid(errors)?;
        let Some(outcome) = outcome else {
            return Err(Refusal::Invalid(Vec::new()));
        };
        let mut after = self.next(now);
        after.status = Status::Answered;
        after.answered_at = Some(now);
        after.handling_work_seconds = input.work_seconds.map(|s| s.max(0));
        after.outcome = Some(outcome);
        after.planned_on = planned_on;
        after.answers += 1;
        after.reopen_until = Some(input.reopen_until);
        after.pending_extension = None;
        Ok(Change {
            after,
            event: Some(EventSpec {
                kind: "answered",
                data: json!({ "outcome": outcome, "planned_on": planned_on }),
                internal: false,
            }),
            record: Some(Record::Comment {
                body: body.clone(),
                internal: false,
            }),
            notices: vec![NoticeSpec {
                to: Audience::Requester,
                kind: "answered",
                data: json!({ "outcome": outcome, "planned_on": planned_on, "text": body }),
            }],
        })
    }

    /// The requester says the answer settles it.
    pub fn confirm(&self, actor: Actor<'_>, now: DateTime<Utc>) -> Result<Change, Refusal> {
        self.may(Action::Confirm, actor, now)?;
        Ok(self.closed("confirmed", Audience::AssigneeOrUnit, now))
    }

    /// The head (or administrator) takes an answered request off control.
    pub fn close(&self, actor: Actor<'_>, now: DateTime<Utc>) -> Result<Change, Refusal> {
        self.may(Action::Close, actor, now)?;
        Ok(self.closed("closed", Audience::Requester, now))
    }

    /// The scheduler closes an answered request nobody reopened in time.
    pub fn close_unclaimed(&self, now: DateTime<Utc>) -> Result<Change, Refusal> {
        let due = self.status == Status::Answered && self.reopen_until.is_some_and(|u| u < now);
        if !due {
            return Err(Refusal::Conflict("awaiting_answer"));
        }
        Ok(self.closed("auto_closed", Audience::Requester, now))
    }

    fn closed(&self, kind: &'static str, told: Audience, now: DateTime<Utc>) -> Change {
        let mut after = self.next(now);
        after.status = Status::Closed;
        after.closed_at = Some(now);
        Change {
            after,
            event: Some(EventSpec {
                kind,
                data: json!({}),
                internal: false,
            }),
            record: None,
            notices: vec![NoticeSpec {
                to: told,
                kind,
                data: json!({}),
            }],
        }
    }

    /// The requester says the answer did not settle it, within the window;
    /// the request returns to work with its number and due date.
    pub fn reopen(
        &self,
        actor: Actor<'_>,
        reason_text: &str,
        now: DateTime<Utc>,
    ) -> Result<Change, Refusal> {
        self.may(Action::Reopen, actor, now)?;
        let mut errors = Vec::new();
        let reason_text = reason(reason_text, &mut errors);
        invalid(errors)?;
        let mut after = self.next(now);
        after.status = Status::InProgress;
        after.reopen_count += 1;
        after.answered_at = None;
        after.handling_work_seconds = None;
        after.outcome = None;
        after.planned_on = None;
        after.reopen_until = None;
        let data = json!({ "reason": reason_text });
        Ok(Change {
            after,
            event: Some(EventSpec {
                kind: "reopened",
                data: data.clone(),
                internal: false,
            }),
            record: Some(Record::Comment {
                body: reason_text,
                internal: false,
            }),
            notices: vec![
                NoticeSpec {
                    to: Audience::AssigneeOrUnit,
                    kind: "reopened",
                    data: data.clone(),
                },
                NoticeSpec {
                    to: Audience::UnitHeads,
                    kind: "reopened",
                    data,
                },
            ],
        })
    }

    /// The requester rates the latest final answer, once.
    pub fn rate(
        &self,
        actor: Actor<'_>,
        score: i64,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<Change, Refusal> {
        self.may(Action::Rate, actor, now)?;
        let mut errors = Vec::new();
        if !(SCORE_MIN..=SCORE_MAX).contains(&score) {
            let code = if score < SCORE_MIN {
                FieldErrorCode::BelowMin {
                    min: SCORE_MIN as f64,
                }
            } else {
                FieldErrorCode::AboveMax {
                    max: SCORE_MAX as f64,
                }
            };
            errors.push(FieldError::new("score", code));
        }
        let comment = validate_text("comment", comment, false, RATING_COMMENT_MAX, &mut errors);
        invalid(errors)?;
        let score = u8::try_from(score).map_err(|_| Refusal::Invalid(Vec::new()))?;
        let mut after = self.next(now);
        after.rated_answers = self.answers;
        Ok(Change {
            after,
            event: Some(EventSpec {
                kind: "rated",
                data: json!({ "score": score }),
                internal: true,
            }),
            record: Some(Record::Rating {
                answer: self.answers,
                score,
                comment,
            }),
            notices: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;
    use chrono::TimeZone;

    const REQUESTER: i64 = 1;
    const EXECUTOR: i64 = 2;
    const HEAD: i64 = 3;
    const OUTSIDER: i64 = 4;
    const ADMIN: i64 = 5;
    const OTHER_UNIT: i64 = 6;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 6, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn roles_of(id: i64) -> Roles {
        Roles::new(match id {
            EXECUTOR => vec![Role::Employee, Role::Executor("IT".into())],
            HEAD => vec![Role::Employee, Role::Head("IT".into())],
            ADMIN => vec![Role::Admin],
            OTHER_UNIT => vec![Role::Employee, Role::Executor("AHO".into())],
            _ => vec![Role::Employee],
        })
    }

    fn ticket(status: Status) -> Ticket {
        Ticket {
            id: 10,
            number: "IT-2026-000001".into(),
            subject: "Принтер".into(),
            unit: "IT".into(),
            requester_id: REQUESTER,
            assignee_id: None,
            status,
            form: RequestForm::Written,
            registered_at: t0(),
            due_at: t0() + chrono::Duration::days(30),
            due_explanation: None,
            extension_days: None,
            extension_reason: None,
            extended_at: None,
            transfer_count: 0,
            questions: 0,
            taken_at: None,
            answered_at: None,
            handling_work_seconds: None,
            outcome: None,
            planned_on: None,
            answers: u32::from(matches!(status, Status::Answered | Status::Closed)),
            rated_answers: 0,
            reopen_count: 0,
            reopen_until: matches!(status, Status::Answered)
                .then(|| t0() + chrono::Duration::days(14)),
            closed_at: None,
            pending_extension: None,
            updated_at: t0(),
            version: 7,
        }
    }

    fn term(days: u32) -> Result<NewTerm, CalendarError> {
        let due_on = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default()
            + chrono::Duration::days(i64::from(days));
        Ok(NewTerm {
            due_at: t0() + chrono::Duration::days(30 + i64::from(days)),
            explanation: Explanation::OralSameDay {
                registered_on: due_on,
            },
            due_on,
        })
    }

    fn answer_input() -> FinalAnswer<'static> {
        FinalAnswer {
            body: "Готово",
            outcome: Some("solved"),
            planned_on: None,
            registered_on: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
            reopen_until: t0() + chrono::Duration::days(14),
            work_seconds: Some(5 * 3600),
        }
    }

    /// Runs one action as `who` on a request in `status`.
    fn act(action: Action, who: i64, t: &Ticket, now: DateTime<Utc>) -> Result<Change, Refusal> {
        let roles = roles_of(who);
        let a = Actor {
            id: who,
            roles: &roles,
        };
        match action {
            Action::Take => t.take(a, now),
            Action::Assign => t.assign(a, EXECUTOR, now),
            Action::Reply => t.comment(a, "Спасибо", false, false, now),
            Action::Note => t.comment(a, "Для своих", true, false, now),
            Action::Question => t.comment(a, "Какой кабинет?", false, true, now),
            Action::Extend => t.extend(a, 10, "Ждём поставку", term, now),
            Action::RequestExtension => t.request_extension(a, 10, "Ждём поставку", now),
            Action::DecideExtension => t.decide_extension(a, 99, EXECUTOR, 10, true, "", term, now),
            Action::Transfer => t.transfer(a, Some(("AHO", "АХО")), "Не наше", now),
            Action::Answer => t.answer(a, answer_input(), now),
            Action::Confirm => t.confirm(a, now),
            Action::Reopen => t.reopen(a, "Не работает", now),
            Action::Close => t.close(a, now),
            Action::Rate => t.rate(a, 5, "", now),
        }
    }

    use Action as A;
    use Status as S;

    const OK: Option<&str> = None;
    const FORBIDDEN: Option<&str> = Some("forbidden");

    /// (action, actor, status, expected: None = allowed, Some(code) = refused).
    const TABLE: &[(Action, i64, Status, Option<&str>)] = &[
        (A::Take, EXECUTOR, S::Registered, OK),
        (A::Take, HEAD, S::InProgress, OK),
        (A::Take, ADMIN, S::AwaitingRequester, OK),
        (A::Take, REQUESTER, S::Registered, FORBIDDEN),
        (A::Take, OTHER_UNIT, S::Registered, FORBIDDEN),
        (A::Take, EXECUTOR, S::Answered, Some("not_open")),
        (A::Assign, HEAD, S::Registered, OK),
        (A::Assign, ADMIN, S::InProgress, OK),
        (A::Assign, EXECUTOR, S::Registered, FORBIDDEN),
        (A::Assign, HEAD, S::Closed, Some("not_open")),
        (A::Reply, REQUESTER, S::AwaitingRequester, OK),
        (A::Reply, EXECUTOR, S::Answered, OK),
        (A::Reply, OUTSIDER, S::InProgress, FORBIDDEN),
        (A::Reply, REQUESTER, S::Closed, Some("closed")),
        (A::Note, EXECUTOR, S::Closed, OK),
        (A::Note, REQUESTER, S::InProgress, FORBIDDEN),
        (A::Question, EXECUTOR, S::InProgress, OK),
        (A::Question, REQUESTER, S::InProgress, FORBIDDEN),
        (A::Question, EXECUTOR, S::Answered, Some("not_open")),
        (A::Extend, HEAD, S::InProgress, OK),
        (A::Extend, ADMIN, S::AwaitingRequester, OK),
        (A::Extend, EXECUTOR, S::InProgress, FORBIDDEN),
        (A::Extend, HEAD, S::Answered, Some("not_open")),
        (A::RequestExtension, EXECUTOR, S::InProgress, OK),
        (A::RequestExtension, HEAD, S::InProgress, FORBIDDEN),
        (A::RequestExtension, REQUESTER, S::InProgress, FORBIDDEN),
        (A::RequestExtension, EXECUTOR, S::Answered, Some("not_open")),
        (
            A::DecideExtension,
            HEAD,
            S::InProgress,
            Some("no_extension_request"),
        ),
        (A::DecideExtension, EXECUTOR, S::InProgress, FORBIDDEN),
        (A::Transfer, EXECUTOR, S::Registered, OK),
        (A::Transfer, OTHER_UNIT, S::Registered, FORBIDDEN),
        (A::Transfer, EXECUTOR, S::Closed, Some("not_open")),
        (A::Answer, EXECUTOR, S::InProgress, OK),
        (A::Answer, EXECUTOR, S::AwaitingRequester, OK),
        (A::Answer, REQUESTER, S::InProgress, FORBIDDEN),
        (A::Answer, EXECUTOR, S::Answered, Some("not_open")),
        (A::Confirm, REQUESTER, S::Answered, OK),
        (A::Confirm, EXECUTOR, S::Answered, FORBIDDEN),
        (
            A::Confirm,
            REQUESTER,
            S::InProgress,
            Some("awaiting_answer"),
        ),
        (A::Reopen, REQUESTER, S::Answered, OK),
        (A::Reopen, HEAD, S::Answered, FORBIDDEN),
        (A::Reopen, REQUESTER, S::Closed, Some("awaiting_answer")),
        (A::Close, HEAD, S::Answered, OK),
        (A::Close, ADMIN, S::Answered, OK),
        (A::Close, EXECUTOR, S::Answered, FORBIDDEN),
        (A::Close, HEAD, S::InProgress, Some("awaiting_answer")),
        (A::Rate, REQUESTER, S::Answered, OK),
        (A::Rate, REQUESTER, S::Closed, OK),
        (A::Rate, EXECUTOR, S::Answered, FORBIDDEN),
        (A::Rate, REQUESTER, S::InProgress, Some("awaiting_answer")),
    ];

    fn code(r: &Result<Change, Refusal>) -> Option<String> {
        match r {
            Ok(_) => None,
            Err(Refusal::Forbidden) => Some("forbidden".into()),
            Err(Refusal::Conflict(c)) => Some((*c).into()),
            Err(other) => Some(format!("{other:?}")),
        }
    }

    #[test]
    fn every_action_follows_the_rule_table_and_the_page_flags_agree() {
        for (action, who, status, expected) in TABLE {
            let t = ticket(*status);
            let got = act(*action, *who, &t, t0());
            assert_eq!(
                code(&got).as_deref(),
                *expected,
                "{action:?} by {who} on {status:?}"
            );
            let roles = roles_of(*who);
            let flags = Actions::of(&roles, *who, &t, t0());
            let flag = match action {
                A::Take => flags.take,
                A::Assign => flags.assign,
                A::Reply => flags.reply,
                A::Note => flags.note,
                A::Question => flags.question,
                A::Extend => flags.extend,
                A::RequestExtension => flags.request_extension,
                A::DecideExtension => flags.decide_extension,
                A::Transfer => flags.transfer,
                A::Answer => flags.answer,
                A::Confirm => flags.confirm,
                A::Reopen => flags.reopen,
                A::Close => flags.close,
                A::Rate => flags.rate,
            };
            assert_eq!(
                flag,
                expected.is_none(),
                "flag {action:?} by {who} on {status:?}"
            );
        }
    }

    #[test]
    fn every_change_bumps_the_version_once() {
        for (action, who, status, expected) in TABLE {
            if expected.is_some() {
                continue;
            }
            let t = ticket(*status);
            let change = act(*action, *who, &t, t0() + chrono::Duration::hours(1))
                .unwrap_or_else(|e| panic!("{action:?}: {e:?}"));
            assert_eq!(change.after.version, 8, "{action:?}");
            assert_eq!(change.after.updated_at, t0() + chrono::Duration::hours(1));
        }
    }

    #[test]
    fn ones_own_request_is_not_taken_again_but_a_colleague_may_take_it_over() {
        let mut t = ticket(S::InProgress);
        t.assignee_id = Some(EXECUTOR);
        let own = act(A::Take, EXECUTOR, &t, t0());
        assert_eq!(code(&own).as_deref(), Some("already_yours"));
        assert!(!Actions::of(&roles_of(EXECUTOR), EXECUTOR, &t, t0()).take);
        let over = act(A::Take, HEAD, &t, t0()).expect("a colleague takes it over");
        assert_eq!(over.after.assignee_id, Some(HEAD));
        assert!(Actions::of(&roles_of(HEAD), HEAD, &t, t0()).take);
    }

    #[test]
    fn transfers_stop_at_two_and_reset_the_queue() {
        let mut t = ticket(S::InProgress);
        t.assignee_id = Some(EXECUTOR);
        let roles = roles_of(ADMIN);
        let admin = Actor {
            id: ADMIN,
            roles: &roles,
        };
        let first = t
            .transfer(admin, Some(("AHO", "АХО")), "Не наше", t0())
            .expect("first");
        assert_eq!(first.after.unit, "AHO");
        assert_eq!(first.after.status, S::Registered);
        assert_eq!(first.after.assignee_id, None);
        assert_eq!(first.after.transfer_count, 1);
        assert!(
            first
                .notices
                .iter()
                .any(|n| n.kind == "transferred_in" && n.to == Audience::UnitStaff("AHO".into()))
        );
        let second = first
            .after
            .transfer(admin, Some(("BUH", "Бухгалтерия")), "И не наше", t0())
            .expect("second");
        assert_eq!(
            second
                .after
                .transfer(admin, Some(("IT", "ИТ")), "Снова", t0()),
            Err(Refusal::Conflict("too_many_transfers"))
        );
        assert!(matches!(
            t.transfer(admin, Some(("IT", "ИТ")), "Туда же", t0()),
            Err(Refusal::Invalid(f)) if f[0].field == "unit"
        ));
        assert!(matches!(
            t.transfer(admin, None, "", t0()),
            Err(Refusal::Invalid(f)) if f.len() == 2
        ));
    }

    #[test]
    fn an_extension_is_given_once_and_only_to_written_requests() {
        let t = ticket(S::InProgress);
        let roles = roles_of(HEAD);
        let head = Actor {
            id: HEAD,
            roles: &roles,
        };
        let c = t
            .extend(head, 10, "Поставка", term, t0())
            .expect("extended");
        assert_eq!(c.after.extension_days, Some(10));
        assert_eq!(
            c.after.extend(head, 5, "Ещё", term, t0()),
            Err(Refusal::Conflict("already_extended"))
        );
        let mut oral = ticket(S::InProgress);
        oral.form = RequestForm::Oral;
        assert_eq!(
            oral.extend(head, 5, "Устное", term, t0()),
            Err(Refusal::Conflict("oral"))
        );
        for (days, field) in [(0, "days"), (31, "days")] {
            assert!(matches!(
                t.extend(head, days, "x", term, t0()),
                Err(Refusal::Invalid(f)) if f[0].field == field
            ));
        }
        assert!(matches!(
            t.extend(head, 5, "  ", term, t0()),
            Err(Refusal::Invalid(f)) if f[0].field == "reason"
        ));
    }

    #[test]
    fn an_executor_asks_for_time_and_the_head_decides() {
        let t = ticket(S::InProgress);
        let ex_roles = roles_of(EXECUTOR);
        let executor = Actor {
            id: EXECUTOR,
            roles: &ex_roles,
        };
        let head_roles = roles_of(HEAD);
        let head = Actor {
            id: HEAD,
            roles: &head_roles,
        };
        let asked = t
            .request_extension(executor, 7, "Ждём картридж", t0())
            .expect("asked");
        assert_eq!(asked.notices[0].to, Audience::UnitHeads);
        let mut pending = asked.after.clone();
        pending.pending_extension = Some(42);
        assert_eq!(
            pending.request_extension(executor, 7, "Ещё раз", t0()),
            Err(Refusal::Conflict("extension_pending"))
        );
        assert_eq!(
            pending.decide_extension(head, 41, EXECUTOR, 7, true, "", term, t0()),
            Err(Refusal::Conflict("no_extension_request"))
        );
        let approved = pending
            .decide_extension(head, 42, EXECUTOR, 7, true, "", term, t0())
            .expect("approved");
        assert_eq!(approved.after.extension_days, Some(7));
        assert_eq!(approved.after.pending_extension, None);
        assert!(
            approved
                .notices
                .iter()
                .any(|n| n.kind == "extension_approved" && n.to == Audience::User(EXECUTOR))
        );
        assert!(matches!(
            pending.decide_extension(head, 42, EXECUTOR, 7, false, "", term, t0()),
            Err(Refusal::Invalid(f)) if f[0].field == "reason"
        ));
        let refused = pending
            .decide_extension(head, 42, EXECUTOR, 7, false, "Успеете", term, t0())
            .expect("refused");
        assert_eq!(refused.after.extension_days, None);
        assert_eq!(refused.after.pending_extension, None);
    }

    #[test]
    fn a_question_waits_for_the_requester_and_their_reply_returns_it_to_work() {
        let t = ticket(S::InProgress);
        let ex = roles_of(EXECUTOR);
        let asked = t
            .comment(
                Actor {
                    id: EXECUTOR,
                    roles: &ex,
                },
                "Какой кабинет?",
                false,
                true,
                t0(),
            )
            .expect("asked");
        assert_eq!(asked.after.status, S::AwaitingRequester);
        assert_eq!(asked.after.questions, 1);
        assert_eq!(
            asked.after.due_at, t.due_at,
            "a question does not move the term"
        );
        assert_eq!(asked.notices[0].kind, "question");
        let req = roles_of(REQUESTER);
        let replied = asked
            .after
            .comment(
                Actor {
                    id: REQUESTER,
                    roles: &req,
                },
                "Кабинет 301",
                false,
                false,
                t0(),
            )
            .expect("replied");
        assert_eq!(replied.after.status, S::InProgress);
        assert_eq!(replied.notices[0].to, Audience::AssigneeOrUnit);
        assert_eq!(replied.notices[0].kind, "requester_replied");
        assert!(matches!(
            t.comment(Actor { id: EXECUTOR, roles: &ex }, "x", true, true, t0()),
            Err(Refusal::Invalid(f)) if f[0].field == "question"
        ));
        assert!(matches!(
            t.comment(Actor { id: EXECUTOR, roles: &ex }, " ", false, false, t0()),
            Err(Refusal::Invalid(f)) if f[0].field == "body"
        ));
        let noted = t
            .comment(
                Actor {
                    id: EXECUTOR,
                    roles: &ex,
                },
                "Для своих",
                true,
                false,
                t0(),
            )
            .expect("note");
        assert!(
            noted.notices.is_empty(),
            "an internal note tells nobody outside"
        );
    }

    #[test]
    fn the_final_answer_keeps_the_working_time_it_took() {
        let t = ticket(S::InProgress);
        let ex = roles_of(EXECUTOR);
        let a = Actor {
            id: EXECUTOR,
            roles: &ex,
        };
        let change = t.answer(a, answer_input(), t0()).expect("answered");
        assert_eq!(change.after.handling_work_seconds, Some(5 * 3600));
        assert_eq!(change.after.answered_at, Some(t0()));
    }

    #[test]
    fn the_final_answer_needs_an_outcome_and_a_date_for_later() {
        let t = ticket(S::InProgress);
        let ex = roles_of(EXECUTOR);
        let a = Actor {
            id: EXECUTOR,
            roles: &ex,
        };
        let fields = |input: FinalAnswer<'_>| match t.answer(a, input, t0()) {
            Err(Refusal::Invalid(f)) => f.into_iter().map(|f| f.field).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            fields(FinalAnswer {
                body: "",
                outcome: None,
                ..answer_input()
            }),
            ["body", "outcome"]
        );
        assert_eq!(
            fields(FinalAnswer {
                outcome: Some("will_be_solved"),
                ..answer_input()
            }),
            ["planned_on"]
        );
        assert_eq!(
            fields(FinalAnswer {
                outcome: Some("will_be_solved"),
                planned_on: Some("2026-03-01"),
                ..answer_input()
            }),
            ["planned_on"]
        );
        let done = t.answer(a, answer_input(), t0()).expect("answered");
        assert_eq!(done.after.status, S::Answered);
        assert_eq!(done.after.answers, 1);
        assert_eq!(
            done.after.reopen_until,
            Some(t0() + chrono::Duration::days(14))
        );
    }

    #[test]
    fn the_requester_reopens_within_the_window_then_rates_each_answer_once() {
        let t = ticket(S::Answered);
        let req = roles_of(REQUESTER);
        let me = Actor {
            id: REQUESTER,
            roles: &req,
        };
        let late = t0() + chrono::Duration::days(15);
        assert_eq!(
            t.reopen(me, "Не работает", late),
            Err(Refusal::Conflict("reopen_window_passed"))
        );
        assert!(!Actions::of(&req, REQUESTER, &t, late).reopen);
        let mut t = t;
        t.handling_work_seconds = Some(3600);
        let reopened = t.reopen(me, "Не работает", t0()).expect("reopened");
        assert_eq!(reopened.after.status, S::InProgress);
        // Its working time is reckoned again at the next answer.
        assert_eq!(reopened.after.handling_work_seconds, None);
        assert_eq!(reopened.after.reopen_count, 1);
        assert_eq!(reopened.after.due_at, t.due_at);
        assert_eq!(reopened.after.number, t.number);

        let rated = t.rate(me, 4, "Быстро", t0()).expect("rated");
        assert_eq!(
            rated.after.rate(me, 5, "", t0()),
            Err(Refusal::Conflict("already_rated"))
        );
        for bad in [0, 6] {
            assert!(matches!(
                t.rate(me, bad, "", t0()),
                Err(Refusal::Invalid(f)) if f[0].field == "score"
            ));
        }
        // The second answer after reopening can be rated again.
        let mut again = rated.after.clone();
        again.answers = 2;
        assert!(again.rate(me, 2, "", t0()).is_ok());
    }

    #[test]
    fn the_scheduler_closes_only_answers_past_their_window() {
        let t = ticket(S::Answered);
        assert!(t.close_unclaimed(t0()).is_err());
        let closed = t
            .close_unclaimed(t0() + chrono::Duration::days(15))
            .expect("closed");
        assert_eq!(closed.after.status, S::Closed);
        assert_eq!(closed.event.map(|e| e.kind), Some("auto_closed"));
        assert!(
            ticket(S::InProgress)
                .close_unclaimed(t0() + chrono::Duration::days(99))
                .is_err()
        );
    }
}
