//! The words a request is found by in the queues.
//!
//! Its number, subject, description and requester's name are cut into words,
//! lower-cased, «ё» written as «е», and each word cut to its stem by the
//! Russian Snowball stemmer the knowledge base search uses, so «Принтер»,
//! «принтера» and «принтеры» are one word, and so are «картридж» and
//! «картриджи». The stems are kept in `tickets.search_text`, separated and
//! surrounded by spaces. A query word, stemmed the same way, matches the
//! start of a stored word (`LIKE '% stem%'`): the same plain SQL on SQLite
//! and PostgreSQL, and a word typed in part («карт») still finds it.
//!
//! The stored words are derived data: rows that have none (older rows, rows
//! written by tools) are filled after migrating, by [`fill_search_text`].

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};

use crate::server::entity::{ticket, user};
use crate::server::search::normalise;

/// A query's words beyond this many are ignored.
pub const QUERY_WORDS_MAX: usize = 8;

/// Rows filled per transaction by [`fill_search_text`].
const FILL_PAGE: u64 = 500;

/// The stems of `text` in order of first appearance, each once. Words are
/// runs of letters and digits, so a stem never holds a `LIKE` wildcard.
fn stems(text: &str, without_stop_words: bool) -> Vec<String> {
    // 80 bytes: 40 Cyrillic letters; longer runs are codes or pasted noise.
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(80))
        .filter(LowerCaser);
    let stop = without_stop_words
        .then(|| StopWordFilter::new(Language::Russian))
        .flatten();
    let mut analyzer = match stop {
        Some(stop) => builder
            .filter(stop)
            .filter(Stemmer::new(Language::Russian))
            .build(),
        None => builder.filter(Stemmer::new(Language::Russian)).build(),
    };
    let text = normalise(text);
    let mut stream = analyzer.token_stream(&text);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    while stream.advance() {
        let word = &stream.token().text;
        if seen.insert(word.clone()) {
            out.push(word.clone());
        }
    }
    out
}

/// What `tickets.search_text` holds for a request: ` stem stem … `.
pub fn search_text(number: &str, subject: &str, description: &str, requester: &str) -> String {
    let words = stems(
        &format!("{number}\n{subject}\n{description}\n{requester}"),
        false,
    );
    format!(" {} ", words.join(" "))
}

/// The stems a query looks for, all of which must match. Stop words («не»,
/// «в», «для») are left out unless the query has nothing else.
pub fn query_words(query: &str) -> Vec<String> {
    let mut words = stems(query, true);
    if words.is_empty() {
        words = stems(query, false);
    }
    words.truncate(QUERY_WORDS_MAX);
    words
}

/// The `LIKE` pattern of one query word: the start of a stored word.
pub fn word_pattern(stem: &str) -> String {
    format!("% {stem}%")
}

/// Computes the words of every request that has none, a page at a time;
/// returns how many were filled. Safe to run on several instances at once:
/// they write the same words.
pub async fn fill_search_text(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let mut filled = 0;
    loop {
        let rows = ticket::Entity::find()
            .select_only()
            .columns([
                ticket::Column::Id,
                ticket::Column::Number,
                ticket::Column::Subject,
                ticket::Column::Description,
                ticket::Column::RequesterId,
            ])
            .filter(ticket::Column::SearchText.is_null())
            .order_by_asc(ticket::Column::Id)
            .limit(FILL_PAGE)
            .into_tuple::<(i64, String, String, String, i64)>()
            .all(db)
            .await?;
        if rows.is_empty() {
            return Ok(filled);
        }
        let requesters: HashSet<i64> = rows.iter().map(|r| r.4).collect();
        let names: HashMap<i64, String> = user::Entity::find()
            .select_only()
            .columns([user::Column::Id, user::Column::FullName])
            .filter(user::Column::Id.is_in(requesters))
            .into_tuple::<(i64, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let txn = db.begin().await?;
        for (id, number, subject, description, requester) in &rows {
            let name = names.get(requester).map(String::as_str).unwrap_or_default();
            ticket::Entity::update_many()
                .col_expr(
                    ticket::Column::SearchText,
                    Expr::value(search_text(number, subject, description, name)),
                )
                .filter(ticket::Column::Id.eq(*id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        filled += rows.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(text: &str, query: &str) -> bool {
        query_words(query)
            .iter()
            .all(|w| text.contains(&format!(" {w}")))
    }

    #[test]
    fn stored_words_are_stems_of_every_part_each_once() {
        let text = search_text(
            "IT-2026-000123",
            "Принтер не печатает",
            "Принтер в 305 кабинете, картриджи новые",
            "Иванова Анна Сергеевна",
        );
        assert_eq!(
            text,
            " it 2026 000123 принтер не печата в 305 кабинет картридж нов иванов ан сергеевн "
        );
    }

    #[test]
    fn russian_word_forms_find_each_other() {
        let text = search_text(
            "IT-2026-000001",
            "Принтер не печатает",
            "Нужен картридж. Ещё вопрос.",
            "Иванова Анна Сергеевна",
        );
        for (query, found) in [
            ("принтера", true),
            ("ПРИНТЕРЫ", true),
            ("картриджи", true),
            ("картриджей для принтеров", true),
            ("Ивановой", true),
            ("еще", true),
            ("карт", true),
            ("не печатает", true),
            ("сканер", false),
            ("принтер сканер", false),
            ("тер", false),
        ] {
            assert_eq!(matches(&text, query), found, "{query}");
        }
    }

    #[test]
    fn stop_words_count_only_when_a_query_has_nothing_else() {
        assert_eq!(query_words("не печатает"), ["печата"]);
        assert_eq!(query_words("не"), ["не"]);
        assert!(query_words(" — … ").is_empty());
        assert_eq!(query_words("a b c d e f g h i j").len(), QUERY_WORDS_MAX);
    }
}
