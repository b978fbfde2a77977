//! Who may do what, as one table: every REST route and every plain browser
//! route, called as anonymous and as each demo role against another
//! person's request and another unit's objects, compared with `ACCESS`.
//! The routes are read from the routers' source, so a route added without a
//! line in the table fails the test. Every server function has its line
//! too, with arguments that reach its rule, and is called the same way.

mod common;

use common::{Backend, TestDb};
use reqwest::{Client, StatusCode, redirect::Policy};
use serde_json::{Value, json};

/// The demo people: the requester, another unit's executor and head, the
/// request's unit's executor and head, the administrator.
const ROLES: [&str; 7] = [
    "anonymous",
    "ivanova",
    "popov",
    "morozova",
    "smirnov",
    "kuznetsova",
    "admin",
];

#[derive(Debug, Clone, Copy)]
enum Who {
    /// Anyone, signed in or not.
    Anyone,
    /// Any signed-in person.
    Signed,
    /// Those who see the request: its requester, its unit's staff, the administrator.
    Viewer,
    /// Its requester only: confirming, reopening and rating are hers.
    Requester,
    /// Its unit's executor who works on it (asks the head for more time).
    UnitExecutor,
    /// Nobody signed in (a draft article cannot be marked as having helped).
    Nobody,
    /// Its unit's staff (IT) and the administrator.
    UnitStaff,
    /// Its unit's head (IT) and the administrator.
    UnitHead,
    /// Staff of any unit and the administrator.
    AnyStaff,
    Admin,
    /// Whoever ordered the report file (IT's head) and the administrator.
    ExportOwner,
}

impl Who {
    /// What `role` should hear: served, sent to sign in, or refused.
    fn expects(self, role: &str) -> Outcome {
        if self.admits(role) {
            Outcome::Served
        } else if role == "anonymous" {
            Outcome::SignIn
        } else {
            Outcome::Refused
        }
    }

    fn admits(self, role: &str) -> bool {
        let staff = ["popov", "morozova", "smirnov", "kuznetsova", "admin"];
        let it_staff = ["smirnov", "kuznetsova", "admin"];
        match self {
            Who::Anyone => true,
            Who::Signed => role != "anonymous",
            Who::Viewer => role == "ivanova" || it_staff.contains(&role),
            Who::Requester => role == "ivanova",
            Who::UnitExecutor => role == "smirnov",
            Who::Nobody => false,
            Who::UnitStaff => it_staff.contains(&role),
            Who::UnitHead | Who::ExportOwner => ["kuznetsova", "admin"].contains(&role),
            Who::AnyStaff => staff.contains(&role),
            Who::Admin => role == "admin",
        }
    }
}

