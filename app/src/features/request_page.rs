//! The request page: fields, status, due date, timeline, public replies and
//! (for unit staff only) internal notes; replying, taking, assigning, files.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{FormToken, SubmissionField};
use leptos_router::hooks::{use_params_map, use_query_map};
use serde_json::Value;

use super::common::{
    ErrorSummary, FieldNames, FileList, LoadError, StatusBadge, field_error, fmt_time,
    focus_first_wrong, signed_in_page, upload_error,
};
use super::request_new::get_request_kinds;
use crate::domain::{FieldType, KindSpec};
use crate::i18n::{self, Lang, Msg};
use crate::wire::{AppError, CommentView, EventView, TicketDetail};

#[server]
pub async fn get_request(id: i64) -> Result<TicketDetail, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    Ok(crate::server::tickets::detail(&state, &caller, id).await?)
}

/// A checkbox's value as sent by a form.
#[cfg(feature = "ssr")]
fn ticked(v: Option<String>) -> bool {
    v.is_some_and(|v| !v.is_empty() && v != "false")
}

#[server]
pub async fn add_reply(
    id: i64,
    body: String,
    internal: Option<String>,
    question: Option<String>,
    submission: Option<String>,
) -> Result<i64, AppError> {
    use crate::server::submissions::SubmissionKey;
    let (state, caller) = super::ssr::caller().await?;
    let (internal, question) = (ticked(internal), ticked(question));
    let key = SubmissionKey::parse(caller.id, submission.as_deref())
        .map_err(|e| AppError::Invalid { fields: vec![e] })?;
    let saved = crate::server::tickets::comment_once(
        &state,
        &caller,
        id,
        &body,
        internal,
        question,
        key.as_ref(),
    )
    .await?;
    Ok(saved.id)
}

#[server]
pub async fn confirm_request(id: i64) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    crate::server::tickets::confirm(&state, &caller, id).await?;
    Ok(())
}

#[server]
pub async fn reopen_request(id: i64, reason: String) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    crate::server::tickets::reopen(&state, &caller, id, &reason).await?;
    Ok(())
}

#[server]
pub async fn close_request(id: i64) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    crate::server::tickets::close(&state, &caller, id).await?;
    Ok(())
}

#[server]
pub async fn rate_answer(id: i64, score: String, comment: Option<String>) -> Result<(), AppError> {
    use crate::domain::FieldErrorCode;
    let (state, caller) = super::ssr::caller().await?;
    let score = score
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::invalid("score", FieldErrorCode::NotANumber))?;
    let comment = comment.unwrap_or_default();
    crate::server::tickets::rate(&state, &caller, id, score, &comment).await?;
    Ok(())
}

/// Whole days typed in a form field.
#[cfg(feature = "ssr")]
fn form_days(days: &str) -> Result<i64, AppError> {
    use crate::domain::{FieldErrorCode, fields::parse_number};
    let days = parse_number(&serde_json::Value::String(days.to_string()))
        .filter(|d| d.fract() == 0.0)
        .ok_or_else(|| AppError::invalid("days", FieldErrorCode::NotANumber))?;
    // Bounded by the parse above; the rule checks the range.
    Ok(days.clamp(-1.0, 1000.0) as i64)
}

#[server]
pub async fn ask_extension(id: i64, days: String, reason: String) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    let days = form_days(&days)?;
    crate::server::tickets::ask_extension(&state, &caller, id, days, &reason).await?;
    Ok(())
}

#[server]
pub async fn decide_extension(
    id: i64,
    request: i64,
    decision: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    let approve = decision == "approve";
    let reason = reason.unwrap_or_default();
    crate::server::tickets::decide_extension(&state, &caller, id, request, approve, &reason)
        .await?;
    Ok(())
}

#[server]
pub async fn take_request(id: i64) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    crate::server::tickets::take(&state, &caller, id).await?;
    Ok(())
}

#[server]
pub async fn assign_request(id: i64, login: String) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    crate::server::tickets::assign(&state, &caller, id, &login).await?;
    Ok(())
}

#[server]
pub async fn extend_request(id: i64, days: String, reason: String) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    let days = form_days(&days)?;
    crate::server::tickets::extend(&state, &caller, id, days, &reason).await?;
    Ok(())
}

#[server]
pub async fn transfer_request(id: i64, unit: String, reason: String) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    crate::server::tickets::transfer(&state, &caller, id, &unit, &reason).await?;
    // The request has left the unit: back to the queue.
    leptos_axum::redirect("/queue");
    Ok(())
}

