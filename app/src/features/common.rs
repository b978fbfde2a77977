//! Small components shared by the pages.

use chrono::{DateTime, FixedOffset, Utc};
use leptos::prelude::*;

use super::FormToken;

use super::{SessionInfo, session_info, use_session};
use crate::domain::Status;
use crate::domain::deadline::TimeLeft;
use crate::i18n::{self, Lang, Msg};
use crate::wire::{AppError, AttachmentView, TicketView, UserView};

pub fn fmt_time(at: DateTime<Utc>, offset: FixedOffset) -> String {
    i18n::date_time(at, offset)
}

/// The worded error for one field, if the error names it.
pub fn field_error(error: &Option<AppError>, field: &str, lang: Lang) -> Option<String> {
    error
        .as_ref()?
        .fields()
        .iter()
        .find(|e| e.field == field || e.field.starts_with(&format!("{field}.")))
        .map(|e| i18n::field_error(&e.code, lang))
}

/// How a form names its fields to an error summary: each field's code,
/// the id of its control (focused by the summary's link) and its label.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldNames(pub Vec<(String, String, String)>);

impl FieldNames {
    /// The form's own naming of `field` (`lines.0.item` is named as `lines`).
    fn own(&self, field: &str) -> Option<&(String, String, String)> {
        self.0
            .iter()
            .find(|(code, _, _)| field == code || field.starts_with(&format!("{code}.")))
    }

    /// The id of `field`'s control: the form's own, else `f-<field>`.
    pub fn id_of(&self, field: &str) -> String {
        self.own(field)
            .map(|(_, id, _)| id.clone())
            .unwrap_or_else(|| format!("f-{field}"))
    }

    /// The label of `field`: the form's own, else the shared name, if any.
    pub fn label_of(&self, field: &str, lang: Lang) -> Option<String> {
        match self.own(field) {
            Some((_, _, label)) => Some(label.clone()),
            None => i18n::field_name(field, lang).map(str::to_string),
        }
    }

    /// The id of the control of the first field `error` names, to focus.
    pub fn first_wrong(&self, error: &AppError) -> Option<String> {
        Some(self.id_of(&error.fields().first()?.field))
    }
}

/// With JavaScript: once a send is refused, the control of the first
/// wrong field gets focus (without it the page marks it `autofocus`).
pub fn focus_first_wrong(
    error: impl Fn() -> Option<AppError> + Send + Sync + 'static,
    names: FieldNames,
) {
    Effect::new(move |_| {
        let Some(id) = error().and_then(|e| names.first_wrong(&e)) else {
            return;
        };
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            if let Some(el) = document()
                .get_element_by_id(&id)
                .and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok())
            {
                let _focused = el.focus();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = id;
    });
}

/// A summary of what went wrong, announced to screen readers: each field
/// by its name with what is wrong, linked to its control.
#[component]
pub fn ErrorSummary(
    error: Option<AppError>,
    lang: Lang,
    #[prop(optional)] names: FieldNames,
) -> impl IntoView {
    error.map(|e| {
        let items = e
            .fields()
            .iter()
            .map(|f| {
                let href = format!("#{}", names.id_of(&f.field));
                let label = names.label_of(&f.field, lang);
                let what = i18n::field_error(&f.code, lang);
                let text = match label {
                    Some(label) => format!("{label}: {what}"),
                    None => what,
                };
                view! { <li><a href=href>{text}</a></li> }
            })
            .collect_view();
        view! {
            <div class="alert alert-error" role="alert" id="form-error">
                <p>{i18n::error(&e, lang)}</p>
                <ul>{items}</ul>
            </div>
        }
    })
}

#[component]
pub fn StatusBadge(status: Status, overdue: bool, lang: Lang) -> impl IntoView {
    let class = format!("badge badge-{}", status.code());
    view! {
        <span class=class data-status=status.code()>{i18n::status(status, lang)}</span>
        {overdue.then(|| view! { <span class="badge badge-overdue">{Msg::Overdue.text(lang)}</span> })}
    }
}

/// «осталось 2 рабочих дня» under a due time: amber within a day, red
/// once overdue (the words say it too, never the colour alone).
#[component]
pub fn TimeLeftNote(left: TimeLeft, lang: Lang) -> impl IntoView {
    let class = match left {
        TimeLeft::Overdue => "left left-over",
        TimeLeft::Hours { .. } => "left left-soon",
        TimeLeft::Days { .. } => "left",
    };
    view! { <small class=class data-left=i18n::time_left_code(left)>{i18n::time_left(left, lang)}</small> }
}

