//! Answer templates: each unit keeps its typical answers; an executor
//! inserts one into a reply, its placeholders filled from the request. A
//! staff reply with a placeholder nobody knows is refused before it is sent.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::auth::Caller;
use super::entity::{answer_template, ticket, user};
use super::error::ServiceResult;
use super::state::AppState;
use crate::domain::FieldErrorCode;
use crate::domain::fields::validate_text;
use crate::domain::templates::{self, Values};
use crate::wire::{AppError, FilledTemplate, TemplateInput, TemplateView};

const BODY_MAX: usize = 20_000;

fn view(t: answer_template::Model) -> TemplateView {
    TemplateView {
        id: t.id,
        unit: t.unit_code,
        title: t.title,
        body: t.body,
        updated_at: t.updated_at,
    }
}

fn can_write(caller: &Caller, unit: &str) -> bool {
    caller.roles.is_admin() || caller.roles.is_staff_of(unit)
}

/// The templates of the units the caller works in (every unit for the administrator).
pub async fn list(state: &AppState, caller: &Caller) -> ServiceResult<Vec<TemplateView>> {
    let mut q = answer_template::Entity::find();
    if !caller.roles.is_admin() {
        let units = caller.roles.staff_units();
        if units.is_empty() {
            return Err(AppError::Forbidden.into());
        }
        q = q.filter(answer_template::Column::UnitCode.is_in(units));
    }
    Ok(q.order_by_asc(answer_template::Column::UnitCode)
        .order_by_asc(answer_template::Column::Title)
        .all(&state.db)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

async fn load(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<answer_template::Model> {
    answer_template::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .filter(|t| can_write(caller, &t.unit_code))
        .ok_or_else(|| AppError::NotFound.into())
}

pub async fn get(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<TemplateView> {
    Ok(view(load(state, caller, id).await?))
}

struct Checked {
    unit: String,
    title: String,
    body: String,
}

fn check(caller: &Caller, input: &TemplateInput, current: Option<&str>) -> ServiceResult<Checked> {
    let mut errors = Vec::new();
    let title = validate_text("title", &input.title, true, 200, &mut errors);
    let body = validate_text("body", &input.body, true, BODY_MAX, &mut errors);
    let unit = input
        .unit
        .as_deref()
        .map(|u| u.trim().to_uppercase())
        .filter(|u| !u.is_empty())
        .or_else(|| current.map(str::to_string))
        .or_else(|| caller.roles.staff_units().into_iter().next());
    let unit = match unit {
        Some(u) if can_write(caller, &u) => u,
        _ => {
            errors.push(crate::domain::FieldError::new(
                "unit",
                FieldErrorCode::NotAllowed,
            ));
            String::new()
        }
    };
    // A template that could never be sent is refused when it is written.
    if let Some(name) = templates::fill(&body, &Values::default())
        .unknown
        .into_iter()
        .next()
    {
        errors.push(crate::domain::FieldError::new(
            "body",
            FieldErrorCode::UnknownPlaceholder { name },
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid { fields: errors }.into());
    }
    Ok(Checked { unit, title, body })
}

pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: TemplateInput,
) -> ServiceResult<TemplateView> {
    if !caller.roles.is_admin() && !caller.roles.is_staff() {
        return Err(AppError::Forbidden.into());
    }
    let c = check(caller, &input, None)?;
    let now = state.now();
    let saved = answer_template::ActiveModel {
        unit_code: Set(c.unit),
        title: Set(c.title),
        body: Set(c.body),
        updated_by: Set(Some(caller.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    Ok(view(saved))
}

pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: i64,
    input: TemplateInput,
) -> ServiceResult<TemplateView> {
    let current = load(state, caller, id).await?;
    let c = check(caller, &input, Some(&current.unit_code))?;
    let mut row: answer_template::ActiveModel = current.into();
    row.unit_code = Set(c.unit);
    row.title = Set(c.title);
    row.body = Set(c.body);
    row.updated_by = Set(Some(caller.id));
    row.updated_at = Set(state.now());
    Ok(view(row.update(&state.db).await?))
}

pub async fn delete(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<()> {
    load(state, caller, id).await?;
    answer_template::Entity::delete_by_id(id)
        .exec(&state.db)
        .await?;
    Ok(())
}

/// What the placeholders stand for in this request, answered by `caller`.
async fn values(state: &AppState, caller: &Caller, row: &ticket::Model) -> ServiceResult<Values> {
    let requester = user::Entity::find_by_id(row.requester_id)
        .one(&state.db)
        .await?;
    // The executor's row came with their session on a page; read it otherwise.
    let phone = match &caller.person {
        Some(person) => person.phone.clone(),
        None => user::Entity::find_by_id(caller.id)
            .one(&state.db)
            .await?
            .map(|u| u.phone)
            .unwrap_or_default(),
    };
    Ok(Values {
        requester: requester.map(|u| u.shown_name()).unwrap_or_default(),
        number: row.number.clone(),
        due_date: state.local(row.due_at).format("%d.%m.%Y").to_string(),
        executor: caller.name.clone(),
        phone,
    })
}

/// The unit's templates, filled for this request; for the request page.
pub async fn for_ticket(
    state: &AppState,
    caller: &Caller,
    row: &ticket::Model,
) -> ServiceResult<Vec<FilledTemplate>> {
    if !caller.roles.can_work(&row.unit_code) {
        return Ok(Vec::new());
    }
    let rows = answer_template::Entity::find()
        .filter(answer_template::Column::UnitCode.eq(row.unit_code.clone()))
        .order_by_asc(answer_template::Column::Title)
        .all(&state.db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let values = values(state, caller, row).await?;
    Ok(rows
        .into_iter()
        .map(|t| {
            let filled = templates::fill(&t.body, &values);
            FilledTemplate {
                id: t.id,
                title: t.title,
                text: filled.text,
                unknown: filled.unknown,
            }
        })
        .collect())
}

/// A staff reply with its placeholders filled; an unknown one is an error
/// on `body`, so nothing half-filled reaches the requester.
pub async fn fill_reply(
    state: &AppState,
    caller: &Caller,
    row: &ticket::Model,
    body: &str,
) -> ServiceResult<String> {
    if !body.contains("{{") {
        return Ok(body.to_string());
    }
    let filled = templates::fill(body, &values(state, caller, row).await?);
    match filled.unknown.into_iter().next() {
        Some(name) => {
            Err(AppError::invalid("body", FieldErrorCode::UnknownPlaceholder { name }).into())
        }
        None => Ok(filled.text),
    }
}