#[server]
pub async fn answer_request(
    id: i64,
    body: String,
    outcome: Option<String>,
    planned_on: Option<String>,
) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    let input = crate::server::tickets::AnswerInput {
        body: body.clone(),
        final_answer: true,
        question: false,
        outcome: outcome.clone(),
        planned_on: planned_on.clone(),
    };
    match crate::server::tickets::answer(&state, &caller, id, input).await {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = AppError::from(e);
            if super::ssr::is_plain_form_post() && matches!(err, AppError::Invalid { .. }) {
                // Without JavaScript the page loads again: what was typed
                // comes back from a draft, the form open, its first wrong
                // field focused (`autofocus`, which a browser skips when
                // the address names a fragment: hence none).
                let base = format!("/requests/{id}");
                let to = super::ssr::Refused {
                    base: &base,
                    keep: Vec::new(),
                    fragment: "",
                };
                let typed = [
                    ("body".to_string(), body),
                    ("outcome".to_string(), outcome.unwrap_or_default()),
                    ("planned_on".to_string(), planned_on.unwrap_or_default()),
                ];
                super::ssr::back_with_draft(
                    &state,
                    &caller,
                    to,
                    &typed,
                    &err,
                    <AnswerRequest as leptos::server_fn::ServerFn>::PATH,
                )
                .await?;
            }
            Err(err)
        }
    }
}

/// The final answer form's fields, for its error summary.
fn answer_names(lang: Lang) -> FieldNames {
    let name = |code: &str, id: &str, label: Msg| (code.into(), id.into(), label.text(lang).into());
    FieldNames(vec![
        name("body", "f-answer", Msg::AnswerText),
        name("outcome", "outcome-solved", Msg::OutcomeLabel),
        name("planned_on", "f-planned_on", Msg::PlannedOn),
    ])
}

fn option_label(kind: Option<&KindSpec>, field: &str, code: &str, lang: Lang) -> String {
    kind.and_then(|k| k.fields.iter().find(|f| f.code == field))
        .and_then(|f| f.options.iter().find(|o| o.code == code))
        .map(|o| i18n::pick(lang, &o.label, o.label_en.as_ref()).to_string())
        .unwrap_or_else(|| code.to_string())
}