/// A table of requests; the requester column is for staff lists.
#[component]
pub fn TicketTable(
    items: Vec<TicketView>,
    lang: Lang,
    offset: FixedOffset,
    show_requester: bool,
    /// Rows can be checked for an action on several (`ids[]` of the
    /// enclosing form); the ids given come checked (a refused action's).
    #[prop(optional)]
    select: Option<Vec<i64>>,
    /// The number and due columns' headers link to the list in their order.
    #[prop(optional)]
    sorting: Option<SortLinks>,
) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="empty">{Msg::NoRequests.text(lang)}</p> }.into_any();
    }
    let selectable = select.is_some();
    let checked = select.unwrap_or_default();
    // "Check all" needs JavaScript: it is drawn once the page is live.
    let live = RwSignal::new(false);
    let all = RwSignal::new(None::<bool>);
    Effect::new(move |_| live.set(true));
    let rows = items
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let href = format!("/requests/{}", t.id);
            let requester = t.requester.name.clone();
            let assignee = t.assignee.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| Msg::NotAssigned.text(lang).to_string());
            let check = selectable.then(|| {
                let label = format!("{} {}", Msg::CheckRow.text(lang), t.number);
                let is_checked = checked.contains(&t.id);
                view! {
                    <td class="check" data-label=Msg::CheckRow.text(lang)>
                        <input type="checkbox" name="ids[]" value=t.id aria-label=label
                            id=(i == 0).then_some("check-first")
                            checked=is_checked
                            prop:checked=move || all.get().unwrap_or(is_checked)/>
                    </td>
                }
            });
            view! {
                <tr data-number=t.number.clone()>
                    {check}
                    <td><a href=href>{t.number.clone()}</a></td>
                    <td>{t.subject.clone()}<br/><small class="muted">{t.kind_title.clone()}</small></td>
                    // Each cell names its column for the card layout of narrow screens.
                    {show_requester.then(|| view! { <td data-label=Msg::Requester.text(lang)>{requester}</td> })}
                    <td data-label=Msg::Unit.text(lang)>{t.unit.name.clone()}</td>
                    <td data-label=Msg::StatusLabel.text(lang)><StatusBadge status=t.status overdue=t.overdue lang=lang/></td>
                    <td data-label=Msg::DueDate.text(lang)>{fmt_time(t.due_at, offset)}{t.time_left.map(|left| view! { <br/><TimeLeftNote left=left lang=lang/> })}</td>
                    <td data-label=Msg::Assignee.text(lang)>{assignee}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="tickets">
            <thead>
                <tr>
                    {selectable.then(|| view! {
                        <th scope="col" class="check">
                            {move || (!live.get()).then(|| view! { <span class="sr-only">{Msg::CheckRow.text(lang)}</span> })}
                            {move || live.get().then(|| view! {
                                <input type="checkbox" id="check-all" aria-label=Msg::CheckAll.text(lang)
                                    on:change=move |ev| all.set(Some(event_target_checked(&ev)))/>
                            })}
                        </th>
                    })}
                    {sort_header(&sorting, "registered", Msg::Number, lang)}
                    <th scope="col">{Msg::Subject.text(lang)}</th>
                    {show_requester.then(|| view! { <th scope="col">{Msg::Requester.text(lang)}</th> })}
                    <th scope="col">{Msg::Unit.text(lang)}</th>
                    <th scope="col">{Msg::StatusLabel.text(lang)}</th>
                    {sort_header(&sorting, "due", Msg::DueDate, lang)}
                    <th scope="col">{Msg::Assignee.text(lang)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// Where a list's column headers lead: the list's order now (`due`,
/// `-due`, `registered`, `-registered`) and the address of the same view in
/// each order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SortLinks {
    pub current: String,
    pub hrefs: Vec<(String, String)>,
}

impl SortLinks {
    /// The order a click on `column`'s header asks for: the other direction
    /// of the current one, or the column's first (due: soonest first;
    /// registered: newest first).
    pub fn next(&self, column: &str) -> String {
        let desc = format!("-{column}");
        if self.current == column {
            desc
        } else if self.current == desc || column == "due" {
            column.to_string()
        } else {
            desc
        }
    }

    fn href(&self, code: &str) -> Option<&str> {
        self.hrefs
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, h)| h.as_str())
    }
}

/// A column header that sorts the list by `column` when it can: a link,
/// with `aria-sort` telling the current order.
fn sort_header(sorting: &Option<SortLinks>, column: &str, label: Msg, lang: Lang) -> AnyView {
    let Some(s) = sorting else {
        return view! { <th scope="col">{label.text(lang)}</th> }.into_any();
    };
    let sorted = if s.current == column {
        Some("ascending")
    } else if s.current == format!("-{column}") {
        Some("descending")
    } else {
        None
    };
    let arrow = match sorted {
        Some("ascending") => " ▲",
        Some(_) => " ▼",
        None => "",
    };
    let next = s.next(column);
    let href = s.href(&next).unwrap_or_default().to_string();
    let title = match (next.starts_with('-'), lang) {
        (false, Lang::Ru) => "сортировать по возрастанию",
        (true, Lang::Ru) => "сортировать по убыванию",
        (false, Lang::En) => "sort ascending",
        (true, Lang::En) => "sort descending",
    };
    view! {
        <th scope="col" aria-sort=sorted class="sortable">
            <a href=href data-sort=next title=title>{label.text(lang)}<span aria-hidden="true">{arrow}</span></a>
        </th>
    }
    .into_any()
}

