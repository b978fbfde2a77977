//! The knowledge base for readers: search with highlighted snippets, the
//! latest articles, and an article page. Plain GET forms, so all of it works
//! with JavaScript off.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::common::{FileList, LoadError, UploadForm, fmt_time, signed_in_page, upload_error};
use serde::{Deserialize, Serialize};

use super::kb_edit::Choice;
use crate::i18n::Msg;
use crate::wire::{AppError, ArticleView, KbHit};

#[server]
pub async fn search_kb(q: String) -> Result<Vec<KbHit>, AppError> {
    let (state, _caller) = super::ssr::caller().await?;
    Ok(crate::server::kb::search(&state, &q, 20).await?)
}

/// The home's list: the latest articles, or all of one section's, and the
/// sections to browse.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Shelf {
    pub sections: Vec<Choice>,
    pub articles: Vec<ArticleView>,
}

#[server]
pub async fn latest_articles(section: Option<String>) -> Result<Shelf, AppError> {
    let section = section.unwrap_or_default();
    let (state, caller) = super::ssr::caller().await?;
    let sections = crate::server::kb::sections(&state)
        .await?
        .into_iter()
        .map(|s| Choice {
            title: crate::i18n::pick(caller.lang, &s.title, Some(&s.title_en)).to_string(),
            code: s.code,
        })
        .collect();
    let (section, limit) = if section.is_empty() {
        (None, 20)
    } else {
        (Some(section.as_str()), 200)
    };
    let articles = crate::server::kb::list(&state, &caller, section, limit).await?;
    Ok(Shelf { sections, articles })
}

#[server]
pub async fn get_article(id: i64) -> Result<ArticleView, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    Ok(crate::server::kb::get(&state, &caller, id).await?)
}

#[component]
pub fn KnowledgeBasePage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let hits = Resource::new(q, |q| async move {
        if q.trim().is_empty() {
            Ok(Vec::new())
        } else {
            search_kb(q).await
        }
    });
    let section = move || query.read().get("section").unwrap_or_default();
    let latest = Resource::new(section, |s| latest_articles(Some(s)));
    signed_in_page(move |info, _user| async move {
        let lang = info.lang;
        let typed = q();
        let results = match hits.await {
            Ok(h) => h,
            Err(e) => return view! { <LoadError error=e lang=lang/> }.into_any(),
        };
        let writer = info
            .user
            .as_ref()
            .is_some_and(|u| u.roles.is_staff() || u.roles.is_admin());
        let searched = !typed.trim().is_empty();
        let none = searched && results.is_empty();
        let results = results
            .into_iter()
            .map(|h| {
                view! {
                    <li class="hit">
                        <a href=format!("/kb/{}", h.id)>{h.title}</a>
                        <p class="snippet" inner_html=h.snippet></p>
                    </li>
                }
            })
            .collect_view();
        let shelf = latest.await.unwrap_or_default();
        let chosen = section();
        let shelf_title = shelf
            .sections
            .iter()
            .find(|s| s.code == chosen)
            .map(|s| s.title.clone())
            .unwrap_or_else(|| Msg::KbLatest.text(lang).to_string());
        let browse = shelf
            .sections
            .iter()
            .map(|s| {
                let current = (s.code == chosen).then_some("page");
                view! { <li><a href=format!("/kb?section={}", s.code) aria-current=current>{s.title.clone()}</a></li> }
            })
            .collect_view();
        let latest = (!searched).then(|| {
            let empty = shelf.articles.is_empty();
            let items = shelf
                .articles
                .into_iter()
                .map(|a| view! { <li><a href=format!("/kb/{}", a.id)>{a.title}</a></li> })
                .collect_view();
            view! {
                <nav aria-labelledby="h-sections" class="kb-sections">
                    <h2 id="h-sections">{Msg::KbSections.text(lang)}</h2>
                    <ul>
                        <li><a href="/kb" aria-current=chosen.is_empty().then_some("page")>{Msg::KbLatest.text(lang)}</a></li>
                        {browse}
                    </ul>
                </nav>
                <h2>{shelf_title}</h2>
                {empty.then(|| view! { <p class="empty">{Msg::KbNothing.text(lang)}</p> })}
                <ul class="articles">{items}</ul>
            }
        });
        view! {
            <leptos_meta::Title text=Msg::KnowledgeBase.text(lang)/>
            <h1>{Msg::KnowledgeBase.text(lang)}</h1>
            {writer.then(|| view! {
                <p class="actions">
                    <a href="/kb/new" class="button">{Msg::KbNewArticle.text(lang)}</a>" "
                    <a href="/kb/templates">{Msg::Templates.text(lang)}</a>
                </p>
            })}
            <form method="get" action="/kb" class="stack" role="search">
                <label for="kb-q">{Msg::KbSearch.text(lang)}</label>
                <input id="kb-q" name="q" type="search" value=typed maxlength="500"/>
                <button type="submit" class="primary">{Msg::KbFind.text(lang)}</button>
            </form>
            {none.then(|| view! { <p class="empty">{Msg::KbNothing.text(lang)}</p> })}
            <ol class="hits">{results}</ol>
            {latest}
        }
        .into_any()
    })
}

