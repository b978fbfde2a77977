//! A request ("обращение"): its form, channel, status and registration number.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The English snake_case code used in JSON and storage.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum!(
    /// Written requests are answered in writing within the term; oral ones the same day.
    RequestForm { Written => "written", Oral => "oral" }
);

code_enum!(
    /// The touchpoint a request came through.
    Channel {
        Portal => "portal",
        Phone => "phone",
        InPerson => "in_person",
        Email => "email",
        Sed => "sed",
        Memo => "memo",
    }
);

code_enum!(
    Status {
        Registered => "registered",
        InProgress => "in_progress",
        AwaitingRequester => "awaiting_requester",
        Answered => "answered",
        Closed => "closed",
    }
);

code_enum!(
    /// What the final answer tells the requester.
    Outcome {
        Solved => "solved",
        WillBeSolved => "will_be_solved",
        SolvableNoDate => "solvable_no_date",
        CannotBeSolved => "cannot_be_solved",
    }
);

/// Transfers between units a request may have.
pub const TRANSFERS_MAX: u32 = 2;

impl Channel {
    /// The form a request taken through this channel has unless said otherwise.
    pub fn default_form(self) -> RequestForm {
        match self {
            Channel::Phone | Channel::InPerson => RequestForm::Oral,
            _ => RequestForm::Written,
        }
    }
}

impl Status {
    /// Open requests are in some unit's queue.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Answered | Status::Closed)
    }

    /// Taking a request into work is possible while it is open.
    pub fn can_take(self) -> bool {
        self.is_open()
    }

    /// The status after a public reply: staff replying to a new request starts
    /// work on it; the requester answering a question returns it to work.
    /// Neither closes a request.
    pub fn after_public_reply(self, by_staff: bool) -> Status {
        match (self, by_staff) {
            (Status::Registered, true) => Status::InProgress,
            (Status::AwaitingRequester, false) => Status::InProgress,
            (other, _) => other,
        }
    }
}

/// Registration number: unit code, year and a sequence within both, `IT-2026-000042`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketNumber {
    pub unit: String,
    pub year: i32,
    pub sequence: u32,
}

impl TicketNumber {
    /// Reads a number as people type it: any letter case, and the sequence
    /// with or without its leading zeros (`it-2026-123` is `IT-2026-000123`).
    pub fn parse(text: &str) -> Option<TicketNumber> {
        let mut parts = text.trim().split('-');
        let (unit, year, sequence) = (parts.next()?, parts.next()?, parts.next()?);
        let digits = |s: &str, max: usize| {
            !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
        };
        let unit_ok = !unit.is_empty() && unit.chars().count() <= 16;
        if parts.next().is_some()
            || !unit_ok
            || !unit.chars().all(char::is_alphabetic)
            || year.len() != 4
            || !digits(year, 4)
            || !digits(sequence, 9)
        {
            return None;
        }
        Some(TicketNumber {
            unit: unit.to_uppercase(),
            year: year.parse().ok()?,
            sequence: sequence.parse().ok()?,
        })
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:06}", self.unit, self.year, self.sequence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_carry_unit_year_and_a_six_digit_sequence() {
        let n = TicketNumber {
            unit: "IT".into(),
            year: 2026,
            sequence: 42,
        };
        assert_eq!(n.to_string(), "IT-2026-000042");
        let n = TicketNumber {
            unit: "BUH".into(),
            year: 2027,
            sequence: 1_234_567,
        };
        assert_eq!(n.to_string(), "BUH-2027-1234567");
    }

    #[test]
    fn numbers_are_read_in_any_case_and_with_or_without_leading_zeros() {
        let it = |s| TicketNumber {
            unit: "IT".into(),
            year: 2026,
            sequence: s,
        };
        for (text, expected) in [
            ("IT-2026-000123", Some(it(123))),
            ("  it-2026-000123 ", Some(it(123))),
            ("It-2026-123", Some(it(123))),
            (
                "аХо-2026-000007",
                Some(TicketNumber {
                    unit: "АХО".into(),
                    year: 2026,
                    sequence: 7,
                }),
            ),
            ("IT-2026", None),
            ("IT-26-000123", None),
            ("IT-2026-000123-1", None),
            ("IT-2026-", None),
            ("I1-2026-000123", None),
            ("-2026-000123", None),
            ("принтер", None),
            ("IT-2026-0000000001", None),
        ] {
            assert_eq!(TicketNumber::parse(text), expected, "{text}");
        }
        assert_eq!(
            TicketNumber::parse("it-2026-42").map(|n| n.to_string()),
            Some("IT-2026-000042".into())
        );
    }

    #[test]
    fn codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(*s));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.code()), Some(*c));
        }
        assert_eq!(Channel::parse("fax"), None);
        assert_eq!(
            serde_json::to_string(&Channel::InPerson).ok().as_deref(),
            Some("\"in_person\"")
        );
    }

    #[test]
    fn replies_never_close_a_request() {
        assert_eq!(
            Status::Registered.after_public_reply(true),
            Status::InProgress
        );
        assert_eq!(
            Status::Registered.after_public_reply(false),
            Status::Registered
        );
        assert_eq!(
            Status::AwaitingRequester.after_public_reply(false),
            Status::InProgress
        );
        for s in Status::ALL {
            let next = s.after_public_reply(true);
            assert!(next == *s || next.is_open(), "{s:?} -> {next:?}");
        }
    }

    #[test]
    fn phone_and_visits_are_oral_by_default() {
        assert_eq!(Channel::Phone.default_form(), RequestForm::Oral);
        assert_eq!(Channel::InPerson.default_form(), RequestForm::Oral);
        assert_eq!(Channel::Portal.default_form(), RequestForm::Written);
        assert_eq!(Channel::Sed.default_form(), RequestForm::Written);
    }
}
