//! Full-text search of the knowledge base with tantivy: Russian morphology
//! (Snowball stemmer, stop words, «ё» as «е»), titles ranked above tags and
//! body, highlighted snippets, and a typo-tolerant retry for words the index
//! does not know. The index lives in memory and is rebuilt from the database.

use std::sync::Mutex;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, STORED, Schema, TantivyDocument, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term, doc};

const ANALYZER: &str = "ru_stem";
const TITLE_BOOST: f32 = 3.0;
const TAGS_BOOST: f32 = 2.0;
const WRITER_HEAP: usize = 50_000_000;

/// What the index keeps of a published article.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexDoc {
    pub id: i64,
    pub title: String,
    pub section: String,
    pub tags: String,
    /// Plain text of the body (Markdown stripped).
    pub text: String,
}

/// One result, best first.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hit {
    pub id: i64,
    pub title: String,
    pub section: String,
    /// Escaped text with matches in `<mark>`.
    pub snippet: String,
    pub score: f32,
}

#[derive(Debug, thiserror::Error)]
#[error("search index: {0}")]
pub struct SearchError(String);

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        SearchError(e.to_string())
    }
}

struct Fields {
    id: Field,
    title: Field,
    section: Field,
    tags: Field,
    text: Field,
}

pub struct KbIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
}

/// Lower case and «ё» → «е», so that «ещё» finds «еще».
pub fn normalise(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ё' => 'е',
            'Ё' => 'Е',
            other => other,
        })
        .collect()
}

/// A token filter writing «ё» as «е» (after lower-casing), so the stored
/// text keeps its «ё» for display while «платеж» and «платёж» are one word.
#[derive(Clone)]
struct YoAsYe;

impl TokenFilter for YoAsYe {
    type Tokenizer<T: Tokenizer> = YoAsYeFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> YoAsYeFilter<T> {
        YoAsYeFilter(tokenizer)
    }
}

#[derive(Clone)]
struct YoAsYeFilter<T>(T);

impl<T: Tokenizer> Tokenizer for YoAsYeFilter<T> {
    type TokenStream<'a> = YoAsYeStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        YoAsYeStream(self.0.token_stream(text))
    }
}

struct YoAsYeStream<S>(S);

impl<S: TokenStream> TokenStream for YoAsYeStream<S> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        let token = self.0.token_mut();
        if token.text.contains('ё') {
            token.text = normalise(&token.text);
        }
        true
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

fn analyzer() -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(YoAsYe);
    match StopWordFilter::new(Language::Russian) {
        Some(stop) => builder
            .filter(stop)
            .filter(Stemmer::new(Language::Russian))
            .build(),
        None => builder.filter(Stemmer::new(Language::Russian)).build(),
    }
}

impl KbIndex {
    pub fn new() -> Result<KbIndex, SearchError> {
        let mut schema = Schema::builder();
        let indexed = TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let text = TextOptions::default()
            .set_indexing_options(indexed)
            .set_stored();
        let fields = Fields {
            id: schema.add_i64_field("id", NumericOptions::default().set_indexed().set_stored()),
            title: schema.add_text_field("title", text.clone()),
            section: schema.add_text_field("section", STORED),
            tags: schema.add_text_field("tags", text.clone()),
            text: schema.add_text_field("text", text),
        };
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(ANALYZER, analyzer());
        let writer = index.writer(WRITER_HEAP)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(KbIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
        })
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn commit(&self, writer: &mut IndexWriter) -> Result<(), SearchError> {
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Adds or replaces one article; visible to the next search.
    pub fn upsert(&self, d: &IndexDoc) -> Result<(), SearchError> {
        let mut writer = self.writer();
        writer.delete_term(Term::from_field_i64(self.fields.id, d.id));
        writer.add_document(self.document(d))?;
        self.commit(&mut writer)
    }

    /// Removes an article (deleted, or no longer published).
    pub fn remove(&self, id: i64) -> Result<(), SearchError> {
        let mut writer = self.writer();
        writer.delete_term(Term::from_field_i64(self.fields.id, id));
        self.commit(&mut writer)
    }

    /// Replaces the whole index.
    pub fn rebuild(&self, docs: impl IntoIterator<Item = IndexDoc>) -> Result<usize, SearchError> {
        let mut writer = self.writer();
        writer.delete_all_documents()?;
        let mut count = 0;
        for d in docs {
            writer.add_document(self.document(&d))?;
            count += 1;
        }
        self.commit(&mut writer)?;
        Ok(count)
    }

    fn document(&self, d: &IndexDoc) -> TantivyDocument {
        let f = &self.fields;
        doc!(
            f.id => d.id,
            f.title => d.title.clone(),
            f.section => d.section.clone(),
            f.tags => d.tags.clone(),
            f.text => d.text.clone(),
        )
    }

    /// The query's words as the index stores them (stemmed, no stop words).
    fn terms(&self, query: &str) -> Vec<String> {
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream(query);
        let mut out: Vec<String> = Vec::new();
        while stream.advance() {
            let t = stream.token().text.clone();
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out.truncate(16);
        out
    }

    /// Best `limit` articles for `query`.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, SearchError> {
        let terms = self.terms(query);
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in &terms {
            let mut known = false;
            for (field, boost) in [(f.title, TITLE_BOOST), (f.tags, TAGS_BOOST), (f.text, 1.0)] {
                let term = Term::from_field_text(field, word);
                known |= searcher.doc_freq(&term)? > 0;
                let q: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                clauses.push((Occur::Should, Box::new(BoostQuery::new(q, boost))));
            }
            // A word nobody wrote is probably a typo: look one or two letters away.
            if !known && word.chars().count() >= 4 {
                let distance = if word.chars().count() >= 8 { 2 } else { 1 };
                for (field, boost) in [(f.title, TITLE_BOOST), (f.text, 1.0)] {
                    let fuzzy: Box<dyn Query> = Box::new(FuzzyTermQuery::new(
                        Term::from_field_text(field, word),
                        distance,
                        true,
                    ));
                    clauses.push((Occur::Should, Box::new(BoostQuery::new(fuzzy, boost * 0.5))));
                }
            }
        }
        let query = BooleanQuery::new(clauses);
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut snippets = SnippetGenerator::create(&searcher, &query, f.text)?;
        snippets.set_max_num_chars(220);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let document: TantivyDocument = searcher.doc(address)?;
            let get = |field: Field| {
                document
                    .get_first(field)
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            };
            let id = document
                .get_first(f.id)
                .and_then(|v| v.as_i64())
                .unwrap_or_default();
            let mut snippet = snippets.snippet_from_doc(&document);
            snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
            let mut html = snippet.to_html();
            if html.is_empty() {
                html = escape(&get(f.text).chars().take(200).collect::<String>());
            }
            hits.push(Hit {
                id,
                title: get(f.title),
                section: get(f.section),
                snippet: html,
                score,
            });
        }
        Ok(hits)
    }

