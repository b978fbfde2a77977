//! The application shell and routes.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, SsrMode, lazy_route, path};

use crate::features::admin_calendar::CalendarPage;
use crate::features::auth::{Header, LoginPage};
use crate::features::kb::{ArticlePage, KnowledgeBasePage};
use crate::features::kb_edit::{ArticleEditPage, ArticleHistoryPage, TemplatesPage};
use crate::features::notifications::NotificationsPage;
use crate::features::reports::{MeetingPage, ReportsPage};
use crate::features::request_new::{NewRequestPage, RegisterRequestPage};
use crate::features::request_page::RequestPage;
use crate::features::requests::{HomePage, MyRequestsPage, QueuePage};
use crate::features::{SessionResource, get_session, session_info, use_session};
use crate::i18n::{Lang, Msg};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_policy();
    view! {
        <!DOCTYPE html>
        // `lang` comes from `DocumentLang` (the reader's language), once.
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The Content-Security-Policy of a page: its inline scripts (hydration,
/// streamed data) carry this render's nonce; `'wasm-unsafe-eval'` lets the
/// hydration code compile; styles come from the site's stylesheet only.
#[cfg(feature = "ssr")]
pub fn page_policy(nonce: &str) -> String {
    let mut policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    if std::env::var_os("LEPTOS_WATCH").is_some() {
        // `cargo leptos watch` reloads the page over its own socket.
        policy.push_str("; connect-src 'self' ws://localhost:3001 ws://127.0.0.1:3001");
    }
    policy
}

#[cfg(feature = "ssr")]
fn set_page_policy() {
    use axum::http::{HeaderValue, header};
    let nonce = leptos::nonce::use_nonce();
    let options = use_context::<leptos_axum::ResponseOptions>();
    if let (Some(nonce), Some(options)) = (nonce, options)
        && let Ok(value) = HeaderValue::from_str(&page_policy(&nonce.to_string()))
    {
        options.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
fn NotFound() -> impl IntoView {
    crate::features::common::answer_status(&crate::wire::AppError::NotFound);
    let session = use_session();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let lang = session_info(session).await.lang;
                view! {
                    <h1>{Msg::NotFoundTitle.text(lang)}</h1>
                    <p><a href="/">{Msg::BackHome.text(lang)}</a></p>
                }
            })}
        </Suspense>
    }
}

/// A tab's title: the page's own, then the service's name.
fn title_format(lang: Lang) -> impl Fn(String) -> String + Send + Sync + 'static {
    move |page: String| {
        let app = Msg::AppName.text(lang);
        if page.is_empty() {
            app.to_string()
        } else {
            format!("{page} — {app}")
        }
    }
}

#[component]
fn DocumentLang() -> impl IntoView {
    let session = use_session();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let lang = session_info(session).await.lang;
                view! {
                    <leptos_meta::Html {..} lang=lang.code()/>
                    <Title formatter=title_format(lang)/>
                }
            })}
        </Suspense>
    }
}

/// Each page's code is a chunk of its own in the browser bundle
/// (`cargo leptos build --split`): the first load brings the shell (header,
/// router, session) and the chunk of the page asked for; another page's
/// chunk comes when the reader goes there. The server renders them all as
/// before.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident,)*) => {$(
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(this: Self) -> AnyView {
                let _ = this;
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    HomeRoute => HomePage,
    LoginRoute => LoginPage,
    MyRequestsRoute => MyRequestsPage,
    NewRequestRoute => NewRequestPage,
    RequestRoute => RequestPage,
    QueueRoute => QueuePage,
    RegisterRequestRoute => RegisterRequestPage,
    NotificationsRoute => NotificationsPage,
    ReportsRoute => ReportsPage,
    MeetingRoute => MeetingPage,
    CalendarRoute => CalendarPage,
    KnowledgeBaseRoute => KnowledgeBasePage,
    ArticleEditRoute => ArticleEditPage,
    TemplatesRoute => TemplatesPage,
    ArticleRoute => ArticlePage,
    ArticleHistoryRoute => ArticleHistoryPage,
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let session = Resource::new(|| (), |_| get_session());
    provide_context(SessionResource(session));
    view! {
        <Stylesheet id="leptos" href="/pkg/servicedesk.css"/>
        // First on the title's stack: a page's own title, set later, wins.
        <Title formatter=title_format(Lang::Ru) text=""/>
        <DocumentLang/>
        <Router>
            <Header/>
            <main id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view={Lazy::<HomeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/requests") view={Lazy::<MyRequestsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/requests/new") view={Lazy::<NewRequestRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/requests/:id") view={Lazy::<RequestRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/queue") view={Lazy::<QueueRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/queue/register") view={Lazy::<RegisterRequestRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/notifications") view={Lazy::<NotificationsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/reports") view={Lazy::<ReportsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/reports/meeting") view={Lazy::<MeetingRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/calendar") view={Lazy::<CalendarRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/kb") view={Lazy::<KnowledgeBaseRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/kb/new") view={Lazy::<ArticleEditRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/kb/templates") view={Lazy::<TemplatesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/kb/:id") view={Lazy::<ArticleRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/kb/:id/edit") view={Lazy::<ArticleEditRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/kb/:id/history") view={Lazy::<ArticleHistoryRoute>::new()} ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
