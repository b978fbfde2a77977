//! The knowledge base for writers: the article editor (also "make an article
//! from this request"), the history with comparison and restore, and the
//! unit's answer templates. Plain forms: all of it works with JavaScript off.

// The forms' fields are the server functions' arguments, one per input name.
#![allow(clippy::too_many_arguments)]

use std::collections::HashMap;

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::FormToken;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use super::common::{ErrorSummary, LoadError, field_error, fmt_time, signed_in_page};
use crate::i18n::{self, Lang, Msg};
use crate::wire::{AppError, ArticleInput, DiffLine, TemplateView, VersionView};

/// A code and its title in the reader's language, for selects and checkboxes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub code: String,
    pub title: String,
}

/// What the editor needs: the article (or a draft), its version, the choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Editing {
    pub article: ArticleInput,
    pub version: Option<i32>,
    pub sections: Vec<Choice>,
    pub kinds: Vec<Choice>,
}

#[server]
pub async fn edit_context(id: Option<i64>, from_request: Option<i64>) -> Result<Editing, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    let (article, version) = match (id, from_request) {
        (Some(id), _) => {
            let a = crate::server::kb::get(&state, &caller, id).await?;
            if !a.can_edit {
                return Err(AppError::Forbidden);
            }
            let input = ArticleInput {
                title: a.title,
                body: a.body,
                section: a.section,
                tags: a.tags,
                status: a.status,
                unit: a.unit,
                kinds: a.kinds,
                reason: None,
            };
            (input, Some(a.version))
        }
        (None, Some(ticket)) => (
            crate::server::kb::draft_from_ticket(&state, &caller, ticket).await?,
            None,
        ),
        (None, None) => {
            if !caller.roles.is_admin() && !caller.roles.is_staff() {
                return Err(AppError::Forbidden);
            }
            let input = ArticleInput {
                section: "instructions".into(),
                status: "draft".into(),
                ..Default::default()
            };
            (input, None)
        }
    };
    let sections = crate::server::kb::sections(&state)
        .await?
        .into_iter()
        .map(|s| Choice {
            title: i18n::pick(caller.lang, &s.title, Some(&s.title_en)).to_string(),
            code: s.code,
        })
        .collect();
    let kinds = crate::server::catalogue::kinds(&state)
        .await?
        .into_iter()
        .map(|k| Choice {
            title: i18n::pick(caller.lang, &k.title, k.title_en.as_ref()).to_string(),
            code: k.code,
        })
        .collect();
    Ok(Editing {
        article,
        version,
        sections,
        kinds,
    })
}

#[server]
pub async fn save_article(
    id: Option<String>,
    title: String,
    section: String,
    status: String,
    tags: Option<String>,
    kind: Option<HashMap<String, String>>,
    body: Option<String>,
    reason: Option<String>,
) -> Result<i64, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    let id = id.and_then(|v| v.trim().parse::<i64>().ok());
    let mut kinds: Vec<String> = kind.clone().unwrap_or_default().into_keys().collect();
    kinds.sort();
    let input = ArticleInput {
        title: title.clone(),
        body: body.clone().unwrap_or_default(),
        section: section.clone(),
        tags: tags
            .clone()
            .unwrap_or_default()
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        status: status.clone(),
        unit: None,
        kinds: kinds.clone(),
        reason: reason.clone(),
    };
    let saved = match id {
        Some(id) => crate::server::kb::update(&state, &caller, id, input).await,
        None => crate::server::kb::create(&state, &caller, input).await,
    };
    match saved {
        Ok(a) => {
            leptos_axum::redirect(&format!("/kb/{}?saved=1", a.id));
            Ok(a.id)
        }
        Err(e) => {
            let err = AppError::from(e);
            if super::ssr::is_plain_form_post() && matches!(err, AppError::Invalid { .. }) {
                // Without JavaScript the browser reloads the editor: send back what was typed.
                let mut pairs: Vec<(String, String)> = vec![
                    ("title".into(), title),
                    ("section".into(), section),
                    ("status".into(), status),
                    ("tags".into(), tags.unwrap_or_default()),
                    ("body".into(), body.unwrap_or_default()),
                    ("reason".into(), reason.unwrap_or_default()),
                ];
                pairs.extend(
                    kinds
                        .into_iter()
                        .map(|k| (format!("kind[{k}]"), "1".into())),
                );
                let base = match id {
                    Some(id) => format!("/kb/{id}/edit"),
                    None => "/kb/new".into(),
                };
                leptos_axum::redirect(&super::ssr::error_url(
                    &base,
                    &pairs,
                    &err,
                    <SaveArticle as leptos::server_fn::ServerFn>::PATH,
                ));
            }
            Err(err)
        }
    }
}