#[derive(Clone)]
enum Body {
    None,
    Json(Value),
    Text(&'static str),
    File,
}

/// Every route: method, path as routed (`{t}` the request, `{a}` its file,
/// `{r}` its extension request, `{k}` a draft article of IT, `{kf}` its
/// file, `{m}` an IT template, `{n}` the requester's notice of the request,
/// `{e}` IT's report file), who may, the body.
fn access() -> Vec<(&'static str, &'static str, Who, Body)> {
    use Body::*;
    use Who::*;
    let period = "unit=IT&from=2026-03-01&to=2026-03-31&format=csv";
    let article = json!({"title": "Статья", "body": "Текст", "section": "faq", "status": "draft"});
    vec![
        ("POST", "/api/v1/auth/login", Anyone, Json(json!({"login": "volkov", "password": "demo"}))),
        ("POST", "/api/v1/auth/logout", Anyone, None),
        ("GET", "/api/v1/me", Signed, None),
        ("GET", "/api/v1/me/settings", Signed, None),
        ("PUT", "/api/v1/me/settings", Signed, Json(json!({"mail_queue": true}))),
        ("GET", "/api/v1/request-kinds", Signed, None),
        ("GET", "/api/v1/openapi.json", Anyone, None),
        ("POST", "/api/v1/tickets", Signed, Json(json!({"kind": "esign_key", "subject": "Ключ", "fields": {"system": "sed", "action": "renewal", "holder": "Я"}}))),
        ("GET", "/api/v1/tickets", Signed, None),
        ("GET", "/api/v1/tickets/{t}", Viewer, None),
        ("GET", "/api/v1/tickets/{t}/comments", Viewer, None),
        ("POST", "/api/v1/tickets/{t}/comments", Viewer, Json(json!({"body": "Сообщение"}))),
        ("POST", "/api/v1/tickets/{t}/attachments", Viewer, File),
        ("GET", "/api/v1/attachments/{a}", Viewer, None),
        // Staff of any unit; each checked request refused on its own (queue.rs).
        ("POST", "/api/v1/tickets/bulk", AnyStaff, Json(json!({"ids": [1], "action": "take"}))),
        ("POST", "/api/v1/tickets/{t}/take", UnitStaff, None),
        ("POST", "/api/v1/tickets/{t}/assign", UnitHead, Json(json!({"login": "smirnov"}))),
        ("POST", "/api/v1/tickets/{t}/extend", UnitHead, Json(json!({"days": 5, "reason": "Ждём поставку"}))),
        ("POST", "/api/v1/tickets/{t}/transfer", UnitStaff, Json(json!({"unit": "AHO", "reason": "Не наш вопрос"}))),
        ("POST", "/api/v1/tickets/{t}/answer", UnitStaff, Json(json!({"body": "Готово", "final": true, "outcome": "solved"}))),
        ("POST", "/api/v1/tickets/{t}/confirm", Requester, None),
        ("POST", "/api/v1/tickets/{t}/reopen", Requester, Json(json!({"reason": "Не работает"}))),
        ("POST", "/api/v1/tickets/{t}/close", UnitHead, Json(json!({"reason": "Решено"}))),
        ("POST", "/api/v1/tickets/{t}/rating", Requester, Json(json!({"score": 5}))),
        ("GET", "/api/v1/tickets/{t}/extension-requests", UnitStaff, None),
        ("POST", "/api/v1/tickets/{t}/extension-requests", UnitExecutor, Json(json!({"days": 3, "reason": "Ждём"}))),
        ("POST", "/api/v1/tickets/{t}/extension-requests/{r}/approve", UnitHead, Json(json!({"reason": "Да"}))),
        ("POST", "/api/v1/tickets/{t}/extension-requests/{r}/refuse", UnitHead, Json(json!({"reason": "Нет"}))),
        ("GET", "/api/v1/calendar/deadline", Signed, None),
        ("PUT", "/api/v1/calendar/days/{date}", Admin, Json(json!({"kind": "holiday", "name": "День"}))),
        ("POST", "/api/v1/calendar/import", Admin, Text("{not a calendar")),
        ("GET", "/api/v1/calendar/{year}/{month}", Signed, None),
        ("GET", "/api/v1/notifications", Signed, None),
        ("POST", "/api/v1/notifications/read", Signed, Json(json!({}))),
        ("GET", "/api/v1/kb/sections", Signed, None),
        ("POST", "/api/v1/kb/sections", Admin, Json(json!({"code": "new", "title": "Новый", "title_en": "New"}))),
        ("GET", "/api/v1/kb/search", Signed, None),
        ("GET", "/api/v1/kb/suggest", Signed, None),
        ("POST", "/api/v1/kb/articles", AnyStaff, Json(article.clone())),
        ("GET", "/api/v1/kb/articles", Signed, None),
        ("GET", "/api/v1/kb/articles/{k}", UnitStaff, None),
        ("PUT", "/api/v1/kb/articles/{k}", UnitStaff, Json(article)),
        ("DELETE", "/api/v1/kb/articles/{k}", UnitStaff, None),
        ("GET", "/api/v1/kb/articles/{k}/versions", UnitStaff, None),
        ("GET", "/api/v1/kb/articles/{k}/compare", UnitStaff, None),
        ("POST", "/api/v1/kb/articles/{k}/restore", UnitStaff, Json(json!({"version": 1}))),
        ("POST", "/api/v1/kb/articles/{k}/solved", Nobody, Json(json!({"subject": "Вопрос"}))),
        ("POST", "/api/v1/kb/articles/{k}/files", UnitStaff, File),
        ("GET", "/api/v1/kb/files/{kf}", UnitStaff, None),
        ("DELETE", "/api/v1/kb/files/{kf}", UnitStaff, None),
        ("GET", "/api/v1/templates", AnyStaff, None),
        ("POST", "/api/v1/templates", AnyStaff, Json(json!({"title": "Шаблон", "body": "Текст"}))),
        ("GET", "/api/v1/templates/{m}", UnitStaff, None),
        ("PUT", "/api/v1/templates/{m}", UnitStaff, Json(json!({"title": "Шаблон", "body": "Другой текст"}))),
        ("DELETE", "/api/v1/templates/{m}", UnitStaff, None),
        ("GET", "/api/v1/reports/workload", UnitHead, None),
        ("GET", "/api/v1/reports/period", UnitHead, None),
        ("POST", "/api/v1/reports/exports", UnitHead, Json(json!({"unit": "IT", "from": "2026-03-01", "to": "2026-03-31", "format": "csv"}))),
        ("GET", "/api/v1/reports/exports/{e}", ExportOwner, None),
        ("GET", "/api/v1/reports/exports/{e}/file", ExportOwner, None),
        ("PUT", "/api/v1/reports/proposals", UnitHead, Json(json!({"unit": "IT", "from": "2026-03-01", "to": "2026-03-31", "text": "Предложение"}))),
        // Plain browser routes (forms and downloads).
        ("GET", "/healthz", Anyone, None),
        ("GET", "/readyz", Anyone, None),
        // From loopback without a proxy's header, as here; through a proxy
        // only the administrator (tests/nodes.rs).
        ("GET", "/metrics", Anyone, None),
        ("POST", "/auth/login", Anyone, Text("login=volkov&password=demo")),
        ("POST", "/auth/logout", Anyone, None),
        ("POST", "/auth/lang", Anyone, Text("lang=en")),
        ("POST", "/requests/{t}/files", Viewer, File),
        ("GET", "/files/{a}", Viewer, None),
        ("GET", "/notifications/{n}/open", Requester, None),
        ("POST", "/kb/{k}/files", UnitStaff, File),
        ("GET", "/kb/files/{kf}", UnitStaff, None),
        ("POST", "/admin/calendar/import", Admin, File),
        ("GET", "/queue/export.csv", AnyStaff, None),
        ("GET", "/queue/export.xlsx", AnyStaff, None),
        ("GET", "/requests/export.csv", Signed, None),
        ("GET", "/requests/export.xlsx", Signed, None),
        ("GET", "/reports/file", UnitHead, None),
        ("GET", "/reports/exports/{e}/file", ExportOwner, None),
    ]
    .into_iter()
    .map(|(m, p, w, b)| {
        // Query strings the GET routes need to reach their rule.
        let p: &'static str = match p {
            "/api/v1/reports/workload" | "/api/v1/reports/period" | "/reports/file" => {
                Box::leak(format!("{p}?{period}").into_boxed_str())
            }
            "/api/v1/kb/articles/{k}/compare" => "/api/v1/kb/articles/{k}/compare?from=1&to=1",
            "/api/v1/calendar/deadline" => "/api/v1/calendar/deadline?registered_on=2026-03-02&kind=written",
            "/api/v1/kb/search" => "/api/v1/kb/search?q=ключ",
            "/api/v1/kb/suggest" => "/api/v1/kb/suggest?subject=ключ",
            other => other,
        };
        (m, p, w, b)
    })
    .collect()
}

