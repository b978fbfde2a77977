//! Request kinds as data: the fields each kind asks for, how a kind is
//! routed to a unit, and validation of what an employee submitted.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Longest subject line, in characters.
pub const SUBJECT_MAX: usize = 200;
/// Longest description or reply body, in characters.
pub const BODY_MAX: usize = 10_000;
/// Most catalogue lines in one supplies request.
pub const ITEMS_MAX: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Textarea,
    Date,
    Number,
    Select,
    Items,
}

/// A choice of a `select` field or a catalogue item of an `items` field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldOption {
    pub code: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
}

/// One field of a request kind, enough for any client to build the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    pub code: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<FieldOption>,
    /// Anchored regular expression the whole text must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// A plain-language hint shown under the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint_en: Option<String>,
}

/// Routing of a kind whose unit depends on an answer (the "other question").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Routing {
    pub field: String,
    /// Option code of `field` → unit code.
    pub units: BTreeMap<String, String>,
}

/// A request kind of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindSpec {
    pub code: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    /// The responsible unit, unless `routing` decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<Routing>,
    pub fields: Vec<FieldSpec>,
}

/// Why a value was refused; the UI words it in the user's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum FieldErrorCode {
    Required,
    TooLong {
        max: usize,
    },
    Pattern,
    NotANumber,
    BelowMin {
        min: f64,
    },
    AboveMax {
        max: f64,
    },
    InvalidDate,
    UnknownOption,
    EmptyList,
    /// Nothing was checked in a list of choices (the queue's rows).
    NoneChecked,
    TooManyItems {
        max: usize,
    },
    InvalidQuantity,
    UnknownField,
    UnknownKind,
    NotAllowed,
    /// A `{{…}}` an answer template does not know.
    UnknownPlaceholder {
        name: String,
    },
    /// The end of a period is before its start.
    EndBeforeStart,
    /// A period longer than allowed.
    PeriodTooLong {
        max_days: i64,
    },
    /// A file larger than the configured limit.
    FileTooLarge {
        name: String,
        max_bytes: u64,
    },
    /// A file whose content is not one of the accepted types.
    FileType {
        name: String,
    },
    /// More files than one message may carry.
    TooManyFiles {
        max: usize,
    },
    /// A value given twice where it must be given once.
    Duplicate {
        value: String,
    },
    /// A file that does not follow its format, first wrong at this line.
    FileLine {
        line: usize,
    },
    /// Nobody in the directory goes by the name or login typed.
    NoSuchPerson,
    /// Several people go by what was typed: «Name (login)» each.
    SeveralPeople {
        names: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    #[serde(flatten)]
    pub code: FieldErrorCode,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: FieldErrorCode) -> Self {
        FieldError {
            field: field.into(),
            code,
        }
    }
}

/// The subject and description of a request, checked.
pub fn validate_text(
    field: &str,
    value: &str,
    required: bool,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let trimmed = value.trim();
    if required && trimmed.is_empty() {
        errors.push(FieldError::new(field, FieldErrorCode::Required));
    } else if trimmed.chars().count() > max {
        errors.push(FieldError::new(field, FieldErrorCode::TooLong { max }));
    }
    trimmed.to_string()
}

impl KindSpec {
    /// The unit a request of this kind goes to, given its checked fields.
    pub fn unit_for(&self, fields: &Map<String, Value>) -> Option<String> {
        if let Some(routing) = &self.routing {
            let choice = fields.get(&routing.field).and_then(Value::as_str)?;
            return routing.units.get(choice).cloned();
        }
        self.unit.clone()
    }

    /// Checks submitted field values against the kind and returns them
    /// normalised (trimmed text, ISO dates, numbers as numbers).
    pub fn validate(
        &self,
        input: &Map<String, Value>,
    ) -> Result<Map<String, Value>, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut out = Map::new();
        for key in input.keys() {
            if !self.fields.iter().any(|f| &f.code == key) {
                errors.push(FieldError::new(key.clone(), FieldErrorCode::UnknownField));
            }
        }
        for field in &self.fields {
            match field.check(input.get(&field.code)) {
                Ok(Some(value)) => {
                    out.insert(field.code.clone(), value);
                }
                Ok(None) => {}
                Err(code) => errors.push(FieldError::new(field.code.clone(), code)),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

fn is_blank(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

/// Parses a decimal the way people type it: `1 234,56` or `1234.56`.
pub fn parse_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let cleaned: String = s
                .trim()
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
                .map(|c| if c == ',' { '.' } else { c })
                .collect();
            cleaned.parse::<f64>().ok().filter(|n| n.is_finite())
        }
        _ => None,
    }
}

/// Accepts `YYYY-MM-DD` (what date inputs send) and `DD.MM.YYYY` (what people type).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d.%m.%Y"))
        .ok()
}

fn matches_pattern(pattern: &str, text: &str) -> bool {
    regex_lite::Regex::new(&format!("^(?:{pattern})$"))
        .map(|re| re.is_match(text))
        .unwrap_or(false)
}