/// Shown instead of a page's content to visitors who are not signed in.
#[component]
pub fn SignInFirst(lang: Lang) -> impl IntoView {
    // Signed in, the visitor comes back to this very page (a link from an
    // e-mail keeps its target).
    let location = leptos_router::hooks::use_location();
    let here = {
        let path = location.pathname.get_untracked();
        let search = location.search.get_untracked();
        if search.is_empty() {
            path
        } else {
            format!("{path}?{}", search.trim_start_matches('?'))
        }
    };
    let href = format!("/login?next={}", urlencode(&here));
    view! {
        <div class="alert" role="alert">
            <p>{i18n::error(&AppError::Unauthenticated, lang)}</p>
            <p><a href=href>{Msg::SignIn.text(lang)}</a></p>
        </div>
    }
}

/// Percent-encodes a query value (UTF-8), leaving the unreserved characters.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A page for signed-in people: one `Suspense` waits for the session and
/// whatever `body` awaits; visitors who are not signed in are asked to sign
/// in first. `body` gets the session and its user.
pub fn signed_in_page<F, Fut>(body: F) -> impl IntoView
where
    F: Fn(SessionInfo, UserView) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = AnyView> + Send + 'static,
{
    let session = use_session();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let body = body.clone();
                Suspend::new(async move {
                    let info = session_info(session).await;
                    match info.user.clone() {
                        Some(user) => body(info, user).await,
                        None => view! { <SignInFirst lang=info.lang/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Rendered on the server, a page that could not load answers with the
/// error's HTTP status (a missing request is a 404, not a 200); the
/// page asking to sign in first stays a 200.
pub fn answer_status(error: &AppError) {
    #[cfg(feature = "ssr")]
    if *error != AppError::Unauthenticated
        && let Some(options) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = axum::http::StatusCode::from_u16(error.http_status())
    {
        options.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = error;
}

/// A failure to load a page's data, worded for a person.
#[component]
pub fn LoadError(error: AppError, lang: Lang) -> impl IntoView {
    answer_status(&error);
    if error == AppError::Unauthenticated {
        return view! { <SignInFirst lang=lang/> }.into_any();
    }
    view! { <div class="alert alert-error" role="alert"><p>{i18n::error(&error, lang)}</p></div> }
        .into_any()
}

/// The error a plain-form upload came back with (`?upload_error=…&max=…`), if any.
pub fn upload_error(q: &leptos_router::params::ParamsMap) -> Option<AppError> {
    let code = q.get("upload_error")?;
    let max = q
        .get("max")
        .and_then(|m| m.parse::<u64>().ok())
        .unwrap_or(10 * 1024 * 1024);
    Some(match code.as_str() {
        "too_large" => AppError::TooLarge { max_bytes: max },
        "unsupported_file_type" => AppError::UnsupportedFileType,
        "invalid" => AppError::invalid("file", crate::domain::FieldErrorCode::Required),
        _ => AppError::Internal,
    })
}

/// Files for download; `href` is the address prefix (`/files/` or `/kb/files/`).
#[component]
pub fn FileList(files: Vec<AttachmentView>, href: &'static str) -> impl IntoView {
    let items = files
        .into_iter()
        .map(|f| {
            let size = format!("{} KB", (f.size + 1023) / 1024);
            view! { <li><a href=format!("{href}{}", f.id) download>{f.file_name}</a>" "<span class="muted">{size}</span></li> }
        })
        .collect_view();
    view! { <ul class="files">{items}</ul> }
}

/// A plain multipart form for one file, with the error of the last try.
#[component]
pub fn UploadForm(action: String, hint: Msg, error: Option<AppError>, lang: Lang) -> impl IntoView {
    view! {
        {error.map(|e| view! { <div class="alert alert-error" role="alert">{i18n::error(&e, lang)}</div> })}
        <form method="post" action=action enctype="multipart/form-data" class="stack">
            <FormToken/>
            <label for="f-file">{Msg::AttachFile.text(lang)}</label>
            <input id="f-file" type="file" name="file" required aria-describedby="h-file"/>
            <p class="hint" id="h-file">{hint.text(lang)}</p>
            <button type="submit">{Msg::Upload.text(lang)}</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::SortLinks;

    #[test]
    fn a_header_turns_its_order_round_or_starts_with_the_columns_own() {
        let at = |current: &str| SortLinks {
            current: current.into(),
            hrefs: Vec::new(),
        };
        assert_eq!(at("due").next("due"), "-due");
        assert_eq!(at("-due").next("due"), "due");
        assert_eq!(at("-registered").next("due"), "due");
        assert_eq!(at("-registered").next("registered"), "registered");
        assert_eq!(at("registered").next("registered"), "-registered");
        assert_eq!(at("due").next("registered"), "-registered");
    }
}
