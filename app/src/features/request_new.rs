//! Filing a new request (employees) and registering one on an employee's
//! behalf (unit staff: oral requests by phone or in person, memos, e-mail).

use std::collections::HashMap;

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{FormToken, SubmissionField};
use leptos::server_fn::ServerFn;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{FormData, HtmlFormElement};
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::common::{
    ErrorSummary, FieldNames, LoadError, field_error, focus_first_wrong, signed_in_page,
};
use super::people::PersonLookup;
use crate::domain::calendar::{WorkCalendar, WorkingHours};
use crate::domain::deadline;
use crate::domain::{Channel, FieldSpec, FieldType, KindSpec, RequestForm};
use crate::i18n::{self, Lang, Msg};
use crate::wire::{AppError, KbHit};

/// One line of an `items` field as a form sends it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemLine {
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub quantity: String,
}

/// What the browser needs to compute a due date with the same rules as the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadlineContext {
    pub calendar: WorkCalendar,
    pub hours: WorkingHours,
    /// The body's local time when the page was made.
    pub now: chrono::NaiveDateTime,
    pub utc_offset_seconds: i32,
}

#[server]
pub async fn get_deadline_context() -> Result<DeadlineContext, AppError> {
    let (state, _caller) = super::ssr::caller().await?;
    Ok(DeadlineContext {
        calendar: (*crate::server::calendar::load(&state).await?).clone(),
        hours: state.hours,
        now: state.local(state.now()),
        utc_offset_seconds: state.utc_offset_seconds(),
    })
}

/// The due date if the request were registered now, worded with its explanation.
fn due_preview(ctx: &DeadlineContext, form: RequestForm, lang: Lang) -> String {
    let result = match form {
        RequestForm::Oral => deadline::oral(&ctx.calendar, &ctx.hours, ctx.now),
        RequestForm::Written => deadline::written(&ctx.calendar, &ctx.hours, ctx.now.date(), None),
    };
    match result {
        Ok(d) => format!(
            "{} {}. {}",
            Msg::DueIfNow.text(lang),
            d.due_at.format("%d.%m.%Y %H:%M"),
            i18n::explain(&d.explanation, lang)
        ),
        Err(e) => i18n::error(&AppError::from(e), lang),
    }
}

/// Articles that may answer the request being written.
#[server]
pub async fn suggest_articles(subject: String, kind: String) -> Result<Vec<KbHit>, AppError> {
    let (state, _caller) = super::ssr::caller().await?;
    Ok(crate::server::kb::suggest(&state, &subject, Some(&kind), 5).await?)
}

/// "This solved my question": counted; nothing is filed.
#[server]
pub async fn solved_by_article(
    article: i64,
    kind: Option<String>,
    subject: Option<String>,
) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    crate::server::kb::mark_solved(
        &state,
        &caller,
        article,
        kind.as_deref(),
        subject.as_deref().unwrap_or(""),
    )
    .await?;
    leptos_axum::redirect(&format!("/kb/{article}?solved=1"));
    Ok(())
}