    /// How many articles the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The index itself, for the benchmark.
    pub fn inner(&self) -> &Index {
        &self.index
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: i64, title: &str, tags: &str, text: &str) -> IndexDoc {
        IndexDoc {
            id,
            title: title.into(),
            section: "instructions".into(),
            tags: tags.into(),
            text: text.into(),
        }
    }

    fn index() -> KbIndex {
        let kb = KbIndex::new().expect("index");
        kb.rebuild([
            doc(1, "Как получить или продлить ключ ЭП", "ключ ЭП, сертификат", "Ключ электронной подписи выдаёт отдел ИТ. Для продления ключа ЭП принесите паспорт. Электронная подпись нужна для СЭД."),
            doc(2, "Заказ картриджей и бумаги", "картридж, бумага", "Картриджи для принтера и бумагу заказывают через заявку в АХО."),
            doc(3, "Уточнение платежа", "КБК, платёж", "Укажите номер платёжного поручения и код бюджетной классификации. Подпись руководителя не нужна."),
            doc(4, "Настройка рабочего места", "АРМ", "Перед настройкой компьютера сообщите инвентарный номер. Ключи от кабинета не нужны."),
        ])
        .expect("rebuild");
        kb
    }

    #[test]
    fn word_forms_find_the_article_about_e_signature_keys() {
        let kb = index();
        let hits = kb.search("ключи электронной подписи", 5).expect("search");
        assert_eq!(hits.first().map(|h| h.id), Some(1), "{hits:?}");
        assert!(hits[0].snippet.contains("<mark>"), "{}", hits[0].snippet);
    }

    #[test]
    fn titles_rank_above_bodies() {
        let kb = index();
        // «подпись» is in the body of 1 and 3; «настройка» in the title of 4 only.
        let hits = kb.search("настройки", 5).expect("search");
        assert_eq!(hits.first().map(|h| h.id), Some(4));
        let hits = kb.search("картридж", 5).expect("search");
        assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![2]);
    }

    #[test]
    fn a_typo_still_finds_the_obvious_article() {
        let kb = index();
        let hits = kb.search("картриджы", 5).expect("search");
        assert_eq!(hits.first().map(|h| h.id), Some(2), "{hits:?}");
        let hits = kb.search("платжа", 5).expect("search");
        assert_eq!(hits.first().map(|h| h.id), Some(3), "{hits:?}");
    }

    #[test]
    fn changes_are_visible_at_once_and_removal_hides() {
        let kb = index();
        kb.upsert(&doc(
            5,
            "Отпуск и табель",
            "",
            "Табель учёта рабочего времени сдают в бухгалтерию.",
        ))
        .expect("upsert");
        assert_eq!(
            kb.search("табеля", 5)
                .expect("search")
                .first()
                .map(|h| h.id),
            Some(5)
        );
        kb.upsert(&doc(5, "Больничный лист", "", "Электронный больничный."))
            .expect("replace");
        assert!(kb.search("табель", 5).expect("search").is_empty());
        kb.remove(5).expect("remove");
        assert!(kb.search("больничный", 5).expect("search").is_empty());
        assert_eq!(kb.len(), 4);
    }

    #[test]
    fn snippets_are_escaped_and_empty_queries_find_nothing() {
        let kb = KbIndex::new().expect("index");
        kb.upsert(&doc(
            1,
            "Опасный <b>текст</b>",
            "",
            "Не выполнять <script>alert(1)</script> скрипты в заявке",
        ))
        .expect("upsert");
        let hits = kb.search("скрипты", 5).expect("search");
        assert!(!hits[0].snippet.contains("<script>"), "{}", hits[0].snippet);
        assert!(kb.search("", 5).expect("search").is_empty());
        assert!(
            kb.search("и в на", 5).expect("search").is_empty(),
            "stop words only"
        );
    }

    #[test]
    fn yo_and_ye_are_the_same_letter() {
        let kb = index();
        assert_eq!(
            kb.search("выдает", 5)
                .expect("search")
                .first()
                .map(|h| h.id),
            Some(1)
        );
    }
}