impl FieldSpec {
    fn check(&self, value: Option<&Value>) -> Result<Option<Value>, FieldErrorCode> {
        if is_blank(value) {
            return if self.required {
                Err(FieldErrorCode::Required)
            } else {
                Ok(None)
            };
        }
        let Some(value) = value else { return Ok(None) };
        match self.field_type {
            FieldType::Text | FieldType::Textarea => {
                let text = value
                    .as_str()
                    .ok_or(FieldErrorCode::Pattern)?
                    .trim()
                    .to_string();
                let max = self
                    .max_length
                    .unwrap_or(if self.field_type == FieldType::Text {
                        SUBJECT_MAX
                    } else {
                        BODY_MAX
                    });
                if text.chars().count() > max {
                    return Err(FieldErrorCode::TooLong { max });
                }
                if let Some(p) = &self.pattern
                    && !matches_pattern(p, &text)
                {
                    return Err(FieldErrorCode::Pattern);
                }
                Ok(Some(Value::String(text)))
            }
            FieldType::Date => {
                let date = value
                    .as_str()
                    .and_then(parse_date)
                    .ok_or(FieldErrorCode::InvalidDate)?;
                Ok(Some(Value::String(date.format("%Y-%m-%d").to_string())))
            }
            FieldType::Number => {
                let n = parse_number(value).ok_or(FieldErrorCode::NotANumber)?;
                self.check_range(n)?;
                Ok(Some(serde_json::json!(n)))
            }
            FieldType::Select => {
                let choice = value
                    .as_str()
                    .map(str::trim)
                    .ok_or(FieldErrorCode::UnknownOption)?;
                if self.options.iter().any(|o| o.code == choice) {
                    Ok(Some(Value::String(choice.to_string())))
                } else {
                    Err(FieldErrorCode::UnknownOption)
                }
            }
            FieldType::Items => self.check_items(value).map(Some),
        }
    }

    fn check_range(&self, n: f64) -> Result<(), FieldErrorCode> {
        if let Some(min) = self.min
            && n < min
        {
            return Err(FieldErrorCode::BelowMin { min });
        }
        if let Some(max) = self.max
            && n > max
        {
            return Err(FieldErrorCode::AboveMax { max });
        }
        Ok(())
    }