/// Beside the form: the best articles for what is typed, each with a
/// one-click "this solved it" that files nothing.
#[component]
fn Suggestions(kind: String, subject: RwSignal<String>, lang: Lang) -> impl IntoView {
    let solved = ServerAction::<SolvedByArticle>::new();
    let kind_for_fetch = kind.clone();
    let hits = Resource::new(
        move || subject.get(),
        move |s| suggest_articles(s, kind_for_fetch.clone()),
    );
    view! {
        <aside class="kb-suggest" aria-labelledby="h-suggest">
            <h2 id="h-suggest">{Msg::KbSuggestTitle.text(lang)}</h2>
            <p class="hint">{Msg::KbSuggestHint.text(lang)}</p>
            <Transition fallback=|| ()>
                {move || {
                    let kind = kind.clone();
                    Suspend::new(async move {
                        let list = hits.await.unwrap_or_default();
                        if list.is_empty() {
                            return view! { <p class="muted" aria-live="polite">{Msg::KbNoSuggestions.text(lang)}</p> }.into_any();
                        }
                        let items = list
                            .into_iter()
                            .map(|h| {
                                let kind = kind.clone();
                                view! {
                                    <li class="hit" data-article=h.id>
                                        <a href=format!("/kb/{}", h.id) target="_blank" rel="noopener">{h.title}</a>
                                        <p class="snippet" inner_html=h.snippet></p>
                                        <ActionForm action=solved attr:class="inline">
                                            <FormToken/>
                                            <input type="hidden" name="article" value=h.id/>
                                            <input type="hidden" name="kind" value=kind/>
                                            <input type="hidden" name="subject" prop:value=move || subject.get()/>
                                            <button type="submit" class="link solved">{Msg::KbSolvedButton.text(lang)}</button>
                                        </ActionForm>
                                    </li>
                                }
                            })
                            .collect_view();
                        view! { <ol class="hits" aria-live="polite">{items}</ol> }.into_any()
                    })
                }}
            </Transition>
        </aside>
    }
}

#[server]
pub async fn get_request_kinds() -> Result<Vec<KindSpec>, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    Ok(state.reference_for(&caller).await?.catalogue.kinds.clone())
}

/// Files a request from the form, with its files: a multipart form that the
/// browser posts straight here without JavaScript, and the page sends as
/// `FormData` with it. Field names as the form's inputs: `kind`, `subject`,
/// `description`, `form`, `channel`, `requester_login`, `f[<code>]`,
/// `lines[<i>][item]`, `lines[<i>][quantity]`, `back` and `file` (repeated).
#[server(input = MultipartFormData)]
pub async fn create_request(data: MultipartData) -> Result<i64, AppError> {
    use std::collections::BTreeMap;

    use crate::server::tickets::MAX_FILES;
    use crate::wire::NewTicket;
    use serde_json::{Map, Value, json};

    let (state, caller) = super::ssr::caller().await?;
    let file_max = state.config.upload_max_bytes;
    let body_max = file_max
        .saturating_mul(MAX_FILES as u64 + 1)
        .saturating_add(1 << 20);
    let mut form = crate::server::form_data::read(data, file_max, body_max).await?;
    let kind = form.get("kind").unwrap_or_default();
    let kinds = crate::server::catalogue::kinds(&state).await?;
    let mut fields: Map<String, Value> = Map::new();
    let mut lines: BTreeMap<usize, ItemLine> = BTreeMap::new();
    for (k, v) in &form.pairs {
        if let Some(code) = k.strip_prefix("f[").and_then(|r| r.strip_suffix(']')) {
            fields.insert(code.to_string(), Value::String(v.clone()));
        } else if let Some(rest) = k.strip_prefix("lines[")
            && let Some((index, part)) = rest.split_once("][")
            && let Ok(index) = index.parse::<usize>()
        {
            let line = lines.entry(index).or_default();
            match part {
                "item]" => line.item = v.clone(),
                "quantity]" => line.quantity = v.clone(),
                _ => {}
            }
        }
    }
    if let Some(items_field) = kinds.iter().find(|k| k.code == kind).and_then(|k| {
        k.fields
            .iter()
            .find(|f| f.field_type == FieldType::Items)
            .map(|f| f.code.clone())
    }) {
        let list: Vec<Value> = lines
            .into_values()
            .map(|l| json!({ "item": l.item, "quantity": l.quantity }))
            .collect();
        fields.insert(items_field, Value::Array(list));
    }
    let input = NewTicket {
        kind,
        form: form.get("form"),
        channel: form.get("channel"),
        subject: form.get("subject").unwrap_or_default(),
        description: form.get("description").unwrap_or_default(),
        fields,
        requester_login: form.get("requester_login"),
        submission: form.get(crate::server::submissions::FIELD),
    };
    let files = std::mem::take(&mut form.files);
    let file_names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    match crate::server::tickets::create_with_files(&state, &caller, input, files).await {
        Ok(ticket) => {
            leptos_axum::redirect(&format!("/requests/{}?created=1", ticket.id));
            Ok(ticket.id)
        }
        Err(e) => {
            let err = AppError::from(e);
            if super::ssr::is_plain_form_post() && matches!(err, AppError::Invalid { .. }) {
                // Without JavaScript the browser reloads the form: send back
                // what was typed, and name the files to choose again (a
                // browser never fills a file input for a page).
                let mut pairs: Vec<(String, String)> = form
                    .pairs
                    .iter()
                    .filter(|(k, _)| {
                        ![
                            "back",
                            super::FORM_TOKEN_FIELD,
                            crate::server::submissions::FIELD,
                        ]
                        .contains(&k.as_str())
                    })
                    .cloned()
                    .collect();
                if !file_names.is_empty() {
                    pairs.push((FILES_AGAIN.into(), file_names.join(", ")));
                }
                let base = form
                    .get("back")
                    .filter(|b| b == "/queue/register")
                    .unwrap_or_else(|| "/requests/new".into());
                // The kind in the address, the rest in a draft: a long
                // description must not become a long address.
                let kind = form.get("kind").unwrap_or_default();
                let to = super::ssr::Refused {
                    base: &base,
                    keep: vec![("kind".into(), kind)],
                    fragment: "",
                };
                super::ssr::back_with_draft(
                    &state,
                    &caller,
                    to,
                    &pairs,
                    &err,
                    <CreateRequest as leptos::server_fn::ServerFn>::PATH,
                )
                .await?;
            }
            Err(err)
        }
    }
}

