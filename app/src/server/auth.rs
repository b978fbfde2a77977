//! Sign-in through the directory, sessions stored in the database (shared by
//! every app instance), and who the caller of a request is.

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect, QueryTrait, Set,
};
use sha2::{Digest, Sha256};

use super::directory::{DirectoryError, DirectoryUser};
use super::entity::{session, user};
use super::error::ServiceResult;
use super::state::AppState;
use crate::domain::{Role, Roles};
use crate::i18n::Lang;
use crate::wire::{AppError, UserView};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "sd_session";

/// The signed-in caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub lang: Lang,
    pub roles: Roles,
    /// Their row as read with the session, when at hand (a filing for
    /// oneself needs no second read of it).
    pub person: Option<std::sync::Arc<user::Model>>,
    /// The reference data's counters, read with the session: the request
    /// checks its copy of units, kinds, calendar and staff against them
    /// without a query of its own (`AppState::reference_for`).
    pub reference_versions: Option<super::reference::Versions>,
}

impl Caller {
    pub fn from_model(m: &user::Model) -> Caller {
        Caller {
            id: m.id,
            login: m.login.clone(),
            name: m.shown_name(),
            lang: Lang::parse(&m.lang),
            roles: parse_roles(&m.roles),
            person: Some(std::sync::Arc::new(m.clone())),
            reference_versions: None,
        }
    }
}

pub fn parse_roles(text: &str) -> Roles {
    Roles::new(text.split_whitespace().filter_map(Role::parse).collect())
}

fn roles_text(roles: &Roles) -> String {
    roles
        .0
        .iter()
        .map(Role::to_text)
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn user_view(m: &user::Model) -> UserView {
    UserView {
        id: m.id,
        login: m.login.clone(),
        name: m.shown_name(),
        email: m.email.clone(),
        phone: m.phone.clone(),
        title: m.title.clone(),
        lang: m.lang.clone(),
        roles: parse_roles(&m.roles),
    }
}

fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The form token of a session cookie: what a page of this site puts in
/// its forms, and what another site cannot know. It proves a form came
/// from one of our pages where the browser names no origin at all.
pub fn form_token(session_token: &str) -> String {
    let digest = Sha256::digest(format!("form-token:{session_token}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The header that carries the form token for a script (forms carry it in
/// their hidden `form_token` field).
pub const FORM_TOKEN_HEADER: &str = "x-form-token";

impl From<DirectoryError> for AppError {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::BadCredentials => AppError::BadCredentials,
            DirectoryError::EmptyPassword => AppError::EmptyPassword,
            DirectoryError::Unavailable(detail) => {
                tracing::warn!(%detail, "directory unavailable");
                AppError::DirectoryUnavailable
            }
        }
    }
}

/// Creates or refreshes the local copy of a directory user.
pub async fn upsert_user(
    state: &AppState,
    person: &DirectoryUser,
    signed_in: bool,
) -> ServiceResult<user::Model> {
    let now = state.now();
    let existing = user::Entity::find()
        .filter(user::Column::Login.eq(&person.login))
        .one(&state.db)
        .await?;
    let model = match existing {
        Some(m) => {
            let mut active: user::ActiveModel = m.into();
            active.full_name = Set(person.full_name.clone());
            active.email = Set(person.email.clone());
            active.phone = Set(person.phone.clone());
            active.title = Set(person.title.clone());
            active.roles = Set(roles_text(&person.roles));
            active.active = Set(true);
            if signed_in {
                active.last_login_at = Set(Some(now));
            }
            active.update(&state.db).await?
        }
        None => {
            user::ActiveModel {
                login: Set(person.login.clone()),
                full_name: Set(person.full_name.clone()),
                email: Set(person.email.clone()),
                phone: Set(person.phone.clone()),
                title: Set(person.title.clone()),
                lang: Set(Lang::Ru.code().into()),
                roles: Set(roles_text(&person.roles)),
                active: Set(true),
                created_at: Set(now),
                last_login_at: Set(signed_in.then_some(now)),
                mail_queue: Set(true),
                ..Default::default()
            }
            .insert(&state.db)
            .await?
        }
    };
    Ok(model)
}

/// Signs in with the directory and opens a session; returns its token.
/// `address` is the client's; wrong passwords from it are throttled (see
/// `throttle`). Sign-ins and refusals are logged, passwords never.
pub async fn sign_in(
    state: &AppState,
    login: &str,
    password: &str,
    address: &str,
) -> ServiceResult<(String, UserView)> {
    let guard = &state.sign_in_guard;
    if login.trim().chars().count() > super::throttle::LOGIN_MAX {
        // No such login in the directory: refused without a bind or a count.
        return Err(AppError::BadCredentials.into());
    }
    if let Err(e) = guard.check(login, address, state.now()) {
        tracing::warn!(login, address, "sign-in held back after repeated failures");
        return Err(e.into());
    }
    let person = {
        let _turn = guard.turn(login).await;
        // Judged again: the failures of the bind this one waited for count.
        guard.check(login, address, state.now())?;
        state.directory.authenticate(login, password).await
    };
    let person = match person.map_err(AppError::from) {
        Ok(p) => {
            guard.succeeded(login, address);
            p
        }
        Err(AppError::BadCredentials) => {
            let failures = guard.failed(login, address, state.now());
            tracing::warn!(
                login,
                address,
                failures,
                "sign-in refused: wrong login or password"
            );
            return Err(AppError::BadCredentials.into());
        }
        Err(e) => {
            tracing::warn!(login, address, code = e.code(), "sign-in refused");
            return Err(e.into());
        }
    };
    let user = upsert_user(state, &person, true).await?;
    let token = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let now = state.now();
    session::ActiveModel {
        token_hash: Set(hash_token(&token)),
        user_id: Set(user.id),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(state.config.session_hours)),
        last_seen_at: Set(Some(now)),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    tracing::info!(login = %user.login, address, "signed in");
    Ok((token, user_view(&user)))
}

/// The caller behind a session token, if the session is alive.
pub async fn caller_for_token(state: &AppState, token: &str) -> ServiceResult<Option<Caller>> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let now = state.now();
    // The session, its person and the reference data's counters in one query.
    let mut query = session::Entity::find()
        .find_also_related(user::Entity)
        .filter(session::Column::TokenHash.eq(hash_token(token)))
        .filter(session::Column::ExpiresAt.gt(now));
    for (expr, alias) in super::reference::VERSION_COLUMNS {
        query = query.expr_as(Expr::cust(expr), alias);
    }
    let Some(row) = state.db.query_one(&query.into_query()).await? else {
        return Ok(None);
    };
    let found = session::Model::from_query_result(&row, "A_")?;
    let user = user::Model::from_query_result_optional(&row, "B_")?;
    let versions = super::reference::Versions {
        catalogue: row.try_get("", "rv_catalogue")?,
        calendar: row.try_get("", "rv_calendar")?,
        staff: row.try_get("", "rv_staff")?,
    };
    let seen = found.last_seen_at.unwrap_or(found.created_at);
    if now - seen > Duration::minutes(state.config.session_idle_minutes) {
        // Unused too long: the session ends here, whatever its lifetime.
        session::Entity::delete_by_id(found.id)
            .exec(&state.db)
            .await?;
        return Ok(None);
    }
    if now - seen > Duration::minutes(1) {
        // At most one write a minute per session.
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(found.id))
            .exec(&state.db)
            .await?;
    }
    Ok(user.filter(|u| u.active).map(|u| Caller {
        reference_versions: Some(versions),
        ..Caller::from_model(&u)
    }))
}

