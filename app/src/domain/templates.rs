//! Answer templates: a unit's typical answers with `{{placeholders}}` filled
//! from the request. Placeholders have Russian names (as a unit writes them)
//! and English aliases; anything else between double braces is unknown and
//! reported, never sent.

use serde::{Deserialize, Serialize};

/// What a template may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    Requester,
    Number,
    DueDate,
    Executor,
    Phone,
}

impl Placeholder {
    pub const ALL: [Placeholder; 5] = [
        Placeholder::Requester,
        Placeholder::Number,
        Placeholder::DueDate,
        Placeholder::Executor,
        Placeholder::Phone,
    ];

    /// The name written in templates (Russian, as the units write them).
    pub fn name(self) -> &'static str {
        match self {
            Placeholder::Requester => "заявитель",
            Placeholder::Number => "номер",
            Placeholder::DueDate => "срок",
            Placeholder::Executor => "исполнитель",
            Placeholder::Phone => "телефон",
        }
    }

    fn alias(self) -> &'static str {
        match self {
            Placeholder::Requester => "requester",
            Placeholder::Number => "number",
            Placeholder::DueDate => "due_date",
            Placeholder::Executor => "executor",
            Placeholder::Phone => "phone",
        }
    }

    /// Case and surrounding spaces do not matter.
    pub fn parse(name: &str) -> Option<Placeholder> {
        let name = name.trim().to_lowercase();
        Placeholder::ALL
            .into_iter()
            .find(|p| p.name() == name || p.alias() == name)
    }
}

/// The values a request gives the placeholders.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Values {
    pub requester: String,
    pub number: String,
    pub due_date: String,
    pub executor: String,
    pub phone: String,
}

impl Values {
    fn get(&self, p: Placeholder) -> &str {
        match p {
            Placeholder::Requester => &self.requester,
            Placeholder::Number => &self.number,
            Placeholder::DueDate => &self.due_date,
            Placeholder::Executor => &self.executor,
            Placeholder::Phone => &self.phone,
        }
    }
}

/// A template with its known placeholders filled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filled {
    pub text: String,
    /// Unknown placeholders as written (`{{…}}`), in order of first use; left in the text.
    pub unknown: Vec<String>,
}

/// Fills every known placeholder; unknown ones stay in the text and are listed.
pub fn fill(template: &str, values: &Values) -> Filled {
    let mut text = String::with_capacity(template.len());
    let mut unknown: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            break;
        };
        let inner = &rest[start + 2..start + 2 + len];
        // A newline or a nested opening means these braces are not a placeholder.
        if inner.contains('\n') || inner.contains("{{") {
            text.push_str(&rest[..start + 2]);
            rest = &rest[start + 2..];
            continue;
        }
        text.push_str(&rest[..start]);
        let whole = &rest[start..start + 4 + len];
        match Placeholder::parse(inner) {
            Some(p) => text.push_str(values.get(p)),
            None => {
                text.push_str(whole);
                if !unknown.iter().any(|u| u == whole) {
                    unknown.push(whole.to_string());
                }
            }
        }
        rest = &rest[start + 4 + len..];
    }
    text.push_str(rest);
    Filled { text, unknown }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        Values {
            requester: "Иванова Мария Петровна".into(),
            number: "IT-2025-00012".into(),
            due_date: "15.12.2025".into(),
            executor: "Смирнов Алексей".into(),
            phone: "+7 (4922) 32-15-07".into(),
        }
    }

    #[test]
    fn known_placeholders_are_filled_in_russian_and_english() {
        let f = fill(
            "{{Заявитель}}, ваше обращение {{ номер }} выполнено до {{срок}}. {{executor}}, {{phone}}",
            &values(),
        );
        assert_eq!(
            f.text,
            "Иванова Мария Петровна, ваше обращение IT-2025-00012 выполнено до 15.12.2025. Смирнов Алексей, +7 (4922) 32-15-07"
        );
        assert!(f.unknown.is_empty());
    }

    #[test]
    fn unknown_placeholders_stay_and_are_reported_once() {
        let f = fill(
            "{{должность}} и {{номер}}, снова {{должность}}, {{кабинет}}",
            &values(),
        );
        assert_eq!(
            f.text,
            "{{должность}} и IT-2025-00012, снова {{должность}}, {{кабинет}}"
        );
        assert_eq!(f.unknown, vec!["{{должность}}", "{{кабинет}}"]);
    }

    #[test]
    fn text_without_placeholders_and_stray_braces_is_kept() {
        for text in [
            "Готово.",
            "{{ не закрыто",
            "a }} b",
            "{{\n}} x",
            "{{{{номер}}",
        ] {
            let f = fill(text, &values());
            assert!(f.unknown.is_empty(), "{text}: {f:?}");
        }
        assert_eq!(fill("{{ не закрыто", &values()).text, "{{ не закрыто");
        assert_eq!(fill("{{{{номер}}", &values()).text, "{{IT-2025-00012");
    }
}
