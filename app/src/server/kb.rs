//! The knowledge base: articles in sections, Markdown rendered safely, every
//! save kept as a version (history, comparison, restore), unit staff writing
//! their unit's articles, and search kept in step with the database.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use super::auth::Caller;
use super::entity::{
    job_run, kb_article, kb_article_version, kb_attachment, kb_section, kb_self_help, user,
};
use super::error::{ServiceError, ServiceResult};
use super::search::IndexDoc;
use super::state::AppState;
use crate::domain::fields::validate_text;
use crate::domain::{FieldError, FieldErrorCode};
use crate::wire::{
    AppError, ArticleInput, ArticleView, AttachmentView, DiffLine, KbHit, UserRef, VersionView,
};

const STATUSES: [&str; 3] = ["draft", "published", "archived"];
const BODY_MAX: usize = 100_000;

/// Markdown to HTML without scripts, event attributes or `javascript:` links.
pub fn render_markdown(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    // An image from another site would tell it who reads the article and
    // when: it becomes a link to the image, followed only when clicked.
    // Images do not nest (an image's text is plain), so one flag is enough.
    let mut external = false;
    let events =
        Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES).map(|e| match e {
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                external = is_external(&dest_url);
                if external {
                    Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    })
                } else {
                    Event::Start(Tag::Image {
                        link_type,
                        dest_url,
                        title,
                        id,
                    })
                }
            }
            Event::End(TagEnd::Image) if std::mem::take(&mut external) => Event::End(TagEnd::Link),
            other => other,
        });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        // Raw `<img>` from another site: dropped for the same reason.
        .attribute_filter(|element, attribute, value| {
            if element == "img" && attribute == "src" && is_external(value) {
                None
            } else {
                Some(value.into())
            }
        })
        .clean(&html)
        .to_string()
}

/// An address on another site (or any scheme): `http:`, `//host`, `data:`, ….
fn is_external(url: &str) -> bool {
    let url = url.trim();
    url.starts_with("//")
        || url.starts_with("\\\\")
        || url
            .split(['/', '?', '#'])
            .next()
            .is_some_and(|first| first.contains(':'))
}