/// Removes sessions past their lifetime or unused past the idle time;
/// returns how many went.
pub async fn sweep_sessions(state: &AppState) -> ServiceResult<u64> {
    let now = state.now();
    let idle_since = now - Duration::minutes(state.config.session_idle_minutes);
    let gone = session::Entity::delete_many()
        .filter(
            Condition::any()
                .add(session::Column::ExpiresAt.lte(now))
                .add(session::Column::LastSeenAt.lt(idle_since))
                .add(
                    Condition::all()
                        .add(session::Column::LastSeenAt.is_null())
                        .add(session::Column::CreatedAt.lt(idle_since)),
                ),
        )
        .exec(&state.db)
        .await?;
    Ok(gone.rows_affected)
}

/// Ends a session.
pub async fn sign_out(state: &AppState, token: &str) -> ServiceResult<()> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(hash_token(token)))
        .exec(&state.db)
        .await?;
    Ok(())
}

pub async fn me(state: &AppState, caller: &Caller) -> ServiceResult<UserView> {
    // Read with the session in this same request: no second read.
    if let Some(person) = &caller.person {
        return Ok(user_view(person));
    }
    let m = user::Entity::find_by_id(caller.id)
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok(user_view(&m))
}

pub async fn set_language(state: &AppState, caller: &Caller, lang: Lang) -> ServiceResult<()> {
    user::ActiveModel {
        id: Set(caller.id),
        lang: Set(lang.code().into()),
        ..Default::default()
    }
    .update(&state.db)
    .await?;
    Ok(())
}

/// The token from `Authorization: Bearer …` or the session cookie.
pub fn token_from_headers(headers: &axum::http::HeaderMap) -> Option<String> {
    if let Some(bearer) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(bearer.trim().to_string());
    }
    cookie(headers, SESSION_COOKIE)
}

/// A cookie's value from the request headers.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// `Set-Cookie` for a new session (empty token: remove the cookie).
pub fn session_cookie(state: &AppState, token: &str) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    if token.is_empty() {
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
    } else {
        let max_age = state.config.session_hours * 3600;
        format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
        )
    }
}
