//! The bell's page: the signed-in user's notifications, newest first.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::FormToken;

use super::common::{LoadError, fmt_time, signed_in_page};
use crate::i18n::Msg;
use crate::wire::{AppError, Inbox};

#[server]
pub async fn get_inbox() -> Result<Inbox, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    Ok(crate::server::notify::inbox(&state, &caller, 50).await?)
}

#[server]
pub async fn mark_all_read() -> Result<u64, AppError> {
    let (state, caller) = super::ssr::caller().await?;
    Ok(crate::server::notify::mark_all_read(&state, &caller).await?)
}

#[server]
pub async fn save_queue_mail(queue_mail: Option<String>) -> Result<(), AppError> {
    let (state, caller) = super::ssr::caller().await?;
    let on = queue_mail.is_some_and(|v| !v.is_empty() && v != "false");
    Ok(crate::server::notify::set_mail_queue(&state, &caller, on).await?)
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let mark = ServerAction::<MarkAllRead>::new();
    let save = ServerAction::<SaveQueueMail>::new();
    let inbox = Resource::new(
        move || (mark.version().get(), save.version().get()),
        |_| get_inbox(),
    );
    signed_in_page(move |info, _user| async move {
        let lang = info.lang;
        let offset = info.offset();
        let inbox = match inbox.await {
            Ok(i) => i,
            Err(e) => return view! { <LoadError error=e lang=lang/> }.into_any(),
        };
        let empty = inbox.items.is_empty();
        let items = inbox
                .items
                .into_iter()
                .map(|n| {
                    let class = if n.read { "notice" } else { "notice unread" };
                    view! {
                        <li class=class data-id=n.id>
                            <time datetime=n.created_at.to_rfc3339()>{fmt_time(n.created_at, offset)}</time>
                            <p class="body">{n.text}</p>
                            // Through the server, which marks it read on the way.
                            {n.ticket_id.map(|t| {
                                let label = n.ticket_label.clone().unwrap_or_else(|| format!("{} {t}", Msg::Number.text(lang)));
                                view! { <a href=format!("/notifications/{}/open", n.id) rel="external">{label}</a> }
                            })}
                        </li>
                    }
                })
                .collect_view();
        view! {
            <leptos_meta::Title text=Msg::Notifications.text(lang)/>
            <h1>{Msg::Notifications.text(lang)}</h1>
            {(inbox.unread > 0).then(|| view! {
                <ActionForm action=mark attr:class="inline">
                    <FormToken/>
                    <button type="submit">{Msg::MarkAllRead.text(lang)}</button>
                </ActionForm>
            })}
            {empty.then(|| view! { <p class="empty">{Msg::NoNotifications.text(lang)}</p> })}
            <ul class="notices">{items}</ul>
            {inbox.queue_mail.map(|on| view! {
                <section class="settings" aria-labelledby="h-mail">
                    <h2 id="h-mail">{Msg::MailSettings.text(lang)}</h2>
                    <ActionForm action=save attr:class="stack queue-mail-form">
                        <FormToken/>
                        <div class="checkbox">
                            <input type="checkbox" id="f-queue-mail" name="queue_mail" value="true" checked=on/>
                            <label for="f-queue-mail">{Msg::QueueMail.text(lang)}</label>
                        </div>
                        <p class="hint">{Msg::QueueMailHint.text(lang)}</p>
                        <button type="submit">{Msg::Save.text(lang)}</button>
                    </ActionForm>
                </section>
            })}
        }
        .into_any()
    })
}
