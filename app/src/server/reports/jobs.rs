//! Report files written in the background with their progress, files
//! written at once for the API, and last month's report mailed to heads.

use std::path::{Path, PathBuf};

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::export::{self, AsyncProgress, Context, Format, Silent};
use super::{kind_titles, names, proposals, unit_for};
use crate::domain::report::Period;
use crate::server::auth::{Caller, parse_roles};
use crate::server::entity::{report_export, unit, user};
use crate::server::error::{ServiceError, ServiceResult};
use crate::server::state::AppState;
use crate::server::{files, notify};
use crate::wire::{AppError, ExportView};

/// Where report files are written before they are stored in the database
/// (`files`), under the data folder: this node's scratch space only.
pub fn scratch_dir(state: &AppState) -> PathBuf {
    state.config.data_dir.join("scratch")
}

/// What a report is written from, in its reader's language.
async fn context<'a>(
    state: &'a AppState,
    unit: &'a unit::Model,
    period: Period,
    lang: crate::i18n::Lang,
) -> ServiceResult<Context<'a>> {
    Ok(Context {
        state,
        unit,
        period,
        names: names(&state.db).await?,
        kind_titles: kind_titles(state, lang).await?,
        proposals: proposals(&state.db, &unit.code, &period).await?,
        lang,
    })
}

async fn fresh_path(state: &AppState, stem: &str, format: Format) -> ServiceResult<PathBuf> {
    let dir = scratch_dir(state);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| ServiceError::Corrupt(format!("scratch folder: {e}")))?;
    Ok(dir.join(format!(
        "{stem}-{}.{}",
        uuid::Uuid::new_v4().simple(),
        format.code()
    )))
}

/// Report files built at once by one instance; more wait their turn (429).
pub const EXPORTS_AT_ONCE: usize = 2;

/// A report file written for one answer. It goes when dropped, so a
/// download cancelled midway (the answer's future dropped) leaves nothing.
pub struct TempFile(PathBuf);

impl TempFile {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ignored = std::fs::remove_file(&self.0);
    }
}

fn busy() -> ServiceError {
    AppError::Busy {
        retry_after_secs: 30,
    }
    .into()
}

/// Writes a report at once (the API and the no-JavaScript download); the
/// file goes when the returned guard is dropped (open it first to send it).
pub async fn write_now(
    state: &AppState,
    caller: &Caller,
    unit_code: &str,
    period: Period,
    format: Format,
) -> ServiceResult<(String, TempFile)> {
    let unit = unit_for(state, caller, unit_code).await?;
    let _turn = state
        .exports
        .clone()
        .try_acquire_owned()
        .map_err(|_| busy())?;
    let ctx = context(state, &unit, period, caller.lang).await?;
    let file = TempFile(fresh_path(state, "now", format).await?);
    export::write(&ctx, format, file.path(), Silent).await?;
    Ok((export::file_name(&unit.code, &period, format), file))
}

fn view(row: &report_export::Model) -> ExportView {
    let period = Period::from_range(row.period_from, row.period_to).ok();
    let format = Format::parse(&row.format).unwrap_or(Format::Xlsx);
    ExportView {
        id: row.id,
        unit: row.unit_code.clone(),
        format: row.format.clone(),
        state: row.state.clone(),
        done: u64::try_from(row.done_rows).unwrap_or(0),
        total: u64::try_from(row.total_rows).unwrap_or(0),
        file_name: period
            .map(|p| export::file_name(&row.unit_code, &p, format))
            .unwrap_or_default(),
        error: row.error.clone(),
    }
}

/// Progress written to the export's row after each page.
struct RowProgress {
    state: AppState,
    id: i64,
}

impl AsyncProgress for RowProgress {
    async fn page(&mut self, done: u64, total: u64) -> ServiceResult<()> {
        report_export::ActiveModel {
            id: Set(self.id),
            done_rows: Set(i64::try_from(done).unwrap_or(i64::MAX)),
            total_rows: Set(i64::try_from(total).unwrap_or(i64::MAX)),
            ..Default::default()
        }
        .update(&self.state.db)
        .await?;
        Ok(())
    }
}

