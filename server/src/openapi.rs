//! The OpenAPI 3.1 description of REST API v1, served at `/api/v1/openapi.json`.

use serde_json::{Value, json};

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn ok(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn id_param() -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } })
}

/// The `Idempotency-Key` header of the calls that create a record.
fn idempotency_key() -> Value {
    json!({ "name": "Idempotency-Key", "in": "header", "required": false,
        "description": "1–64 of `A–Z a–z 0–9 - _ . :`. Sent again within a day by the same person (a retry after a lost answer, two sends at once), the call makes nothing new and answers with what the first made",
        "schema": { "type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9._:-]{1,64}$" } })
}

fn body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

/// The whole document.
pub fn document() -> Value {
    let mut doc = base();
    if let Some(paths) = doc["paths"].as_object_mut() {
        paths.extend(lifecycle_paths());
    }
    answer_every_refusal(&mut doc);
    doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["reason"] = json!({
        "type": "string",
        "description": "For 409: why the request's state refuses the action (not_open, awaiting_answer, already_rated, reopen_window_passed, already_extended, already_yours, too_many_transfers, extension_pending, no_extension_request, closed, changed)"
    });
    doc
}

/// The request's loop after the answer, extension requests and notice settings.
fn lifecycle_paths() -> serde_json::Map<String, Value> {
    let conflict = |text: &str| error_response(text);
    let ticket = || ok("The request as it is now", reference("Ticket"));
    let reason_body = |required: bool| {
        let req: Vec<&str> = if required { vec!["reason"] } else { vec![] };
        body(
            json!({ "type": "object", "required": req, "properties": { "reason": { "type": "string", "maxLength": 2000 } } }),
        )
    };
    let rid =
        json!({ "name": "rid", "in": "path", "required": true, "schema": { "type": "integer" } });
    let paths = json!({
        "/tickets/{id}/confirm": { "post": { "summary": "The requester confirms the answer settles it: the request closes",
            "parameters": [id_param()],
            "responses": { "200": ticket(), "403": error_response("Not the requester"), "404": error_response("Not found"),
                "409": conflict("No final answer to confirm (awaiting_answer)") } } },
        "/tickets/{id}/reopen": { "post": { "summary": "The requester returns an answered request to work, within 10 working days of the answer",
            "parameters": [id_param()], "requestBody": reason_body(true),
            "responses": { "200": ticket(), "403": error_response("Not the requester"), "404": error_response("Not found"),
                "409": conflict("awaiting_answer or reopen_window_passed"), "422": error_response("No reason") } } },
        "/tickets/{id}/close": { "post": { "summary": "The unit head or administrator takes an answered request off control",
            "parameters": [id_param()],
            "responses": { "200": ticket(), "403": error_response("Not the unit head"), "404": error_response("Not found"),
                "409": conflict("Not answered (awaiting_answer)") } } },
        "/tickets/{id}/rating": { "post": { "summary": "The requester rates the latest final answer, once",
            "parameters": [id_param()],
            "requestBody": body(json!({ "type": "object", "required": ["score"], "properties": {
                "score": { "type": "integer", "minimum": 1, "maximum": 5 }, "comment": { "type": "string", "maxLength": 2000 } } })),
            "responses": { "201": ticket(), "403": error_response("Not the requester"), "404": error_response("Not found"),
                "409": conflict("already_rated or awaiting_answer"), "422": error_response("Score out of 1–5") } } },
        "/tickets/{id}/extension-requests": {
            "post": { "summary": "The executor asks the unit head to extend the term",
                "parameters": [id_param()],
                "requestBody": body(json!({ "type": "object", "required": ["days", "reason"], "properties": {
                    "days": { "type": "integer", "minimum": 1, "maximum": 30 }, "reason": { "type": "string" } } })),
                "responses": { "201": ticket(), "403": error_response("Not an executor of the unit"), "404": error_response("Not found"),
                    "409": conflict("extension_pending, already_extended, oral or not_open"), "422": error_response("Days or reason") } },
            "get": { "summary": "The request's extension requests (unit staff)", "parameters": [id_param()],
                "responses": { "200": ok("Newest first", json!({ "type": "array", "items": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "requested_by": reference("UserRef"), "days": { "type": "integer" },
                    "reason": { "type": "string" }, "state": { "enum": ["pending", "approved", "refused"] },
                    "decision_reason": { "type": ["string", "null"] }, "created_at": { "type": "string", "format": "date-time" } } } })),
                    "403": error_response("Not unit staff"), "404": error_response("Not found") } } },
        "/tickets/{id}/extension-requests/{rid}/approve": { "post": { "summary": "The head approves: the term is extended once by the days asked",
            "parameters": [id_param(), rid.clone()], "requestBody": reason_body(false),
            "responses": { "200": ticket(), "403": error_response("Not the unit head"), "404": error_response("Not found"),
                "409": conflict("no_extension_request or already_extended") } } },
        "/tickets/{id}/extension-requests/{rid}/refuse": { "post": { "summary": "The head refuses, with a reason",
            "parameters": [id_param(), rid], "requestBody": reason_body(true),
            "responses": { "200": ticket(), "403": error_response("Not the unit head"), "404": error_response("Not found"),
                "409": conflict("no_extension_request"), "422": error_response("No reason") } } },
        "/me/settings": {
            "get": { "summary": "Whether queue notices also come by e-mail",
                "responses": { "200": ok("Settings", json!({ "type": "object", "properties": { "mail_queue": { "type": "boolean" } } })) } },
            "put": { "summary": "Switch the e-mail part of queue notices (new and transferred-in requests)",
                "requestBody": body(json!({ "type": "object", "required": ["mail_queue"], "properties": { "mail_queue": { "type": "boolean" } } })),
                "responses": { "200": ok("Saved", json!({ "type": "object" })), "400": error_response("Malformed body") } } }
    });
    match paths {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// Everything but the request's loop after the answer.
fn base() -> Value {
    let errors = |codes: &[(&str, &str)]| -> Value {
        codes
            .iter()
            .map(|(code, text)| (code.to_string(), error_response(text)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let common = [
        ("401", "Not signed in"),
        ("404", "Not found or not visible to the caller"),
    ];
    let with = |mut v: Value, extra: Value| {
        if let (Some(m), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            m.extend(e.clone());
        }
        v
    };
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Service desk API", "version": "1.0.0",
                  "description": "Requests of employees to the IT, supplies and accounting units. Codes are English snake_case." },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "bearer": [] }],
        "paths": {
            "/auth/login": { "post": {
                "summary": "Sign in with a directory account", "security": [],
                "requestBody": body(json!({ "type": "object", "required": ["login", "password"],
                    "properties": { "login": { "type": "string" }, "password": { "type": "string" } } })),
                "responses": with(json!({ "200": ok("Signed in", json!({ "type": "object",
                    "properties": { "token": { "type": "string" }, "user": reference("User") } })) }),
                    errors(&[("400", "Empty password or malformed body"), ("401", "Wrong login or password"), ("503", "Directory unavailable")]))
            }},
            "/auth/logout": { "post": { "summary": "End the session", "responses": { "204": { "description": "Signed out" } } } },
            "/me": { "get": { "summary": "The signed-in user",
                "responses": with(json!({ "200": ok("User", reference("User")) }), errors(&common[..1])) } },
            "/request-kinds": { "get": { "summary": "The request catalogue with each kind's fields",
                "responses": with(json!({ "200": ok("Kinds", json!({ "type": "array", "items": reference("Kind") })) }), errors(&common[..1])) } },
            "/tickets": {
                "post": { "summary": "File a request (unit staff may file on an employee's behalf)",
                    "parameters": [idempotency_key()],
                    "requestBody": body(reference("NewTicket")),
                    "responses": with(json!({ "201": ok("Registered", reference("Ticket")) }),
                        errors(&[("400", "Malformed body"), ("401", "Not signed in"), ("422", "Invalid input, see fields")])) },
                "get": { "summary": "List requests: searched, filtered and sorted, keyset-paged",
                    "description": "Every parameter is optional and they combine; an empty value counts as not given. Unknown values are refused with 422 naming each field.",
                    "parameters": [
                        { "name": "scope", "in": "query", "description": "One's own requests or the queues of the units one works in",
                            "schema": { "enum": ["mine", "unit"], "default": "mine" } },
                        { "name": "q", "in": "query", "description": "A registration number (`IT-2026-000123`, any letter case, leading zeros optional: exact match) or words, each of which must start a word of the subject, description, requester's name or number in any Russian word form (`принтера` finds «Принтер не печатает»)",
                            "schema": { "type": "string", "maxLength": 200 } },
                        { "name": "kind", "in": "query", "description": "A request kind code (see /request-kinds)", "schema": { "type": "string", "example": "esign_key" } },
                        { "name": "status", "in": "query", "description": "`open`; `closed`: no longer open (answered or closed); `all`; or exactly one status",
                            "schema": { "enum": ["open", "closed", "all", "registered", "in_progress", "awaiting_requester", "answered"], "default": "all" } },
                        { "name": "assignee", "in": "query", "description": "`me`, `none` (nobody assigned) or an executor's login",
                            "schema": { "type": "string", "example": "smirnov" } },
                        { "name": "overdue", "in": "query", "description": "`true`: only overdue requests (open past the due time, or answered after it), `false`: only the others",
                            "schema": { "type": "boolean" } },
                        { "name": "due_before", "in": "query", "description": "Only requests due before the start of this day in the body's time zone (`2026-04-02` keeps those due on 1 April or earlier)",
                            "schema": { "type": "string", "format": "date" } },
                        { "name": "sort", "in": "query", "description": "By due time or registration time, `-` for descending, ties by id. Without it: own requests newest filed first, a unit queue by due time",
                            "schema": { "enum": ["due", "-due", "registered", "-registered"] } },
                        { "name": "unit", "in": "query", "description": "Unit scope: only this unit", "schema": { "type": "string", "example": "IT" } },
                        { "name": "focus", "in": "query", "description": "Unit scope: the workload page's views of open requests",
                            "schema": { "enum": ["open", "due_today", "due_week", "overdue", "extended", "transferred"] } },
                        { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 20 } },
                        { "name": "cursor", "in": "query", "description": "`next_cursor` (or `prev_cursor`, which starts with `before.`) of a page, with the same other parameters; it names its sort and is refused by another",
                            "schema": { "type": "string" } }
                    ],
                    "responses": with(json!({ "200": ok("A page", json!({ "type": "object", "properties": {
                        "items": { "type": "array", "items": reference("Ticket") },
                        "next_cursor": { "type": ["string", "null"] },
                        "prev_cursor": { "type": ["string", "null"], "description": "The page before this one, if any" } } })) }),
                        errors(&[("401", "Not signed in"), ("403", "Unit scope without a unit role"), ("422", "Invalid parameters")])) }
            },
            "/tickets/{id}": { "get": { "summary": "One request", "parameters": [id_param()],
                "responses": with(json!({ "200": ok("Request", reference("Ticket")) }), errors(&common)) } },
            "/tickets/{id}/comments": {
                "get": { "summary": "Replies (internal notes only for unit staff)", "parameters": [id_param()],
                    "responses": with(json!({ "200": ok("Comments", json!({ "type": "array", "items": reference("Comment") })) }), errors(&common)) },
                "post": { "summary": "Reply or add an internal note", "parameters": [id_param(), idempotency_key()],
                    "requestBody": body(json!({ "type": "object", "required": ["body"], "properties": {
                        "body": { "type": "string", "maxLength": 10000 }, "internal": { "type": "boolean", "default": false },
                        "question": { "type": "boolean", "default": false, "description": "A clarifying question: the request waits for the requester (the due date does not move)" } } })),
                    "responses": with(json!({ "201": ok("Added", reference("Comment")) }),
                        errors(&[("401", "Not signed in"), ("403", "Internal notes are for unit staff"), ("404", "Not found"), ("422", "Empty body")])) }
            },
            "/tickets/bulk": { "post": { "summary": "One action on several requests (the queue's checked rows): take those nobody works on, assign to a unit's staff member (head), or transfer with a reason. Each request is done or refused on its own, under the same rules as its single action",
                "requestBody": body(json!({ "type": "object", "required": ["ids", "action"], "properties": {
                    "ids": { "type": "array", "items": { "type": "integer" }, "minItems": 1, "maxItems": 100 },
                    "action": { "enum": ["take", "assign", "transfer"] },
                    "assignee": { "type": "string", "description": "The staff member's login (assign)" },
                    "unit": { "type": "string", "description": "The unit's code (transfer)" },
                    "reason": { "type": "string", "maxLength": 2000, "description": "Why (transfer)" } } })),
                "responses": with(json!({ "200": ok("What was done and what was refused, request by request", json!({ "type": "object", "required": ["done", "refused"], "properties": {
                    "done": { "type": "array", "items": { "type": "string" }, "description": "Registration numbers done (or already so)" },
                    "refused": { "type": "array", "items": { "type": "object", "required": ["id", "number", "reason"], "properties": {
                        "id": { "type": "integer" }, "number": { "type": "string" },
                        "reason": { "type": "string", "description": "A 409 reason (not_open, too_many_transfers, assigned_to_other, changed) or forbidden, not_found, same_unit, not_staff" } } } } } })) }),
                    errors(&[("403", "Not staff"), ("422", "No rows checked, more than 100, an unknown action, assignee or unit, no reason")])) } },
            "/tickets/{id}/take": { "post": { "summary": "Take into work (unit staff)", "parameters": [id_param()],
                "responses": with(json!({ "200": ok("Taken", reference("Ticket")) }), errors(&[("403", "Not unit staff"), ("404", "Not found")])) } },
            "/tickets/{id}/assign": { "post": { "summary": "Assign to a unit's executor (unit head)", "parameters": [id_param()],
                "requestBody": body(json!({ "type": "object", "required": ["login"], "properties": { "login": { "type": "string" } } })),
                "responses": with(json!({ "200": ok("Assigned", reference("Ticket")) }), errors(&[("403", "Not the unit head"), ("404", "Not found"), ("422", "Not an executor of the unit")])) } },
            "/tickets/{id}/attachments": { "post": { "summary": "Attach a file (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX; type checked by content)",
                "parameters": [id_param()],
                "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object",
                    "properties": { "file": { "type": "string", "format": "binary" },
                        "comment_id": { "type": "integer", "description": "One of the caller's own messages of this request; a file on an internal note is never shown to the requester" } } } } } },
                "responses": with(json!({ "201": ok("Stored", reference("Attachment")) }),
                    errors(&[("404", "Not found"), ("413", "Too large"), ("422", "Unsupported file type")])) } },
            "/attachments/{id}": { "get": { "summary": "Download a file (always as an attachment)", "parameters": [id_param()],
                "responses": with(json!({ "200": { "description": "The file" } }), errors(&common)) } },
            "/tickets/{id}/extend": { "post": { "summary": "Extend the term once by 1–30 days (unit head or administrator); the requester is notified",
                "parameters": [id_param()],
                "requestBody": body(json!({ "type": "object", "required": ["days", "reason"], "properties": {
                    "days": { "type": "integer", "minimum": 1, "maximum": 30 }, "reason": { "type": "string" } } })),
                "responses": with(json!({ "200": ok("Extended", reference("Ticket")) }),
                    errors(&[("403", "Not the unit head"), ("404", "Not found"), ("409", "Already extended, oral or closed"), ("422", "Invalid days or reason")])) } },
            "/tickets/{id}/transfer": { "post": { "summary": "Transfer to another unit (at most twice; number and due date stay)",
                "parameters": [id_param()],
                "requestBody": body(json!({ "type": "object", "required": ["unit", "reason"], "properties": {
                    "unit": { "type": "string", "example": "AHO" }, "reason": { "type": "string" } } })),
                "responses": with(json!({ "200": ok("Transferred", reference("Ticket")) }),
                    errors(&[("403", "Not unit staff"), ("404", "Not found"), ("409", "Third transfer or closed"), ("422", "Unknown or same unit, no reason")])) } },
            "/tickets/{id}/answer": { "post": { "summary": "Answer: interim (final=false, stays open) or final with an outcome",
                "parameters": [id_param()],
                "requestBody": body(json!({ "type": "object", "required": ["body"], "properties": {
                    "body": { "type": "string" }, "final": { "type": "boolean", "default": false },
                    "question": { "type": "boolean", "default": false, "description": "Interim only: a clarifying question; the request waits for the requester" },
                    "outcome": { "enum": ["solved", "will_be_solved", "solvable_no_date", "cannot_be_solved"] },
                    "planned_on": { "type": "string", "format": "date", "description": "Required for will_be_solved" } } })),
                "responses": with(json!({ "200": ok("Answered", reference("Ticket")) }),
                    errors(&[("403", "Not unit staff"), ("404", "Not found"), ("409", "Already answered"), ("422", "Missing outcome, date or body")])) } },
            "/calendar/deadline": { "get": { "summary": "Compute a due date on the working calendar, with its explanation",
                "parameters": [
                    { "name": "registered_on", "in": "query", "required": true, "schema": { "type": "string", "format": "date" } },
                    { "name": "kind", "in": "query", "schema": { "enum": ["written", "oral", "forward"], "default": "written" } },
                    { "name": "extension_days", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 30 } },
                    { "name": "time", "in": "query", "description": "Oral: local registration time HH:MM (default: start of the working day)", "schema": { "type": "string" } }
                ],
                "responses": with(json!({ "200": ok("Deadline", json!({ "type": "object", "properties": {
                    "due_on": { "type": "string", "format": "date" }, "due_at": { "type": "string", "format": "date-time" },
                    "explanation": { "type": "string" } } })) }),
                    errors(&[("401", "Not signed in"), ("422", "Invalid input or a date outside the loaded calendar")])) } },
            "/calendar/{year}/{month}": { "get": { "summary": "A month of the working calendar",
                "parameters": [{ "name": "year", "in": "path", "required": true, "schema": { "type": "integer" } },
                               { "name": "month", "in": "path", "required": true, "schema": { "type": "integer", "minimum": 1, "maximum": 12 } }],
                "responses": with(json!({ "200": { "description": "Days with working, shortened, kind and name" } }), errors(&[("422", "Year not loaded")])) } },
            "/calendar/days/{date}": { "put": { "summary": "Set or clear one day (administrator)",
                "parameters": [{ "name": "date", "in": "path", "required": true, "schema": { "type": "string", "format": "date" } }],
                "requestBody": body(json!({ "type": "object", "properties": {
                    "kind": { "enum": ["holiday", "day_off", "working", "shortened", "default"] }, "name": { "type": "string" } } })),
                "responses": with(json!({ "204": { "description": "Saved" } }), errors(&[("403", "Not the administrator"), ("422", "Invalid date or kind, year not loaded")])) } },
            "/calendar/import": { "post": { "summary": "Import whole years (administrator): servicedesk-calendar/1 JSON or xmlcalendar XML",
                "requestBody": { "required": true, "content": { "application/json": {}, "application/xml": {} } },
                "responses": with(json!({ "200": { "description": "Years imported" } }), errors(&[("403", "Not the administrator"), ("422", "Not a calendar file")])) } },
            "/notifications": { "get": { "summary": "The caller's notifications and unread count; each has kind, ticket_id, text (in the caller's language), read and created_at",
                "responses": with(json!({ "200": { "description": "Inbox" } }), errors(&common[..1])) } },
            "/notifications/read": { "post": { "summary": "Mark all as read", "responses": { "200": { "description": "How many" } } } },
            "/kb/sections": { "get": { "summary": "Sections of the knowledge base", "responses": { "200": { "description": "Sections" } } },
                "post": { "summary": "Add a section or rename one (administrator)",
                    "requestBody": body(json!({ "type": "object", "required": ["code", "title"], "properties": {
                        "code": { "type": "string", "pattern": "^[a-z0-9_]{1,32}$" }, "title": { "type": "string" }, "title_en": { "type": "string" } } })),
                    "responses": with(json!({ "200": { "description": "Saved" } }), errors(&[("403", "Not the administrator"), ("422", "Invalid code or title")])) } },
            "/kb/search": { "get": { "summary": "Search published articles (Russian word forms, typos tolerated), best first",
                "parameters": [{ "name": "q", "in": "query", "required": true, "schema": { "type": "string", "maxLength": 500 } },
                               { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 50, "default": 10 } }],
                "responses": with(json!({ "200": ok("Results", json!({ "type": "object", "properties": { "results": { "type": "array",
                    "items": { "type": "object", "properties": { "id": { "type": "integer" }, "title": { "type": "string" },
                        "section": { "type": "string" }, "snippet": { "type": "string", "description": "Escaped HTML with <mark>" },
                        "score": { "type": "number" } } } } } })) }), errors(&[("422", "Query or limit out of range")])) } },
            "/kb/articles": {
                "get": { "summary": "Articles the caller may read", "responses": { "200": { "description": "Articles" } } },
                "post": { "summary": "Create an article (unit staff for their unit, administrator any)",
                    "requestBody": body(reference("ArticleInput")),
                    "responses": with(json!({ "201": ok("Created", reference("Article")) }), errors(&[("403", "Not unit staff"), ("422", "Invalid input")])) }
            },
            "/kb/articles/{id}": {
                "get": { "summary": "One article", "parameters": [id_param()], "responses": with(json!({ "200": ok("Article", reference("Article")) }), errors(&common)) },
                "put": { "summary": "Save a new version", "parameters": [id_param()], "requestBody": body(reference("ArticleInput")),
                    "responses": with(json!({ "200": ok("Saved", reference("Article")) }), errors(&[("403", "Not a writer of this article"), ("404", "Not found"), ("422", "Invalid input")])) },
                "delete": { "summary": "Delete an article", "parameters": [id_param()], "responses": with(json!({ "204": { "description": "Deleted" } }), errors(&common)) }
            },
            "/kb/suggest": { "get": { "summary": "Articles that may answer a request being written: by subject, then linked to the kind",
                "parameters": [{ "name": "subject", "in": "query", "schema": { "type": "string" } },
                               { "name": "kind", "in": "query", "schema": { "type": "string" } }],
                "responses": { "200": { "description": "Up to five results, as in /kb/search" } } } },
            "/kb/articles/{id}/solved": { "post": { "summary": "This article solved the caller's question: counted, nothing is filed",
                "parameters": [id_param()],
                "requestBody": body(json!({ "type": "object", "properties": { "subject": { "type": "string" }, "kind": { "type": "string" } } })),
                "responses": with(json!({ "200": { "description": "The article's count" } }), errors(&common)) } },
            "/kb/articles/{id}/files": { "post": { "summary": "Attach a file (PDF, DOCX, XLSX, image; checked by content)",
                "parameters": [id_param()],
                "requestBody": { "required": true, "content": { "multipart/form-data": {} } },
                "responses": with(json!({ "201": { "description": "Attached" } }), errors(&[("403", "Not a writer of this article"), ("413", "Too large"), ("415", "Type not accepted")])) } },
            "/kb/files/{id}": {
                "get": { "summary": "Download an article's file", "parameters": [id_param()], "responses": with(json!({ "200": { "description": "The file, as an attachment" } }), errors(&common)) },
                "delete": { "summary": "Remove an article's file", "parameters": [id_param()], "responses": with(json!({ "204": { "description": "Removed" } }), errors(&common)) }
            },
            "/reports/workload": { "get": { "summary": "A unit's workload: now, per executor, indicators and the previous period (heads: own unit; administrator: any)",
                "parameters": [{ "name": "unit", "in": "query", "required": true, "schema": { "type": "string" } },
                               { "name": "from", "in": "query", "schema": { "type": "string", "format": "date" } },
                               { "name": "to", "in": "query", "schema": { "type": "string", "format": "date" } },
                               { "name": "period", "in": "query", "schema": { "type": "string", "enum": ["week", "month", "quarter", "year", "custom"] } }],
                "responses": with(json!({ "200": { "description": "{unit, from, to, now, executors, indicators, previous, weeks, overdue_now (the 50 longest overdue), overdue_total, proposals}" } }), errors(&[("403", "Not this unit's head"), ("422", "Bad unit or dates")])) } },
            "/reports/period": { "get": { "summary": "The end-of-period report file: tasks, analysis, proposals",
                "parameters": [{ "name": "unit", "in": "query", "required": true, "schema": { "type": "string" } },
                               { "name": "from", "in": "query", "schema": { "type": "string", "format": "date" } },
                               { "name": "to", "in": "query", "schema": { "type": "string", "format": "date" } },
                               { "name": "format", "in": "query", "schema": { "type": "string", "enum": ["xlsx", "pdf", "csv"] } }],
                "responses": with(json!({ "200": { "description": "The file, as an attachment" } }), errors(&[("403", "Not this unit's head"), ("422", "Bad unit, dates or format")])) } },
            "/reports/exports": { "post": { "summary": "Prepare a report file in the background",
                "requestBody": body(json!({ "type": "object", "required": ["unit"], "properties": {
                    "unit": { "type": "string" }, "from": { "type": "string" }, "to": { "type": "string" }, "format": { "type": "string" } } })),
                "responses": with(json!({ "202": { "description": "{id, state: running, done, total}" } }), errors(&[("403", "Not this unit's head"), ("422", "Invalid input")])) } },
            "/reports/exports/{id}": { "get": { "summary": "An export's progress: state running|ready|failed, done and total lines",
                "parameters": [id_param()], "responses": with(json!({ "200": { "description": "Progress" } }), errors(&common)) } },
            "/reports/exports/{id}/file": { "get": { "summary": "A finished export's file",
                "parameters": [id_param()], "responses": with(json!({ "200": { "description": "The file" } }), errors(&[("404", "Not found"), ("409", "Not ready or failed")])) } },
            "/reports/proposals": { "put": { "summary": "Save the head's proposals for a unit and period",
                "requestBody": body(json!({ "type": "object", "required": ["unit", "from", "to"], "properties": {
                    "unit": { "type": "string" }, "from": { "type": "string" }, "to": { "type": "string" }, "text": { "type": "string" } } })),
                "responses": with(json!({ "200": { "description": "Saved" } }), errors(&[("403", "Not this unit's head"), ("422", "Invalid input")])) } },
            "/templates": {
                "get": { "summary": "Answer templates of the caller's units", "responses": with(json!({ "200": { "description": "Templates" } }), errors(&[("403", "Not unit staff")])) },
                "post": { "summary": "Create a template; placeholders {{заявитель}}, {{номер}}, {{срок}}, {{исполнитель}}, {{телефон}}",
                    "requestBody": body(json!({ "type": "object", "required": ["title", "body"], "properties": {
                        "title": { "type": "string" }, "body": { "type": "string" }, "unit": { "type": "string" } } })),
                    "responses": with(json!({ "201": { "description": "Created" } }), errors(&[("403", "Not unit staff"), ("422", "Invalid input or unknown placeholder")])) }
            },
            "/templates/{id}": {
                "get": { "summary": "One template", "parameters": [id_param()], "responses": with(json!({ "200": { "description": "Template" } }), errors(&common)) },
                "put": { "summary": "Change a template", "parameters": [id_param()], "responses": with(json!({ "200": { "description": "Saved" } }), errors(&common)) },
                "delete": { "summary": "Delete a template", "parameters": [id_param()], "responses": with(json!({ "204": { "description": "Deleted" } }), errors(&common)) }
            },
            "/kb/articles/{id}/versions": { "get": { "summary": "Every saved version: who, when, why", "parameters": [id_param()],
                "responses": with(json!({ "200": { "description": "Versions, newest first" } }), errors(&common)) } },
            "/kb/articles/{id}/compare": { "get": { "summary": "Line differences between two versions",
                "parameters": [id_param(), { "name": "from", "in": "query", "required": true, "schema": { "type": "integer" } },
                               { "name": "to", "in": "query", "required": true, "schema": { "type": "integer" } }],
                "responses": with(json!({ "200": { "description": "Lines: same, added, removed" } }), errors(&common)) } },
            "/kb/articles/{id}/restore": { "post": { "summary": "Make an old version current (as a new version)", "parameters": [id_param()],
                "requestBody": body(json!({ "type": "object", "required": ["version"], "properties": { "version": { "type": "integer" } } })),
                "responses": with(json!({ "200": ok("Restored", reference("Article")) }), errors(&common)) } },
            "/openapi.json": { "get": { "summary": "This document", "security": [], "responses": { "200": { "description": "OpenAPI" } } } }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "message"],
                    "properties": { "code": { "type": "string" }, "message": { "type": "string" },
                        "fields": { "type": "array", "items": { "type": "object", "properties": {
                            "field": { "type": "string" }, "code": { "type": "string" }, "message": { "type": "string" } } } } } } } },
                "UserRef": { "type": "object", "properties": { "login": { "type": "string" }, "name": { "type": "string" } } },
                "User": { "type": "object", "properties": { "id": { "type": "integer" }, "login": { "type": "string" }, "name": { "type": "string" },
                    "email": { "type": "string" }, "phone": { "type": "string" }, "title": { "type": "string" }, "lang": { "enum": ["ru", "en"] },
                    "roles": { "type": "array", "items": { "type": "object", "properties": {
                        "role": { "enum": ["employee", "executor", "head", "admin"] }, "unit": { "type": "string" } } } } } },
                "Field": { "type": "object", "required": ["code", "label", "type", "required"], "properties": {
                    "code": { "type": "string" }, "label": { "type": "string" }, "label_en": { "type": "string" },
                    "type": { "enum": ["text", "textarea", "date", "number", "select", "items"] }, "required": { "type": "boolean" },
                    "options": { "type": "array", "items": { "type": "object", "properties": { "code": { "type": "string" }, "label": { "type": "string" } } } },
                    "pattern": { "type": "string", "description": "Regular expression the whole value must match" },
                    "min": { "type": "number" }, "max": { "type": "number" }, "max_length": { "type": "integer" } } },
                "Kind": { "type": "object", "properties": { "code": { "type": "string" }, "title": { "type": "string" },
                    "unit": { "type": ["string", "null"], "description": "Null when the unit follows from a field (routing)" },
                    "routing": { "type": "object" }, "fields": { "type": "array", "items": reference("Field") } } },
                "NewTicket": { "type": "object", "required": ["kind", "subject"], "properties": {
                    "kind": { "type": "string" }, "form": { "enum": ["written", "oral"] },
                    "channel": { "enum": ["portal", "phone", "in_person", "email", "sed", "memo"] },
                    "subject": { "type": "string", "maxLength": 200 }, "description": { "type": "string" },
                    "fields": { "type": "object", "description": "Field code → value; items fields take [{item, quantity}]" },
                    "requester_login": { "type": "string", "description": "Unit staff only: file on this employee's behalf" },
                    "submission": { "type": "string", "maxLength": 64, "description": "The same as the Idempotency-Key header (when both are sent, this one counts)" } } },
                "Ticket": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "number": { "type": "string", "example": "IT-2026-000042" },
                    "kind": { "type": "string" }, "kind_title": { "type": "string" },
                    "unit": { "type": "object", "properties": { "code": { "type": "string" }, "name": { "type": "string" } } },
                    "status": { "enum": ["registered", "in_progress", "awaiting_requester", "answered", "closed"] },
                    "form": { "enum": ["written", "oral"] }, "channel": { "enum": ["portal", "phone", "in_person", "email", "sed", "memo"] },
                    "subject": { "type": "string" }, "description": { "type": "string" }, "fields": { "type": "object" },
                    "registered_at": { "type": "string", "format": "date-time" }, "due_at": { "type": "string", "format": "date-time" },
                    "overdue": { "type": "boolean", "description": "Open past due, or answered late (stays marked)" },
                    "time_left": { "description": "An open request's time left: `overdue`, `hours` (due within a day) or working `days`; null once answered",
                        "oneOf": [{ "type": "null" }, { "type": "object", "properties": {
                            "left": { "enum": ["overdue", "hours", "days"] }, "hours": { "type": "integer" }, "days": { "type": "integer" } },
                            "required": ["left"] }] },
                    "due_explanation": { "type": "string" }, "extension_days": { "type": ["integer", "null"] },
                    "extension_reason": { "type": ["string", "null"] }, "transfer_count": { "type": "integer" },
                    "answered_at": { "type": ["string", "null"], "format": "date-time" },
                    "outcome": { "type": ["string", "null"] }, "planned_on": { "type": ["string", "null"], "format": "date" },
                    "requester": reference("UserRef"),
                    "assignee": { "oneOf": [reference("UserRef"), { "type": "null" }] },
                    "reopen_count": { "type": "integer" }, "closed_at": { "type": ["string", "null"], "format": "date-time" } } },
                "ArticleInput": { "type": "object", "required": ["title", "section"], "properties": {
                    "title": { "type": "string", "maxLength": 300 }, "body": { "type": "string", "description": "Markdown" },
                    "section": { "enum": ["regulations", "procedures", "rules", "instructions", "request_templates", "faq"] },
                    "tags": { "type": "array", "items": { "type": "string" } }, "status": { "enum": ["draft", "published", "archived"] },
                    "unit": { "type": "string" }, "kinds": { "type": "array", "items": { "type": "string" } },
                    "reason": { "type": "string", "description": "Why this version" } } },
                "Article": { "type": "object", "properties": { "id": { "type": "integer" }, "version": { "type": "integer" },
                    "section": { "type": "string" }, "title": { "type": "string" }, "body": { "type": "string" },
                    "html": { "type": "string", "description": "Sanitised HTML" }, "tags": { "type": "array", "items": { "type": "string" } },
                    "unit": { "type": ["string", "null"] }, "kinds": { "type": "array", "items": { "type": "string" } },
                    "status": { "type": "string" }, "updated_at": { "type": "string", "format": "date-time" }, "can_edit": { "type": "boolean" } } },
                "Comment": { "type": "object", "properties": { "id": { "type": "integer" }, "author": reference("UserRef"),
                    "body": { "type": "string" }, "internal": { "type": "boolean" }, "created_at": { "type": "string", "format": "date-time" } } },
                "Attachment": { "type": "object", "properties": { "id": { "type": "integer" }, "file_name": { "type": "string" },
                    "content_type": { "type": "string" }, "size": { "type": "integer" }, "created_at": { "type": "string", "format": "date-time" } } }
            }
        }
    })
}

