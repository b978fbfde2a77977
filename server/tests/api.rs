//! The REST API, called like a client: the whole app on a free port with a
//! fresh database and the real test directory.

mod common;

use common::{Backend, TestDb};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

struct Api {
    base: String,
    http: Client,
}

impl Api {
    async fn start(db: &TestDb) -> Api {
        Api {
            base: common::serve(db.state.clone()).await,
            http: Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    async fn login(&self, login: &str) -> String {
        let r = self
            .http
            .post(self.url("/auth/login"))
            .json(&json!({"login": login, "password": "demo"}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.expect("json");
        body["token"].as_str().expect("token").to_string()
    }

    /// One sign-in attempt, answered as it is.
    async fn try_login(&self, login: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url("/auth/login"))
            .json(&json!({"login": login, "password": password}))
            .send()
            .await
            .expect("send")
    }

    async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("send");
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("send");
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }
}

fn esign() -> Value {
    json!({"kind": "esign_key", "form": "written", "subject": "Продлить ключ ЭП",
           "description": "Сертификат истекает", "fields": {"system": "budget", "action": "renewal", "holder": "Иванова А. С."}})
}

async fn with_api(test: impl AsyncFnOnce(&Api, &TestDb)) {
    let db = TestDb::new(Backend::Sqlite).await;
    let api = Api::start(&db).await;
    test(&api, &db).await;
    db.cleanup().await;
}

#[tokio::test]
async fn sign_in_returns_a_token_and_wrong_credentials_get_401_json() {
    with_api(async |api, _| {
        let token = api.login("ivanova").await;
        let (status, me) = api.get(&token, "/me").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["login"], "ivanova");
        assert_eq!(me["name"], "Иванова Анна Сергеевна");

        let r = api
            .http
            .post(api.url("/auth/login"))
            .json(&json!({"login": "ivanova", "password": "nope"}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["error"]["code"], "bad_credentials");
        assert_eq!(
            body["error"]["message"],
            "Неверное имя пользователя или пароль."
        );

        let r = api
            .http
            .post(api.url("/auth/login"))
            .json(&json!({"login": "ivanova", "password": ""}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let r = api
            .http
            .post(api.url("/auth/login"))
            .body("{not json")
            .header("content-type", "application/json")
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            r.json::<Value>().await.expect("json")["error"]["code"],
            "malformed"
        );

        let (status, body) = api.get("not-a-token", "/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["code"], "unauthenticated");
        let (status, _) = api.post(&token, "/auth/logout", json!({})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(api.get(&token, "/me").await.0, StatusCode::UNAUTHORIZED);
    })
    .await;
}

#[tokio::test]
async fn request_kinds_describe_their_fields_for_any_client() {
    with_api(async |api, _| {
        let token = api.login("ivanova").await;
        let (status, kinds) = api.get(&token, "/request-kinds").await;
        assert_eq!(status, StatusCode::OK);
        let codes: Vec<&str> = kinds
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|k| k["code"].as_str())
            .collect();
        assert_eq!(
            codes,
            [
                "esign_key",
                "workstation",
                "supplies",
                "payment_clarification",
                "other"
            ]
        );
        let payment = &kinds[3];
        assert_eq!(payment["unit"], "BUH");
        let kbk = payment["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["code"] == "kbk")
            .expect("kbk");
        assert_eq!(kbk["type"], "text");
        assert_eq!(kbk["required"], true);
        assert_eq!(kbk["pattern"], "[0-9A-ZА-Я]{20}");
        let items = &kinds[2]["fields"][0];
        assert_eq!(items["type"], "items");
        assert!(items["options"].as_array().is_some_and(|o| !o.is_empty()));
        assert_eq!(kinds[4]["unit"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn a_request_travels_from_employee_to_the_unit_and_back() {
    with_api(async |api, _| {
        let ivanova = api.login("ivanova").await;
        let smirnov = api.login("smirnov").await;
        let popov = api.login("popov").await;

        let (status, t) = api.post(&ivanova, "/tickets", esign()).await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        assert_eq!(t["number"], "IT-2026-000001");
        assert_eq!(
            t["unit"],
            json!({"code": "IT", "name": "Отдел информационных технологий"})
        );
        assert_eq!(t["status"], "registered");
        assert_eq!(t["form"], "written");
        assert_eq!(t["channel"], "portal");
        assert_eq!(
            t["requester"],
            json!({"login": "ivanova", "name": "Иванова Анна Сергеевна"})
        );
        assert_eq!(t["assignee"], Value::Null);
        assert_eq!(t["overdue"], false);
        assert_eq!(t["due_at"], "2026-04-01T15:00:00Z");
        let id = t["id"].as_i64().expect("id");

        let (status, queue) = api.get(&smirnov, "/tickets?scope=unit&status=open").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(queue["items"][0]["id"], id);

        let (status, _) = api
            .post(
                &smirnov,
                &format!("/tickets/{id}/comments"),
                json!({"body": "Проверить полномочия", "internal": true}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = api
            .post(
                &smirnov,
                &format!("/tickets/{id}/comments"),
                json!({"body": "Приходите в каб. 305"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);

        let (status, comments) = api.get(&ivanova, &format!("/tickets/{id}/comments")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(comments.as_array().map(Vec::len), Some(1));
        assert_eq!(comments[0]["body"], "Приходите в каб. 305");
        assert_eq!(comments[0]["author"]["login"], "smirnov");
        assert_eq!(comments[0]["internal"], false);
        let (_, staff_view) = api.get(&smirnov, &format!("/tickets/{id}/comments")).await;
        assert_eq!(staff_view.as_array().map(Vec::len), Some(2));

        let (status, err) = api.get(&popov, &format!("/tickets/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(err["error"]["code"], "not_found");
        let (status, _) = api.get(&popov, &format!("/tickets/{id}/comments")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, mine) = api.get(&ivanova, "/tickets?scope=mine").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(mine["items"][0]["status"], "in_progress");
        let (status, _) = api.get(&ivanova, "/tickets?scope=unit").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(
            api.get(&ivanova, "/tickets/abc").await.0,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

#[tokio::test]
async fn invalid_requests_get_422_with_a_message_per_field() {
    with_api(async |api, db| {
        let ivanova = api.login("ivanova").await;
        let body = json!({"kind": "payment_clarification", "subject": "Уточнить платёж", "fields": {
            "order_number": "15", "order_date": "2026-02-20", "amount": "1500,00", "payer": "ООО «Север»",
            "kbk": "18210102010011000", "clarification": "clarify"}});
        let (status, err) = api.post(&ivanova, "/tickets", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err["error"]["code"], "invalid");
        assert_eq!(err["error"]["fields"], json!([{"field": "kbk", "code": "pattern", "message": "Значение не подходит по формату, см. подсказку."}]));

        let (status, err) = api.post(&ivanova, "/tickets", json!({"kind": "nope", "subject": "x"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err["error"]["fields"][0]["field"], "kind");
        let (status, err) = api.post(&ivanova, "/tickets", json!({"subject": "no kind"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(err["error"]["code"], "malformed");
        let (status, _) = api.post(&ivanova, "/tickets", json!({"kind": "esign_key", "subject": "x", "fields": {"system": "sed"}, "requester_login": "smirnov"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, list) = api.get(&ivanova, "/tickets").await;
        assert_eq!(list["items"], json!([]));
        let _ = db;
    })
    .await;
}

#[tokio::test]
async fn staff_register_an_oral_request_on_an_employees_behalf() {
    with_api(async |api, _| {
        let smirnov = api.login("smirnov").await;
        let mut body = esign();
        body["form"] = json!("oral");
        body["channel"] = json!("phone");
        body["requester_login"] = json!("ivanova");
        let (status, t) = api.post(&smirnov, "/tickets", body.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        assert_eq!(t["form"], "oral");
        assert_eq!(t["channel"], "phone");
        assert_eq!(t["requester"]["login"], "ivanova");
        assert_eq!(t["due_at"], "2026-03-02T15:00:00Z");
        body["requester_login"] = json!("fired");
        let (status, err) = api.post(&smirnov, "/tickets", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err["error"]["fields"][0]["field"], "requester_login");
        assert_eq!(err["error"]["fields"][0]["code"], "no_such_person");
        // A surname, in any case, that only one person goes by is enough.
        body["requester_login"] = json!("попов");
        let (status, t) = api.post(&smirnov, "/tickets", body.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        assert_eq!(t["requester"]["login"], "popov");
        // Part of a name several go by is refused, naming them.
        body["requester_login"] = json!("ова");
        let (status, err) = api.post(&smirnov, "/tickets", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let field = &err["error"]["fields"][0];
        assert_eq!(field["code"], "several_people", "{err}");
        let names = field["names"].as_array().expect("names");
        assert!(
            names.contains(&json!("Иванова Анна Сергеевна (ivanova)")),
            "{names:?}"
        );
        assert!(names.len() >= 4, "{names:?}");
        let ivanova = api.login("ivanova").await;
        let (_, mine) = api.get(&ivanova, "/tickets").await;
        assert_eq!(mine["items"].as_array().map(Vec::len), Some(1));
    })
    .await;
}

#[tokio::test]
async fn files_upload_by_content_and_download_as_attachments() {
    with_api(async |api, _| {
        let ivanova = api.login("ivanova").await;
        let popov = api.login("popov").await;
        let (_, t) = api.post(&ivanova, "/tickets", esign()).await;
        let id = t["id"].as_i64().expect("id");
        let png = [
            &[0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..],
            &[0u8; 32][..],
        ]
        .concat();
        let part = reqwest::multipart::Part::bytes(png.clone()).file_name("ошибка.png");
        let form = reqwest::multipart::Form::new().part("file", part);
        let r = api
            .http
            .post(api.url(&format!("/tickets/{id}/attachments")))
            .bearer_auth(&ivanova)
            .multipart(form)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::CREATED);
        let a: Value = r.json().await.expect("json");
        assert_eq!(a["content_type"], "image/png");
        let r = api
            .http
            .get(api.url(&format!("/attachments/{}", a["id"])))
            .bearer_auth(&ivanova)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::OK);
        let disposition = r.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .to_string();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(
            disposition.contains("filename*=UTF-8''%D0%BE"),
            "{disposition}"
        );
        assert_eq!(r.bytes().await.expect("bytes").to_vec(), png);
        let r = api
            .http
            .get(api.url(&format!("/attachments/{}", a["id"])))
            .bearer_auth(&popov)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        let part = reqwest::multipart::Part::bytes(b"<html><script>alert(1)</script>".to_vec())
            .file_name("scan.pdf");
        let r = api
            .http
            .post(api.url(&format!("/tickets/{id}/attachments")))
            .bearer_auth(&ivanova)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            r.json::<Value>().await.expect("json")["error"]["code"],
            "unsupported_file_type"
        );
        let big = [b"%PDF-1.4\n".to_vec(), vec![b'a'; 200 * 1024]].concat();
        let part = reqwest::multipart::Part::bytes(big).file_name("big.pdf");
        let r = api
            .http
            .post(api.url(&format!("/tickets/{id}/attachments")))
            .bearer_auth(&ivanova)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    })
    .await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    with_api(async |api, _| {
        let r = api
            .http
            .get(api.url("/openapi.json"))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::OK);
        let doc: Value = r.json().await.expect("json");
        assert_eq!(doc["openapi"], "3.1.0");
        for path in [
            "/auth/login",
            "/me",
            "/request-kinds",
            "/tickets",
            "/tickets/{id}",
            "/tickets/{id}/comments",
            "/tickets/{id}/attachments",
            "/kb/suggest",
            "/kb/articles/{id}/solved",
            "/kb/articles/{id}/files",
            "/templates",
            "/templates/{id}",
            "/tickets/{id}/confirm",
            "/tickets/{id}/reopen",
            "/tickets/{id}/close",
            "/tickets/{id}/rating",
            "/tickets/{id}/extension-requests",
            "/tickets/{id}/extension-requests/{rid}/approve",
            "/tickets/{id}/extension-requests/{rid}/refuse",
            "/me/settings",
        ] {
            assert!(doc["paths"][path].is_object(), "{path}");
        }
        let r = api
            .http
            .get(api.url("/no-such-thing"))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            r.json::<Value>().await.expect("json")["error"]["code"],
            "not_found"
        );
    })
    .await;
}

#[tokio::test]
async fn the_deadline_endpoint_explains_and_answers_bad_input_with_422() {
    with_api(async |api, _| {
        let token = api.login("ivanova").await;
        let (status, d) = api
            .get(
                &token,
                "/calendar/deadline?registered_on=2025-12-12&kind=written",
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(d["due_on"], "2025-12-30");
        assert_eq!(d["due_at"], "2025-12-30T15:00:00Z");
        assert_eq!(
            d["explanation"],
            "30-й день — 11.01.2026, нерабочий день; срок — предшествующий рабочий день, 30.12.2025"
        );
        let (status, d) = api
            .get(
                &token,
                "/calendar/deadline?registered_on=2025-12-12&kind=written&extension_days=10",
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(d["due_on"], "2026-01-21");
        for bad in [
            "registered_on=12.12.2025",
            "registered_on=2025-12-12&kind=later",
            "registered_on=2025-12-12&extension_days=31",
            "kind=oral",
        ] {
            let (status, e) = api.get(&token, &format!("/calendar/deadline?{bad}")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
            assert_eq!(e["error"]["code"], "invalid", "{bad}");
        }
        let (status, e) = api
            .get(&token, "/calendar/deadline?registered_on=2029-01-10")
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["error"]["code"], "calendar_missing");
    })
    .await;
}

#[tokio::test]
async fn extension_and_transfer_limits_hold_in_the_api() {
    with_api(async |api, _| {
        let ivanova = api.login("ivanova").await;
        let kuznetsova = api.login("kuznetsova").await;
        let smirnov = api.login("smirnov").await;
        let popov = api.login("popov").await;
        let (_, t) = api.post(&ivanova, "/tickets", esign()).await;
        let id = t["id"].as_i64().expect("id");
        let (status, _) = api
            .post(
                &smirnov,
                &format!("/tickets/{id}/extend"),
                json!({"days": 5, "reason": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, e) = api
            .post(
                &kuznetsova,
                &format!("/tickets/{id}/extend"),
                json!({"days": 0, "reason": ""}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["error"]["fields"].as_array().map(Vec::len), Some(2));
        let (status, ext) = api
            .post(
                &kuznetsova,
                &format!("/tickets/{id}/extend"),
                json!({"days": 5, "reason": "Нужна справка"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{ext}");
        assert_eq!(ext["extension_days"], 5);
        let (status, e) = api
            .post(
                &kuznetsova,
                &format!("/tickets/{id}/extend"),
                json!({"days": 5, "reason": "Ещё"}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(e["error"]["code"], "conflict");
        assert_eq!(
            e["error"]["message"],
            "Срок уже продлевался: продлить его можно только один раз."
        );

        let (status, _) = api
            .post(
                &smirnov,
                &format!("/tickets/{id}/transfer"),
                json!({"unit": "AHO", "reason": "Не наш вопрос"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = api
            .post(
                &popov,
                &format!("/tickets/{id}/transfer"),
                json!({"unit": "IT", "reason": "Вернули"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, e) = api
            .post(
                &smirnov,
                &format!("/tickets/{id}/transfer"),
                json!({"unit": "BUH", "reason": "Ещё раз"}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(
            e["error"]["message"],
            "Обращение уже передавалось дважды: больше передавать его нельзя."
        );
        let (_, t) = api.get(&ivanova, &format!("/tickets/{id}")).await;
        assert_eq!(t["unit"]["code"], "IT");
        assert_eq!(t["transfer_count"], 2);

        let (status, a) = api
            .post(
                &smirnov,
                &format!("/tickets/{id}/answer"),
                json!({"body": "Готово", "final": true, "outcome": "solved"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{a}");
        assert_eq!(a["status"], "answered");
        let (_, inbox) = api.get(&ivanova, "/notifications").await;
        let kinds: Vec<&str> = inbox["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|n| n["kind"].as_str())
            .collect();
        assert_eq!(
            kinds,
            [
                "answered",
                "transferred",
                "transferred",
                "extended",
                "registered"
            ]
        );
        assert_eq!(inbox["unread"], 5);
    })
    .await;
}

#[tokio::test]
async fn knowledge_base_articles_are_created_and_found_through_the_api() {
    with_api(async |api, _| {
        let smirnov = api.login("smirnov").await;
        let ivanova = api.login("ivanova").await;
        let body = json!({"title": "Как сменить пароль в СЭД", "body": "Откройте **профиль** и выберите «Сменить пароль».",
                          "section": "faq", "tags": ["СЭД", "пароль"], "status": "published"});
        let (status, a) = api.post(&smirnov, "/kb/articles", body.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{a}");
        assert_eq!(a["version"], 1);
        assert!(a["id"].as_i64().is_some());
        assert!(a["html"].as_str().is_some_and(|h| h.contains("<strong>профиль</strong>")));
        let (status, e) = api.post(&ivanova, "/kb/articles", body).await;
        assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));

        let (status, found) = api.get(&ivanova, "/kb/search?q=%D0%BF%D0%B0%D1%80%D0%BE%D0%BB%D1%8F&limit=5").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(found["results"][0]["id"], a["id"]);
        assert_eq!(found["results"][0]["section"], "faq");
        assert!(found["results"][0]["snippet"].as_str().is_some_and(|s| s.contains("<mark>")));
        assert!(found["results"][0]["score"].as_f64().is_some_and(|s| s > 0.0));
        let (status, _) = api.get(&ivanova, "/kb/search?q=x&limit=500").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        let id = a["id"].as_i64().expect("id");
        let r = api.http.put(api.url(&format!("/kb/articles/{id}"))).bearer_auth(&smirnov)
            .json(&json!({"title": "Как сменить пароль в СЭД", "body": "Обратитесь в отдел ИТ.", "section": "faq", "status": "published", "reason": "Упростили"}))
            .send().await.expect("send");
        assert_eq!(r.status(), StatusCode::OK);
        let (_, versions) = api.get(&ivanova, &format!("/kb/articles/{id}/versions")).await;
        assert_eq!(versions.as_array().map(Vec::len), Some(2));
        assert_eq!(versions[0]["reason"], "Упростили");
        let r = api.http.delete(api.url(&format!("/kb/articles/{id}"))).bearer_auth(&smirnov).send().await.expect("send");
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        assert_eq!(api.get(&ivanova, &format!("/kb/articles/{id}")).await.0, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn suggestions_solved_marks_and_templates_through_the_api() {
    with_api(async |api, _| {
        let ivanova = api.login("ivanova").await;
        let smirnov = api.login("smirnov").await;
        let (status, found) = api
            .get(&ivanova, "/kb/suggest?subject=%D0%BA%D0%B0%D1%80%D1%82%D1%80%D0%B8%D0%B4%D0%B6&kind=supplies")
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(found["results"][0]["title"], "Как заказать картриджи, бумагу и канцелярию");
        let id = found["results"][0]["id"].as_i64().expect("id");
        let (status, solved) = api
            .post(&ivanova, &format!("/kb/articles/{id}/solved"), json!({"subject": "картридж", "kind": "supplies"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{solved}");
        assert_eq!(solved["solved_count"], 1);

        let (status, e) = api.get(&ivanova, "/templates").await;
        assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
        let (status, e) = api
            .post(&smirnov, "/templates", json!({"title": "Пароль", "body": "{{заявитель}}, {{пароль}}"}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["error"]["fields"][0]["code"], "unknown_placeholder");
        assert_eq!(e["error"]["fields"][0]["name"], "{{пароль}}");
        let (status, t) = api
            .post(&smirnov, "/templates", json!({"title": "Пароль", "body": "{{заявитель}}, пароль сброшен."}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        assert_eq!(t["unit"], "IT");
        let (_, list) = api.get(&smirnov, "/templates").await;
        assert!(list.as_array().is_some_and(|l| l.iter().any(|x| x["id"] == t["id"])));
    })
    .await;
}

#[tokio::test]
async fn a_plain_form_upload_that_is_too_large_comes_back_with_the_configured_limit() {
    with_api(async |api, _| {
        let token = api.login("ivanova").await;
        let (_, t) = api.post(&token, "/tickets", esign()).await;
        let id = t["id"].as_i64().expect("id");
        let browser = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let big = [b"%PDF-1.4\n".to_vec(), vec![b'a'; 70 * 1024]].concat();
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(big).file_name("big.pdf"),
        );
        let r = browser
            .post(format!("{}/requests/{id}/files", api.base))
            .header("cookie", format!("sd_session={token}"))
            .header("sec-fetch-site", "same-origin")
            .multipart(form)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let location = r.headers()["location"].to_str().expect("ascii").to_string();
        assert_eq!(
            location,
            format!("/requests/{id}?upload_error=too_large&max=65536#h-files")
        );
    })
    .await;
}

#[tokio::test]
async fn the_requester_closes_the_loop_through_the_api() {
    with_api(async |api, _| {
        let ivanova = api.login("ivanova").await;
        let smirnov = api.login("smirnov").await;
        let kuznetsova = api.login("kuznetsova").await;
        let (_, t) = api.post(&ivanova, "/tickets", esign()).await;
        let id = t["id"].as_i64().expect("id");

        let (status, _) = api
            .post(
                &smirnov,
                &format!("/tickets/{id}/comments"),
                json!({"body": "Какая система?", "internal": false, "question": true}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, t) = api.get(&ivanova, &format!("/tickets/{id}")).await;
        assert_eq!(t["status"], "awaiting_requester");
        api.post(
            &ivanova,
            &format!("/tickets/{id}/comments"),
            json!({"body": "Бюджет"}),
        )
        .await;
        let (_, t) = api.get(&ivanova, &format!("/tickets/{id}")).await;
        assert_eq!(t["status"], "in_progress");

        let (status, e) = api
            .post(&kuznetsova, &format!("/tickets/{id}/close"), json!({}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(e["error"]["reason"], "awaiting_answer");
        let (status, t) = api
            .post(
                &smirnov,
                &format!("/tickets/{id}/answer"),
                json!({"body": "Готово", "final": true, "outcome": "solved"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{t}");
        assert_eq!(t["status"], "answered");

        let rating = format!("/tickets/{id}/rating");
        let (status, e) = api.post(&ivanova, &rating, json!({"score": 9})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["error"]["fields"][0]["field"], "score");
        let (status, _) = api.post(&kuznetsova, &rating, json!({"score": 5})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = api
            .post(&ivanova, &rating, json!({"score": 5, "comment": "Спасибо"}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, e) = api.post(&ivanova, &rating, json!({"score": 4})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(e["error"]["code"], "conflict");
        assert_eq!(e["error"]["reason"], "already_rated");
        assert_eq!(
            e["error"]["message"],
            "Этот ответ уже оценён: оценить его можно один раз."
        );

        let (status, t) = api
            .post(
                &ivanova,
                &format!("/tickets/{id}/reopen"),
                json!({"reason": "Не работает"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(t["status"], "in_progress");
        assert_eq!(t["reopen_count"], 1);

        let (status, t) = api
            .post(
                &smirnov,
                &format!("/tickets/{id}/extension-requests"),
                json!({"days": 5, "reason": "Ждём ответа"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        let (_, notes) = api.get(&kuznetsova, "/notifications").await;
        assert!(
            notes["items"]
                .as_array()
                .expect("items")
                .iter()
                .any(|n| n["kind"] == "extension_asked"
                    && n["ticket_id"] == id
                    && n["text"].as_str().is_some_and(|t| t.contains("на 5 дн."))),
            "{notes}"
        );
        let path = format!("/tickets/{id}/extension-requests");
        let (status, _) = api.get(&ivanova, &path).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "the requester does not see them"
        );
        let (status, list) = api.get(&kuznetsova, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list[0]["state"], "pending");
        assert_eq!(list[0]["days"], 5);
        let rid = list[0]["id"].as_i64().expect("rid");
        let (status, t) = api
            .post(&kuznetsova, &format!("{path}/{rid}/approve"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{t}");
        assert_eq!(t["extension_days"], 5);
        let (status, e) = api
            .post(
                &kuznetsova,
                &format!("{path}/{rid}/refuse"),
                json!({"reason": "Поздно"}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(e["error"]["reason"], "no_extension_request");
        let (_, list) = api.get(&smirnov, &path).await;
        assert_eq!(list[0]["state"], "approved");
    })
    .await;
}

/// The new-request form as a browser without JavaScript posts it: multipart,
/// straight to the server function, following no redirect.
struct RequestForm {
    parts: Vec<(&'static str, String)>,
    files: Vec<(&'static str, Vec<u8>)>,
}

impl RequestForm {
    fn esign(subject: &str) -> RequestForm {
        RequestForm {
            parts: vec![
                ("kind", "esign_key".into()),
                ("back", "/requests/new".into()),
                ("subject", subject.into()),
                ("description", "Сертификат истекает в пятницу".into()),
                ("f[system]", "budget".into()),
                ("f[action]", "renewal".into()),
                ("f[holder]", "Иванова А. С.".into()),
            ],
            files: Vec::new(),
        }
    }

    fn file(mut self, name: &'static str, bytes: Vec<u8>) -> RequestForm {
        self.files.push((name, bytes));
        self
    }

    async fn post(self, api: &Api, token: &str, accept: &str) -> reqwest::Response {
        use leptos::server_fn::ServerFn;
        let path = <app::features::request_new::CreateRequest as ServerFn>::PATH;
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in self.parts {
            form = form.text(k, v);
        }
        for (name, bytes) in self.files {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        }
        browser()
            .post(format!("{}{path}", api.base))
            .header("cookie", format!("sd_session={token}"))
            .header("sec-fetch-site", "same-origin")
            .header("accept", accept)
            .multipart(form)
            .send()
            .await
            .expect("send")
    }
}

fn png() -> Vec<u8> {
    [
        &[0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..],
        &[7u8; 40][..],
    ]
    .concat()
}

fn pdf(len: usize) -> Vec<u8> {
    [b"%PDF-1.4\n".to_vec(), vec![b'a'; len]].concat()
}

async fn attachments_of(
    db: &TestDb,
    ticket: Option<i64>,
) -> Vec<app::server::entity::attachment::Model> {
    use app::server::entity::attachment;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut q = attachment::Entity::find();
    if let Some(id) = ticket {
        q = q.filter(attachment::Column::TicketId.eq(id));
    }
    q.all(&db.state.db).await.expect("attachments")
}

#[tokio::test]
async fn a_new_request_carries_its_files_from_the_form() {
    with_api(async |api, db| {
        let ivanova = api.login("ivanova").await;
        let r = RequestForm::esign("Продлить ключ ЭП")
            .file("скан заявления.pdf", pdf(1000))
            .file("снимок.png", png())
            .post(api, &ivanova, "text/html")
            .await;
        assert!(r.status().is_redirection(), "{}", r.status());
        let location = r.headers()["location"].to_str().expect("ascii").to_string();
        let id: i64 = location
            .strip_prefix("/requests/")
            .and_then(|l| l.strip_suffix("?created=1"))
            .and_then(|l| l.parse().ok())
            .unwrap_or_else(|| panic!("redirect to the new request, got {location}"));
        let (_, t) = api.get(&ivanova, &format!("/tickets/{id}")).await;
        assert_eq!(t["subject"], "Продлить ключ ЭП");
        assert_eq!(t["fields"]["holder"], "Иванова А. С.");
        let files = attachments_of(db, Some(id)).await;
        let mut names: Vec<(&str, &str, i64)> = files
            .iter()
            .map(|f| (f.file_name.as_str(), f.content_type.as_str(), f.size))
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                ("скан заявления.pdf", "application/pdf", 1009),
                ("снимок.png", "image/png", 48),
            ]
        );
        assert!(files.iter().all(|f| f.comment_id.is_none()));
        // The requester downloads exactly what was sent.
        let png_id = files
            .iter()
            .find(|f| f.file_name == "снимок.png")
            .expect("png")
            .id;
        let r = api
            .http
            .get(api.url(&format!("/attachments/{png_id}")))
            .bearer_auth(&ivanova)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.bytes().await.expect("bytes").to_vec(), png());

        // Without files the same form files a request with none.
        let r = RequestForm::esign("Ещё один ключ")
            .post(api, &ivanova, "text/html")
            .await;
        assert!(r.status().is_redirection());
        assert_eq!(attachments_of(db, None).await.len(), 2);
        assert_eq!(db.stored_files().await, 2);
    })
    .await;
}

#[tokio::test]
async fn a_refused_new_request_keeps_what_was_typed_names_each_file_and_writes_nothing() {
    with_api(async |api, db| {
        let ivanova = api.login("ivanova").await;
        // Without JavaScript: back to the form with the text and the files to choose again.
        let r = RequestForm::esign("")
            .file("большой.pdf", pdf(70 * 1024))
            .file("страница.html", b"<html><script>alert(1)</script>".to_vec())
            .post(api, &ivanova, "text/html")
            .await;
        assert!(r.status().is_redirection(), "{}", r.status());
        let location = r.headers()["location"].to_str().expect("ascii").to_string();
        let url = reqwest::Url::parse(&format!("http://x{location}")).expect("url");
        assert_eq!(url.path(), "/requests/new");
        let query: std::collections::HashMap<String, String> =
            url.query_pairs().into_owned().collect();
        assert_eq!(query["kind"], "esign_key");
        // What was typed is kept in a draft of hers, not in the address.
        assert!(!query.contains_key("description"), "{location}");
        let her = db.user("ivanova", &["employee"]).await;
        let kept: std::collections::HashMap<String, String> =
            app::server::drafts::read(&db.state, &her, &query["draft"])
                .await
                .expect("draft")
                .into_iter()
                .collect();
        assert_eq!(kept["description"], "Сертификат истекает в пятницу");
        assert_eq!(kept["f[holder]"], "Иванова А. С.");
        assert_eq!(kept["files_again"], "большой.pdf, страница.html");
        assert!(!kept.contains_key("form_token") && !kept.contains_key("submission"));
        use app::domain::{FieldError, FieldErrorCode};
        let err = leptos::server_fn::error::ServerFnUrlError::<app::wire::AppError>::decode_err(
            &query["__err"],
        );
        assert_eq!(
            err.fields(),
            &[
                FieldError::new("subject", FieldErrorCode::Required),
                FieldError::new(
                    "file",
                    FieldErrorCode::FileTooLarge {
                        name: "большой.pdf".into(),
                        max_bytes: 64 * 1024
                    }
                ),
                FieldError::new(
                    "file",
                    FieldErrorCode::FileType {
                        name: "страница.html".into()
                    }
                ),
            ]
        );

        // With JavaScript: the same refusal as data, every file named.
        let r = RequestForm::esign("Продлить ключ")
            .file("большой.pdf", pdf(70 * 1024))
            .file("страница.html", b"<html></html>".to_vec())
            .file("хороший.png", png())
            .post(api, &ivanova, "application/json")
            .await;
        assert!(r.status().is_client_error(), "{}", r.status());
        let body = r.text().await.expect("body");
        assert!(
            body.contains("file_too_large") && body.contains("большой.pdf"),
            "{body}"
        );
        assert!(
            body.contains("file_type") && body.contains("страница.html"),
            "{body}"
        );
        assert!(!body.contains("хороший.png"), "{body}");

        // Six files are one too many.
        let mut six = RequestForm::esign("Шесть файлов");
        for name in ["1.png", "2.png", "3.png", "4.png", "5.png", "6.png"] {
            six = six.file(name, png());
        }
        let r = six.post(api, &ivanova, "application/json").await;
        assert!(r.status().is_client_error());
        assert!(r.text().await.expect("body").contains("too_many_files"));

        // Nothing was half-written: no request, no file row, no file on disk.
        let (_, list) = api.get(&ivanova, "/tickets?scope=mine").await;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");
        assert!(attachments_of(db, None).await.is_empty());
        assert_eq!(db.stored_files().await, 0);

        // A post that is not multipart gets a clear 400, not a dropped connection.
        use leptos::server_fn::ServerFn;
        let path = <app::features::request_new::CreateRequest as ServerFn>::PATH;
        let r = api
            .http
            .post(format!("{}{path}", api.base))
            .header("cookie", format!("sd_session={ivanova}"))
            .header("sec-fetch-site", "same-origin")
            .form(&[("kind", "esign_key"), ("subject", "x")])
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["error"]["code"], "malformed");
    })
    .await;
}

/// A client that follows no redirect and keeps no cookies, like a test browser.
fn browser() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

#[tokio::test]
async fn wrong_passwords_are_throttled_with_a_wait_in_russian() {
    with_api(async |api, _| {
        for _ in 0..app::server::throttle::DELAY_AFTER {
            let r = api.try_login("ivanova", "nope").await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        let r = api.try_login("ivanova", "nope").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()["retry-after"], "1");
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["error"]["code"], "too_many_attempts");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m
                    .starts_with("Слишком много неудачных попыток входа. Повторите через 1 мин.")),
            "{body}"
        );
        // Even the right password waits out the delay: no guess is judged now.
        let r = api.try_login("ivanova", "demo").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        // Another person signs in as usual.
        api.login("smirnov").await;
        // The sign-in form says the same and keeps the login typed.
        let r = browser()
            .post(format!("{}/auth/login", api.base))
            .form(&[("login", "ivanova"), ("password", "nope"), ("next", "/kb")])
            .send()
            .await
            .expect("send");
        let location = r.headers()["location"].to_str().expect("ascii").to_string();
        assert!(
            location.starts_with("/login?error=too_many_attempts&login=ivanova&next=%2Fkb&wait="),
            "{location}"
        );
    })
    .await;
}

#[tokio::test]
async fn sign_in_only_follows_paths_of_this_site() {
    with_api(async |api, _| {
        for (next, expected) in [
            ("/requests/5", "/requests/5"),
            ("/\t/evil.example/", "/"),
            ("/\\evil.example/", "/"),
            ("//evil.example/", "/"),
            ("/%09/evil.example/", "/"),
            ("https://evil.example/", "/"),
            ("/\u{1}x", "/"),
        ] {
            let r = browser()
                .post(format!("{}/auth/login", api.base))
                .form(&[("login", "ivanova"), ("password", "demo"), ("next", next)])
                .send()
                .await
                .expect("send");
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next:?}");
            assert_eq!(r.headers()["location"], expected, "{next:?}");
            assert!(r.headers().contains_key("set-cookie"));
        }
    })
    .await;
}

#[tokio::test]
async fn a_signed_in_browser_cannot_be_made_to_act_by_another_site() {
    use app::server::auth::form_token;
    with_api(async |api, _| {
        let ivanova = api.login("ivanova").await;
        let (_, t) = api.post(&ivanova, "/tickets", esign()).await;
        let id = t["id"].as_i64().expect("id");
        let cookie = format!("sd_session={ivanova}");
        let comment = |client: &Client, headers: &[(&'static str, String)]| {
            let mut r = client
                .post(api.url(&format!("/tickets/{id}/comments")))
                .header("cookie", cookie.clone())
                .json(&json!({"body": "Сообщение"}));
            for (k, v) in headers {
                r = r.header(*k, v.clone());
            }
            r.send()
        };
        let own = api.base.clone();
        let other_port = format!("{}:1", own.rsplit_once(':').expect("port").0);
        for headers in [
            vec![("origin", "http://evil.example".to_string())],
            vec![("origin", other_port.clone())],
            vec![("origin", "null".to_string())],
            vec![
                ("sec-fetch-site", "same-site".to_string()),
                ("origin", other_port.clone()),
            ],
            vec![("sec-fetch-site", "cross-site".to_string())],
            vec![("referer", format!("{other_port}/page"))],
            // Naming no origin at all, the cookie alone is not enough…
            vec![],
            vec![("x-form-token", "0".repeat(32))],
        ] {
            let r = comment(&browser(), &headers).await.expect("send");
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{headers:?}");
            let body: Value = r.json().await.expect("json");
            assert_eq!(body["error"]["code"], "cross_site", "{headers:?}");
        }
        // The browser's own pages, and clients that are not browsers, pass.
        for headers in [
            vec![("origin", own.clone())],
            vec![
                ("sec-fetch-site", "same-origin".to_string()),
                ("origin", own.clone()),
            ],
            vec![("referer", format!("{own}/requests/{id}"))],
            // …the session's form token is.
            vec![("x-form-token", form_token(&ivanova))],
        ] {
            let r = comment(&browser(), &headers).await.expect("send");
            assert_eq!(r.status(), StatusCode::CREATED, "{headers:?}");
        }
        // A bearer token is not a cookie a page could ride.
        let r = api
            .http
            .post(api.url(&format!("/tickets/{id}/comments")))
            .bearer_auth(&ivanova)
            .header("origin", "http://evil.example")
            .json(&json!({"body": "Из приложения"}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::CREATED);
        // Forms and server functions are guarded the same way.
        use leptos::server_fn::ServerFn;
        let path = <app::features::notifications::MarkAllRead as ServerFn>::PATH;
        for target in ["/auth/logout".to_string(), path.to_string()] {
            let r = browser()
                .post(format!("{}{target}", api.base))
                .header("cookie", cookie.clone())
                .header("origin", other_port.clone())
                .send()
                .await
                .expect("send");
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{target}");
        }
        // A form from a browser that names no origin: our pages carry the
        // token in a hidden field, and a form without it is refused.
        let field = format!(r#"name="form_token" value="{}""#, form_token(&ivanova));
        // Every form of every page carries it, rendered with the page.
        for path in [
            format!("/requests/{id}"),
            "/requests/new?kind=esign_key".into(),
            "/notifications".into(),
            "/".into(),
        ] {
            let page = browser()
                .get(format!("{}{path}", api.base))
                .header("cookie", cookie.clone())
                .send()
                .await
                .expect("send")
                .text()
                .await
                .expect("html");
            let forms = page.matches(r#"method="post""#).count();
            assert!(forms > 0, "{path} has forms");
            assert_eq!(
                page.matches(&field).count(),
                forms,
                "{path}: a token in each form"
            );
        }
        for (fields, expected) in [
            (vec![], StatusCode::FORBIDDEN),
            (vec![("form_token", "0".repeat(32))], StatusCode::FORBIDDEN),
            (vec![("form_token", form_token(&ivanova))], StatusCode::OK),
        ] {
            let r = browser()
                .post(format!("{}{path}", api.base))
                .header("cookie", cookie.clone())
                .header("accept", "application/json")
                .form(&fields)
                .send()
                .await
                .expect("send");
            assert_eq!(r.status(), expected, "{fields:?}");
        }
        let form = reqwest::multipart::Form::new()
            .text("form_token", form_token(&ivanova))
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"%PDF-1.4\n".to_vec()).file_name("a.pdf"),
            );
        let r = browser()
            .post(format!("{}/requests/{id}/files", api.base))
            .header("cookie", cookie.clone())
            .multipart(form)
            .send()
            .await
            .expect("send");
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "a multipart form with its token"
        );
        let (_, comments) = api.get(&ivanova, &format!("/tickets/{id}/comments")).await;
        assert_eq!(comments.as_array().map(Vec::len), Some(5), "{comments}");
        let (status, _) = api.get(&ivanova, "/me").await;
        assert_eq!(status, StatusCode::OK, "the session was not signed out");
    })
    .await;
}

#[tokio::test]
async fn answers_carry_security_headers_and_server_function_errors_their_status() {
    with_api(async |api, _| {
        let ivanova = api.login("ivanova").await;
        let r = browser()
            .get(format!("{}/kb", api.base))
            .header("cookie", format!("sd_session={ivanova}"))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::OK);
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .expect("ascii")
            .to_string();
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("a nonce in {csp}"))
            .to_string();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"),
            "{csp}"
        );
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert_eq!(r.headers()["referrer-policy"], "same-origin");
        assert_eq!(r.headers()["cache-control"], "no-store");
        let html = r.text().await.expect("html");
        let tags: Vec<&str> = html
            .split("<script")
            .skip(1)
            .map(|rest| rest.split('>').next().unwrap_or_default())
            .collect();
        assert!(!tags.is_empty());
        for tag in tags {
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "every script carries this page's nonce: {tag}"
            );
        }
        let (_, me) = api.get(&ivanova, "/me").await;
        assert_eq!(me["login"], "ivanova");
        let r = api
            .http
            .get(api.url("/me"))
            .bearer_auth(&ivanova)
            .send()
            .await
            .expect("send");
        assert_eq!(r.headers()["cache-control"], "no-store");
        assert!(
            r.headers()["content-security-policy"]
                .to_str()
                .expect("csp")
                .starts_with("default-src 'none'")
        );

        // A server function refusing an anonymous caller says 401, not 500.
        use leptos::server_fn::ServerFn;
        let path = <app::features::notifications::GetInbox as ServerFn>::PATH;
        let r = api
            .http
            .post(format!("{}{path}", api.base))
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["code"], "unauthenticated");
    })
    .await;
}

#[tokio::test]
async fn every_refusal_under_the_api_is_the_json_error() {
    with_api(async |api, _| {
        let token = api.login("ivanova").await;
        let cases: Vec<(reqwest::RequestBuilder, StatusCode, &str)> = vec![
            (
                api.http.get(api.url("/nope")),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                api.http.delete(api.url("/tickets")),
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
            ),
            (
                api.http.get(api.url("/tickets/abc")),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                api.http.get(api.url("/tickets?limit=abc")),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
            ),
            (
                api.http
                    .post(api.url("/tickets"))
                    .header("content-type", "text/plain")
                    .body("x"),
                StatusCode::BAD_REQUEST,
                "malformed",
            ),
            (
                api.http
                    .post(api.url("/tickets/1/attachments"))
                    .header("content-type", "multipart/form-data")
                    .body("x"),
                StatusCode::BAD_REQUEST,
                "malformed",
            ),
            (
                api.http
                    .post(api.url("/tickets"))
                    .header("content-type", "application/json")
                    .body(vec![b' '; 3 << 20]),
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
            ),
        ];
        for (request, status, code) in cases {
            let r = request.bearer_auth(&token).send().await.expect("send");
            let what = format!("{} {}", r.url(), r.status());
            assert_eq!(r.status(), status, "{what}");
            assert_eq!(r.headers()["content-type"], "application/json", "{what}");
            if status == StatusCode::METHOD_NOT_ALLOWED {
                let allow = r.headers()["allow"].to_str().expect("allow").to_string();
                assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
            }
            let body: Value = r.json().await.expect("json");
            assert_eq!(body["error"]["code"], code, "{what}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
                "{what}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn behind_a_proxy_each_client_is_throttled_by_the_address_the_proxy_names() {
    let db = TestDb::new(Backend::Sqlite).await;
    let mut config = (*db.state.config).clone();
    config.client_ip_header = Some("X-Forwarded-For".into());
    let mut state = app::server::AppState::new(db.state.db.clone(), config);
    state.clock = db.clock.clone();
    let base = common::serve(state).await;
    let http = Client::new();
    let try_from = async |client: &str, password: &str| {
        http.post(format!("{base}/api/v1/auth/login"))
            .header("x-forwarded-for", format!("203.0.113.9, {client}"))
            .json(&json!({"login": "ivanova", "password": password}))
            .send()
            .await
            .expect("send")
            .status()
    };
    for _ in 0..app::server::throttle::DELAY_AFTER {
        assert_eq!(try_from("10.0.0.1", "nope").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        try_from("10.0.0.1", "nope").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy signs in as usual.
    assert_eq!(try_from("10.0.0.2", "demo").await, StatusCode::OK);
    // A login longer than any in the directory is refused without a count.
    let long = "x".repeat(5000);
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .header("x-forwarded-for", "10.0.0.3")
        .json(&json!({"login": long, "password": "nope"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    db.cleanup().await;
}

#[tokio::test]
async fn connections_are_served_without_delay() {
    use axum::serve::Listener;
    let mut listener = server::no_delay(
        tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind"),
    );
    let addr = listener.local_addr().expect("addr");
    let client = tokio::spawn(tokio::net::TcpStream::connect(addr));
    let (stream, _) = listener.accept().await;
    assert!(stream.nodelay().expect("option"), "TCP_NODELAY on");
    drop(client);
}

#[tokio::test]
async fn built_assets_go_out_compressed_once_with_validators() {
    use std::io::Read;
    use tower::ServiceExt;
    let db = TestDb::new(Backend::Sqlite).await;
    let site = tempfile::tempdir().expect("dir");
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg");
    let wasm: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8 / 8).collect();
    std::fs::write(pkg.join("servicedesk.wasm"), &wasm).expect("wasm");
    std::fs::write(
        pkg.join("servicedesk.css"),
        "main { color: #111 }\n".repeat(500),
    )
    .expect("css");
    std::fs::write(pkg.join("logo.png"), b"\x89PNG\r\n\x1a\n").expect("png");
    assert_eq!(server::assets::precompress(&pkg).expect("compressed"), 2);
    assert_eq!(
        server::assets::precompress(&pkg).expect("again"),
        0,
        "compressed once per build"
    );
    assert!(!pkg.join("logo.png.br").exists(), "images stay as they are");
    let options = leptos::prelude::LeptosOptions::builder()
        .output_name("servicedesk")
        .site_root(site.path().to_string_lossy().to_string())
        .build();
    let app = server::router(db.state.clone(), options);
    let get = |encoding: Option<&'static str>, since: Option<String>| {
        let mut r = axum::http::Request::get("/pkg/servicedesk.wasm");
        if let Some(e) = encoding {
            r = r.header("accept-encoding", e);
        }
        if let Some(s) = since {
            r = r.header("if-modified-since", s);
        }
        app.clone()
            .oneshot(r.body(axum::body::Body::empty()).expect("request"))
    };
    let body = async |r: axum::response::Response| {
        axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec()
    };
    let br = get(Some("gzip, deflate, br"), None).await.expect("br");
    assert_eq!(br.status(), StatusCode::OK);
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(br.headers()["cache-control"], "public, no-cache");
    let modified = br.headers()["last-modified"]
        .to_str()
        .expect("date")
        .to_string();
    let packed = body(br).await;
    assert!(packed.len() < wasm.len() / 4, "{} bytes", packed.len());
    let mut unpacked = Vec::new();
    brotli::Decompressor::new(&packed[..], 4096)
        .read_to_end(&mut unpacked)
        .expect("brotli");
    assert_eq!(unpacked, wasm);
    let gz = get(Some("gzip"), None).await.expect("gzip");
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&body(gz).await[..])
        .read_to_end(&mut unpacked)
        .expect("gzip");
    assert_eq!(unpacked, wasm);
    let plain = get(None, None).await.expect("plain");
    assert!(!plain.headers().contains_key("content-encoding"));
    assert_eq!(body(plain).await, wasm);
    let again = get(Some("br"), Some(modified)).await.expect("304");
    assert_eq!(
        again.status(),
        StatusCode::NOT_MODIFIED,
        "asked again, not sent again"
    );
    // A new build: the last build's compressed copies go before serving, and
    // the browser gets the new file as it is until it is compressed again.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let rebuilt: Vec<u8> = wasm.iter().rev().copied().collect();
    std::fs::write(pkg.join("servicedesk.wasm"), &rebuilt).expect("rebuild");
    assert_eq!(server::assets::remove_stale(&pkg).expect("removed"), 2);
    assert!(
        pkg.join("servicedesk.css.br").exists(),
        "the unchanged stay"
    );
    let fresh = get(Some("br, gzip"), None).await.expect("fresh");
    assert!(!fresh.headers().contains_key("content-encoding"));
    assert_eq!(body(fresh).await, rebuilt);
    assert_eq!(server::assets::precompress(&pkg).expect("again"), 1);
    db.cleanup().await;
}

#[tokio::test]
async fn a_node_says_it_is_alive_and_ready_and_names_what_it_lacks() {
    let db = TestDb::new(Backend::Sqlite).await;
    let base = common::serve(db.state.clone()).await;
    let http = Client::new();
    let get = async |base: &str, path: &str| {
        let r = http
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("send");
        let status = r.status();
        (status, r.json::<Value>().await.expect("json"))
    };
    assert_eq!(get(&base, "/healthz").await.0, StatusCode::OK);
    let (status, body) = get(&base, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["migrations"], "ok");
    assert_eq!(body["checks"]["directory"], "ok");
    // The same node with its directory gone is alive but not ready.
    let mut state = db.state.clone();
    let mut directory = state.config.directory.clone();
    directory.url = "ldap://127.0.0.1:1".into();
    state.directory = std::sync::Arc::new(app::server::directory::Directory::new(directory));
    let base = common::serve(state).await;
    assert_eq!(get(&base, "/healthz").await.0, StatusCode::OK);
    let (status, body) = get(&base, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["checks"]["database"], "ok");
    assert_ne!(body["checks"]["directory"], "ok");
    db.cleanup().await;
}