#[component]
pub fn ArticlePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let article = Resource::new(
        move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()),
        |id| async move {
            match id {
                Some(id) => get_article(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    signed_in_page(move |info, _user| async move {
        let lang = info.lang;
        let offset = info.offset();
        let a = match article.await {
            Ok(a) => a,
            Err(e) => return view! { <LoadError error=e lang=lang/> }.into_any(),
        };
        let tags = a.tags.join(", ");
        let q = query.read_untracked();
        let notice = if q.get("saved").is_some() {
            Some(Msg::KbSaved)
        } else if q.get("restored").is_some() {
            Some(Msg::KbRestored)
        } else if q.get("solved").is_some() {
            Some(Msg::KbSolvedThanks)
        } else {
            None
        };
        let upload_error = upload_error(&q);
        let has_files = !a.attachments.is_empty();
        let id = a.id;
        let status =
            (a.status != "published").then(|| super::kb_edit::status_title(&a.status, lang));
        view! {
                <p><a href="/kb">{Msg::KnowledgeBase.text(lang)}</a></p>
                {notice.map(|m| view! { <div class="alert alert-ok" role="status">{m.text(lang)}</div> })}
                <article class="kb-article">
                    <leptos_meta::Title text=a.title.clone()/>
                    <h1>{a.title.clone()}{status.map(|s| view! { " " <span class="badge">{s}</span> })}</h1>
                    <p class="muted">{tags}" · "{fmt_time(a.updated_at, offset)}" · "{Msg::KbVersion.text(lang)}" "{a.version}</p>
                    <div class="body-html" inner_html=a.html></div>
                </article>
                {(has_files || a.can_edit).then(|| view! {
                    <section aria-labelledby="h-files">
                        <h2 id="h-files">{Msg::KbFiles.text(lang)}</h2>
                        <FileList files=a.attachments.clone() href="/kb/files/"/>
                        {a.can_edit.then(|| view! {
                            <UploadForm action=format!("/kb/{id}/files") hint=Msg::KbAttachHint error=upload_error.clone() lang=lang/>
                        })}
                    </section>
                })}
                {a.can_edit.then(|| view! {
                    <p class="actions">
                        <a href=format!("/kb/{id}/edit") class="button">{Msg::KbEditArticle.text(lang)}</a>" "
                        <a href=format!("/kb/{id}/history")>{Msg::KbHistory.text(lang)}</a>
                    </p>
                    <p class="muted solved-count">{Msg::KbSolvedCount.text(lang)}" "<span data-solved=a.solved_count>{a.solved_count}</span></p>
                })}
            }
            .into_any()
    })
}