/// The routes anyone may call without signing in.
const PUBLIC: &[&str] = &["/auth/login", "/auth/logout", "/openapi.json"];

/// Every operation names the refusals the server can give it: 401 where a
/// sign-in is needed, 400 for a body or query it cannot read, 429 where a
/// limit holds, and a `default` for the rest (405 with `Allow`, 413, …),
/// always the JSON error.
fn answer_every_refusal(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in ops.iter_mut() {
            let Some(responses) = op["responses"].as_object_mut() else {
                continue;
            };
            let mut add = |code: &str, text: &str| {
                responses
                    .entry(code.to_string())
                    .or_insert_with(|| error_response(text));
            };
            if !PUBLIC.contains(&path.as_str()) {
                add("401", "Not signed in");
            }
            if method != "get" || path.contains('{') {
                add("400", "A body, path or query the server cannot read");
            }
            if path == "/auth/login" {
                add(
                    "429",
                    "Too many failed sign-ins: wait `retry_after_secs` (also in Retry-After)",
                );
            }
            if path.starts_with("/reports/")
                && (path.ends_with("/exports") || path.ends_with("/period"))
            {
                add(
                    "429",
                    "Other report files are being built: wait `retry_after_secs`",
                );
            }
            if path.contains("attachments")
                || path.contains("/files")
                || path.ends_with("/file")
                || (path == "/tickets" && method == "post")
            {
                add(
                    "503",
                    "The file storage (an S3 bucket, when configured) does not answer: `storage_unavailable`",
                );
            }
            add(
                "default",
                "Any other refusal (405 with Allow, 413, …): the JSON error with its code",
            );
        }
    }
}
