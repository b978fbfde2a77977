//! Notices (the bell and the e-mail) worded from their kind and data in the
//! reader's language. A notice is stored as kind plus data, so wording can be
//! corrected for notices already sent and each person reads their language.

use serde_json::Value;

use super::Lang;
use crate::domain::Outcome;

/// A string field of the data, empty when missing.
fn s<'a>(data: &'a Value, key: &str) -> &'a str {
    data.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A date field (`YYYY-MM-DD`) as `DD.MM.YYYY`.
fn day(data: &Value, key: &str) -> String {
    let text = s(data, key);
    crate::domain::fields::parse_date(text)
        .map(|d| d.format("%d.%m.%Y").to_string())
        .unwrap_or_else(|| text.to_string())
}

fn n(data: &Value, key: &str) -> i64 {
    data.get(key).and_then(Value::as_i64).unwrap_or_default()
}

/// The subject and body of a notice, or `None` for a kind this version does not know.
pub fn notice(kind: &str, data: &Value, lang: Lang) -> Option<(String, String)> {
    let ru = lang == Lang::Ru;
    let num = s(data, "number");
    let subj = s(data, "subject");
    let actor = s(data, "actor");
    let text = s(data, "text");
    let reason = s(data, "reason");
    let pick = |r: String, e: String| if ru { r } else { e };
    let (subject, body) = match kind {
        "registered" => (
            pick(
                format!("Обращение {num} зарегистрировано"),
                format!("Request {num} registered"),
            ),
            pick(
                format!(
                    "Ваше обращение «{subj}» зарегистрировано под номером {num}. Срок ответа — {}. Ответит: {}.",
                    day(data, "due_on"),
                    s(data, "unit_name")
                ),
                format!(
                    "Your request “{subj}” is registered as {num}. The answer is due by {}. It will be answered by: {}.",
                    day(data, "due_on"),
                    s(data, "unit_name")
                ),
            ),
        ),
        "new_request" => (
            pick(
                format!("Новое обращение {num}"),
                format!("New request {num}"),
            ),
            pick(
                format!(
                    "В очередь подразделения поступило обращение {num} «{subj}» от {actor}. Срок ответа — {}.",
                    day(data, "due_on")
                ),
                format!(
                    "Request {num} “{subj}” from {actor} has arrived in the unit's queue. The answer is due by {}.",
                    day(data, "due_on")
                ),
            ),
        ),
        "taken" => (
            pick(
                format!("Обращение {num} взято в работу"),
                format!("Request {num} is being worked on"),
            ),
            pick(
                format!(
                    "Ваше обращение {num} «{subj}» взято в работу. Исполнитель: {}.",
                    s(data, "assignee")
                ),
                format!(
                    "Your request {num} “{subj}” is being worked on. Executor: {}.",
                    s(data, "assignee")
                ),
            ),
        ),
        "assigned_to_you" => (
            pick(
                format!("Вам назначено обращение {num}"),
                format!("Request {num} is assigned to you"),
            ),
            pick(
                format!("{actor} назначил(а) вам обращение {num} «{subj}»."),
                format!("{actor} assigned request {num} “{subj}” to you."),
            ),
        ),
        "reply" => (
            pick(
                format!("Промежуточный ответ по обращению {num}"),
                format!("Interim reply on request {num}"),
            ),
            pick(
                format!("{actor} ответил(а) по обращению {num}:\n\n{text}"),
                format!("{actor} replied on request {num}:\n\n{text}"),
            ),
        ),
        "question" => (
            pick(
                format!("Вопрос по обращению {num}"),
                format!("A question on request {num}"),
            ),
            pick(
                format!(
                    "По обращению {num} исполнитель просит уточнить:\n\n{text}\n\nОтветьте на странице обращения."
                ),
                format!(
                    "The executor of request {num} asks:\n\n{text}\n\nPlease answer on the request page."
                ),
            ),
        ),
        "requester_replied" => (
            pick(
                format!("Заявитель ответил по обращению {num}"),
                format!("The requester wrote on request {num}"),
            ),
            pick(
                format!("{actor} написал(а) по обращению {num} «{subj}»:\n\n{text}"),
                format!("{actor} wrote on request {num} “{subj}”:\n\n{text}"),
            ),
        ),
        "answered" => {
            let outcome = Outcome::parse(s(data, "outcome"))
                .map(|o| super::outcome(o, lang))
                .unwrap_or_default();
            (
                pick(
                    format!("Ответ на обращение {num}"),
                    format!("Answer to request {num}"),
                ),
                pick(
                    format!(
                        "На обращение {num} дан ответ ({outcome}).\n\n{text}\n\nЕсли вопрос решён, подтвердите это и оцените ответ на странице обращения; если нет — верните обращение в работу в течение 10 рабочих дней."
                    ),
                    format!(
                        "Request {num} has been answered ({outcome}).\n\n{text}\n\nIf this settles it, please confirm and rate the answer on the request page; if not, reopen the request within 10 working days."
                    ),
                ),
            )
        }
        "extended" => (
            pick(
                format!("Срок ответа по обращению {num} продлён"),
                format!("The term of request {num} is extended"),
            ),
            pick(
                format!(
                    "Срок ответа по обращению {num} продлён на {} дн., до {}. Причина: {reason}",
                    n(data, "days"),
                    day(data, "due_on")
                ),
                format!(
                    "The term of request {num} is extended by {} days, to {}. Reason: {reason}",
                    n(data, "days"),
                    day(data, "due_on")
                ),
            ),
        ),
        "extension_asked" => (
            pick(
                format!("Просьба продлить срок по обращению {num}"),
                format!("Extension asked for request {num}"),
            ),
            pick(
                format!(
                    "{actor} просит продлить срок ответа по обращению {num} «{subj}» на {} дн. Причина: {reason}",
                    n(data, "days")
                ),
                format!(
                    "{actor} asks to extend the term of request {num} “{subj}” by {} days. Reason: {reason}",
                    n(data, "days")
                ),
            ),
        ),
        "extension_approved" => (
            pick(
                format!("Продление срока по обращению {num} одобрено"),
                format!("Extension of request {num} approved"),
            ),
            pick(
                format!(
                    "{actor} продлил(а) срок ответа по обращению {num} на {} дн.",
                    n(data, "days")
                ),
                format!(
                    "{actor} extended the term of request {num} by {} days.",
                    n(data, "days")
                ),
            ),
        ),
        "extension_refused" => (
            pick(
                format!("В продлении срока по обращению {num} отказано"),
                format!("Extension of request {num} refused"),
            ),
            pick(
                format!(
                    "{actor} отказал(а) в продлении срока по обращению {num}. Причина: {reason}"
                ),
                format!("{actor} refused to extend the term of request {num}. Reason: {reason}"),
            ),
        ),
        "transferred" => (
            pick(
                format!("Обращение {num} передано в другое подразделение"),
                format!("Request {num} is handed to another unit"),
            ),
            pick(
                format!(
                    "Обращение {num} передано для ответа: {}. Причина: {reason}. Номер и срок ответа не меняются.",
                    s(data, "unit_name")
                ),
                format!(
                    "Request {num} is handed for an answer to: {}. Reason: {reason}. The number and the due date stay the same.",
                    s(data, "unit_name")
                ),
            ),
        ),
        "transferred_in" => (
            pick(
                format!("Передано обращение {num}"),
                format!("Request {num} handed to your unit"),
            ),
            pick(
                format!(
                    "В очередь подразделения передано обращение {num} «{subj}». Причина: {reason}"
                ),
                format!("Request {num} “{subj}” was handed to your unit's queue. Reason: {reason}"),
            ),
        ),
        "reopened" => (
            pick(
                format!("Обращение {num} возвращено в работу"),
                format!("Request {num} is reopened"),
            ),
            pick(
                format!("{actor} вернул(а) обращение {num} «{subj}» в работу. Причина: {reason}"),
                format!("{actor} reopened request {num} “{subj}”. Reason: {reason}"),
            ),
        ),
        "confirmed" => (
            pick(
                format!("Заявитель подтвердил решение по обращению {num}"),
                format!("The requester confirmed request {num} is settled"),
            ),
            pick(
                format!(
                    "{actor} подтвердил(а), что ответ по обращению {num} «{subj}» решает вопрос. Обращение закрыто."
                ),
                format!(
                    "{actor} confirmed that the answer to request {num} “{subj}” settles it. The request is closed."
                ),
            ),
        ),
        "closed" => (
            pick(
                format!("Обращение {num} снято с контроля"),
                format!("Request {num} is closed"),
            ),
            pick(
                format!("Обращение {num} «{subj}» снято с контроля и закрыто."),
                format!("Request {num} “{subj}” is taken off control and closed."),
            ),
        ),
        "auto_closed" => (
            pick(
                format!("Обращение {num} закрыто"),
                format!("Request {num} is closed"),
            ),
            pick(
                format!(
                    "Обращение {num} «{subj}» закрыто: за 10 рабочих дней после ответа его не вернули в работу."
                ),
                format!(
                    "Request {num} “{subj}” is closed: nobody reopened it within 10 working days of the answer."
                ),
            ),
        ),
        "overdue" => (
            pick(
                format!("Просрочено обращение {num}"),
                format!("Request {num} is overdue"),
            ),
            pick(
                format!(
                    "Истёк срок ответа по обращению {num} «{subj}» ({}). Ответ не дан, срок не продлён.",
                    s(data, "due")
                ),
                format!(
                    "The term of request {num} “{subj}” has passed ({}). No answer has been given and the term was not extended.",
                    s(data, "due")
                ),
            ),
        ),
        _ => return None,
    };
    Some((subject, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KINDS: &[&str] = &[
        "registered",
        "new_request",
        "taken",
        "assigned_to_you",
        "reply",
        "question",
        "requester_replied",
        "answered",
        "extended",
        "extension_asked",
        "extension_approved",
        "extension_refused",
        "transferred",
        "transferred_in",
        "reopened",
        "confirmed",
        "closed",
        "auto_closed",
        "overdue",
    ];

    #[test]
    fn every_kind_is_worded_in_both_languages_with_the_number() {
        let data = json!({ "number": "IT-2026-000007", "subject": "Принтер", "days": 5, "due_on": "2026-04-01" });
        for kind in KINDS {
            let (ru_subject, ru_body) = notice(kind, &data, Lang::Ru).expect(kind);
            let (en_subject, en_body) = notice(kind, &data, Lang::En).expect(kind);
            assert!(ru_subject.contains("IT-2026-000007"), "{kind}");
            assert!(en_subject.contains("IT-2026-000007"), "{kind}");
            assert!(ru_body.contains("IT-2026-000007"), "{kind}");
            assert_ne!(ru_body, en_body, "{kind}");
            assert!(
                !en_body.chars().any(|c| ('а'..='я').contains(&c)) || en_body.contains("Принтер"),
                "{kind}: {en_body}"
            );
        }
        assert_eq!(notice("weather", &data, Lang::Ru), None);
    }

    #[test]
    fn dates_and_names_come_from_the_data() {
        let data = json!({ "number": "IT-2026-000007", "days": 10, "due_on": "2026-04-13", "reason": "Поставка" });
        let (_, body) = notice("extended", &data, Lang::Ru).expect("extended");
        assert_eq!(
            body,
            "Срок ответа по обращению IT-2026-000007 продлён на 10 дн., до 13.04.2026. Причина: Поставка"
        );
        let (_, body) = notice(
            "taken",
            &json!({ "number": "X", "subject": "s", "assignee": "Смирнов Пётр" }),
            Lang::En,
        )
        .expect("taken");
        assert!(body.ends_with("Executor: Смирнов Пётр."), "{body}");
    }
}