/// `(method, path)` of every `.route(…)` in the routers' source.
fn routed() -> Vec<(String, String)> {
    let sources = [
        include_str!("../src/api/mod.rs"),
        include_str!("../src/api/lifecycle.rs"),
        include_str!("../src/reports.rs"),
        include_str!("../src/forms.rs"),
        include_str!("../src/health.rs"),
        include_str!("../src/metrics.rs"),
    ];
    let mut out = Vec::new();
    for src in sources {
        let pieces: Vec<&str> = src.split(".route(").skip(1).collect();
        for piece in pieces {
            let Some(rest) = piece.trim_start().strip_prefix('"') else {
                continue;
            };
            let Some((path, tail)) = rest.split_once('"') else {
                continue;
            };
            // The methods chained on this route, up to the next one.
            let tail = tail.split(".merge(").next().unwrap_or(tail);
            for method in ["get", "post", "put", "delete", "patch"] {
                let called = tail.match_indices(&format!("{method}(")).any(|(i, _)| {
                    i == 0
                        || !tail.as_bytes()[i - 1].is_ascii_alphanumeric()
                            && tail.as_bytes()[i - 1] != b'_'
                });
                if called {
                    out.push((method.to_uppercase(), path.to_string()));
                }
            }
        }
    }
    out
}