fn field_rows(detail: &TicketDetail, kind: Option<&KindSpec>, lang: Lang) -> impl IntoView + use<> {
    let specs = kind.map(|k| k.fields.clone()).unwrap_or_default();
    let values = detail.ticket.fields.clone();
    specs
        .into_iter()
        .filter_map(|f| {
            let v = values.get(&f.code)?;
            let label = i18n::pick(lang, &f.label, f.label_en.as_ref()).to_string();
            let text = match (f.field_type, v) {
                (FieldType::Select, Value::String(code)) => option_label(kind, &f.code, code, lang),
                (FieldType::Items, Value::Array(lines)) => lines
                    .iter()
                    .map(|l| {
                        let item = l.get("item").and_then(Value::as_str).unwrap_or_default();
                        let q = l
                            .get("quantity")
                            .and_then(Value::as_i64)
                            .unwrap_or_default();
                        format!("{} — {q}", option_label(kind, &f.code, item, lang))
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                (FieldType::Date, Value::String(d)) => crate::domain::fields::parse_date(d)
                    .map(|d| d.format("%d.%m.%Y").to_string())
                    .unwrap_or_else(|| d.clone()),
                (_, Value::String(s)) => s.clone(),
                (_, other) => other.to_string(),
            };
            Some(view! { <dt>{label}</dt><dd data-field=f.code.clone()>{text}</dd> })
        })
        .collect_view()
}

fn event_text(e: &EventView, lang: Lang) -> String {
    let what = match e.kind.as_str() {
        "registered" => Msg::EvRegistered,
        "taken" => Msg::EvTaken,
        "assigned" => Msg::EvAssigned,
        "commented" => Msg::EvCommented,
        "noted" => Msg::EvNoted,
        "status" => Msg::EvStatus,
        "attachment" => Msg::EvAttachment,
        "extended" => Msg::EvExtended,
        "transferred" => Msg::EvTransferred,
        "answered" => Msg::EvAnswered,
        "reopened" => Msg::EvReopened,
        "confirmed" => Msg::EvConfirmed,
        "closed" => Msg::EvClosed,
        "auto_closed" => Msg::EvAutoClosed,
        "rated" => Msg::EvRated,
        "extension_asked" => Msg::EvExtensionAsked,
        "extension_refused" => Msg::EvExtensionRefused,
        _ => return e.kind.clone(),
    };
    let mut text = what.text(lang).to_string();
    if let Some(name) = e
        .data
        .get("assignee")
        .and_then(|a| a.get("name"))
        .and_then(Value::as_str)
    {
        text.push_str(": ");
        text.push_str(name);
    }
    if let Some(to) = e
        .data
        .get("to")
        .and_then(Value::as_str)
        .and_then(crate::domain::Status::parse)
    {
        text.push_str(": ");
        text.push_str(i18n::status(to, lang));
    }
    text
}

#[component]
fn Comment(c: CommentView, lang: Lang, offset: chrono::FixedOffset) -> impl IntoView {
    let class = if c.internal {
        "comment internal"
    } else {
        "comment"
    };
    view! {
        <article class=class data-internal=c.internal.to_string()>
            <header>
                <strong>{c.author.name.clone()}</strong>
                " · "
                <time datetime=c.created_at.to_rfc3339()>{fmt_time(c.created_at, offset)}</time>
                {c.internal.then(|| view! { <span class="badge badge-internal">{Msg::InternalBadge.text(lang)}</span> })}
            </header>
            <p class="body">{c.body.clone()}</p>
        </article>
    }
}

/// The request's one stream: replies, internal notes and what happened,
/// oldest first (a message before an event of the same moment).
fn activity(d: &TicketDetail, lang: Lang, offset: chrono::FixedOffset) -> impl IntoView + use<> {
    enum Entry {
        Message(CommentView),
        Event(crate::wire::EventView),
    }
    let mut entries: Vec<(chrono::DateTime<chrono::Utc>, u8, Entry)> = d
        .comments
        .iter()
        .cloned()
        .map(|c| (c.created_at, 0, Entry::Message(c)))
        .chain(
            d.events
                .iter()
                .cloned()
                .map(|e| (e.created_at, 1, Entry::Event(e))),
        )
        .collect();
    entries.sort_by_key(|(at, rank, _)| (*at, *rank));
    entries
        .into_iter()
        .map(|(_, _, entry)| match entry {
            Entry::Message(c) => view! { <li class="message"><Comment c=c lang=lang offset=offset/></li> }.into_any(),
            Entry::Event(e) => {
                let who = e.actor.as_ref().map(|a| a.name.clone()).unwrap_or_default();
                view! {
                    <li class="event">
                        <time datetime=e.created_at.to_rfc3339()>{fmt_time(e.created_at, offset)}</time>
                        " — " {event_text(&e, lang)} {(!who.is_empty()).then(|| format!(" ({who})"))}
                    </li>
                }
                .into_any()
            }
        })
        .collect_view()
}

/// The requester closes the loop: a question waiting for them, then the
/// answer to confirm, reopen (within the window) and rate.
#[component]
fn RequesterLoop(
    d: TicketDetail,
    lang: Lang,
    offset: chrono::FixedOffset,
    confirm: ServerAction<ConfirmRequest>,
    reopen: ServerAction<ReopenRequest>,
    rate: ServerAction<RateAnswer>,
) -> impl IntoView {
    let tid = d.ticket.id;
    let mine = d.actions.confirm || d.actions.reopen || d.actions.rate || d.my_rating.is_some();
    let waiting = d.ticket.status == crate::domain::Status::AwaitingRequester
        && d.actions.reply
        && !d.can_see_internal;
    let scores = (1..=5u8)
        .map(|n| {
            let label = format!("{} {n} {}", Msg::RateScore.text(lang), Msg::RateOutOf.text(lang));
            view! {
                <button type="submit" name="score" value=n.to_string() class="score" aria-label=label>
                    <span aria-hidden="true">{"★".repeat(usize::from(n))}</span>" "{n}
                </button>
            }
        })
        .collect_view();
    view! {
        {waiting.then(|| view! {
            <div class="alert alert-info question-waiting" role="status">{Msg::QuestionWaiting.text(lang)}</div>
        })}
        {mine.then(|| view! {
            <section class="requester-loop" aria-labelledby="h-done">
                <h2 id="h-done">{Msg::DoneTitle.text(lang)}</h2>
                {(d.actions.confirm || d.actions.reopen).then(|| view! {
                    <p class="hint">{Msg::DoneHint.text(lang)}</p>
                })}
                {d.reopen_until.filter(|_| d.actions.reopen).map(|until| view! {
                    <p class="hint reopen-until">{Msg::ReopenUntil.text(lang)}" "
                        <time datetime=until.to_rfc3339()>{fmt_time(until, offset)}</time>
                    </p>
                })}
                {d.actions.confirm.then(|| view! {
                    <ActionForm action=confirm attr:class="inline confirm-form">
                        <FormToken/>
                        {move || view! { <ErrorSummary error=confirm.value().get().and_then(|r| r.err()) lang=lang/> }}
                        <input type="hidden" name="id" value=tid/>
                        <button type="submit" class="primary">{Msg::ConfirmButton.text(lang)}</button>
                    </ActionForm>
                })}
                {d.actions.reopen.then(|| view! {
                    <details class="action" open=move || reopen.value().get().is_some_and(|r| r.is_err())>
                        <summary>{Msg::ReopenButton.text(lang)}</summary>
                        <ActionForm action=reopen attr:class="stack reopen-form">
                            <FormToken/>
                            {move || view! { <ErrorSummary error=reopen.value().get().and_then(|r| r.err()) lang=lang/> }}
                            <input type="hidden" name="id" value=tid/>
                            <label for="f-reopen-reason">{Msg::ReopenReason.text(lang)}</label>
                            <textarea id="f-reopen-reason" name="reason" rows="3" required></textarea>
                            <button type="submit">{Msg::ReopenButton.text(lang)}</button>
                        </ActionForm>
                    </details>
                })}
                {d.actions.rate.then(|| view! {
                    <ActionForm action=rate attr:class="stack rate-form">
                        <FormToken/>
                        {move || view! { <ErrorSummary error=rate.value().get().and_then(|r| r.err()) lang=lang/> }}
                        <input type="hidden" name="id" value=tid/>
                        <fieldset class="field">
                            <legend>{Msg::RateTitle.text(lang)}</legend>
                            <p class="hint" id="h-rate">{Msg::RateHint.text(lang)}</p>
                            <label for="f-rate-comment">{Msg::RateComment.text(lang)}</label>
                            <textarea id="f-rate-comment" name="comment" rows="2" aria-describedby="h-rate"></textarea>
                            <div class="scores">{scores}</div>
                        </fieldset>
                    </ActionForm>
                })}
                {d.my_rating.map(|score| view! {
                    <p class="rated" data-score=score>{Msg::RatedThanks.text(lang)}" "{score}" "{Msg::RateOutOf.text(lang)}</p>
                })}
            </section>
        })}
    }
}

/// The head's decisions: an executor's extension request, taking an answered request off control.
#[component]
fn HeadDecisions(
    d: TicketDetail,
    lang: Lang,
    offset: chrono::FixedOffset,
    close: ServerAction<CloseRequest>,
    decide: ServerAction<DecideExtension>,
) -> impl IntoView {
    let tid = d.ticket.id;
    let asked = d
        .extension_request
        .clone()
        .filter(|_| d.actions.decide_extension);
    view! {
        {asked.map(|r| {
            let rid = r.id;
            view! {
                <section class="action extension-asked" aria-labelledby="h-asked">
                    <h2 id="h-asked">{Msg::ExtensionAsked.text(lang)}</h2>
                    <dl class="facts">
                        <dt>{Msg::ExtensionAskedBy.text(lang)}</dt>
                        <dd>{r.requested_by.name.clone()}" · "{fmt_time(r.created_at, offset)}</dd>
                        <dt>{Msg::ExtendDays.text(lang)}</dt><dd data-days=r.days>{r.days}</dd>
                        <dt>{Msg::Reason.text(lang)}</dt><dd>{r.reason.clone()}</dd>
                    </dl>
                    {move || view! { <ErrorSummary error=decide.value().get().and_then(|r| r.err()) lang=lang/> }}
                    <ActionForm action=decide attr:class="inline approve-form">
                        <FormToken/>
                        <input type="hidden" name="id" value=tid/>
                        <input type="hidden" name="request" value=rid/>
                        <input type="hidden" name="decision" value="approve"/>
                        <button type="submit" class="primary">{Msg::ApproveButton.text(lang)}</button>
                    </ActionForm>
                    <ActionForm action=decide attr:class="stack refuse-form">
                        <FormToken/>
                        <input type="hidden" name="id" value=tid/>
                        <input type="hidden" name="request" value=rid/>
                        <input type="hidden" name="decision" value="refuse"/>
                        <label for="f-refuse-reason">{Msg::RefuseReason.text(lang)}</label>
                        <textarea id="f-refuse-reason" name="reason" rows="2" required></textarea>
                        <button type="submit">{Msg::RefuseButton.text(lang)}</button>
                    </ActionForm>
                </section>
            }
        })}
        {d.actions.close.then(|| view! {
            <section class="action close-control" aria-labelledby="h-close">
                <h2 id="h-close">{Msg::CloseTitle.text(lang)}</h2>
                <p class="hint">{Msg::CloseHint.text(lang)}</p>
                <ActionForm action=close attr:class="inline close-form">
                    <FormToken/>
                    {move || view! { <ErrorSummary error=close.value().get().and_then(|r| r.err()) lang=lang/> }}
                    <input type="hidden" name="id" value=tid/>
                    <button type="submit">{Msg::CloseButton.text(lang)}</button>
                </ActionForm>
            </section>
        })}
    }
}

/// A file with an optional message; staff may make it an internal note,
/// whose file the requester never sees. A plain multipart form, with or
/// without JavaScript.
#[component]
fn FileMessageForm(
    action: String,
    error: Option<AppError>,
    staff: bool,
    lang: Lang,
) -> impl IntoView {
    view! {
        {error.map(|e| view! { <div class="alert alert-error" role="alert">{i18n::error(&e, lang)}</div> })}
        <form method="post" action=action enctype="multipart/form-data" class="stack file-form">
            <FormToken/>
            <label for="f-file">{Msg::AttachFile.text(lang)}</label>
            <input id="f-file" type="file" name="file" required aria-describedby="h-file"/>
            <p class="hint" id="h-file">{Msg::AttachHint.text(lang)}</p>
            <label for="f-file-body">{Msg::FileMessage.text(lang)}</label>
            <textarea id="f-file-body" name="body" rows="2"></textarea>
            {staff.then(|| view! {
                <div class="checkbox">
                    <input type="checkbox" id="f-file-internal" name="internal" value="true"/>
                    <label for="f-file-internal">{Msg::FileInternal.text(lang)}</label>
                </div>
            })}
            <button type="submit">{Msg::Upload.text(lang)}</button>
        </form>
    }
}

#[component]
pub fn RequestPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let reply = ServerAction::<AddReply>::new();
    let take = ServerAction::<TakeRequest>::new();
    let assign = ServerAction::<AssignRequest>::new();
    let extend = ServerAction::<ExtendRequest>::new();
    let transfer = ServerAction::<TransferRequest>::new();
    let answer = ServerAction::<AnswerRequest>::new();
    let confirm = ServerAction::<ConfirmRequest>::new();
    let reopen = ServerAction::<ReopenRequest>::new();
    let close = ServerAction::<CloseRequest>::new();
    let rate = ServerAction::<RateAnswer>::new();
    let ask = ServerAction::<AskExtension>::new();
    let decide = ServerAction::<DecideExtension>::new();
    // After a reply is saved the form starts empty again, so that nothing is
    // sent twice and the next message is not an internal note by accident.
    let reply_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = reply.value().get()
            && let Some(form) = reply_form.get_untracked()
        {
            form.reset();
        }
    });
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok());
    // Any action saved reloads the request; a refused one does not, so
    // that every form keeps what was typed beside its error.
    let saved = RwSignal::new(0usize);
    macro_rules! reload_when_saved {
        ($($action:ident),*) => {$(
            Effect::new(move |_| {
                if $action.value().with(|v| matches!(v, Some(Ok(_)))) {
                    saved.update(|n| *n += 1);
                }
            });
        )*};
    }
    reload_when_saved!(
        reply, take, assign, extend, answer, confirm, reopen, close, rate, ask, decide
    );
    let detail = Resource::new(
        move || (id(), saved.get()),
        |(id, ..)| async move {
            match id {
                Some(id) => get_request(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let kinds = Resource::new(|| (), |_| get_request_kinds());
    let draft = super::draft_resource(query);
    focus_first_wrong(
        move || answer.value().get().and_then(Result::err),
        answer_names(Lang::Ru),
    );
    signed_in_page(move |info, _user| async move {
        let lang = info.lang;
        let offset = info.offset();
        let typed: std::collections::HashMap<String, String> = draft.await.into_iter().collect();
        let d = match detail.await {
            Ok(d) => d,
            Err(e) => return view! { <LoadError error=e lang=lang/> }.into_any(),
        };
        let kinds = kinds.await.unwrap_or_default();
        let kind = kinds.iter().find(|k| k.code == d.ticket.kind);
        let t = d.ticket.clone();
        let created = query.read_untracked().get("created").is_some();
        let upload_error = upload_error(&query.read_untracked());
        let fields = field_rows(&d, kind, lang);
        let no_comments = d.comments.is_empty();
        let activity = activity(&d, lang, offset);
        let upload_action = format!("/requests/{}/files", t.id);
        let staff_options = d
            .staff
            .iter()
            .map(|s| view! { <option value=s.login.clone()>{s.name.clone()}</option> })
            .collect_view();
        let tid = t.id;
        // An answer template chosen (a plain GET without JavaScript, in place with it).
        let chosen = query
            .read_untracked()
            .get("template")
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|id| d.templates.iter().find(|t| t.id == id).cloned());
        let answer_text = RwSignal::new(
            chosen
                .as_ref()
                .map(|t| t.text.clone())
                .or_else(|| typed.get("body").cloned())
                .unwrap_or_default(),
        );
        let answer_error = move || answer.value().get().and_then(Result::err);
        // Without JavaScript the first wrong field of a refused answer is
        // focused as the page loads.
        let first_wrong = answer
            .value()
            .get_untracked()
            .and_then(Result::err)
            .and_then(|e| e.fields().first().map(|f| f.field.clone()))
            .unwrap_or_default();
        let typed_outcome = typed.get("outcome").cloned().unwrap_or_default();
        let typed_planned = typed.get("planned_on").cloned().unwrap_or_default();
        let unknown = RwSignal::new(
            chosen
                .as_ref()
                .map(|t| t.unknown.clone())
                .unwrap_or_default(),
        );
        let templates = StoredValue::new(d.templates.clone());
        let make_article = (d.can_see_internal && !t.status.is_open())
            .then(|| format!("/kb/new?from_request={}", t.id));
        view! {
                {created.then(|| view! { <div class="alert alert-ok" role="status">{Msg::Created.text(lang)}</div> })}
                <leptos_meta::Title text=format!("{} — {}", t.number, t.subject)/>
                <h1><span class="number">{t.number.clone()}</span>" "{t.subject.clone()}</h1>
                <div class="request-layout">
                // The request's facts stay in view beside the work on it.
                <aside class="request-side" aria-label=Msg::RequestFacts.text(lang)>
                <dl class="facts">
                    <dt>{Msg::StatusLabel.text(lang)}</dt>
                    <dd><StatusBadge status=t.status overdue=t.overdue lang=lang/></dd>
                    <dt>{Msg::DueDate.text(lang)}</dt>
                    <dd data-due=t.due_at.to_rfc3339()>
                        {fmt_time(t.due_at, offset)}
                        <br/><small class="explanation">{t.due_explanation.clone()}</small>
                        {t.extension_reason.clone().map(|r| view! {
                            <br/><small>{Msg::Extended.text(lang)}": "{r}</small>
                        })}
                    </dd>
                    {t.outcome.as_deref().and_then(crate::domain::Outcome::parse).map(|o| {
                        let planned = t.planned_on.as_deref().and_then(crate::domain::fields::parse_date)
                            .map(|d| format!(" — {}", d.format("%d.%m.%Y"))).unwrap_or_default();
                        view! { <dt>{Msg::OutcomeLabel.text(lang)}</dt><dd data-outcome=o.code()>{i18n::outcome(o, lang)}{planned}</dd> }
                    })}
                    <dt>{Msg::KindLabel.text(lang)}</dt><dd>{t.kind_title.clone()}</dd>
                    <dt>{Msg::Unit.text(lang)}</dt><dd data-unit=t.unit.code.clone()>{t.unit.name.clone()}</dd>
                    <dt>{Msg::Requester.text(lang)}</dt>
                    <dd class="requester">
                        {t.requester.name.clone()}
                        {d.requester_contacts.clone().map(|c| view! {
                            {(!c.title.is_empty()).then(|| view! { <br/><small>{c.title.clone()}</small> })}
                            {(!c.phone.is_empty()).then(|| {
                                let tel = format!("tel:{}", c.phone.chars().filter(|ch| ch.is_ascii_digit() || *ch == '+').collect::<String>());
                                view! { <br/><a href=tel data-contact="phone">{c.phone.clone()}</a> }
                            })}
                            {(!c.email.is_empty()).then(|| {
                                let mail = format!("mailto:{}", c.email);
                                view! { <br/><a href=mail data-contact="email">{c.email.clone()}</a> }
                            })}
                        })}
                    </dd>
                    <dt>{Msg::Assignee.text(lang)}</dt>
                    <dd>{t.assignee.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| Msg::NotAssigned.text(lang).into())}</dd>
                    <dt>{Msg::Registered.text(lang)}</dt><dd>{fmt_time(t.registered_at, offset)}</dd>
                    <dt>{Msg::FormLabel.text(lang)}</dt><dd>{i18n::form(t.form, lang)}</dd>
                    <dt>{Msg::ChannelLabel.text(lang)}</dt><dd>{i18n::channel(t.channel, lang)}</dd>
                </dl>
                {d.next_in_queue.clone().map(|n| {
                    let href = format!("/requests/{}", n.id);
                    view! {
                        <p class="next-in-queue">
                            <a href=href rel="next" class="button">{Msg::NextInQueue.text(lang)}" →"</a>
                            <br/><small>{n.number.clone()}": "{n.subject.clone()}</small>
                        </p>
                    }
                })}
                </aside>
                <div class="request-main">
                <section aria-labelledby="h-fields">
                    <h2 id="h-fields">{Msg::Fields.text(lang)}</h2>
                    <dl class="facts">{fields}</dl>
                    {(!t.description.is_empty()).then(|| view! { <p class="body description">{t.description.clone()}</p> })}
                </section>
                <RequesterLoop d=d.clone() lang=lang offset=offset confirm=confirm reopen=reopen rate=rate/>
                <HeadDecisions d=d.clone() lang=lang offset=offset close=close decide=decide/>
                {(d.actions.take || d.actions.assign).then(|| view! {
                    <section class="actions">
                        {d.actions.take.then(|| view! {
                            <ActionForm action=take attr:class="inline">
                                <FormToken/>
                                <input type="hidden" name="id" value=tid/>
                                <button type="submit" disabled=move || take.pending().get()>{Msg::Take.text(lang)}</button>
                            </ActionForm>
                        })}
                        {d.actions.assign.then(|| view! {
                            <ActionForm action=assign attr:class="inline">
                                <FormToken/>
                                <input type="hidden" name="id" value=tid/>
                                <label for="assignee">{Msg::AssignTo.text(lang)}</label>
                                <select id="assignee" name="login">{staff_options}</select>
                                <button type="submit" disabled=move || assign.pending().get()>{Msg::Assign.text(lang)}</button>
                            </ActionForm>
                        })}
                    </section>
                })}
                {d.forward_by.clone().map(|text| view! {
                    <p class="hint forward-by">{Msg::ForwardBy.text(lang)}" "{text}</p>
                })}
                {d.actions.answer.then(|| {
                    let outcomes = crate::domain::Outcome::ALL
                        .iter()
                        .map(|o| {
                            let id = format!("outcome-{}", o.code());
                            let checked = typed_outcome == o.code();
                            let focus = first_wrong == "outcome" && *o == crate::domain::Outcome::ALL[0];
                            view! {
                                <div class="radio">
                                    <input type="radio" name="outcome" id=id.clone() value=o.code() checked=checked autofocus=focus aria-describedby="e-outcome"/>
                                    <label for=id>{i18n::outcome(*o, lang)}</label>
                                </div>
                            }
                        })
                        .collect_view();
                    view! {
                        // The final answer is the work itself: always in sight.
                        <section class="action answer" id="answer" aria-labelledby="h-answer">
                            <h2 id="h-answer">{Msg::AnswerTitle.text(lang)}</h2>
                            {(!templates.with_value(|t| t.is_empty())).then(|| {
                                let options = templates.with_value(|list| list
                                    .iter()
                                    .map(|t| view! { <option value=t.id>{t.title.clone()}</option> })
                                    .collect_view());
                                let chooser = NodeRef::<leptos::html::Select>::new();
                                let on_insert = move |ev: leptos::ev::SubmitEvent| {
                                    ev.prevent_default();
                                    let id = chooser.get().and_then(|sel| sel.value().parse::<i64>().ok());
                                    if let Some(t) = templates.with_value(|list| list.iter().find(|t| Some(t.id) == id).cloned()) {
                                        answer_text.set(t.text);
                                        unknown.set(t.unknown);
                                    }
                                };
                                view! {
                                    <form method="get" action=format!("/requests/{tid}#answer") class="template-chooser" on:submit=on_insert>
                                        <div class="field">
                                            <label for="f-template">{Msg::TemplateChoose.text(lang)}</label>
                                            <select id="f-template" name="template" node_ref=chooser>{options}</select>
                                        </div>
                                        <button type="submit">{Msg::TemplateInsert.text(lang)}</button>
                                    </form>
                                }
                            })}
                            {move || {
                                let list = unknown.get();
                                (!list.is_empty()).then(|| view! {
                                    <div class="alert alert-error" role="alert" id="template-unknown">
                                        {Msg::TemplateUnknown.text(lang)}" "{list.join(", ")}
                                    </div>
                                })
                            }}
                            <ActionForm action=answer attr:class="stack answer-form">
                                <FormToken/>
                                {move || view! { <ErrorSummary error=answer_error() lang=lang names=answer_names(lang)/> }}
                                <p class="hint">{Msg::AnswerHint.text(lang)}</p>
                                <input type="hidden" name="id" value=tid/>
                                <label for="f-answer">{Msg::AnswerText.text(lang)}</label>
                                <textarea id="f-answer" name="body" rows="8" required autofocus=first_wrong == "body"
                                    aria-invalid=move || field_error(&answer_error(), "body", lang).map(|_| "true")
                                    aria-describedby="e-body"
                                    prop:value=move || answer_text.get()
                                    on:input=move |ev| answer_text.set(event_target_value(&ev))>{answer_text.get_untracked()}</textarea>
                                {move || field_error(&answer_error(), "body", lang).map(|e| view! { <p class="field-error" id="e-body">{e}</p> })}
                                <fieldset class="field" id="f-outcome" aria-invalid=move || field_error(&answer_error(), "outcome", lang).map(|_| "true")>
                                    <legend>{Msg::OutcomeLabel.text(lang)}</legend>
                                    {outcomes}
                                    {move || field_error(&answer_error(), "outcome", lang).map(|e| view! { <p class="field-error" id="e-outcome">{e}</p> })}
                                </fieldset>
                                <label for="f-planned_on">{Msg::PlannedOn.text(lang)}</label>
                                <input id="f-planned_on" name="planned_on" type="date" value=typed_planned autofocus=first_wrong == "planned_on"
                                    aria-invalid=move || field_error(&answer_error(), "planned_on", lang).map(|_| "true")
                                    aria-describedby="h-planned_on e-planned_on"/>
                                <p class="hint" id="h-planned_on">{Msg::PlannedOnHint.text(lang)}</p>
                                {move || field_error(&answer_error(), "planned_on", lang).map(|e| view! { <p class="field-error" id="e-planned_on">{e}</p> })}
                                <button type="submit" class="primary" disabled=move || answer.pending().get()>{Msg::AnswerButton.text(lang)}</button>
                            </ActionForm>
                        </section>
                    }
                })}
                {d.actions.extend.then(|| view! {
                    <details class="action" open=move || extend.value().get().is_some_and(|r| r.is_err())>
                        <summary>{Msg::ExtendTitle.text(lang)}</summary>
                        <ActionForm action=extend attr:class="stack extend-form">
                            <FormToken/>
                            {move || view! { <ErrorSummary error=extend.value().get().and_then(|r| r.err()) lang=lang/> }}
                            <p class="hint">{Msg::ExtendHint.text(lang)}</p>
                            <input type="hidden" name="id" value=tid/>
                            <label for="f-days">{Msg::ExtendDays.text(lang)}</label>
                            <input id="f-days" name="days" type="number" min="1" max="30" step="1" required/>
                            <label for="f-reason">{Msg::Reason.text(lang)}</label>
                            <textarea id="f-reason" name="reason" rows="3" required></textarea>
                            <button type="submit" disabled=move || extend.pending().get()>{Msg::ExtendButton.text(lang)}</button>
                        </ActionForm>
                    </details>
                })}
                {d.actions.request_extension.then(|| view! {
                    <details class="action" open=move || ask.value().get().is_some_and(|r| r.is_err())>
                        <summary>{Msg::AskExtensionTitle.text(lang)}</summary>
                        <ActionForm action=ask attr:class="stack ask-extension-form">
                            <FormToken/>
                            {move || view! { <ErrorSummary error=ask.value().get().and_then(|r| r.err()) lang=lang/> }}
                            <p class="hint">{Msg::AskExtensionHint.text(lang)}</p>
                            <input type="hidden" name="id" value=tid/>
                            <label for="f-ask-days">{Msg::ExtendDays.text(lang)}</label>
                            <input id="f-ask-days" name="days" type="number" min="1" max="30" step="1" required/>
                            <label for="f-ask-reason">{Msg::Reason.text(lang)}</label>
                            <textarea id="f-ask-reason" name="reason" rows="3" required></textarea>
                            <button type="submit" disabled=move || ask.pending().get()>{Msg::AskExtensionButton.text(lang)}</button>
                        </ActionForm>
                    </details>
                })}
                {d.actions.transfer.then(|| {
                    let units = d
                        .transfer_units
                        .iter()
                        .map(|u| view! { <option value=u.code.clone()>{u.name.clone()}</option> })
                        .collect_view();
                    view! {
                        <details class="action" open=move || transfer.value().get().is_some_and(|r| r.is_err())>
                            <summary>{Msg::TransferTitle.text(lang)}</summary>
                            <ActionForm action=transfer attr:class="stack transfer-form">
                                <FormToken/>
                                {move || view! { <ErrorSummary error=transfer.value().get().and_then(|r| r.err()) lang=lang/> }}
                                <p class="hint">{Msg::TransferHint.text(lang)}</p>
                                <input type="hidden" name="id" value=tid/>
                                <label for="f-unit">{Msg::TransferTo.text(lang)}</label>
                                <select id="f-unit" name="unit">{units}</select>
                                <label for="f-transfer-reason">{Msg::Reason.text(lang)}</label>
                                <textarea id="f-transfer-reason" name="reason" rows="3" required></textarea>
                                <button type="submit" disabled=move || transfer.pending().get()>{Msg::TransferButton.text(lang)}</button>
                            </ActionForm>
                        </details>
                    }
                })}
                {make_article.map(|href| view! {
                    <p class="actions"><a href=href class="button">{Msg::KbFromRequest.text(lang)}</a></p>
                })}
                <section aria-labelledby="h-replies" class="activity-section">
                    <h2 id="h-replies">{Msg::Activity.text(lang)}</h2>
                    // What the stream shows: everything, or only the messages
                    // (a style rule, so it works without JavaScript too).
                    <fieldset class="activity-filter">
                        <legend class="sr-only">{Msg::ActivityShow.text(lang)}</legend>
                        <input type="radio" name="show" id="show-all" checked/>
                        <label for="show-all">{Msg::ActivityAll.text(lang)}</label>
                        <input type="radio" name="show" id="show-messages"/>
                        <label for="show-messages">{Msg::ActivityMessages.text(lang)}</label>
                    </fieldset>
                    {no_comments.then(|| view! { <p class="muted">{Msg::NoReplies.text(lang)}</p> })}
                    <ol class="activity timeline">{activity}</ol>
                    {d.actions.reply.then(|| view! {
                    <ActionForm action=reply node_ref=reply_form attr:class="stack reply-form">
                        <FormToken/>
                        <SubmissionField sent=reply.version()/>
                        {move || view! { <ErrorSummary error=reply.value().get().and_then(|r| r.err()) lang=lang/> }}
                        <input type="hidden" name="id" value=tid/>
                        <label for="f-body">{Msg::YourMessage.text(lang)}</label>
                        <textarea id="f-body" name="body" rows="4" required></textarea>
                        {d.can_see_internal.then(|| view! {
                            <fieldset class="audience">
                                <legend>{Msg::Audience.text(lang)}</legend>
                                <div class="radio">
                                    <input type="radio" id="f-public" name="internal" value="false" checked/>
                                    <label for="f-public">{Msg::PublicReply.text(lang)}</label>
                                </div>
                                <div class="radio">
                                    <input type="radio" id="f-internal" name="internal" value="true"/>
                                    <label for="f-internal">{Msg::InternalNote.text(lang)}</label>
                                </div>
                            </fieldset>
                        })}
                        {d.actions.question.then(|| view! {
                            <div class="checkbox">
                                <input type="checkbox" id="f-question" name="question" value="true"/>
                                <label for="f-question">{Msg::AskRequester.text(lang)}</label>
                            </div>
                        })}
                        <button type="submit" class="primary" disabled=move || reply.pending().get()>{Msg::Send.text(lang)}</button>
                    </ActionForm>
                    })}
                </section>
                <section aria-labelledby="h-files">
                    <h2 id="h-files">{Msg::Attachments.text(lang)}</h2>
                    <FileList files=d.attachments.clone() href="/files/"/>
                    {d.actions.reply.then(|| {
                        let action = upload_action.clone();
                        let error = upload_error.clone();
                        view! { <FileMessageForm action=action error=error staff=d.actions.note lang=lang/> }
                    })}
                </section>
                </div>
                </div>
            }
            .into_any()
    })
}
