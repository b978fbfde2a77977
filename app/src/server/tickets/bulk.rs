//! One action on several requests at once: the queue's checked rows taken
//! into work, assigned to one person or transferred to another unit. Each
//! request goes through the same guarded change as on its own page, so the
//! rules that count or exclude (one executor, at most two transfers, nothing
//! done to a closed request) hold however many people act on the same rows
//! at once; the outcome names every request that was refused and why.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::act::{act, actor};
use crate::domain::FieldError;
use crate::domain::FieldErrorCode;
use crate::domain::lifecycle::{Action, Refusal};
use crate::server::auth::{Caller, parse_roles};
use crate::server::catalogue::units;
use crate::server::entity::user;
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::state::AppState;
use crate::wire::{AppError, BulkOutcome, BulkRefusal};

/// At most this many requests in one action (the largest queue page).
pub const BULK_MAX: usize = 100;

/// The action to apply to every checked request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAction {
    /// The caller takes the requests nobody works on yet.
    Take,
    /// The unit head gives the requests to one of the unit's staff.
    Assign { login: String },
    /// The requests go to another unit, for one stated reason.
    Transfer { unit: String, reason: String },
}

impl BulkAction {
    /// The action a form or API call names, its fields checked: a field
    /// error names what is missing or unknown.
    pub fn parse(action: &str, login: &str, unit: &str, reason: &str) -> Result<Self, AppError> {
        let missing = |field: &str| AppError::invalid(field, FieldErrorCode::Required);
        match action.trim() {
            "take" => Ok(BulkAction::Take),
            "assign" if login.trim().is_empty() => Err(missing("assignee")),
            "assign" => Ok(BulkAction::Assign {
                login: login.trim().to_string(),
            }),
            "transfer" => {
                let mut fields = Vec::new();
                if unit.trim().is_empty() {
                    fields.push(FieldError::new("unit", FieldErrorCode::Required));
                }
                if reason.trim().is_empty() {
                    fields.push(FieldError::new("reason", FieldErrorCode::Required));
                }
                if !fields.is_empty() {
                    return Err(AppError::Invalid { fields });
                }
                Ok(BulkAction::Transfer {
                    unit: unit.trim().to_uppercase(),
                    reason: reason.trim().to_string(),
                })
            }
            "" => Err(missing("action")),
            _ => Err(AppError::invalid("action", FieldErrorCode::UnknownOption)),
        }
    }
}

/// The ids of a form's checked rows (repeated `ids` values or one
/// comma-separated list), each once, in the order given.
pub fn parse_ids(values: &[String]) -> Result<Vec<i64>, AppError> {
    let mut ids: Vec<i64> = Vec::new();
    for part in values.iter().flat_map(|v| v.split(',')) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        ids.push(
            part.parse::<i64>()
                .map_err(|_| AppError::invalid("ids", FieldErrorCode::NotANumber))?,
        );
    }
    let ids = unique(&ids);
    check_ids(&ids)?;
    Ok(ids)
}

/// Each id once, in the order first named.
fn unique(ids: &[i64]) -> Vec<i64> {
    let mut once: Vec<i64> = Vec::with_capacity(ids.len());
    for id in ids {
        if !once.contains(id) {
            once.push(*id);
        }
    }
    once
}

fn check_ids(ids: &[i64]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Err(AppError::invalid("ids", FieldErrorCode::NoneChecked));
    }
    if ids.len() > BULK_MAX {
        return Err(AppError::invalid(
            "ids",
            FieldErrorCode::TooManyItems { max: BULK_MAX },
        ));
    }
    Ok(())
}

/// Said instead of a change when the request is already as asked.
const UNCHANGED: &str = "unchanged";

/// Why a request was refused, as a short code for the outcome.
fn reason(e: ServiceError) -> Result<String, ServiceError> {
    match e {
        ServiceError::App(AppError::Conflict { reason }) => Ok(reason),
        ServiceError::App(AppError::Forbidden) => Ok("forbidden".into()),
        ServiceError::App(AppError::NotFound) => Ok("not_found".into()),
        ServiceError::App(AppError::Invalid { fields })
            if fields.iter().any(|f| f.code == FieldErrorCode::NotAllowed) =>
        {
            Ok("same_unit".into())
        }
        // A failure of the database or the like stops the whole action.
        other => Err(other),
    }
}