    fn check_items(&self, value: &Value) -> Result<Value, FieldErrorCode> {
        let lines = value.as_array().ok_or(FieldErrorCode::EmptyList)?;
        let mut merged: Vec<(String, i64)> = Vec::new();
        for line in lines {
            let item = line
                .get("item")
                .and_then(Value::as_str)
                .map(str::trim)
                .unwrap_or("");
            let quantity = line.get("quantity");
            // A blank line of the form (no item, no quantity) is ignored.
            if item.is_empty() && is_blank(quantity) {
                continue;
            }
            if !self.options.iter().any(|o| o.code == item) {
                return Err(FieldErrorCode::UnknownOption);
            }
            let q = quantity
                .and_then(parse_number)
                .ok_or(FieldErrorCode::InvalidQuantity)?;
            if q.fract() != 0.0 {
                return Err(FieldErrorCode::InvalidQuantity);
            }
            self.check_range(q)?;
            // Saturating float → integer cast; the range check above bounds it.
            let q = q as i64;
            match merged.iter_mut().find(|(i, _)| i == item) {
                Some((_, total)) => {
                    *total += q;
                    self.check_range(*total as f64)?;
                }
                None => merged.push((item.to_string(), q)),
            }
        }
        if merged.is_empty() {
            return Err(FieldErrorCode::EmptyList);
        }
        if merged.len() > ITEMS_MAX {
            return Err(FieldErrorCode::TooManyItems { max: ITEMS_MAX });
        }
        Ok(Value::Array(
            merged
                .into_iter()
                .map(|(item, quantity)| serde_json::json!({ "item": item, "quantity": quantity }))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payment_kind() -> KindSpec {
        serde_json::from_value(json!({
            "code": "payment_clarification", "title": "Уточнение платежа", "unit": "BUH",
            "fields": [
                {"code": "kbk", "label": "КБК", "type": "text", "required": true,
                 "pattern": "[0-9A-ZА-Я]{20}"},
                {"code": "amount", "label": "Сумма", "type": "number", "required": true, "min": 0.01},
                {"code": "order_date", "label": "Дата", "type": "date", "required": true},
                {"code": "what", "label": "Что уточнить", "type": "select", "required": false,
                 "options": [{"code": "payer", "label": "Плательщик"}]}
            ]
        }))
        .expect("kind")
    }

    fn fields(v: Value) -> Map<String, Value> {
        v.as_object().cloned().expect("object")
    }

    #[test]
    fn a_kbk_must_be_exactly_twenty_characters() {
        let kind = payment_kind();
        let base = json!({"amount": "100", "order_date": "2026-03-01"});
        for (kbk, ok) in [
            ("18210102010011000110", true),
            ("1821010201001100011", false),
            ("182101020100110001100", false),
            ("1821010201001100011x", false),
        ] {
            let mut input = fields(base.clone());
            input.insert("kbk".into(), json!(kbk));
            let result = kind.validate(&input);
            assert_eq!(result.is_ok(), ok, "{kbk}: {result:?}");
            if !ok {
                assert_eq!(
                    result.expect_err("invalid"),
                    vec![FieldError::new("kbk", FieldErrorCode::Pattern)]
                );
            }
        }
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let kind = payment_kind();
        let errors = kind
            .validate(&fields(
                json!({"amount": "ноль", "order_date": "31.02.2026", "what": "x", "extra": 1}),
            ))
            .expect_err("invalid");
        let codes: Vec<(&str, &FieldErrorCode)> =
            errors.iter().map(|e| (e.field.as_str(), &e.code)).collect();
        assert_eq!(
            codes,
            vec![
                ("extra", &FieldErrorCode::UnknownField),
                ("kbk", &FieldErrorCode::Required),
                ("amount", &FieldErrorCode::NotANumber),
                ("order_date", &FieldErrorCode::InvalidDate),
                ("what", &FieldErrorCode::UnknownOption),
            ]
        );
    }

    #[test]
    fn numbers_and_dates_are_normalised() {
        let kind = payment_kind();
        let out = kind
            .validate(&fields(json!({"kbk": "18210102010011000110", "amount": "1 234,50", "order_date": "05.03.2026"})))
            .expect("valid");
        assert_eq!(out["amount"], json!(1234.5));
        assert_eq!(out["order_date"], json!("2026-03-05"));
        assert!(
            kind.validate(&fields(
                json!({"kbk": "18210102010011000110", "amount": 0, "order_date": "2026-03-05"})
            ))
            .is_err()
        );
    }

    fn supplies_kind() -> KindSpec {
        serde_json::from_value(json!({
            "code": "supplies", "title": "Канцелярия", "unit": "AHO",
            "fields": [{"code": "items", "label": "Позиции", "type": "items", "required": true, "min": 1, "max": 100,
                        "options": [{"code": "paper_a4", "label": "Бумага"}, {"code": "pen", "label": "Ручка"}]}]
        }))
        .expect("kind")
    }

    #[test]
    fn supplies_lines_are_checked_merged_and_blank_lines_dropped() {
        let kind = supplies_kind();
        let out = kind
            .validate(&fields(json!({"items": [
                {"item": "paper_a4", "quantity": "2"}, {"item": "", "quantity": ""},
                {"item": "paper_a4", "quantity": 3}, {"item": "pen", "quantity": 1}]})))
            .expect("valid");
        assert_eq!(
            out["items"],
            json!([{"item": "paper_a4", "quantity": 5}, {"item": "pen", "quantity": 1}])
        );
        for (lines, code) in [
            (json!([]), FieldErrorCode::Required),
            (
                json!([{"item": "", "quantity": ""}]),
                FieldErrorCode::EmptyList,
            ),
            (
                json!([{"item": "toner", "quantity": 1}]),
                FieldErrorCode::UnknownOption,
            ),
            (
                json!([{"item": "pen", "quantity": 0}]),
                FieldErrorCode::BelowMin { min: 1.0 },
            ),
            (
                json!([{"item": "pen", "quantity": 1.5}]),
                FieldErrorCode::InvalidQuantity,
            ),
            (
                json!([{"item": "pen", "quantity": 60}, {"item": "pen", "quantity": 60}]),
                FieldErrorCode::AboveMax { max: 100.0 },
            ),
        ] {
            let errors = kind
                .validate(&fields(json!({ "items": lines })))
                .expect_err("invalid");
            assert_eq!(errors, vec![FieldError::new("items", code)]);
        }
    }

    #[test]
    fn the_other_question_is_routed_by_its_topic() {
        let kind: KindSpec = serde_json::from_value(json!({
            "code": "other", "title": "Другой вопрос",
            "routing": {"field": "topic", "units": {"computers": "IT", "payments": "BUH"}},
            "fields": [{"code": "topic", "label": "Тема", "type": "select", "required": true,
                        "options": [{"code": "computers", "label": "Компьютеры"}, {"code": "payments", "label": "Выплаты"}]}]
        }))
        .expect("kind");
        let checked = kind
            .validate(&fields(json!({"topic": "payments"})))
            .expect("valid");
        assert_eq!(kind.unit_for(&checked).as_deref(), Some("BUH"));
        assert_eq!(kind.unit_for(&Map::new()), None);
    }

    #[test]
    fn subject_text_is_trimmed_and_bounded() {
        let mut errors = Vec::new();
        assert_eq!(
            validate_text("subject", "  Ключ ЭП ", true, SUBJECT_MAX, &mut errors),
            "Ключ ЭП"
        );
        validate_text("subject", "   ", true, SUBJECT_MAX, &mut errors);
        validate_text("subject", &"я".repeat(201), true, SUBJECT_MAX, &mut errors);
        assert_eq!(
            errors,
            vec![
                FieldError::new("subject", FieldErrorCode::Required),
                FieldError::new("subject", FieldErrorCode::TooLong { max: SUBJECT_MAX }),
            ]
        );
    }
}
