//! The person lookup: a field where staff type part of a surname (or a
//! login) and pick the employee from the directory. With JavaScript it is a
//! combobox (WAI-ARIA 1.2: arrows move through the list, Enter picks,
//! Escape closes); without it the field is plain text and the service
//! resolves what was typed when the form is sent, naming the people to
//! choose from if it matches several.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Msg};
use crate::wire::AppError;

/// Someone the lookup offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonChoice {
    pub login: String,
    pub name: String,
    pub title: String,
}

/// People in the directory whose login starts with `q` or whose name holds
/// it, ten at most; for staff, who register requests on others' behalf.
#[server]
pub async fn find_people(q: String) -> Result<Vec<PersonChoice>, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    if !(caller.roles.is_staff() || caller.roles.is_admin()) {
        return Err(AppError::Forbidden);
    }
    let found = state
        .directory
        .search(&q, 10)
        .await
        .map_err(AppError::from)?;
    Ok(found
        .into_iter()
        .map(|p| PersonChoice {
            login: p.login,
            name: p.full_name,
            title: p.title,
        })
        .collect())
}

/// The text field with its list of people; the form sends the login picked
/// (or the text typed) under `name`.
#[component]
pub fn PersonLookup(
    id: &'static str,
    name: &'static str,
    value: String,
    /// Ids of the hint and the field's error, for `aria-describedby`.
    described_by: String,
    #[prop(into)] invalid: Signal<bool>,
    #[prop(optional)] autofocus: bool,
    lang: Lang,
) -> impl IntoView {
    let text = RwSignal::new(value.clone());
    let options: RwSignal<Vec<PersonChoice>> = RwSignal::new(Vec::new());
    let active: RwSignal<Option<usize>> = RwSignal::new(None);
    let open = move || !options.with(Vec::is_empty);
    let list_id = format!("{id}-list");
    let option_id = move |i: usize| format!("{id}-opt-{i}");
    let pick = move |i: usize| {
        if let Some(p) = options.with(|o| o.get(i).cloned()) {
            text.set(p.login);
        }
        options.set(Vec::new());
        active.set(None);
    };
    // The latest text typed, so that a slow answer to older text is dropped.
    let asked = StoredValue::new(String::new());
    let on_input = move |ev: leptos::ev::Event| {
        let typed = event_target_value(&ev);
        text.set(typed.clone());
        asked.set_value(typed.clone());
        set_timeout(
            move || {
                if asked.get_value() != typed {
                    return;
                }
                if typed.trim().chars().count() < 2 {
                    options.set(Vec::new());
                    return;
                }
                leptos::task::spawn_local(async move {
                    let found = find_people(typed.clone()).await.unwrap_or_default();
                    if asked.get_value() == typed {
                        active.set(None);
                        options.set(found);
                    }
                });
            },
            std::time::Duration::from_millis(250),
        );
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = options.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % count)));
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                active.update(|a| *a = Some(a.map_or(count - 1, |i| (i + count - 1) % count)));
            }
            "Enter" => {
                if let Some(i) = active.get_untracked().filter(|i| *i < count) {
                    ev.prevent_default();
                    pick(i);
                }
            }
            "Escape" if count > 0 => {
                ev.prevent_default();
                options.set(Vec::new());
                active.set(None);
            }
            _ => {}
        }
    };
    let items = move || {
        options
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let selected = move || active.get() == Some(i);
                let detail = if p.title.is_empty() {
                    p.login.clone()
                } else {
                    format!("{} · {}", p.login, p.title)
                };
                view! {
                    <li id=option_id(i) role="option" aria-selected=move || selected().to_string()
                        class:active=selected data-login=p.login.clone()
                        on:mousedown=move |ev| { ev.prevent_default(); pick(i); }>
                        {p.name.clone()}" "<small>{detail}</small>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <div class="combo">
            <input id=id name=name type="text" required value=value autocomplete="off"
                role="combobox" aria-autocomplete="list" aria-controls=list_id.clone()
                aria-expanded=move || open().to_string()
                aria-activedescendant=move || active.get().map(option_id)
                aria-describedby=described_by
                aria-invalid=move || invalid.get().then_some("true")
                autofocus=autofocus
                prop:value=move || text.get()
                on:input=on_input on:keydown=on_keydown
                on:blur=move |_| {
                    // Leaving the field closes the list, and an answer still
                    // on its way is dropped.
                    asked.set_value(String::new());
                    options.set(Vec::new());
                }/>
            <ul id=list_id role="listbox" aria-label=Msg::PeopleFound.text(lang) hidden=move || !open()>
                {items}
            </ul>
        </div>
    }
}
