//! A generator of realistic request history for load tests and benchmarks
//! (`servicedesk seed --requests N`): employees, each unit's executors and
//! head, and requests over the last two years with the shapes a regional
//! body sees — more on weekdays and in working hours, kinds by their unit,
//! written and oral forms, a few transfers, questions and extensions, most
//! answered in time, a share still open.
//!
//! Rows are written in batches straight into the tables (not through the
//! filing service, which would take hours for a million requests); numbers
//! continue each unit's yearly counter so later filings never collide.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

use super::catalogue::kinds;
use super::entity::{ticket, ticket_counter, user};
use super::error::{ServiceError, ServiceResult};
use super::state::AppState;
use crate::domain::{Channel, Outcome, RequestForm, Status};

/// A small deterministic generator (SplitMix64): the same seed gives the same data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }
}

const SUBJECTS: &[&str] = &[
    "Продлить сертификат ключа подписи",
    "Не открывается СЭД",
    "Подключить второй монитор",
    "Бумага А4 для отдела",
    "Картридж для принтера",
    "Уточнить платёж по госпошлине",
    "Настроить рабочее место нового сотрудника",
    "Не работает сканер",
    "Канцелярские товары на квартал",
    "Сверка расчётов по договору",
    "Доступ к общей папке",
    "Заменить клавиатуру",
];

const SURNAMES: &[&str] = &[
    "Иванов",
    "Петров",
    "Сидоров",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
];
const NAMES: &[&str] = &[
    "Анна",
    "Мария",
    "Елена",
    "Ольга",
    "Сергей",
    "Андрей",
    "Дмитрий",
    "Наталья",
    "Игорь",
    "Татьяна",
];

/// What was generated.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Generated {
    pub users: usize,
    pub requests: usize,
}

/// The people who may file (id and name) and each unit's staff (ids).
type People = (Vec<(i64, String)>, HashMap<String, Vec<i64>>);

async fn ensure_users(
    state: &AppState,
    rng: &mut Rng,
    units: &[String],
    employees: usize,
) -> ServiceResult<People> {
    let now = state.now();
    let mut rows = Vec::new();
    for i in 0..employees {
        let name = format!("{} {}", rng.pick(SURNAMES), rng.pick(NAMES));
        rows.push((format!("gen{i:05}"), name, "employee".to_string()));
    }
    for unit in units {
        for i in 0..6 {
            let name = format!("{} {}", rng.pick(SURNAMES), rng.pick(NAMES));
            let role = if i == 0 {
                format!("employee head:{unit}")
            } else {
                format!("employee executor:{unit}")
            };
            rows.push((format!("gen-{}-{i}", unit.to_lowercase()), name, role));
        }
    }
    for chunk in rows.chunks(500) {
        user::Entity::insert_many(chunk.iter().map(|(login, name, roles)| user::ActiveModel {
            login: Set(login.clone()),
            full_name: Set(name.clone()),
            email: Set(String::new()),
            phone: Set(String::new()),
            title: Set(String::new()),
            lang: Set("ru".into()),
            roles: Set(roles.clone()),
            active: Set(true),
            created_at: Set(now),
            last_login_at: Set(None),
            mail_queue: Set(true),
            ..Default::default()
        }))
        .on_conflict(
            OnConflict::column(user::Column::Login)
                .do_nothing()
                .to_owned(),
        )
        .try_insert()
        .exec_without_returning(&state.db)
        .await?;
    }
    let all = user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .all(&state.db)
        .await?;
    let requesters: Vec<(i64, String)> = all.iter().map(|u| (u.id, u.full_name.clone())).collect();
    let mut staff: HashMap<String, Vec<i64>> = HashMap::new();
    for u in &all {
        let roles = super::auth::parse_roles(&u.roles);
        for unit in units {
            if roles.is_staff_of(unit) {
                staff.entry(unit.clone()).or_default().push(u.id);
            }
        }
    }
    Ok((requesters, staff))
}