/// The address key naming the files to choose again after a failed post.
const FILES_AGAIN: &str = "files_again";

fn label_of(field: &FieldSpec, lang: Lang) -> String {
    i18n::pick(lang, &field.label, field.label_en.as_ref()).to_string()
}

fn kind_title(kind: &KindSpec, lang: Lang) -> String {
    i18n::pick(lang, &kind.title, kind.title_en.as_ref()).to_string()
}

/// Values typed earlier, read back from the address after a failed plain post.
type Prefill = HashMap<String, String>;

#[component]
fn FieldInput(
    field: FieldSpec,
    lang: Lang,
    prefill: Prefill,
    error: Option<String>,
    /// The first wrong field of a refused post: focused as the page loads.
    #[prop(optional)]
    first: bool,
) -> impl IntoView {
    let id = format!("f-{}", field.code);
    let name = format!("f[{}]", field.code);
    let value = prefill.get(&name).cloned().unwrap_or_default();
    let hint = match (lang, &field.hint_en, &field.hint) {
        (Lang::En, Some(en), _) => Some(en.clone()),
        (_, _, h) => h.clone(),
    };
    let hint_id = format!("h-{}", field.code);
    let err_id = format!("e-{}", field.code);
    let described = [
        hint.as_ref().map(|_| hint_id.clone()),
        error.as_ref().map(|_| err_id.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let invalid = error.is_some().then_some("true");
    let required = field.required;
    let label = label_of(&field, lang);
    let control = match field.field_type {
        FieldType::Textarea => view! {
            <textarea id=id.clone() name=name rows="4" required=required autofocus=first aria-describedby=described.clone() aria-invalid=invalid>{value}</textarea>
        }
        .into_any(),
        FieldType::Select => {
            let options = field
                .options
                .iter()
                .map(|o| {
                    let text = i18n::pick(lang, &o.label, o.label_en.as_ref()).to_string();
                    let selected = o.code == value;
                    view! { <option value=o.code.clone() selected=selected>{text}</option> }
                })
                .collect_view();
            view! {
                <select id=id.clone() name=name required=required autofocus=first aria-describedby=described.clone() aria-invalid=invalid>
                    <option value="">{Msg::NotChosen.text(lang)}</option>
                    {options}
                </select>
            }
            .into_any()
        }
        FieldType::Date => view! {
            <input id=id.clone() name=name type="date" value=value required=required autofocus=first aria-describedby=described.clone() aria-invalid=invalid/>
        }
        .into_any(),
        FieldType::Number => view! {
            <input id=id.clone() name=name type="text" inputmode="decimal" value=value required=required autofocus=first aria-describedby=described.clone() aria-invalid=invalid/>
        }
        .into_any(),
        _ => {
            let maxlength = field.max_length.map(|m| m.to_string());
            view! {
                <input id=id.clone() name=name type="text" value=value maxlength=maxlength required=required autofocus=first aria-describedby=described.clone() aria-invalid=invalid/>
            }
            .into_any()
        }
    };
    view! {
        <div class="field">
            <label for=id>{label}{(!required).then(|| view! { <span class="muted">" ("{Msg::Optional.text(lang)}")"</span> })}</label>
            {control}
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            {error.map(|e| view! { <p class="field-error" id=err_id>{e}</p> })}
        </div>
    }
}

#[component]
fn ItemsInput(
    field: FieldSpec,
    lang: Lang,
    prefill: Prefill,
    error: Option<String>,
) -> impl IntoView {
    let typed = (0..50)
        .take_while(|i| prefill.contains_key(&format!("lines[{i}][item]")))
        .count();
    let count = RwSignal::new((typed + 1).max(3));
    let label = label_of(&field, lang);
    let options = field.options.clone();
    let err_id = format!("e-{}", field.code);
    let fieldset_id = format!("f-{}", field.code);
    let lines = move || {
        (0..count.get())
            .map(|i| {
                let item_name = format!("lines[{i}][item]");
                let qty_name = format!("lines[{i}][quantity]");
                let item_value = prefill.get(&item_name).cloned().unwrap_or_default();
                let qty_value = prefill.get(&qty_name).cloned().unwrap_or_default();
                let item_id = format!("line-{i}-item");
                let qty_id = format!("line-{i}-qty");
                let opts = options
                    .iter()
                    .map(|o| {
                        let text = i18n::pick(lang, &o.label, o.label_en.as_ref()).to_string();
                        let selected = o.code == item_value;
                        view! { <option value=o.code.clone() selected=selected>{text}</option> }
                    })
                    .collect_view();
                view! {
                    <div class="item-line">
                        <label for=item_id.clone() class="sr-only">{format!("{} {}", Msg::Item.text(lang), i + 1)}</label>
                        <select id=item_id name=item_name>
                            <option value="">{Msg::NotChosen.text(lang)}</option>
                            {opts}
                        </select>
                        <label for=qty_id.clone() class="sr-only">{format!("{} {}", Msg::Quantity.text(lang), i + 1)}</label>
                        <input id=qty_id name=qty_name type="number" min="1" max="100" step="1" value=qty_value placeholder=Msg::Quantity.text(lang)/>
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <fieldset class="field items" id=fieldset_id>
            <legend>{label}</legend>
            {lines}
            <button type="button" class="link add-line" on:click=move |_| count.update(|c| *c = (*c + 1).min(50))>
                {Msg::AddLine.text(lang)}
            </button>
            {error.map(|e| view! { <p class="field-error" id=err_id>{e}</p> })}
        </fieldset>
    }
}

fn query_prefill(q: &leptos_router::params::ParamsMap) -> Prefill {
    q.into_iter()
        .filter(|(k, _)| !k.starts_with("__"))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The request form for one kind. `register` adds the fields for staff.
#[component]
fn RequestForm(
    kind: KindSpec,
    lang: Lang,
    register: bool,
    prefill: Prefill,
    deadline_ctx: Option<DeadlineContext>,
    q_error: Option<AppError>,
) -> impl IntoView {
    // The form goes as multipart (it may carry files): straight to the server
    // function without JavaScript, as `FormData` with it.
    let action = Action::new_local(|data: &FormData| create_request(data.clone().into()));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        // «Check the knowledge base first» reloads the page by GET, as without JavaScript.
        let by_get = ev
            .submitter()
            .and_then(|b| b.get_attribute("formmethod"))
            .is_some_and(|m| m == "get");
        if by_get {
            return;
        }
        ev.prevent_default();
        if action.pending().get_untracked() {
            // A second click while the first is on its way files nothing twice.
            return;
        }
        let form = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok());
        if let Some(data) = form.and_then(|f| FormData::new_with_form(&f).ok()) {
            action.dispatch_local(data);
        }
    };
    let files_again = prefill.get(FILES_AGAIN).cloned();
    // The form and channel chosen so far decide the preview of the due date.
    let initial_channel = prefill
        .get("channel")
        .and_then(|c| Channel::parse(c))
        .unwrap_or(if register {
            Channel::Phone
        } else {
            Channel::Portal
        });
    let channel_sig = RwSignal::new(initial_channel);
    let form_sig = RwSignal::new(prefill.get("form").and_then(|f| RequestForm::parse(f)));
    let due_text = move || {
        let form = form_sig
            .get()
            .unwrap_or_else(|| channel_sig.get().default_form());
        deadline_ctx
            .as_ref()
            .map(|ctx| due_preview(ctx, form, lang))
    };
    // After a plain post the refusal travels in the address (as Leptos
    // writes it for forms); once the page posts by itself, its answer counts.
    let posted_error = StoredValue::new(q_error);
    let error = move || match action.value().get() {
        Some(result) => result.err(),
        None => posted_error.get_value(),
    };
    // The summary names the kind's own fields by their labels.
    let mut names = FieldNames(
        kind.fields
            .iter()
            .map(|f| (f.code.clone(), format!("f-{}", f.code), label_of(f, lang)))
            .collect(),
    );
    names.0.push((
        "requester_login".into(),
        "f-requester_login".into(),
        Msg::RequesterLogin.text(lang).into(),
    ));
    focus_first_wrong(error, names.clone());
    let value = |k: &str| prefill.get(k).cloned().unwrap_or_default();
    let subject = value("subject");
    // What the suggestions search for: the subject, a moment after typing stops.
    let suggest_for = RwSignal::new(subject.clone());
    let typed = StoredValue::new(subject.clone());
    let on_subject = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        typed.set_value(text.clone());
        set_timeout(
            move || {
                if typed.get_value() == text {
                    suggest_for.set(text);
                }
            },
            std::time::Duration::from_millis(300),
        );
    };
    let description = value("description");
    let requester = value("requester_login");
    // Without JavaScript a refused form comes back with its first wrong field focused.
    let requester_first = posted_error
        .get_value()
        .and_then(|e| e.fields().first().map(|f| f.field == "requester_login"))
        .unwrap_or(false);
    let channel_value = value("channel");
    let form_value = value("form");
    let back = if register {
        "/queue/register"
    } else {
        "/requests/new"
    };
    let fields = kind.fields.clone();
    let prefill_fields = prefill.clone();
    let kind_code = kind.code.clone();
    let title = kind_title(&kind, lang);
    let suggest_kind = kind.code.clone();
    view! {
        <h2>{title}</h2>
        <div class="with-aside">
        <form method="post" enctype="multipart/form-data" action=CreateRequest::PATH class="stack request-form" novalidate=true on:submit=on_submit>
            <FormToken/>
            <SubmissionField sent=Signal::derive(|| 0)/>
            {move || view! { <ErrorSummary error=error() lang=lang names=names.clone()/> }}
            <input type="hidden" name="kind" value=kind_code/>
            <input type="hidden" name="back" value=back/>
            {register.then(|| {
                let channels = Channel::ALL
                    .iter()
                    .filter(|c| **c != Channel::Portal)
                    .map(|c| {
                        let selected = c.code() == channel_value;
                        view! { <option value=c.code() selected=selected>{i18n::channel(*c, lang)}</option> }
                    })
                    .collect_view();
                let forms = RequestForm::ALL
                    .iter()
                    .map(|f| {
                        let selected = f.code() == form_value;
                        view! { <option value=f.code() selected=selected>{i18n::form(*f, lang)}</option> }
                    })
                    .collect_view();
                view! {
                    <div class="field">
                        <label for="f-requester_login">{Msg::RequesterLogin.text(lang)}</label>
                        <p class="hint" id="h-requester_login">{Msg::RequesterHint.text(lang)}</p>
                        <PersonLookup id="f-requester_login" name="requester_login" value=requester.clone()
                            described_by="h-requester_login e-requester_login".to_string()
                            invalid=Signal::derive(move || field_error(&error(), "requester_login", lang).is_some())
                            autofocus=requester_first
                            lang=lang/>
                        {move || field_error(&error(), "requester_login", lang).map(|e| view! { <p class="field-error" id="e-requester_login">{e}</p> })}
                    </div>
                    <div class="field">
                        <label for="f-channel">{Msg::ChannelLabel.text(lang)}</label>
                        <select id="f-channel" name="channel" on:change=move |ev| {
                            if let Some(c) = Channel::parse(&event_target_value(&ev)) { channel_sig.set(c) }
                        }>{channels}</select>
                    </div>
                    <div class="field">
                        <label for="f-form">{Msg::FormLabel.text(lang)}</label>
                        <select id="f-form" name="form" on:change=move |ev| form_sig.set(RequestForm::parse(&event_target_value(&ev)))>
                            <option value="">{Msg::NotChosen.text(lang)}</option>
                            {forms}
                        </select>
                    </div>
                }
            })}
            <div class="field">
                <label for="f-subject">{Msg::Subject.text(lang)}</label>
                <input id="f-subject" name="subject" type="text" maxlength="200" required value=subject on:input=on_subject/>
                {move || field_error(&error(), "subject", lang).map(|e| view! { <p class="field-error" id="e-subject">{e}</p> })}
            </div>
            {move || {
                let err = error();
                let first_wrong = err
                    .as_ref()
                    .and_then(|e| e.fields().first().map(|f| f.field.clone()))
                    .unwrap_or_default();
                fields
                    .iter()
                    .map(|f| {
                        let fe = field_error(&err, &f.code, lang);
                        if f.field_type == FieldType::Items {
                            view! { <ItemsInput field=f.clone() lang=lang prefill=prefill_fields.clone() error=fe/> }.into_any()
                        } else {
                            let first = first_wrong == f.code;
                            view! { <FieldInput field=f.clone() lang=lang prefill=prefill_fields.clone() error=fe first=first/> }.into_any()
                        }
                    })
                    .collect_view()
            }}
            <div class="field">
                <label for="f-description">{Msg::Description.text(lang)}<span class="muted">" ("{Msg::Optional.text(lang)}")"</span></label>
                <textarea id="f-description" name="description" rows="5" aria-describedby="h-description">{description}</textarea>
                <p class="hint" id="h-description">{Msg::DescriptionHint.text(lang)}</p>
            </div>
            <div class="field">
                <label for="f-file">{Msg::AttachFiles.text(lang)}<span class="muted">" ("{Msg::Optional.text(lang)}")"</span></label>
                <input id="f-file" name="file" type="file" multiple=true aria-describedby="h-file" accept=".pdf,.png,.jpg,.jpeg,.docx,.xlsx"/>
                <p class="hint" id="h-file">{Msg::AttachFilesHint.text(lang)}</p>
                {files_again.map(|names| view! { <p class="field-error" id="e-file-again">{Msg::ChooseFilesAgain.text(lang)}" "{names}</p> })}
                {move || {
                    // Every file refused, each by name.
                    let err = error();
                    let texts: Vec<String> = err
                        .iter()
                        .flat_map(|e| e.fields().iter())
                        .filter(|f| f.field == "file")
                        .map(|f| i18n::field_error(&f.code, lang))
                        .collect();
                    (!texts.is_empty()).then(|| view! { <p class="field-error" id="e-file">{texts.join(" ")}</p> })
                }}
            </div>
            <p class="hint due-preview" id="due-preview" aria-live="polite">
                {move || due_text().unwrap_or_else(|| Msg::DueHint.text(lang).to_string())}
            </p>
            <button type="submit" class="primary" disabled=move || action.pending().get()>{if register { Msg::Register.text(lang) } else { Msg::Submit.text(lang) }}</button>
            // Without JavaScript: reload this page with what was typed, and the suggestions for it.
            <button type="submit" class="nojs-only" formmethod="get" formaction=back formnovalidate=true>{Msg::KbCheckFirst.text(lang)}</button>
        </form>
        <Suggestions kind=suggest_kind subject=suggest_for lang=lang/>
        </div>
    }
}

/// Kind chooser (a plain GET form) and, once a kind is chosen, its form.
#[component]
fn NewRequest(register: bool) -> impl IntoView {
    let query = use_query_map();
    let kinds = Resource::new(|| (), |_| get_request_kinds());
    let deadline_ctx = Resource::new(|| (), |_| get_deadline_context());
    let draft = super::draft_resource(query);
    signed_in_page(move |info, user| async move {
        let lang = info.lang;
        if register && !(user.roles.is_staff() || user.roles.is_admin()) {
            return view! { <LoadError error=AppError::Forbidden lang=lang/> }.into_any();
        }
        let kinds = match kinds.await {
            Ok(k) => k,
            Err(e) => return view! { <LoadError error=e lang=lang/> }.into_any(),
        };
        let ctx = deadline_ctx.await.ok();
        let kept = draft.await;
        let q = query.read_untracked();
        let chosen = q
            .get("kind")
            .and_then(|c| kinds.iter().find(|k| k.code == c).cloned());
        let mut prefill = query_prefill(&q);
        // What a refused post kept (without JavaScript) fills the form again.
        prefill.remove(super::DRAFT_PARAM);
        prefill.extend(kept);
        let posted_error = q
            .get("__err")
            .filter(|_| q.get("__path").as_deref() == Some(CreateRequest::PATH))
            .map(|e| leptos::server_fn::error::ServerFnUrlError::<AppError>::decode_err(&e));
        let action = if register {
            "/queue/register"
        } else {
            "/requests/new"
        };
        let radios = kinds
                .iter()
                .map(|k| {
                    let id = format!("kind-{}", k.code);
                    let checked = chosen.as_ref().is_some_and(|c| c.code == k.code);
                    view! {
                        <div class="radio">
                            <input type="radio" name="kind" id=id.clone() value=k.code.clone() checked=checked required/>
                            <label for=id>{kind_title(k, lang)}</label>
                        </div>
                    }
                })
                .collect_view();
        let heading = if register {
            Msg::RegisterOral
        } else {
            Msg::NewRequest
        };
        view! {
                <leptos_meta::Title text=heading.text(lang)/>
                <h1>{heading.text(lang)}</h1>
                <form method="get" action=action class="stack kind-chooser">
                    <fieldset>
                        <legend>{Msg::ChooseKind.text(lang)}</legend>
                        {radios}
                    </fieldset>
                    <button type="submit">{Msg::Next.text(lang)}</button>
                </form>
                {chosen.map(|k| view! { <RequestForm kind=k lang=lang register=register prefill=prefill deadline_ctx=ctx q_error=posted_error/> })}
            }
            .into_any()
    })
}

#[component]
pub fn NewRequestPage() -> impl IntoView {
    view! { <NewRequest register=false/> }
}

#[component]
pub fn RegisterRequestPage() -> impl IntoView {
    view! { <NewRequest register=true/> }
}