/// What the query holds after a failed plain post, over what was loaded.
fn typed_over(mut a: ArticleInput, q: &leptos_router::params::ParamsMap) -> ArticleInput {
    if q.get("__err").is_none() {
        return a;
    }
    let get = |k: &str| q.get(k).unwrap_or_default();
    a.title = get("title");
    a.section = get("section");
    a.status = get("status");
    a.tags = get("tags")
        .split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    a.body = get("body");
    a.reason = Some(get("reason"));
    a.kinds = q
        .into_iter()
        .filter_map(|(k, _)| {
            k.strip_prefix("kind[")
                .and_then(|r| r.strip_suffix(']'))
                .map(str::to_string)
        })
        .collect();
    a
}

pub fn status_title(status: &str, lang: Lang) -> &'static str {
    match status {
        "published" => Msg::KbPublished.text(lang),
        "archived" => Msg::KbArchived.text(lang),
        _ => Msg::KbDraft.text(lang),
    }
}

#[component]
pub fn ArticleEditPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let action = ServerAction::<SaveArticle>::new();
    let ctx = Resource::new(
        move || {
            (
                params.read().get("id").and_then(|v| v.parse::<i64>().ok()),
                query
                    .read()
                    .get("from_request")
                    .and_then(|v| v.parse::<i64>().ok()),
            )
        },
        |(id, from)| edit_context(id, from),
    );
    signed_in_page(move |info, _user| async move {
        let lang = info.lang;
        let ctx = match ctx.await {
            Ok(c) => c,
            Err(e) => return view! { <LoadError error=e lang=lang/> }.into_any(),
        };
        let id = params.read_untracked().get("id");
        let a = typed_over(ctx.article.clone(), &query.read_untracked());
        let error = move || action.value().get().and_then(|r| r.err());
        let sections = ctx
            .sections
            .iter()
            .map(|s| {
                let selected = s.code == a.section;
                view! { <option value=s.code.clone() selected=selected>{s.title.clone()}</option> }
            })
            .collect_view();
        let statuses = ["draft", "published", "archived"]
            .into_iter()
            .map(|st| {
                let selected = st == a.status;
                view! { <option value=st selected=selected>{status_title(st, lang)}</option> }
            })
            .collect_view();
        let kinds = ctx
                .kinds
                .iter()
                .map(|k| {
                    let checked = a.kinds.contains(&k.code);
                    let input_id = format!("kind-{}", k.code);
                    view! {
                        <div class="checkbox">
                            <input type="checkbox" id=input_id.clone() name=format!("kind[{}]", k.code) value="1" checked=checked/>
                            <label for=input_id>{k.title.clone()}</label>
                        </div>
                    }
                })
                .collect_view();
        let heading = if id.is_some() {
            Msg::KbEditArticle
        } else {
            Msg::KbNewArticle
        };
        let back = id
            .clone()
            .map(|i| format!("/kb/{i}"))
            .unwrap_or_else(|| "/kb".into());
        let fe = move |field: &'static str| {
            move || {
                field_error(&error(), field, lang).map(|e| view! { <p class="field-error">{e}</p> })
            }
        };
        view! {
                <p><a href=back>{Msg::KnowledgeBase.text(lang)}</a></p>
                <leptos_meta::Title text=heading.text(lang)/>
                <h1>{heading.text(lang)}</h1>
                {ctx.version.map(|v| view! { <p class="muted">{Msg::KbVersion.text(lang)}" "{v}</p> })}
                <ActionForm action=action attr:class="stack article-form" attr:novalidate=true>
                    <FormToken/>
                    {move || view! { <ErrorSummary error=error() lang=lang/> }}
                    <input type="hidden" name="id" value=id.unwrap_or_default()/>
                    <div class="field">
                        <label for="f-title">{Msg::KbArticleTitle.text(lang)}</label>
                        <input id="f-title" name="title" type="text" maxlength="300" required value=a.title.clone()/>
                        {fe("title")}
                    </div>
                    <div class="field">
                        <label for="f-section">{Msg::KbSection.text(lang)}</label>
                        <select id="f-section" name="section">{sections}</select>
                        {fe("section")}
                    </div>
                    <div class="field">
                        <label for="f-status">{Msg::KbStatus.text(lang)}</label>
                        <select id="f-status" name="status">{statuses}</select>
                    </div>
                    <div class="field">
                        <label for="f-tags">{Msg::KbTags.text(lang)}</label>
                        <input id="f-tags" name="tags" type="text" value=a.tags.join(", ")/>
                        {fe("tags")}
                    </div>
                    <fieldset class="field" id="f-kinds">
                        <legend>{Msg::KbKinds.text(lang)}</legend>
                        {kinds}
                    </fieldset>
                    <div class="field">
                        <label for="f-body">{Msg::KbBody.text(lang)}</label>
                        <textarea id="f-body" name="body" rows="16" aria-describedby="h-body">{a.body.clone()}</textarea>
                        <p class="hint" id="h-body">{Msg::KbBodyHint.text(lang)}</p>
                        {fe("body")}
                    </div>
                    <div class="field">
                        <label for="f-reason">{Msg::KbReason.text(lang)}<span class="muted">" ("{Msg::Optional.text(lang)}")"</span></label>
                        <input id="f-reason" name="reason" type="text" maxlength="500" value=a.reason.clone().unwrap_or_default()/>
                    </div>
                    <button type="submit" class="primary">{Msg::Save.text(lang)}</button>
                </ActionForm>
            }
            .into_any()
    })
}

