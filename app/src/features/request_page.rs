//! The request page: fields, status, due date, timeline, public replies and
//! (for unit staff only) internal notes; replying, taking, assigning, files.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde_json::Value;

use super::common::{
    ErrorSummary, FileList, LoadError, StatusBadge, UploadForm, fmt_time, signed_in_page,
    upload_error,
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

#[server]
pub async fn add_reply(id: i64, body: String, internal: Option<String>) -> Result<i64, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    let internal = internal.is_some_and(|v| !v.is_empty() && v != "false");
    Ok(
        crate::server::tickets::add_comment(&state, &caller, id, &body, internal)
            .await?
            .id,
    )
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
    use crate::domain::{FieldErrorCode, fields::parse_number};
    let (state, caller) = super::ssr::caller().await?;
    let days = parse_number(&serde_json::Value::String(days))
        .filter(|d| d.fract() == 0.0)
        .ok_or_else(|| AppError::invalid("days", FieldErrorCode::NotANumber))?;
    // Bounded by the parse above; the rule checks the range.
    let days = days.clamp(-1.0, 1000.0) as i64;
    crate::server::workflow::extend(&state, &caller, id, days, &reason).await?;
    Ok(())
}

#[server]
pub async fn transfer_request(id: i64, unit: String, reason: String) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    crate::server::workflow::transfer(&state, &caller, id, &unit, &reason).await?;
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
    let input = crate::server::workflow::AnswerInput {
        body,
        final_answer: true,
        question: false,
        outcome,
        planned_on,
    };
    crate::server::workflow::answer(&state, &caller, id, input).await?;
    Ok(())
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
    let detail = Resource::new(
        move || {
            (
                id(),
                reply.version().get(),
                take.version().get(),
                assign.version().get(),
                extend.version().get(),
                answer.version().get(),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => get_request(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let kinds = Resource::new(|| (), |_| get_request_kinds());
    signed_in_page(move |info, _user| async move {
        let lang = info.lang;
        let offset = info.offset();
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
        let comments = d
            .comments
            .iter()
            .cloned()
            .map(|c| view! { <Comment c=c lang=lang offset=offset/> })
            .collect_view();
        let no_comments = d.comments.is_empty();
        let events = d
                .events
                .iter()
                .map(|e| {
                    let who = e.actor.as_ref().map(|a| a.name.clone()).unwrap_or_default();
                    view! {
                        <li>
                            <time datetime=e.created_at.to_rfc3339()>{fmt_time(e.created_at, offset)}</time>
                            " — " {event_text(e, lang)} {(!who.is_empty()).then(|| format!(" ({who})"))}
                        </li>
                    }
                })
                .collect_view();
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
        let answer_text =
            RwSignal::new(chosen.as_ref().map(|t| t.text.clone()).unwrap_or_default());
        let unknown = RwSignal::new(
            chosen
                .as_ref()
                .map(|t| t.unknown.clone())
                .unwrap_or_default(),
        );
        let template_open = chosen.is_some();
        let templates = StoredValue::new(d.templates.clone());
        let make_article = (d.can_see_internal && !t.status.is_open())
            .then(|| format!("/kb/new?from_request={}", t.id));
        view! {
                {created.then(|| view! { <div class="alert alert-ok" role="status">{Msg::Created.text(lang)}</div> })}
                <h1><span class="number">{t.number.clone()}</span>" "{t.subject.clone()}</h1>
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
                    <dt>{Msg::Requester.text(lang)}</dt><dd>{t.requester.name.clone()}</dd>
                    <dt>{Msg::Assignee.text(lang)}</dt>
                    <dd>{t.assignee.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| Msg::NotAssigned.text(lang).into())}</dd>
                    <dt>{Msg::Registered.text(lang)}</dt><dd>{fmt_time(t.registered_at, offset)}</dd>
                    <dt>{Msg::FormLabel.text(lang)}</dt><dd>{i18n::form(t.form, lang)}</dd>
                    <dt>{Msg::ChannelLabel.text(lang)}</dt><dd>{i18n::channel(t.channel, lang)}</dd>
                </dl>
                <section aria-labelledby="h-fields">
                    <h2 id="h-fields">{Msg::Fields.text(lang)}</h2>
                    <dl class="facts">{fields}</dl>
                    {(!t.description.is_empty()).then(|| view! { <p class="body description">{t.description.clone()}</p> })}
                </section>
                {(d.can_take || d.can_assign).then(|| view! {
                    <section class="actions">
                        {d.can_take.then(|| view! {
                            <ActionForm action=take attr:class="inline">
                                <input type="hidden" name="id" value=tid/>
                                <button type="submit">{Msg::Take.text(lang)}</button>
                            </ActionForm>
                        })}
                        {d.can_assign.then(|| view! {
                            <ActionForm action=assign attr:class="inline">
                                <input type="hidden" name="id" value=tid/>
                                <label for="assignee">{Msg::AssignTo.text(lang)}</label>
                                <select id="assignee" name="login">{staff_options}</select>
                                <button type="submit">{Msg::Assign.text(lang)}</button>
                            </ActionForm>
                        })}
                    </section>
                })}
                {d.forward_by.clone().map(|text| view! {
                    <p class="hint forward-by">{Msg::ForwardBy.text(lang)}" "{text}</p>
                })}
                {d.can_answer.then(|| {
                    let outcomes = crate::domain::Outcome::ALL
                        .iter()
                        .map(|o| {
                            let id = format!("outcome-{}", o.code());
                            view! {
                                <div class="radio">
                                    <input type="radio" name="outcome" id=id.clone() value=o.code()/>
                                    <label for=id>{i18n::outcome(*o, lang)}</label>
                                </div>
                            }
                        })
                        .collect_view();
                    view! {
                        <details class="action" id="answer" open=move || template_open || answer.value().get().is_some_and(|r| r.is_err())>
                            <summary>{Msg::AnswerTitle.text(lang)}</summary>
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
                                {move || view! { <ErrorSummary error=answer.value().get().and_then(|r| r.err()) lang=lang/> }}
                                <p class="hint">{Msg::AnswerHint.text(lang)}</p>
                                <input type="hidden" name="id" value=tid/>
                                <label for="f-answer">{Msg::AnswerText.text(lang)}</label>
                                <textarea id="f-answer" name="body" rows="8" required prop:value=move || answer_text.get()>{answer_text.get_untracked()}</textarea>
                                <fieldset class="field" id="f-outcome">
                                    <legend>{Msg::OutcomeLabel.text(lang)}</legend>
                                    {outcomes}
                                </fieldset>
                                <label for="f-planned_on">{Msg::PlannedOn.text(lang)}</label>
                                <input id="f-planned_on" name="planned_on" type="date" aria-describedby="h-planned_on"/>
                                <p class="hint" id="h-planned_on">{Msg::PlannedOnHint.text(lang)}</p>
                                <button type="submit" class="primary">{Msg::AnswerButton.text(lang)}</button>
                            </ActionForm>
                        </details>
                    }
                })}
                {d.can_extend.then(|| view! {
                    <details class="action" open=move || extend.value().get().is_some_and(|r| r.is_err())>
                        <summary>{Msg::ExtendTitle.text(lang)}</summary>
                        <ActionForm action=extend attr:class="stack extend-form">
                            {move || view! { <ErrorSummary error=extend.value().get().and_then(|r| r.err()) lang=lang/> }}
                            <p class="hint">{Msg::ExtendHint.text(lang)}</p>
                            <input type="hidden" name="id" value=tid/>
                            <label for="f-days">{Msg::ExtendDays.text(lang)}</label>
                            <input id="f-days" name="days" type="number" min="1" max="30" step="1" required/>
                            <label for="f-reason">{Msg::Reason.text(lang)}</label>
                            <textarea id="f-reason" name="reason" rows="3" required></textarea>
                            <button type="submit">{Msg::ExtendButton.text(lang)}</button>
                        </ActionForm>
                    </details>
                })}
                {d.can_transfer.then(|| {
                    let units = d
                        .transfer_units
                        .iter()
                        .map(|u| view! { <option value=u.code.clone()>{u.name.clone()}</option> })
                        .collect_view();
                    view! {
                        <details class="action" open=move || transfer.value().get().is_some_and(|r| r.is_err())>
                            <summary>{Msg::TransferTitle.text(lang)}</summary>
                            <ActionForm action=transfer attr:class="stack transfer-form">
                                {move || view! { <ErrorSummary error=transfer.value().get().and_then(|r| r.err()) lang=lang/> }}
                                <p class="hint">{Msg::TransferHint.text(lang)}</p>
                                <input type="hidden" name="id" value=tid/>
                                <label for="f-unit">{Msg::TransferTo.text(lang)}</label>
                                <select id="f-unit" name="unit">{units}</select>
                                <label for="f-transfer-reason">{Msg::Reason.text(lang)}</label>
                                <textarea id="f-transfer-reason" name="reason" rows="3" required></textarea>
                                <button type="submit">{Msg::TransferButton.text(lang)}</button>
                            </ActionForm>
                        </details>
                    }
                })}
                {make_article.map(|href| view! {
                    <p class="actions"><a href=href class="button">{Msg::KbFromRequest.text(lang)}</a></p>
                })}
                <section aria-labelledby="h-replies">
                    <h2 id="h-replies">{Msg::Replies.text(lang)}</h2>
                    {no_comments.then(|| view! { <p class="muted">{Msg::NoReplies.text(lang)}</p> })}
                    <div class="comments">{comments}</div>
                    <ActionForm action=reply node_ref=reply_form attr:class="stack reply-form">
                        {move || view! { <ErrorSummary error=reply.value().get().and_then(|r| r.err()) lang=lang/> }}
                        <input type="hidden" name="id" value=tid/>
                        <label for="f-body">{Msg::YourMessage.text(lang)}</label>
                        <textarea id="f-body" name="body" rows="4" required></textarea>
                        {d.can_see_internal.then(|| view! {
                            <div class="checkbox">
                                <input type="checkbox" id="f-internal" name="internal" value="true"/>
                                <label for="f-internal">{Msg::InternalNote.text(lang)}</label>
                            </div>
                        })}
                        {d.can_answer.then(|| view! {
                            <div class="checkbox">
                                <input type="checkbox" id="f-question" name="question" value="true"/>
                                <label for="f-question">{Msg::AskRequester.text(lang)}</label>
                            </div>
                        })}
                        <button type="submit" class="primary">{Msg::Send.text(lang)}</button>
                    </ActionForm>
                </section>
                <section aria-labelledby="h-files">
                    <h2 id="h-files">{Msg::Attachments.text(lang)}</h2>
                    <FileList files=d.attachments.clone() href="/files/"/>
                    <UploadForm action=upload_action hint=Msg::AttachHint error=upload_error lang=lang/>
                </section>
                <section aria-labelledby="h-timeline">
                    <h2 id="h-timeline">{Msg::Timeline.text(lang)}</h2>
                    <ol class="timeline">{events}</ol>
                </section>
            }
            .into_any()
    })
}