/// Applies `action` to each of `ids` in turn. A refused request does not
/// stop the others; a failure of the service itself does (what was done
/// before it stays done, each request's change being whole).
pub async fn bulk(
    state: &AppState,
    caller: &Caller,
    ids: &[i64],
    action: &BulkAction,
) -> ServiceResult<BulkOutcome> {
    // Only staff work on requests; each one's own rule decides the rest.
    if !caller.roles.is_staff() && !caller.roles.is_admin() {
        return Err(AppError::Forbidden.into());
    }
    // Each request once, however often it is named (the API takes a list).
    let ids = unique(ids);
    check_ids(&ids)?;
    let now = state.now();
    // What the action needs beyond the request, looked up once.
    let mut target_user: Option<user::Model> = None;
    let mut target_unit: Option<(String, String)> = None;
    match action {
        BulkAction::Take => {}
        BulkAction::Assign { login } => {
            let found = user::Entity::find()
                .filter(user::Column::Login.eq(login.as_str()))
                .one(&state.db)
                .await?
                .filter(|u| u.active && parse_roles(&u.roles).is_staff());
            match found {
                Some(u) => target_user = Some(u),
                None => {
                    return Err(AppError::invalid("assignee", FieldErrorCode::UnknownOption).into());
                }
            }
        }
        BulkAction::Transfer { unit, .. } => {
            match units(state).await?.into_iter().find(|u| &u.code == unit) {
                Some(u) => target_unit = Some((u.code, u.name)),
                None => return Err(AppError::invalid("unit", FieldErrorCode::UnknownOption).into()),
            }
        }
    }
    let mut outcome = BulkOutcome::default();
    for &id in &ids {
        let mut number = format!("#{id}");
        let result = act(state, caller, id, |t| {
            number = t.number.clone();
            match action {
                BulkAction::Take => {
                    // The rule first (a closed request is refused as such).
                    match t.may(Action::Take, actor(caller), now) {
                        Err(Refusal::Conflict("already_yours")) => return Err(conflict(UNCHANGED)),
                        Err(refused) => return Err(refused.into()),
                        Ok(()) => {}
                    }
                    // Checked rows are taken, not taken over.
                    if t.assignee_id.is_some() {
                        return Err(conflict("assigned_to_other"));
                    }
                    Ok(t.take(actor(caller), now)?)
                }
                BulkAction::Assign { .. } => {
                    let Some(to) = target_user.as_ref() else {
                        return Err(conflict("changed"));
                    };
                    // Refusals of the rule (not the head, closed) come first.
                    t.may(Action::Assign, actor(caller), now)?;
                    if !parse_roles(&to.roles).is_staff_of(&t.unit) {
                        return Err(conflict("not_staff"));
                    }
                    if t.assignee_id == Some(to.id) {
                        return Err(conflict(UNCHANGED));
                    }
                    Ok(t.assign(actor(caller), to.id, now)?)
                }
                BulkAction::Transfer { reason, .. } => {
                    let to = target_unit.as_ref().map(|(c, n)| (c.as_str(), n.as_str()));
                    Ok(t.transfer(actor(caller), to, reason, now)?)
                }
            }
        })
        .await;
        match result {
            Ok(applied) => outcome.done.push(applied.row.number),
            Err(e) => match reason(e)? {
                r if r == UNCHANGED => outcome.done.push(number),
                reason => outcome.refused.push(BulkRefusal { id, number, reason }),
            },
        }
    }
    Ok(outcome)
}

fn conflict(reason: &str) -> ServiceError {
    AppError::Conflict {
        reason: reason.into(),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_names_what_the_action_lacks() {
        assert_eq!(BulkAction::parse("take", "", "", ""), Ok(BulkAction::Take));
        assert_eq!(
            BulkAction::parse("assign", " ", "", ""),
            Err(AppError::invalid("assignee", FieldErrorCode::Required))
        );
        let Err(AppError::Invalid { fields }) = BulkAction::parse("transfer", "", "", " ") else {
            panic!("a transfer needs a unit and a reason");
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["unit", "reason"]);
        assert_eq!(
            BulkAction::parse("transfer", "", "buh", " Не наше "),
            Ok(BulkAction::Transfer {
                unit: "BUH".into(),
                reason: "Не наше".into()
            })
        );
        assert_eq!(
            BulkAction::parse("delete", "", "", ""),
            Err(AppError::invalid("action", FieldErrorCode::UnknownOption))
        );
    }

    #[test]
    fn checked_rows_are_read_once_each_and_at_most_a_page() {
        let ids = parse_ids(&["3".into(), "1, 3".into(), "".into()]).expect("ids");
        assert_eq!(ids, [3, 1]);
        assert_eq!(
            parse_ids(&[]),
            Err(AppError::invalid("ids", FieldErrorCode::NoneChecked))
        );
        assert_eq!(
            parse_ids(&["x".into()]),
            Err(AppError::invalid("ids", FieldErrorCode::NotANumber))
        );
        let many: Vec<String> = (1..=101).map(|i| i.to_string()).collect();
        assert_eq!(
            parse_ids(&many),
            Err(AppError::invalid(
                "ids",
                FieldErrorCode::TooManyItems { max: BULK_MAX }
            ))
        );
    }
}