#[test]
fn every_route_has_a_line_in_the_access_table() {
    let table: Vec<(String, String)> = access()
        .into_iter()
        .map(|(m, p, _, _)| (m.to_string(), p.split('?').next().unwrap_or(p).to_string()))
        .collect();
    let mut missing = Vec::new();
    for (method, path) in routed() {
        if path == "/api/v1/{*rest}" {
            continue; // the JSON 404 for unknown addresses
        }
        // The table names path parameters by what they stand for.
        let known = table.iter().any(|(m, p)| {
            m == &method && {
                let a: Vec<&str> = p.split('/').collect();
                let b: Vec<&str> = path.split('/').collect();
                a.len() == b.len()
                    && a.iter()
                        .zip(&b)
                        .all(|(x, y)| x == y || (x.starts_with('{') && y.starts_with('{')))
            }
        });
        if !known {
            missing.push(format!("{method} {path}"));
        }
    }
    assert!(routed().len() > 60, "the routes were read: {:?}", routed());
    assert!(
        missing.is_empty(),
        "routes without a line in ACCESS: {missing:?}"
    );
}

/// What an answer means for access.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Not signed in: 401, or a browser sent to the sign-in page.
    SignIn,
    /// Refused or hidden: 403 or 404, or a page told so.
    Refused,
    /// Anything else (done, or refused for a reason that is not access).
    Served,
}

fn outcome(status: StatusCode, location: Option<&str>) -> Outcome {
    let location = location.unwrap_or_default();
    if status == StatusCode::UNAUTHORIZED || location.starts_with("/login") {
        Outcome::SignIn
    } else if matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
        || ["error=forbidden", "error=not_found"]
            .iter()
            .any(|e| location.contains(e))
    {
        Outcome::Refused
    } else {
        Outcome::Served
    }
}

struct Objects {
    values: Vec<(&'static str, String)>,
}

fn png() -> Vec<u8> {
    [
        &[0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..],
        &[3u8; 32][..],
    ]
    .concat()
}

async fn login(http: &Client, base: &str, who: &str) -> String {
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"login": who, "password": "demo"}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), StatusCode::OK, "{who}");
    r.json::<Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string()
}

async fn call(
    http: &Client,
    base: &str,
    token: &str,
    method: &str,
    path: &str,
    body: &Body,
) -> reqwest::Response {
    let url = format!("{base}{path}");
    let mut r = http.request(method.parse().expect("method"), &url);
    if !token.is_empty() {
        // Browser routes ride the cookie; the API takes the bearer token.
        r = if path.starts_with("/api/") {
            r.bearer_auth(token)
        } else {
            r.header("cookie", format!("sd_session={token}"))
                .header("sec-fetch-site", "same-origin")
        };
    }
    r = match body {
        Body::None => r,
        Body::Json(v) => r.json(v),
        Body::Text(t) if path.starts_with("/api/") => r.body(*t),
        Body::Text(t) => r
            .header("content-type", "application/x-www-form-urlencoded")
            .body(*t),
        Body::File => r.multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(png()).file_name("снимок.png"),
        )),
    };
    r.send().await.expect("send")
}

/// The people who make the objects, signed in once.
struct Makers {
    ivanova: String,
    smirnov: String,
    /// IT's report file, ordered once by IT's head and ready.
    export: String,
}

async fn post(http: &Client, base: &str, token: &str, path: &str, body: Body) -> Value {
    let r = call(http, base, token, "POST", path, &body).await;
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.expect("json")
}