/// The words of a Markdown text, for the index.
pub fn plain_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser};
    let mut out = String::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => {
                out.push_str(&t);
                out.push(' ');
            }
            Event::SoftBreak | Event::HardBreak | Event::End(_) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn split(list: &str, sep: char) -> Vec<String> {
    list.split(sep)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn can_edit(caller: &Caller, unit: Option<&str>) -> bool {
    caller.roles.is_admin() || unit.is_some_and(|u| caller.roles.is_staff_of(u))
}

fn view(a: kb_article::Model, caller: &Caller) -> ArticleView {
    ArticleView {
        can_edit: can_edit(caller, a.unit_code.as_deref()),
        html: render_markdown(&a.body),
        tags: split(&a.tags, ','),
        kinds: split(&a.kinds, ','),
        id: a.id,
        version: a.version,
        section: a.section_code,
        title: a.title,
        body: a.body,
        unit: a.unit_code,
        status: a.status,
        updated_at: a.updated_at,
        attachments: Vec::new(),
        solved_count: 0,
    }
}

fn index_doc(a: &kb_article::Model) -> IndexDoc {
    IndexDoc {
        id: a.id,
        title: a.title.clone(),
        section: a.section_code.clone(),
        tags: a.tags.clone(),
        text: plain_text(&a.body),
    }
}

fn search_error(e: super::search::SearchError) -> ServiceError {
    ServiceError::Corrupt(e.to_string())
}

/// Brings this instance's index in step with the database when another
/// instance (or a restart) changed the published articles.
pub async fn sync_index(state: &AppState) -> ServiceResult<()> {
    let published = kb_article::Entity::find().filter(kb_article::Column::Status.eq("published"));
    let count = published.clone().count(&state.db).await?;
    // Only the column, read from the (status, updated_at) index: no bodies are loaded.
    let latest = published
        .select_only()
        .column(kb_article::Column::UpdatedAt)
        .order_by_desc(kb_article::Column::UpdatedAt)
        .into_tuple::<chrono::DateTime<chrono::Utc>>()
        .one(&state.db)
        .await?;
    let stamp = (count, latest, reindex_requests(state).await?);
    if *state.kb_stamp.lock().unwrap_or_else(|e| e.into_inner()) == Some(stamp) {
        return Ok(());
    }
    rebuild_index(state).await
}

const REINDEX_JOB: &str = "kb_reindex";

/// How many times `servicedesk reindex` was run: each run is a change.
async fn reindex_requests(state: &AppState) -> ServiceResult<u64> {
    Ok(job_run::Entity::find()
        .filter(job_run::Column::Job.eq(REINDEX_JOB))
        .count(&state.db)
        .await?)
}

/// `servicedesk reindex`: rebuilds the index from the database here, and
/// asks every running instance to do the same at its next search.
/// Returns how many published articles were indexed.
pub async fn reindex_all(state: &AppState) -> ServiceResult<u64> {
    let now = state.now();
    job_run::ActiveModel {
        job: Set(REINDEX_JOB.into()),
        period: Set(uuid::Uuid::new_v4().simple().to_string()),
        started_at: Set(now),
        finished_at: Set(Some(now)),
    }
    .insert(&state.db)
    .await?;
    *state.kb_stamp.lock().unwrap_or_else(|e| e.into_inner()) = None;
    sync_index(state).await?;
    Ok(state.kb.len())
}

/// Rebuilds the search index from the database.
pub async fn rebuild_index(state: &AppState) -> ServiceResult<()> {
    let rows = kb_article::Entity::find()
        .filter(kb_article::Column::Status.eq("published"))
        .all(&state.db)
        .await?;
    let latest = rows.iter().map(|a| a.updated_at).max();
    let asked = reindex_requests(state).await?;
    let count = rows.len() as u64;
    state
        .kb
        .rebuild(rows.iter().map(index_doc))
        .map_err(search_error)?;
    *state.kb_stamp.lock().unwrap_or_else(|e| e.into_inner()) = Some((count, latest, asked));
    Ok(())
}

/// Puts one article's current state into this instance's index.
fn reindex(state: &AppState, a: &kb_article::Model) -> ServiceResult<()> {
    if a.status == "published" {
        state.kb.upsert(&index_doc(a))
    } else {
        state.kb.remove(a.id)
    }
    .map_err(search_error)?;
    // The next sync compares against the database and rebuilds if anything else changed.
    *state.kb_stamp.lock().unwrap_or_else(|e| e.into_inner()) = None;
    Ok(())
}

struct Checked {
    title: String,
    body: String,
    section: String,
    tags: String,
    status: String,
    unit: Option<String>,
    kinds: String,
    reason: String,
}

async fn check(
    state: &AppState,
    caller: &Caller,
    input: &ArticleInput,
    current_unit: Option<&str>,
) -> ServiceResult<Checked> {
    let mut errors = Vec::new();
    let title = validate_text("title", &input.title, true, 300, &mut errors);
    let body = validate_text("body", &input.body, false, BODY_MAX, &mut errors);
    let reason = validate_text(
        "reason",
        input.reason.as_deref().unwrap_or(""),
        false,
        500,
        &mut errors,
    );
    if kb_section::Entity::find_by_id(input.section.trim().to_string())
        .one(&state.db)
        .await?
        .is_none()
    {
        errors.push(FieldError::new("section", FieldErrorCode::UnknownOption));
    }
    let status = input.status.trim();
    let status = if status.is_empty() { "draft" } else { status };
    if !STATUSES.contains(&status) {
        errors.push(FieldError::new("status", FieldErrorCode::UnknownOption));
    }
    let tags: Vec<String> = input
        .tags
        .iter()
        .map(|t| t.trim().replace(',', " "))
        .filter(|t| !t.is_empty())
        .collect();
    if tags.len() > 20 || tags.iter().any(|t| t.chars().count() > 50) {
        errors.push(FieldError::new("tags", FieldErrorCode::TooLong { max: 50 }));
    }
    let known_kinds: Vec<String> = super::catalogue::kinds(state)
        .await?
        .into_iter()
        .map(|k| k.code)
        .collect();
    if input.kinds.iter().any(|k| !known_kinds.contains(k)) {
        errors.push(FieldError::new("kinds", FieldErrorCode::UnknownOption));
    }
    // The owner unit: as asked (staff may only name their own), else kept, else the writer's first unit.
    let unit = match input
        .unit
        .as_deref()
        .map(|u| u.trim().to_uppercase())
        .filter(|u| !u.is_empty())
    {
        Some(u) if caller.roles.is_admin() || caller.roles.is_staff_of(&u) => Some(u),
        Some(_) => {
            errors.push(FieldError::new("unit", FieldErrorCode::NotAllowed));
            None
        }
        None => current_unit
            .map(str::to_string)
            .or_else(|| caller.roles.staff_units().into_iter().next()),
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid { fields: errors }.into());
    }
    Ok(Checked {
        title,
        body,
        section: input.section.trim().to_string(),
        tags: tags.join(", "),
        status: status.to_string(),
        unit,
        kinds: input.kinds.join(","),
        reason,
    })
}