/// A moment in working hours on a weekday (mostly), `days_back` days ago.
fn working_moment(rng: &mut Rng, now: DateTime<Utc>, days_back: i64) -> DateTime<Utc> {
    let mut day = now - Duration::days(days_back);
    // Weekends get a tenth of the traffic: move most of them to Friday.
    if day.weekday().num_days_from_monday() >= 5 && !rng.chance(0.1) {
        day -= Duration::days(i64::from(day.weekday().num_days_from_monday()) - 4);
    }
    // 09:00–18:00 Moscow is 06:00–15:00 UTC.
    let minutes = 6 * 60 + i64::try_from(rng.below(9 * 60)).unwrap_or(0);
    let start = day
        .with_hour(0)
        .and_then(|d| d.with_minute(0))
        .and_then(|d| d.with_second(0))
        .unwrap_or(day);
    start + Duration::minutes(minutes)
}

/// Adds `requests` generated requests (and the people who file and answer
/// them) spread over the two years before now.
pub async fn generate(state: &AppState, requests: usize, seed: u64) -> ServiceResult<Generated> {
    let mut rng = Rng::new(seed);
    let kinds = kinds(state).await?;
    let kinds: Vec<(String, String)> = kinds
        .into_iter()
        .filter_map(|k| k.unit.map(|u| (k.code, u)))
        .collect();
    if kinds.is_empty() {
        return Err(ServiceError::Corrupt("no request kinds with a unit".into()));
    }
    let mut units: Vec<String> = kinds.iter().map(|(_, u)| u.clone()).collect();
    units.sort();
    units.dedup();
    let employees = (requests / 300).clamp(50, 3000);
    let (requesters, staff) = ensure_users(state, &mut rng, &units, employees).await?;
    let now = state.now();
    let cal = super::calendar::load(state).await?;
    // Kind weights: the first kinds of the catalogue are the common ones.
    let weights: Vec<u64> = (0..kinds.len())
        .map(|i| (kinds.len() - i) as u64 + 2)
        .collect();
    let weight_sum: u64 = weights.iter().sum();
    let mut counters: HashMap<(String, i32), i64> = HashMap::new();
    for c in ticket_counter::Entity::find().all(&state.db).await? {
        counters.insert((c.unit_code, c.year), c.value);
    }
    let span_days = 730;
    let mut made = 0;
    let mut batch = Vec::with_capacity(500);
    // Oldest first, so numbers grow with registration time.
    let mut ages: Vec<i64> = (0..requests)
        .map(|_| i64::try_from(rng.below(span_days)).unwrap_or(0))
        .collect();
    ages.sort_unstable_by(|a, b| b.cmp(a));
    for age in ages {
        let mut pick = rng.below(weight_sum);
        let mut k = 0;
        while pick >= weights[k] {
            pick -= weights[k];
            k += 1;
        }
        let (kind_code, unit) = &kinds[k];
        let registered_at = working_moment(&mut rng, now, age);
        let channel = *rng.pick(&[
            Channel::Portal,
            Channel::Portal,
            Channel::Portal,
            Channel::Portal,
            Channel::Phone,
            Channel::Phone,
            Channel::InPerson,
            Channel::Email,
            Channel::Sed,
            Channel::Memo,
        ]);
        let form = channel.default_form();
        let term = match form {
            RequestForm::Oral => Duration::hours(8),
            RequestForm::Written => Duration::days(*rng.pick(&[3, 5, 7, 10, 14, 30])),
        };
        let extension = rng.chance(0.04).then(|| *rng.pick(&[5i32, 10, 15, 30]));
        let due_at = registered_at + term + Duration::days(i64::from(extension.unwrap_or(0)));
        let transfers = if rng.chance(0.9) {
            0
        } else if rng.chance(0.8) {
            1
        } else {
            2
        };
        let questions = i32::from(rng.chance(0.12));
        let assignee = staff
            .get(unit)
            .filter(|s| !s.is_empty())
            .map(|s| *rng.pick(s));
        let taken_at =
            registered_at + Duration::minutes(10 + i64::try_from(rng.below(240)).unwrap_or(0));
        // Recent requests are more often still open; a few old ones are forgotten.
        let open = (age < 20 && rng.chance(0.5)) || rng.chance(0.002);
        let answered_at = (!open).then(|| {
            let span = (due_at - registered_at).num_minutes().max(30);
            let late = rng.chance(0.12);
            let minutes = if late {
                span + i64::try_from(rng.below(5 * 24 * 60)).unwrap_or(0) + 1
            } else {
                30 + i64::try_from(rng.below(u64::try_from(span).unwrap_or(60))).unwrap_or(0)
            };
            (registered_at + Duration::minutes(minutes)).min(now)
        });
        let outcome = answered_at.map(|_| {
            *rng.pick(&[
                Outcome::Solved,
                Outcome::Solved,
                Outcome::Solved,
                Outcome::Solved,
                Outcome::Solved,
                Outcome::Solved,
                Outcome::WillBeSolved,
                Outcome::WillBeSolved,
                Outcome::SolvableNoDate,
                Outcome::CannotBeSolved,
            ])
        });
        // Answers older than the reopening window (about two weeks) are closed.
        let window_end = answered_at.map(|a| a + Duration::days(14));
        let closed_at = window_end.filter(|end| *end < now);
        let status = match answered_at {
            Some(_) if closed_at.is_some() => Status::Closed,
            Some(_) => Status::Answered,
            None if assignee.is_none() || rng.chance(0.2) => Status::Registered,
            None if questions > 0 => Status::AwaitingRequester,
            None => Status::InProgress,
        };
        let year = registered_at.year();
        let counter = counters.entry((unit.clone(), year)).or_insert(0);
        *counter += 1;
        let number = format!("{unit}-{year}-{:06}", counter);
        let (requester, requester_name) = rng.pick(&requesters);
        let subject = *rng.pick(SUBJECTS);
        let taken = status != Status::Registered || answered_at.is_some();
        batch.push(ticket::ActiveModel {
            search_text: Set(Some(super::tickets::search_text(
                &number,
                subject,
                "",
                requester_name,
            ))),
            number: Set(number),
            kind_code: Set(kind_code.clone()),
            unit_code: Set(unit.clone()),
            requester_id: Set(*requester),
            registered_by_id: Set(*requester),
            assignee_id: Set(assignee.filter(|_| taken)),
            status: Set(status.code().into()),
            form: Set(form.code().into()),
            channel: Set(channel.code().into()),
            subject: Set(subject.to_string()),
            description: Set(String::new()),
            fields: Set("{}".into()),
            registered_at: Set(registered_at),
            due_at: Set(due_at),
            updated_at: Set(answered_at.unwrap_or(registered_at)),
            closed_at: Set(closed_at),
            reopen_until: Set(window_end.filter(|_| closed_at.is_none())),
            due_explanation: Set("{}".into()),
            extension_days: Set(extension),
            extension_reason: Set(extension.map(|_| "Нужен ответ другого подразделения".into())),
            extended_at: Set(extension.map(|_| registered_at + Duration::days(1))),
            transfer_count: Set(transfers),
            answered_at: Set(answered_at),
            outcome: Set(outcome.map(|o| o.code().into())),
            planned_on: Set(None),
            overdue_noticed_at: Set(None),
            taken_at: Set((taken && assignee.is_some()).then_some(taken_at)),
            questions: Set(questions),
            answers: Set(i32::from(answered_at.is_some())),
            handling_work_seconds: Set(answered_at.and_then(|a| {
                cal.working_seconds(state.local(registered_at), state.local(a), &state.hours)
                    .ok()
            })),
            ..Default::default()
        });
        if batch.len() == 500 {
            made += flush(state, &mut batch).await?;
        }
    }
    made += flush(state, &mut batch).await?;
    let txn = state.db.begin().await?;
    for ((unit, year), value) in counters {
        ticket_counter::Entity::insert(ticket_counter::ActiveModel {
            unit_code: Set(unit),
            year: Set(year),
            value: Set(value),
        })
        .on_conflict(
            OnConflict::columns([
                ticket_counter::Column::UnitCode,
                ticket_counter::Column::Year,
            ])
            .update_column(ticket_counter::Column::Value)
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    // The planner's statistics for the new rows, as autovacuum or an
    // operator's `ANALYZE` would give a database that grew by itself.
    {
        use sea_orm::ConnectionTrait;
        state.db.execute_unprepared("ANALYZE").await?;
    }
    Ok(Generated {
        users: employees + units.len() * 6,
        requests: made,
    })
}

async fn flush(state: &AppState, batch: &mut Vec<ticket::ActiveModel>) -> ServiceResult<usize> {
    if batch.is_empty() {
        return Ok(0);
    }
    let n = batch.len();
    ticket::Entity::insert_many(std::mem::take(batch))
        .exec_without_returning(&state.db)
        .await?;
    Ok(n)
}