async fn makers(http: &Client, base: &str) -> Makers {
    let kuznetsova = login(http, base, "kuznetsova").await;
    let export = post(
        http,
        base,
        &kuznetsova,
        "/api/v1/reports/exports",
        Body::Json(
            json!({"unit": "IT", "from": "2026-03-01", "to": "2026-03-31", "format": "csv"}),
        ),
    )
    .await["id"]
        .to_string();
    for _ in 0..100 {
        let r = call(
            http,
            base,
            &kuznetsova,
            "GET",
            &format!("/api/v1/reports/exports/{export}"),
            &Body::None,
        )
        .await;
        if r.json::<Value>().await.expect("json")["state"] == "ready" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Makers {
        ivanova: login(http, base, "ivanova").await,
        smirnov: login(http, base, "smirnov").await,
        export,
    }
}

/// A fresh world for one call: ivanova's request in IT with a file, taken
/// by smirnov, with his extension request; a draft article of IT with a
/// file; an IT template.
async fn objects(http: &Client, base: &str, by: &Makers) -> Objects {
    let t = post(
        http,
        base,
        &by.ivanova,
        "/api/v1/tickets",
        Body::Json(json!({"kind": "esign_key", "subject": "Ключ", "fields": {"system": "sed", "action": "renewal", "holder": "Иванова"}})),
    )
    .await["id"]
        .to_string();
    let a = post(
        http,
        base,
        &by.ivanova,
        &format!("/api/v1/tickets/{t}/attachments"),
        Body::File,
    )
    .await["id"]
        .to_string();
    post(
        http,
        base,
        &by.smirnov,
        &format!("/api/v1/tickets/{t}/take"),
        Body::None,
    )
    .await;
    post(
        http,
        base,
        &by.smirnov,
        &format!("/api/v1/tickets/{t}/extension-requests"),
        Body::Json(json!({"days": 3, "reason": "Ждём поставку"})),
    )
    .await;
    let asked = call(
        http,
        base,
        &by.smirnov,
        "GET",
        &format!("/api/v1/tickets/{t}/extension-requests"),
        &Body::None,
    )
    .await;
    let r = asked.json::<Value>().await.expect("json")[0]["id"].to_string();
    let k = post(
        http,
        base,
        &by.smirnov,
        "/api/v1/kb/articles",
        Body::Json(
            json!({"title": "Черновик", "body": "Текст", "section": "faq", "status": "draft"}),
        ),
    )
    .await["id"]
        .to_string();
    let kf = post(
        http,
        base,
        &by.smirnov,
        &format!("/api/v1/kb/articles/{k}/files"),
        Body::File,
    )
    .await["id"]
        .to_string();
    // Ivanova's acknowledgement of the request: a notice of hers alone.
    let inbox = call(
        http,
        base,
        &by.ivanova,
        "GET",
        "/api/v1/notifications",
        &Body::None,
    )
    .await
    .json::<Value>()
    .await
    .expect("json");
    let n = inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|n| n["ticket_id"].as_i64().map(|id| id.to_string()).as_deref() == Some(t.as_str()))
        .expect("her notice of the request")["id"]
        .to_string();
    let m = post(
        http,
        base,
        &by.smirnov,
        "/api/v1/templates",
        Body::Json(json!({"title": "Шаблон", "body": "Готово."})),
    )
    .await["id"]
        .to_string();
    Objects {
        values: vec![
            ("{t}", t),
            ("{a}", a),
            ("{r}", r),
            ("{kf}", kf),
            ("{k}", k),
            ("{m}", m),
            ("{n}", n),
            ("{e}", by.export.clone()),
            ("{date}", "2026-04-01".into()),
            ("{year}", "2026".into()),
            ("{month}", "4".into()),
        ],
    }
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_access_table_says() {
    let db = TestDb::new(Backend::Sqlite).await;
    let base = common::serve(db.state.clone()).await;
    let http = Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client");
    let by = makers(&http, &base).await;
    let mut wrong = Vec::new();
    for (method, template, who, body) in access() {
        for role in ROLES {
            // A fresh world for each call: what one call changes cannot
            // decide the next one's answer.
            let world = objects(&http, &base, &by).await;
            let path = world
                .values
                .iter()
                .fold(template.to_string(), |p, (k, v)| p.replace(k, v));
            let token = if role == "anonymous" {
                String::new()
            } else {
                login(&http, &base, role).await
            };
            let r = call(&http, &base, &token, method, &path, &body).await;
            let location = r
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let status = r.status();
            let mut got = outcome(status, location.as_deref());
            if template == "/auth/logout" && location.as_deref() == Some("/login") {
                // Signing out ends on the sign-in page, for everyone.
                got = Outcome::Served;
            }
            let expected = who.expects(role);
            if got != expected {
                wrong.push(format!(
                    "{method} {template} as {role}: expected {expected:?}, got {status} {location:?}"
                ));
            }
            // An API refusal is always the JSON error.
            if path.starts_with("/api/") && (status.is_client_error() || status.is_server_error()) {
                let json = r
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("application/json"));
                if !json {
                    wrong.push(format!(
                        "{method} {template} as {role}: {status} is not JSON"
                    ));
                }
            }
            if status.is_server_error() {
                wrong.push(format!("{method} {template} as {role}: {status}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} answers differ from the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    db.cleanup().await;
}

#[test]
fn the_openapi_document_and_the_router_name_the_same_operations() {
    let doc = server::openapi::document();
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            documented.push((method.to_uppercase(), format!("/api/v1{path}")));
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                responses.contains_key("default"),
                "{method} {path}: no default refusal"
            );
            if !["/auth/login", "/auth/logout", "/openapi.json"].contains(&path.as_str()) {
                assert!(responses.contains_key("401"), "{method} {path}: no 401");
            }
        }
    }
    // Parameter names differ ({id} here, {rid} there): compare the shapes.
    let shape = |p: &str| -> String {
        p.split('/')
            .map(|s| if s.starts_with('{') { "{}" } else { s })
            .collect::<Vec<_>>()
            .join("/")
    };
    let routed: Vec<(String, String)> = routed()
        .into_iter()
        .filter(|(_, p)| p.starts_with("/api/v1/") && p != "/api/v1/{*rest}")
        .map(|(m, p)| (m, shape(&p)))
        .collect();
    let documented: Vec<(String, String)> = documented
        .into_iter()
        .map(|(m, p)| (m, shape(&p)))
        .collect();
    assert!(routed.len() > 55, "{routed:?}");
    let undocumented: Vec<_> = routed.iter().filter(|r| !documented.contains(r)).collect();
    let unrouted: Vec<_> = documented.iter().filter(|d| !routed.contains(d)).collect();
    assert!(
        undocumented.is_empty(),
        "routed but not in the document: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "in the document but not routed: {unrouted:?}"
    );
}

/// Rows of every table a request could write, to see that a refused one wrote nothing.
async fn rows(db: &TestDb) -> Vec<(&'static str, i64)> {
    use sea_orm::{ConnectionTrait, Statement};
    let mut out = Vec::new();
    for table in [
        "tickets",
        "comments",
        "attachments",
        "ticket_events",
        "ticket_ratings",
        "extension_requests",
        "kb_articles",
        "kb_article_versions",
        "kb_attachments",
        "kb_sections",
        "answer_templates",
        "calendar_days",
        "report_proposals",
        "notifications",
    ] {
        let row = db
            .state
            .db
            .query_one_raw(Statement::from_string(
                db.state.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row");
        out.push((table, row.try_get::<i64>("", "n").expect("n")));
    }
    out
}

/// A small deterministic generator: the same bytes on every run.
struct Lcg(u64);

impl Lcg {
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| {
                self.0 = self
                    .0
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (self.0 >> 33) as u8
            })
            .collect()
    }
}

#[tokio::test]
async fn malformed_input_never_fails_the_server_nor_writes_anything() {
    let db = TestDb::new(Backend::Sqlite).await;
    let base = common::serve(db.state.clone()).await;
    let http = Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client");
    let by = makers(&http, &base).await;
    let world = objects(&http, &base, &by).await;
    let admin = login(&http, &base, "admin").await;
    let doc = server::openapi::document();
    let mut random = Lcg(2026);
    let bodies: Vec<Vec<u8>> = vec![
        b"{".to_vec(),
        b"[]".to_vec(),
        b"null".to_vec(),
        b"\"text\"".to_vec(),
        br#"{"body":123,"days":"x","score":"x","final":"yes","login":[],"unit":{},"reason":null,"title":7,"status":1,"version":"v","text":false,"kind":[],"subject":{},"fields":"x","mail_queue":"x"}"#.to_vec(),
        br#"{"days":-100000000000,"score":99999999999999999999,"version":-1,"body":"","reason":""}"#.to_vec(),
        random.bytes(300),
    ];
    let real: std::collections::HashMap<&str, String> = world.values.iter().cloned().collect();
    let mut wrong = Vec::new();
    let mut calls = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            let method = method.to_uppercase();
            // Path parameters: nonsense, and the real objects with a bad body.
            let mut paths: Vec<String> = [
                "0",
                "-1",
                "abc",
                "99999999999999999999",
                "%00",
                "..%2F..",
                "%FF",
            ]
            .iter()
            .map(|bad| {
                path.split('/')
                    .map(|s| if s.starts_with('{') { *bad } else { s })
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect();
            let with_real = path
                .replace("{id}", &real["{t}"])
                .replace("{rid}", &real["{r}"])
                .replace("{date}", "2026-13-45")
                .replace("{year}", "20x6")
                .replace("{month}", "13");
            paths.push(with_real);
            if !path.contains('{') {
                paths = vec![path.to_string()];
            }
            for p in paths {
                let queries = [
                    "",
                    "?limit=-1&from=x&to=2026-02-30&q=%FF&cursor=zz&unit=%00&format=exe&period=year&status=nope&sort=x",
                ];
                for q in queries {
                    let url = format!("{base}/api/v1{p}{q}");
                    let variants: Vec<Option<&Vec<u8>>> = if method == "GET" || method == "DELETE" {
                        vec![None]
                    } else {
                        bodies.iter().map(Some).collect()
                    };
                    for body in variants {
                        let before = rows(&db).await;
                        let mut r = http
                            .request(method.parse().expect("method"), &url)
                            .bearer_auth(&admin);
                        if let Some(b) = body {
                            r = r.header("content-type", "application/json").body(b.clone());
                        }
                        let r = r.send().await.expect("send");
                        calls += 1;
                        let status = r.status();
                        let json = r
                            .headers()
                            .get("content-type")
                            .and_then(|v| v.to_str().ok())
                            .is_some_and(|v| v.starts_with("application/json"));
                        let what = format!(
                                "{method} {p}{q} {:?}: {status}",
                                body.map(
                                    |b| String::from_utf8_lossy(&b[..b.len().min(40)]).to_string()
                                )
                            );
                        if status.is_server_error() {
                            wrong.push(what.clone());
                        }
                        if (status.is_client_error() || status.is_server_error()) && !json {
                            wrong.push(format!("{what} is not JSON"));
                        }
                        if !status.is_success() && rows(&db).await != before {
                            wrong.push(format!("{what} refused but wrote"));
                        }
                    }
                }
            }
        }
    }
    assert!(calls > 500, "{calls} calls");
    assert!(
        wrong.is_empty(),
        "{} of {calls} calls:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    db.cleanup().await;
}

/// Every server function with arguments that reach its rule, and who may.
/// `MULTIPART` stands for the new-request form.
fn server_fns() -> Vec<(&'static str, &'static str, Who)> {
    use Who::*;
    vec![
        ("get_session", "", Anyone),
        ("get_month", "year=2026&month=4", Admin),
        ("set_calendar_day", "date=2026-04-01&kind=holiday", Admin),
        ("search_kb", "q=ключ", Signed),
        ("latest_articles", "", Signed),
        ("get_article", "id={k}", UnitStaff),
        ("edit_context", "id={k}", UnitStaff),
        (
            "save_article",
            "id={k}&title=Черновик&section=faq&status=draft&body=Текст",
            UnitStaff,
        ),
        ("article_history", "id={k}", UnitStaff),
        ("restore_version", "id={k}&version=1", UnitStaff),
        ("list_templates", "", AnyStaff),
        ("save_template", "id={m}&title=Шаблон&body=Текст", UnitStaff),
        ("delete_template", "id={m}", UnitStaff),
        ("get_inbox", "", Signed),
        ("unread_notices", "", Signed),
        ("find_people", "q=ов", AnyStaff),
        ("get_queue_counts", "unit=IT", AnyStaff),
        ("list_queue_views", "", Signed),
        ("save_queue_view", "name=Мои&query=assignee%3Dme", Signed),
        // A view that is nobody's own (each person's are tested in queue.rs).
        ("delete_queue_view", "id=0", Nobody),
        ("mark_all_read", "", Signed),
        ("save_queue_mail", "queue_mail=on", Signed),
        (
            "get_workload",
            "unit=IT&from=2026-03-01&to=2026-03-31",
            UnitHead,
        ),
        (
            "save_report_proposals",
            "unit=IT&from=2026-03-01&to=2026-03-31&text=Предложение",
            UnitHead,
        ),
        (
            "start_report_export",
            "unit=IT&from=2026-03-01&to=2026-03-31&format=csv",
            UnitHead,
        ),
        ("report_export_status", "id={e}", ExportOwner),
        ("get_deadline_context", "", Signed),
        // Anyone signed in reads their own drafts; another's key reads as none.
        ("get_draft", "key=nope", Signed),
        ("suggest_articles", "subject=ключ&kind=esign_key", Signed),
        ("solved_by_article", "article={k}&subject=Вопрос", Nobody),
        ("get_request_kinds", "", Signed),
        ("create_request", "MULTIPART", Signed),
        ("get_request", "id={t}", Viewer),
        ("add_reply", "id={t}&body=Сообщение", Viewer),
        ("confirm_request", "id={t}", Requester),
        ("reopen_request", "id={t}&reason=Не+работает", Requester),
        ("close_request", "id={t}", UnitHead),
        ("rate_answer", "id={t}&score=5", Requester),
        ("ask_extension", "id={t}&days=3&reason=Ждём", UnitExecutor),
        (
            "decide_extension",
            "id={t}&request={r}&decision=approve&reason=Да",
            UnitHead,
        ),
        ("take_request", "id={t}", UnitStaff),
        ("bulk_requests", "ids[]={t}&action=take", AnyStaff),
        ("assign_request", "id={t}&login=smirnov", UnitHead),
        ("extend_request", "id={t}&days=3&reason=Ждём", UnitHead),
        (
            "transfer_request",
            "id={t}&unit=AHO&reason=Не+наш",
            UnitStaff,
        ),
        (
            "answer_request",
            "id={t}&body=Готово&outcome=solved",
            UnitStaff,
        ),
        (
            "list_requests",
            "scope=mine&filters[unit]=&filters[focus]=&filters[assignee]=&filters[status]=&filters[q]=&filters[kind]=&filters[overdue]=&filters[due_before]=&filters[sort]=&filters[cursor]=",
            Signed,
        ),
        // Anyone signed in; a unit's staff are listed only to its own staff.
        ("get_filter_choices", "queue=true&unit=IT", Signed),
    ]
}

#[tokio::test]
async fn every_server_function_answers_each_role_as_its_table_says() {
    let db = TestDb::new(Backend::Sqlite).await;
    let base = common::serve(db.state.clone()).await;
    let http = Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client");
    let table = server_fns();
    let registered: Vec<(String, &str)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| {
            let name = p
                .trim_start_matches("/api/")
                .trim_end_matches(|c: char| c.is_ascii_digit())
                .to_string();
            (name, p)
        })
        .collect();
    let unlisted: Vec<&String> = registered
        .iter()
        .map(|(n, _)| n)
        .filter(|n| !table.iter().any(|(t, _, _)| t == n))
        .collect();
    assert!(
        unlisted.is_empty(),
        "server functions without a line: {unlisted:?}"
    );
    let by = makers(&http, &base).await;
    let mut wrong = Vec::new();
    for (name, args, who) in table {
        let path = registered
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| *p)
            .unwrap_or_else(|| panic!("{name} is not registered"));
        for role in ROLES {
            let world = objects(&http, &base, &by).await;
            let args = world
                .values
                .iter()
                .fold(args.to_string(), |a, (k, v)| a.replace(k, v));
            let mut r = http
                .post(format!("{base}{path}"))
                .header("accept", "application/json");
            if role != "anonymous" {
                let token = login(&http, &base, role).await;
                r = r
                    .header("cookie", format!("sd_session={token}"))
                    .header("sec-fetch-site", "same-origin");
            }
            r = if args == "MULTIPART" {
                r.multipart(
                    reqwest::multipart::Form::new()
                        .text("kind", "esign_key")
                        .text("subject", "Ключ")
                        .text("f[system]", "sed")
                        .text("f[action]", "renewal")
                        .text("f[holder]", "Иванова"),
                )
            } else {
                r.header("content-type", "application/x-www-form-urlencoded")
                    .body(args.clone())
            };
            let r = r.send().await.expect("send");
            let status = r.status();
            let got = outcome(status, None);
            let expected = who.expects(role);
            if got != expected || status.is_server_error() || status == StatusCode::BAD_REQUEST {
                let body = r.text().await.unwrap_or_default();
                let start: String = body.chars().take(120).collect();
                wrong.push(format!(
                    "{name} as {role}: expected {expected:?}, got {status} {start}"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} answers differ from the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    db.cleanup().await;
}