/// The history page's data: the title, the versions, and a comparison if asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub title: String,
    pub can_edit: bool,
    pub versions: Vec<VersionView>,
    pub diff: Option<Vec<DiffLine>>,
}

#[server]
pub async fn article_history(
    id: i64,
    from: Option<i32>,
    to: Option<i32>,
) -> Result<History, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    let a = crate::server::kb::get(&state, &caller, id).await?;
    let versions = crate::server::kb::versions(&state, &caller, id).await?;
    let diff = match (from, to) {
        (Some(f), Some(t)) => Some(crate::server::kb::compare(&state, &caller, id, f, t).await?),
        _ => None,
    };
    Ok(History {
        title: a.title,
        can_edit: a.can_edit,
        versions,
        diff,
    })
}

#[server]
pub async fn restore_version(id: i64, version: i32) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    crate::server::kb::restore(&state, &caller, id, version).await?;
    leptos_axum::redirect(&format!("/kb/{id}?restored={version}"));
    Ok(())
}

#[component]
pub fn ArticleHistoryPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let restore = ServerAction::<RestoreVersion>::new();
    let history = Resource::new(
        move || {
            let q = query.read();
            (
                params.read().get("id").and_then(|v| v.parse::<i64>().ok()),
                q.get("from").and_then(|v| v.parse::<i32>().ok()),
                q.get("to").and_then(|v| v.parse::<i32>().ok()),
            )
        },
        |(id, from, to)| async move {
            match id {
                Some(id) => article_history(id, from, to).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    signed_in_page(move |info, _user| async move {
        let lang = info.lang;
        let offset = info.offset();
        let h = match history.await {
            Ok(h) => h,
            Err(e) => return view! { <LoadError error=e lang=lang/> }.into_any(),
        };
        let id = params
            .read_untracked()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or_default();
        let newest = h.versions.first().map(|v| v.version).unwrap_or(1);
        let q = query.read_untracked();
        let from = q
            .get("from")
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or(newest.saturating_sub(1).max(1));
        let to = q
            .get("to")
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or(newest);
        let can_edit = h.can_edit;
        let rows = h
                .versions
                .iter()
                .map(|v| {
                    let author = v.author.as_ref().map(|a| a.name.clone()).unwrap_or_default();
                    let n = v.version;
                    let from_id = format!("from-{n}");
                    let to_id = format!("to-{n}");
                    let current = n == newest;
                    view! {
                        <tr data-version=n>
                            <td>{n}</td>
                            <td>{fmt_time(v.created_at, offset)}</td>
                            <td>{author}</td>
                            <td>{v.reason.clone()}</td>
                            <td>{status_title(&v.status, lang)}</td>
                            <td>
                                <input type="radio" form="compare" name="from" id=from_id.clone() value=n checked=n == from/>
                                <label for=from_id class="sr-only">{format!("{} {n}", Msg::KbFromVersion.text(lang))}</label>
                                <input type="radio" form="compare" name="to" id=to_id.clone() value=n checked=n == to/>
                                <label for=to_id class="sr-only">{format!("{} {n}", Msg::KbToVersion.text(lang))}</label>
                            </td>
                            <td>
                                {(can_edit && !current).then(|| view! {
                                    <ActionForm action=restore attr:class="inline">
                                        <FormToken/>
                                        <input type="hidden" name="id" value=id/>
                                        <input type="hidden" name="version" value=n/>
                                        <button type="submit" class="link" aria-label=format!("{} {n}", Msg::KbRestore.text(lang))>{Msg::KbRestore.text(lang)}</button>
                                    </ActionForm>
                                })}
                            </td>
                        </tr>
                    }
                })
                .collect_view();
        let diff = h.diff.map(|lines| {
            let lines = lines
                .into_iter()
                .map(|l| {
                    let (class, mark) = match l.change.as_str() {
                        "added" => ("diff-added", "+ "),
                        "removed" => ("diff-removed", "− "),
                        _ => ("diff-same", "  "),
                    };
                    view! { <div class=class>{mark}{l.text}</div> }
                })
                .collect_view();
            view! {
                <section aria-labelledby="h-diff">
                    <h2 id="h-diff">{format!("{}: {from} → {to}", Msg::KbCompare.text(lang))}</h2>
                    <div class="diff">{lines}</div>
                </section>
            }
        });
        let action = format!("/kb/{id}/history");
        view! {
                <p><a href=format!("/kb/{id}")>{h.title.clone()}</a></p>
                <leptos_meta::Title text=Msg::KbHistory.text(lang)/>
                <h1>{Msg::KbHistory.text(lang)}</h1>
                {move || view! { <ErrorSummary error=restore.value().get().and_then(|r| r.err()) lang=lang/> }}
                <div class="table-scroll" role="region" aria-label=Msg::KbHistory.text(lang) tabindex="0">
                <table class="versions">
                    <thead>
                        <tr>
                            <th scope="col">{Msg::KbVersion.text(lang)}</th>
                            <th scope="col">{Msg::KbWhen.text(lang)}</th>
                            <th scope="col">{Msg::KbAuthor.text(lang)}</th>
                            <th scope="col">{Msg::KbReason.text(lang)}</th>
                            <th scope="col">{Msg::KbStatus.text(lang)}</th>
                            <th scope="col">{Msg::KbFromVersion.text(lang)}" / "{Msg::KbToVersion.text(lang)}</th>
                            <th scope="col"><span class="sr-only">{Msg::KbRestore.text(lang)}</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
                </div>
                <form method="get" action=action id="compare">
                    <button type="submit">{Msg::KbCompare.text(lang)}</button>
                </form>
                {diff}
            }
            .into_any()
    })
}

#[server]
pub async fn list_templates() -> Result<Vec<TemplateView>, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    Ok(crate::server::templates::list(&state, &caller).await?)
}

#[server]
pub async fn save_template(
    id: Option<String>,
    title: String,
    body: String,
) -> Result<i64, AppError> {
    use crate::wire::TemplateInput;
    let (state, caller) = super::ssr::caller().await?;
    let input = TemplateInput {
        title,
        body,
        unit: None,
    };
    let existing = id.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
    let result = match existing {
        Some(id) => crate::server::templates::update(&state, &caller, id, input.clone()).await,
        None => crate::server::templates::create(&state, &caller, input.clone()).await,
    };
    match result {
        Ok(saved) => {
            leptos_axum::redirect(&format!("/kb/templates?saved={}#t-{}", saved.id, saved.id));
            Ok(saved.id)
        }
        Err(e) => {
            let err = AppError::from(e);
            if super::ssr::is_plain_form_post() && matches!(err, AppError::Invalid { .. }) {
                // Without JavaScript: back to the page with what was typed, in the same form.
                let pairs = vec![
                    ("id".to_string(), id.unwrap_or_default()),
                    ("title".to_string(), input.title),
                    ("body".to_string(), input.body),
                ];
                leptos_axum::redirect(&super::ssr::error_url(
                    "/kb/templates",
                    &pairs,
                    &err,
                    <SaveTemplate as leptos::server_fn::ServerFn>::PATH,
                ));
            }
            Err(err)
        }
    }
}

#[server]
pub async fn delete_template(id: i64) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    crate::server::templates::delete(&state, &caller, id).await?;
    leptos_axum::redirect("/kb/templates");
    Ok(())
}

