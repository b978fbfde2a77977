//! Demo content for `make run`: a few requests of the demo organisation, filed
//! through the same services as real ones. Runs only on an empty database.

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use super::auth::{Caller, upsert_user};
use super::entity::ticket;
use super::error::{ServiceError, ServiceResult};
use super::state::AppState;
use super::tickets;
use crate::wire::{AppError, NewTicket};

async fn caller(state: &AppState, login: &str) -> ServiceResult<Caller> {
    let person = state
        .directory
        .lookup(login)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| ServiceError::Directory(format!("demo account {login} is missing")))?;
    let user = upsert_user(state, &person, false).await?;
    Ok(Caller::from_model(&user))
}

fn new(kind: &str, subject: &str, description: &str, fields: Value) -> NewTicket {
    NewTicket {
        kind: kind.into(),
        form: None,
        channel: None,
        subject: subject.into(),
        description: description.into(),
        fields: fields.as_object().cloned().unwrap_or_default(),
        requester_login: None,
        submission: None,
    }
}

/// Files the demo requests; returns how many were filed (0 if any existed).
pub async fn seed(state: &AppState) -> ServiceResult<usize> {
    if ticket::Entity::find().count(&state.db).await? > 0 {
        return Ok(0);
    }
    let ivanova = caller(state, "ivanova").await?;
    let smirnov = caller(state, "smirnov").await?;
    caller(state, "kuznetsova").await?;
    caller(state, "popov").await?;

    let key = tickets::create(
        state,
        &ivanova,
        new(
            "esign_key",
            "Продлить ключ электронной подписи для СЭД",
            "Сертификат заканчивается в конце месяца.",
            json!({"system": "sed", "action": "renewal", "holder": "Иванова Анна Сергеевна", "cert_expires_on": "2026-12-31"}),
        ),
    )
    .await?;
    tickets::add_comment(
        state,
        &smirnov,
        key.id,
        "Проверить, есть ли доверенность в деле.",
        true,
    )
    .await?;
    tickets::add_comment(
        state,
        &smirnov,
        key.id,
        "Подготовьте паспорт и СНИЛС и подойдите в кабинет 305 в рабочее время.",
        false,
    )
    .await?;
    tickets::create(
        state,
        &ivanova,
        new(
            "supplies",
            "Бумага и картридж для отдела",
            "",
            json!({"items": [{"item": "paper_a4", "quantity": 5}, {"item": "cartridge", "quantity": 1}],
                   "printer_model": "HP LaserJet Pro M404"}),
        ),
    )
    .await?;
    tickets::create(
        state,
        &ivanova,
        new(
            "payment_clarification",
            "Уточнить платёж по госпошлине",
            "Платёж ушёл с неверным КБК.",
            json!({"order_number": "214", "order_date": "2026-11-02", "amount": "3500", "payer": "ООО «Северный берег»",
                   "kbk": "18210807081011000110", "clarification": "clarify"}),
        ),
    )
    .await?;
    let mut oral = new(
        "workstation",
        "Не печатает принтер в кабинете 112",
        "Позвонила по телефону.",
        json!({"room": "112", "need": "printer", "urgency": "urgent"}),
    );
    oral.channel = Some("phone".into());
    oral.requester_login = Some("ivanova".into());
    tickets::create(state, &smirnov, oral).await?;
    Ok(4)
}