fn version_row(
    a: &kb_article::Model,
    author: i64,
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> kb_article_version::ActiveModel {
    kb_article_version::ActiveModel {
        article_id: Set(a.id),
        version: Set(a.version),
        section_code: Set(a.section_code.clone()),
        title: Set(a.title.clone()),
        body: Set(a.body.clone()),
        tags: Set(a.tags.clone()),
        status: Set(a.status.clone()),
        author_id: Set(Some(author)),
        reason: Set(reason.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
}

/// Unit staff write their unit's articles; the administrator any.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: ArticleInput,
) -> ServiceResult<ArticleView> {
    if !caller.roles.is_admin() && !caller.roles.is_staff() {
        return Err(AppError::Forbidden.into());
    }
    let c = check(state, caller, &input, None).await?;
    let now = state.now();
    let txn = state.db.begin().await?;
    let saved = kb_article::ActiveModel {
        section_code: Set(c.section),
        title: Set(c.title),
        body: Set(c.body),
        tags: Set(c.tags),
        unit_code: Set(c.unit),
        kinds: Set(c.kinds),
        status: Set(c.status),
        version: Set(1),
        updated_by: Set(Some(caller.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let reason = if c.reason.is_empty() {
        "Создана статья".to_string()
    } else {
        c.reason
    };
    version_row(&saved, caller.id, &reason, now)
        .insert(&txn)
        .await?;
    txn.commit().await?;
    reindex(state, &saved)?;
    Ok(view(saved, caller))
}

async fn load(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<kb_article::Model> {
    let a = kb_article::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if a.status != "published" && !can_edit(caller, a.unit_code.as_deref()) {
        return Err(AppError::NotFound.into());
    }
    Ok(a)
}

/// One article with its files and how often it solved a question.
pub async fn get(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<ArticleView> {
    let mut article = view(load(state, caller, id).await?, caller);
    article.attachments = kb_attachment::Entity::find()
        .filter(kb_attachment::Column::ArticleId.eq(id))
        .order_by_asc(kb_attachment::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(attachment_view)
        .collect();
    article.solved_count = kb_self_help::Entity::find()
        .filter(kb_self_help::Column::ArticleId.eq(id))
        .count(&state.db)
        .await?;
    Ok(article)
}

fn attachment_view(a: kb_attachment::Model) -> AttachmentView {
    AttachmentView {
        id: a.id,
        file_name: a.file_name,
        content_type: a.content_type,
        size: a.size,
        comment_id: None,
        created_at: a.created_at,
    }
}

/// Attaches a file (PDF, DOCX, XLSX, image; checked by content) to an article the caller writes.
pub async fn attach(
    state: &AppState,
    caller: &Caller,
    id: i64,
    file_name: &str,
    bytes: &[u8],
) -> ServiceResult<AttachmentView> {
    let article = load(state, caller, id).await?;
    if !can_edit(caller, article.unit_code.as_deref()) {
        return Err(AppError::Forbidden.into());
    }
    let (content_type, key) = super::files::write_checked(state, &state.db, bytes).await?;
    let inserted = kb_attachment::ActiveModel {
        article_id: Set(id),
        file_name: Set(super::files::clean_file_name(file_name)),
        content_type: Set(content_type.to_string()),
        size: Set(i64::try_from(bytes.len()).unwrap_or(i64::MAX)),
        storage_key: Set(key.clone()),
        uploaded_by: Set(Some(caller.id)),
        created_at: Set(state.now()),
        ..Default::default()
    }
    .insert(&state.db)
    .await;
    match inserted {
        Ok(a) => Ok(attachment_view(a)),
        Err(e) => {
            super::files::remove_stored(state, &key).await;
            Err(ServiceError::Db(e))
        }
    }
}

/// An article's file and its bytes, if the caller may read the article.
pub async fn open_attachment(
    state: &AppState,
    caller: &Caller,
    file_id: i64,
) -> ServiceResult<(AttachmentView, Vec<u8>)> {
    let a = kb_attachment::Entity::find_by_id(file_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    load(state, caller, a.article_id).await?;
    let bytes = super::files::read_stored(state, &a.storage_key).await?;
    Ok((attachment_view(a), bytes))
}

/// Removes a file from an article the caller writes.
pub async fn remove_attachment(
    state: &AppState,
    caller: &Caller,
    file_id: i64,
) -> ServiceResult<()> {
    let a = kb_attachment::Entity::find_by_id(file_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let article = load(state, caller, a.article_id).await?;
    if !can_edit(caller, article.unit_code.as_deref()) {
        return Err(AppError::Forbidden.into());
    }
    kb_attachment::Entity::delete_by_id(file_id)
        .exec(&state.db)
        .await?;
    super::files::remove_stored(state, &a.storage_key).await;
    Ok(())
}

/// Articles that may answer a request being written: found by its subject,
/// then (while there are fewer than `limit`) those linked to its kind.
pub async fn suggest(
    state: &AppState,
    subject: &str,
    kind: Option<&str>,
    limit: usize,
) -> ServiceResult<Vec<KbHit>> {
    let limit = limit.clamp(1, 10);
    let subject: String = subject.chars().take(200).collect();
    let mut hits = if subject.trim().chars().count() >= 3 {
        search(state, &subject, limit).await?
    } else {
        Vec::new()
    };
    if let Some(kind) = kind.filter(|k| !k.is_empty())
        && hits.len() < limit
    {
        let linked = kb_article::Entity::find()
            .filter(kb_article::Column::Status.eq("published"))
            .filter(kb_article::Column::Kinds.contains(kind))
            .order_by_asc(kb_article::Column::Id)
            .all(&state.db)
            .await?;
        for a in linked {
            if hits.len() >= limit {
                break;
            }
            if hits.iter().any(|h| h.id == a.id) || !split(&a.kinds, ',').iter().any(|k| k == kind)
            {
                continue;
            }
            let text = plain_text(&a.body);
            let mut snippet: String = text.chars().take(160).collect();
            if text.chars().count() > 160 {
                snippet.push('…');
            }
            hits.push(KbHit {
                id: a.id,
                title: a.title,
                section: a.section_code,
                snippet: html_escape(&snippet),
                score: 0.0,
            });
        }
    }
    Ok(hits)
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// "This solved it": counted for the article; no request is filed.
pub async fn mark_solved(
    state: &AppState,
    caller: &Caller,
    article_id: i64,
    kind: Option<&str>,
    subject: &str,
) -> ServiceResult<u64> {
    let article = load(state, caller, article_id).await?;
    if article.status != "published" {
        return Err(AppError::NotFound.into());
    }
    kb_self_help::ActiveModel {
        article_id: Set(article_id),
        user_id: Set(caller.id),
        kind_code: Set(kind
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| k.chars().take(32).collect())),
        subject: Set(subject.trim().chars().take(200).collect()),
        created_at: Set(state.now()),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    Ok(kb_self_help::Entity::find()
        .filter(kb_self_help::Column::ArticleId.eq(article_id))
        .count(&state.db)
        .await?)
}

/// Saves a new version.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: i64,
    input: ArticleInput,
) -> ServiceResult<ArticleView> {
    let current = load(state, caller, id).await?;
    if !can_edit(caller, current.unit_code.as_deref()) {
        return Err(AppError::Forbidden.into());
    }
    let c = check(state, caller, &input, current.unit_code.as_deref()).await?;
    let now = state.now();
    let version = current.version + 1;
    let based_on = current.version;
    let txn = state.db.begin().await?;
    let mut update: kb_article::ActiveModel = current.into();
    update.section_code = Set(c.section);
    update.title = Set(c.title);
    update.body = Set(c.body);
    update.tags = Set(c.tags);
    update.unit_code = Set(c.unit);
    update.kinds = Set(c.kinds);
    update.status = Set(c.status);
    update.version = Set(version);
    update.updated_by = Set(Some(caller.id));
    update.updated_at = Set(now);
    // Guarded by the version read: of two saves at once, one wins and the
    // other is told the article changed, instead of a clash of version rows.
    let written = kb_article::Entity::update_many()
        .set(update)
        .filter(kb_article::Column::Id.eq(id))
        .filter(kb_article::Column::Version.eq(based_on))
        .exec(&txn)
        .await?;
    if written.rows_affected == 0 {
        return Err(AppError::Conflict {
            reason: "article_changed".into(),
        }
        .into());
    }
    let saved = kb_article::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let reason = if c.reason.is_empty() {
        "Изменена статья".to_string()
    } else {
        c.reason
    };
    version_row(&saved, caller.id, &reason, now)
        .insert(&txn)
        .await?;
    txn.commit().await?;
    reindex(state, &saved)?;
    Ok(view(saved, caller))
}

pub async fn delete(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<()> {
    let current = load(state, caller, id).await?;
    if !can_edit(caller, current.unit_code.as_deref()) {
        return Err(AppError::Forbidden.into());
    }
    let files = kb_attachment::Entity::find()
        .filter(kb_attachment::Column::ArticleId.eq(id))
        .all(&state.db)
        .await?;
    kb_article::Entity::delete_by_id(id).exec(&state.db).await?;
    for f in files {
        super::files::remove_stored(state, &f.storage_key).await;
    }
    state.kb.remove(id).map_err(search_error)?;
    *state.kb_stamp.lock().unwrap_or_else(|e| e.into_inner()) = None;
    Ok(())
}

pub async fn versions(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> ServiceResult<Vec<VersionView>> {
    let article = load(state, caller, id).await?;
    let writer = can_edit(caller, article.unit_code.as_deref());
    let rows: Vec<_> = kb_article_version::Entity::find()
        .filter(kb_article_version::Column::ArticleId.eq(id))
        .order_by_desc(kb_article_version::Column::Version)
        .all(&state.db)
        .await?
        .into_iter()
        // Readers see the published versions only; drafts are the writers'.
        .filter(|v| writer || v.status == "published")
        .collect();
    let mut ids: Vec<i64> = rows.iter().filter_map(|v| v.author_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let authors = if ids.is_empty() {
        Vec::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(&state.db)
            .await?
    };
    Ok(rows
        .into_iter()
        .map(|v| VersionView {
            author: v
                .author_id
                .and_then(|a| authors.iter().find(|u| u.id == a))
                .map(|u| UserRef {
                    login: u.login.clone(),
                    name: u.shown_name(),
                }),
            version: v.version,
            title: v.title,
            status: v.status,
            reason: v.reason,
            created_at: v.created_at,
        })
        .collect())
}

async fn version(
    state: &AppState,
    id: i64,
    version: i32,
) -> ServiceResult<kb_article_version::Model> {
    Ok(kb_article_version::Entity::find()
        .filter(kb_article_version::Column::ArticleId.eq(id))
        .filter(kb_article_version::Column::Version.eq(version))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?)
}

/// Line by line, from version `from` to version `to`.
pub async fn compare(
    state: &AppState,
    caller: &Caller,
    id: i64,
    from: i32,
    to: i32,
) -> ServiceResult<Vec<DiffLine>> {
    let article = load(state, caller, id).await?;
    let (a, b) = (
        version(state, id, from).await?,
        version(state, id, to).await?,
    );
    let writer = can_edit(caller, article.unit_code.as_deref());
    if !writer && (a.status != "published" || b.status != "published") {
        return Err(AppError::NotFound.into());
    }
    let old = format!("# {}\n\n{}", a.title, a.body);
    let new = format!("# {}\n\n{}", b.title, b.body);
    Ok(similar::TextDiff::from_lines(&old, &new)
        .iter_all_changes()
        .map(|c| DiffLine {
            change: match c.tag() {
                similar::ChangeTag::Equal => "same",
                similar::ChangeTag::Insert => "added",
                similar::ChangeTag::Delete => "removed",
            }
            .into(),
            text: c.value().trim_end_matches('\n').to_string(),
        })
        .collect())
}

/// Makes an old version current again, as a new version.
pub async fn restore(
    state: &AppState,
    caller: &Caller,
    id: i64,
    from: i32,
) -> ServiceResult<ArticleView> {
    let current = load(state, caller, id).await?;
    let old = version(state, id, from).await?;
    let input = ArticleInput {
        title: old.title,
        body: old.body,
        section: old.section_code,
        tags: split(&old.tags, ','),
        status: old.status,
        unit: current.unit_code.clone(),
        kinds: split(&current.kinds, ','),
        reason: Some(format!("Восстановлена версия {from}")),
    };
    update(state, caller, id, input).await
}

/// A draft article made from an answered request: its subject, what was
/// asked and the public answers, for an executor of the unit to edit.
pub async fn draft_from_ticket(
    state: &AppState,
    caller: &Caller,
    ticket_id: i64,
) -> ServiceResult<ArticleInput> {
    use crate::domain::Status;
    let row = super::tickets::visible(state, caller, ticket_id).await?;
    if !caller.roles.can_work(&row.unit_code) {
        return Err(AppError::Forbidden.into());
    }
    if Status::parse(&row.status).is_none_or(|s| s.is_open()) {
        return Err(AppError::Conflict {
            reason: "not_answered".into(),
        }
        .into());
    }
    let requester = user::Entity::find_by_id(row.requester_id)
        .one(&state.db)
        .await?
        .map(|u| u.login)
        .unwrap_or_default();
    // The public replies of the unit, not the requester's messages or internal notes.
    let answers: Vec<String> = super::tickets::comments_of(state, &row, false)
        .await?
        .into_iter()
        .filter(|c| c.author.login != requester)
        .map(|c| c.body)
        .collect();
    let mut body = String::new();
    if !row.description.trim().is_empty() {
        body.push_str("## Вопрос\n\n");
        body.push_str(row.description.trim());
        body.push_str("\n\n");
    }
    if !answers.is_empty() {
        body.push_str("## Ответ\n\n");
        body.push_str(&answers.join("\n\n"));
        body.push('\n');
    }
    Ok(ArticleInput {
        title: row.subject.clone(),
        body,
        section: "faq".into(),
        tags: Vec::new(),
        status: "draft".into(),
        unit: Some(row.unit_code.clone()),
        kinds: vec![row.kind_code.clone()],
        reason: Some(format!("Создана по обращению {}", row.number)),
    })
}

/// Published articles, optionally of one section, newest first.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    section: Option<&str>,
    limit: u64,
) -> ServiceResult<Vec<ArticleView>> {
    let mut q = kb_article::Entity::find();
    if let Some(s) = section.filter(|s| !s.is_empty()) {
        q = q.filter(kb_article::Column::SectionCode.eq(s));
    }
    // What the caller may read is chosen by the database, before the
    // limit: published articles, and drafts of the units one works in.
    if !caller.roles.is_admin() {
        q = q.filter(
            Condition::any()
                .add(kb_article::Column::Status.eq("published"))
                .add(kb_article::Column::UnitCode.is_in(caller.roles.staff_units())),
        );
    }
    let rows = q
        .order_by_desc(kb_article::Column::UpdatedAt)
        .limit(limit.clamp(1, 200))
        .all(&state.db)
        .await?;
    Ok(rows.into_iter().map(|a| view(a, caller)).collect())
}

/// Adds a section or renames one (administrator); sections are data.
pub async fn save_section(
    state: &AppState,
    caller: &Caller,
    code: &str,
    title: &str,
    title_en: &str,
) -> ServiceResult<kb_section::Model> {
    if !caller.roles.is_admin() {
        return Err(AppError::Forbidden.into());
    }
    let mut errors = Vec::new();
    let code = code.trim().to_lowercase();
    if code.is_empty()
        || code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        errors.push(FieldError::new("code", FieldErrorCode::Pattern));
    }
    let title = validate_text("title", title, true, 200, &mut errors);
    let title_en = validate_text("title_en", title_en, false, 200, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid { fields: errors }.into());
    }
    let title_en = if title_en.is_empty() {
        title.clone()
    } else {
        title_en
    };
    match kb_section::Entity::find_by_id(code.clone())
        .one(&state.db)
        .await?
    {
        Some(existing) => {
            let mut row: kb_section::ActiveModel = existing.into();
            row.title = Set(title);
            row.title_en = Set(title_en);
            Ok(row.update(&state.db).await?)
        }
        None => {
            let position = kb_section::Entity::find().count(&state.db).await?;
            Ok(kb_section::ActiveModel {
                code: Set(code),
                title: Set(title),
                title_en: Set(title_en),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            }
            .insert(&state.db)
            .await?)
        }
    }
}

/// The sections, in order.
pub async fn sections(state: &AppState) -> ServiceResult<Vec<kb_section::Model>> {
    Ok(kb_section::Entity::find()
        .order_by_asc(kb_section::Column::Position)
        .all(&state.db)
        .await?)
}

/// Published articles matching `query`, best first.
pub async fn search(state: &AppState, query: &str, limit: usize) -> ServiceResult<Vec<KbHit>> {
    if query.chars().count() > 500 {
        return Err(AppError::invalid("q", FieldErrorCode::TooLong { max: 500 }).into());
    }
    sync_index(state).await?;
    let hits = state
        .kb
        .search(query, limit.clamp(1, 50))
        .map_err(search_error)?;
    Ok(hits
        .into_iter()
        .map(|h| KbHit {
            id: h.id,
            title: h.title,
            section: h.section,
            snippet: h.snippet,
            score: h.score,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_from_other_sites_become_links_and_ours_stay_images() {
        let html = render_markdown(
            "![схема](https://tracker.example/pixel.png) ![наша](/kb/files/3) \
             <img src=\"//tracker.example/p.gif\" alt=\"p\">",
        );
        assert!(
            html.contains("<a href=\"https://tracker.example/pixel.png\" rel=\"noopener noreferrer\">схема</a>"),
            "{html}"
        );
        assert!(
            html.contains("<img src=\"/kb/files/3\" alt=\"наша\">"),
            "{html}"
        );
        assert!(!html.contains("tracker.example/p.gif"), "{html}");
        assert!(!html.contains("<img src=\"https:"), "{html}");
    }

    #[test]
    fn markdown_is_rendered_without_scripts_events_or_javascript_links() {
        let html = render_markdown(
            "# Заголовок\n\n<script>alert(1)</script>\n\n[ссылка](javascript:alert(1)) <img src=x onerror=alert(1)> **жирный**",
        );
        assert!(html.contains("<h1>Заголовок</h1>"), "{html}");
        assert!(html.contains("<strong>жирный</strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        let link = render_markdown("[портал](https://example.org)");
        assert!(
            link.contains("href=\"https://example.org\"") && link.contains("noopener"),
            "{link}"
        );
    }

    #[test]
    fn plain_text_keeps_the_words() {
        assert_eq!(
            plain_text("## Ключ ЭП\n\n1. **Паспорт** и `СНИЛС`"),
            "Ключ ЭП Паспорт и СНИЛС"
        );
    }
}