/// One template's form: editing an existing one, or a new one when `t` is None.
#[component]
fn TemplateForm(
    t: Option<TemplateView>,
    lang: Lang,
    action: ServerAction<SaveTemplate>,
    typed: Option<(String, String, String)>,
) -> impl IntoView {
    let key = t
        .as_ref()
        .map(|t| t.id.to_string())
        .unwrap_or_else(|| "new".into());
    let title_id = format!("tt-{key}");
    let body_id = format!("tb-{key}");
    let hint_id = format!("th-{key}");
    let (id, title, body) = t
        .map(|t| (t.id.to_string(), t.title, t.body))
        .unwrap_or_default();
    // What a refused plain post sent, if it was this form's.
    let (title, body) = match typed {
        Some((typed_id, typed_title, typed_body)) if typed_id == id => (typed_title, typed_body),
        _ => (title, body),
    };
    view! {
        <ActionForm action=action attr:class="stack template-form">
            <FormToken/>
            <input type="hidden" name="id" value=id/>
            <label for=title_id.clone()>{Msg::TemplateTitle.text(lang)}</label>
            <input id=title_id name="title" type="text" maxlength="200" required value=title/>
            <label for=body_id.clone()>{Msg::TemplateBody.text(lang)}</label>
            <textarea id=body_id name="body" rows="8" required aria-describedby=hint_id.clone()>{body}</textarea>
            <p class="hint" id=hint_id>{Msg::TemplatePlaceholders.text(lang)}" "{i18n::known_placeholders()}</p>
            <button type="submit" class="primary">{Msg::Save.text(lang)}</button>
        </ActionForm>
    }
}

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let query = use_query_map();
    let save = ServerAction::<SaveTemplate>::new();
    let remove = ServerAction::<DeleteTemplate>::new();
    // Reloaded after a save (which comes back with `?saved=`) or a removal; a
    // refused save leaves the page, and what was typed, as it is.
    let templates = Resource::new(
        move || (query.read().get("saved"), remove.version().get()),
        |_| list_templates(),
    );
    signed_in_page(move |info, _user| async move {
        let lang = info.lang;
        let list = match templates.await {
            Ok(l) => l,
            Err(e) => return view! { <LoadError error=e lang=lang/> }.into_any(),
        };
        let q = query.read_untracked();
        let saved = q.get("saved").is_some();
        let typed = q.get("__err").map(|_| {
            (
                q.get("id").unwrap_or_default(),
                q.get("title").unwrap_or_default(),
                q.get("body").unwrap_or_default(),
            )
        });
        let open_id = typed.as_ref().map(|t| t.0.clone());
        let items = list
                .into_iter()
                .map(|t| {
                    let anchor = format!("t-{}", t.id);
                    let tid = t.id;
                    let heading = format!("{} · {}", t.unit, t.title);
                    let open = open_id.as_deref() == Some(tid.to_string().as_str());
                    let typed = typed.clone();
                    view! {
                        <li id=anchor>
                            <details open=open>
                                <summary>{heading}</summary>
                                <TemplateForm t=Some(t) lang=lang action=save typed=typed/>
                                <ActionForm action=remove attr:class="inline">
                                    <FormToken/>
                                    <input type="hidden" name="id" value=tid/>
                                    <button type="submit" class="link danger">{Msg::Delete.text(lang)}</button>
                                </ActionForm>
                            </details>
                        </li>
                    }
                })
                .collect_view();
        view! {
                <p><a href="/kb">{Msg::KnowledgeBase.text(lang)}</a></p>
                <leptos_meta::Title text=Msg::Templates.text(lang)/>
                <h1>{Msg::Templates.text(lang)}</h1>
                {saved.then(|| view! { <div class="alert alert-ok" role="status">{Msg::TemplateSaved.text(lang)}</div> })}
                {move || view! { <ErrorSummary error=save.value().get().and_then(|r| r.err()).or_else(|| remove.value().get().and_then(|r| r.err())) lang=lang/> }}
                <ul class="templates">{items}</ul>
                <h2>{Msg::TemplateNew.text(lang)}</h2>
                <TemplateForm t=None lang=lang action=save typed=typed.clone()/>
            }
            .into_any()
    })
}