async fn run(
    state: AppState,
    id: i64,
    unit: unit::Model,
    period: Period,
    format: Format,
    lang: crate::i18n::Lang,
) {
    let outcome = async {
        let ctx = context(&state, &unit, period, lang).await?;
        let path = fresh_path(&state, &format!("export-{id}"), format).await?;
        let progress = RowProgress {
            state: state.clone(),
            id,
        };
        let file = TempFile(path);
        export::write(&ctx, format, file.path(), progress).await?;
        keep(&state, &file).await
    }
    .await;
    let mut update = report_export::ActiveModel {
        id: Set(id),
        finished_at: Set(Some(state.now())),
        ..Default::default()
    };
    match outcome {
        Ok(name) => {
            update.state = Set("ready".into());
            update.path = Set(Some(name));
        }
        Err(e) => {
            let error = AppError::from(e);
            update.state = Set("failed".into());
            update.error = Set(Some(error.to_string()));
        }
    }
    if let Err(e) = update.update(&state.db).await {
        tracing::warn!(error = %e, id, "report export state not saved");
    }
}

/// Stores a finished report file where every node finds it
/// (`files::report_key` of the returned name, which is dated); the scratch
/// copy goes when `file` is dropped.
async fn keep(state: &AppState, file: &TempFile) -> ServiceResult<String> {
    let scratch = file
        .path()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = tokio::fs::read(file.path()).await?;
    let now = state.now();
    let name = files::dated(now, &scratch);
    state
        .files
        .put(&state.db, &files::report_key(&name), &bytes, now)
        .await?;
    Ok(name)
}

/// Starts writing a report file in the background.
pub async fn start(
    state: &AppState,
    caller: &Caller,
    unit_code: &str,
    period: Period,
    format: Format,
) -> ServiceResult<ExportView> {
    let unit = unit_for(state, caller, unit_code).await?;
    let turn = state
        .exports
        .clone()
        .try_acquire_owned()
        .map_err(|_| busy())?;
    let row = report_export::ActiveModel {
        unit_code: Set(unit.code.clone()),
        period_from: Set(period.from),
        period_to: Set(period.to),
        format: Set(format.code().into()),
        requested_by: Set(caller.id),
        state: Set("running".into()),
        total_rows: Set(0),
        done_rows: Set(0),
        path: Set(None),
        error: Set(None),
        created_at: Set(state.now()),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    let task = run(state.clone(), row.id, unit, period, format, caller.lang);
    tokio::spawn(async move {
        task.await;
        drop(turn);
    });
    Ok(view(&row))
}

/// An export of the caller's (or any, for the administrator).
async fn own(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<report_export::Model> {
    report_export::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .filter(|r| r.requested_by == caller.id || caller.roles.is_admin())
        .ok_or_else(|| AppError::NotFound.into())
}

pub async fn status(state: &AppState, caller: &Caller, id: i64) -> ServiceResult<ExportView> {
    Ok(view(&own(state, caller, id).await?))
}

/// The finished file: its download name, type and bytes.
pub async fn file(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> ServiceResult<(String, Format, Vec<u8>)> {
    let row = own(state, caller, id).await?;
    let v = view(&row);
    match (row.state.as_str(), row.path.as_deref()) {
        ("ready", Some(name)) => Ok((
            v.file_name,
            Format::parse(&row.format).unwrap_or(Format::Xlsx),
            state.files.get(&state.db, &files::report_key(name)).await?,
        )),
        ("failed", _) => Err(AppError::Conflict {
            reason: "export_failed".into(),
        }
        .into()),
        _ => Err(AppError::Conflict {
            reason: "export_not_ready".into(),
        }
        .into()),
    }
}

fn percent(v: Option<f64>) -> String {
    v.map(|v| format!("{:.0}%", v * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// Last month's report of every unit, in XLSX, to its heads; once per month.
pub async fn mail_monthly(
    state: &AppState,
    period: Period,
    users: &[user::Model],
) -> ServiceResult<usize> {
    let now = state.now();
    let mut sent = 0;
    for unit in super::super::catalogue::units(state).await? {
        let heads: Vec<&user::Model> = users
            .iter()
            .filter(|u| u.active && parse_roles(&u.roles).is_head_of(&unit.code))
            .collect();
        if heads.is_empty() {
            continue;
        }
        // One file for all the unit's heads: in Russian, as the body files it.
        let ctx = context(state, &unit, period, crate::i18n::Lang::Ru).await?;
        let stem = format!("monthly-{}-{}", unit.code, period.from.format("%Y-%m"));
        let file = TempFile(fresh_path(state, &stem, Format::Xlsx).await?);
        let summary = export::write(&ctx, Format::Xlsx, file.path(), Silent).await?;
        let name = export::file_name(&unit.code, &period, Format::Xlsx);
        let stored = files::report_key(&keep(state, &file).await?);
        let subject = format!(
            "Отчёт о работе за {}: {}",
            period.from.format("%m.%Y"),
            unit.name
        );
        let body = format!(
            "Отчёт о работе подразделения «{}» за период {} — {} во вложении.\n\n\
             Поступило обращений: {}\nДан ответ: {}\nДоля ответов в срок: {}\n\
             Решено с первого обращения: {} (цель — не менее 80%)\nПросрочено: {}\n\n\
             Предложения по оптимизации можно внести на странице «Нагрузка и отчёты».",
            unit.name,
            period.from.format("%d.%m.%Y"),
            period.to.format("%d.%m.%Y"),
            summary.registered,
            summary.answered,
            percent(summary.on_time_share),
            percent(summary.first_contact_resolution),
            summary.overdue,
        );
        for head in heads {
            let key = format!(
                "monthly:{}:{}:{}",
                unit.code,
                period.from.format("%Y-%m"),
                head.id
            );
            if notify::enqueue_mail_with(
                &state.db,
                &head.email,
                &subject,
                &body,
                &key,
                Some((&name, &stored)),
                now,
            )
            .await?
            {
                sent += 1;
            }
        }
    }
    Ok(sent)
}

/// Removes report files older than a day, and the export rows that named
/// them, any scratch file that a stopped server left behind, and stored
/// files that nothing names any more.
pub async fn sweep(state: &AppState) -> ServiceResult<u64> {
    sweep_orphans(state).await;
    if let Err(e) = files::sweep_unnamed(state, state.now() - chrono::Duration::hours(1)).await {
        // A store that does not answer now: the next run looks again, and
        // the old exports below still go.
        tracing::warn!(error = %e, "unnamed files not swept");
    }
    let cutoff = state.now() - chrono::Duration::days(1);
    let old = report_export::Entity::find()
        .filter(report_export::Column::CreatedAt.lt(cutoff))
        .all(&state.db)
        .await?;
    let count = old.len() as u64;
    for row in old {
        if let Some(name) = &row.path {
            files::remove_stored(state, &files::report_key(name)).await;
        }
        report_export::Entity::delete_by_id(row.id)
            .exec(&state.db)
            .await?;
    }
    Ok(count)
}

/// Scratch files live seconds to minutes; one an hour old was left by a
/// server stopped while writing or sending it.
async fn sweep_orphans(state: &AppState) {
    let Ok(mut dir) = tokio::fs::read_dir(scratch_dir(state)).await else {
        return;
    };
    let hour = std::time::Duration::from_secs(3600);
    while let Ok(Some(entry)) = dir.next_entry().await {
        let old = entry
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > hour);
        if old {
            let _ignored = tokio::fs::remove_file(entry.path()).await;
        }
    }
}
