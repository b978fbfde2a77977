//! The reference data that nearly every page and filing reads — units,
//! request kinds, the work calendar, who works in which unit — held in
//! memory by each node. Each use first reads `reference_versions`, one row
//! whose counters the database's triggers raise on any change of those
//! tables (migration 15), and reloads only the part whose counter moved.
//! So a change made anywhere (another node, an administrator's page, a
//! test, a hand-written statement) is seen by the next request, and a
//! request pays one small query instead of five to seven.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Statement,
};

use super::auth::parse_roles;
use super::entity::{request_kind, unit, user};
use super::error::{ServiceError, ServiceResult};
use crate::domain::KindSpec;
use crate::domain::calendar::WorkCalendar;
use crate::i18n::Lang;

/// Units and request kinds.
#[derive(Debug, Default)]
pub struct Catalogue {
    /// The active kinds, in catalogue order.
    pub kinds: Vec<KindSpec>,
    /// Every kind including retired ones (old requests keep their titles).
    pub all_kinds: Vec<KindSpec>,
    /// Every unit, in the order they were added.
    pub units: Vec<unit::Model>,
}

impl Catalogue {
    /// The unit's name as stored (Russian): what records keep.
    pub fn unit_name(&self, code: &str) -> Option<&str> {
        self.units
            .iter()
            .find(|u| u.code == code)
            .map(|u| u.name.as_str())
    }

    /// The unit's name in the reader's language.
    pub fn unit_name_in(&self, code: &str, lang: Lang) -> Option<&str> {
        self.units
            .iter()
            .find(|u| u.code == code)
            .map(|u| unit_name_in(u, lang))
    }

    /// The kind's title in the reader's language.
    pub fn kind_title(&self, code: &str, lang: Lang) -> Option<&str> {
        self.all_kinds
            .iter()
            .find(|k| k.code == code)
            .map(|k| crate::i18n::pick(lang, &k.title, k.title_en.as_ref()))
    }
}

/// A unit's name in the reader's language (Russian where no English is given).
pub fn unit_name_in(u: &unit::Model, lang: Lang) -> &str {
    if lang == Lang::En && !u.name_en.trim().is_empty() {
        &u.name_en
    } else {
        &u.name
    }
}

/// The active people who work in each unit (executors and heads), by name.
#[derive(Debug, Default)]
pub struct Staff {
    by_unit: HashMap<String, Vec<user::Model>>,
}

impl Staff {
    pub fn of(&self, unit: &str) -> &[user::Model] {
        self.by_unit
            .get(unit)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

/// One consistent look at the reference data.
#[derive(Debug, Clone)]
pub struct Reference {
    pub catalogue: Arc<Catalogue>,
    pub calendar: Arc<WorkCalendar>,
    pub staff: Arc<Staff>,
}

/// The counters of `reference_versions`, as read by [`ReferenceCache::get`]
/// or along with a session (`auth::caller_for_token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    pub(crate) catalogue: i64,
    pub(crate) calendar: i64,
    pub(crate) staff: i64,
}

/// The counters as a subquery each, for a query that reads them along
/// with something else: (expression, column alias).
pub(crate) const VERSION_COLUMNS: [(&str, &str); 3] = [
    (
        "(SELECT catalogue FROM reference_versions WHERE id = 1)",
        "rv_catalogue",
    ),
    (
        "(SELECT calendar FROM reference_versions WHERE id = 1)",
        "rv_calendar",
    ),
    (
        "(SELECT staff FROM reference_versions WHERE id = 1)",
        "rv_staff",
    ),
];

type Slot<T> = Option<(i64, Arc<T>)>;

#[derive(Default)]
struct Slots {
    catalogue: Slot<Catalogue>,
    calendar: Slot<WorkCalendar>,
    staff: Slot<Staff>,
}

/// A node's copy of the reference data.
#[derive(Default)]
pub struct ReferenceCache {
    slots: Mutex<Slots>,
    loads: std::sync::atomic::AtomicU64,
}

fn current<T>(slot: &Slot<T>, version: i64) -> Option<Arc<T>> {
    slot.as_ref()
        .filter(|(v, _)| *v == version)
        .map(|(_, t)| Arc::clone(t))
}

/// Keeps the newer of what the slot holds and what was just loaded.
fn keep<T>(slot: &mut Slot<T>, version: i64, value: &Arc<T>) {
    if slot.as_ref().is_none_or(|(v, _)| *v <= version) {
        *slot = Some((version, Arc::clone(value)));
    }
}

impl ReferenceCache {
    /// The reference data as of now: one query when nothing changed.
    pub async fn get(&self, db: &DatabaseConnection) -> ServiceResult<Reference> {
        self.get_at(db, None).await
    }

    /// The reference data as of the counters `seen` moments ago (read with
    /// the caller's session, in the same request): no query when nothing
    /// changed. Without them, they are read first.
    pub async fn get_at(
        &self,
        db: &DatabaseConnection,
        seen: Option<Versions>,
    ) -> ServiceResult<Reference> {
        // The counters are read before the data: data loaded after a change
        // it is not labelled with is only reloaded once more, never kept stale.
        let v = match seen {
            Some(v) => v,
            None => versions(db).await?,
        };
        let (catalogue, calendar, staff) = {
            let slots = self.lock();
            (
                current(&slots.catalogue, v.catalogue),
                current(&slots.calendar, v.calendar),
                current(&slots.staff, v.staff),
            )
        };
        let catalogue = self
            .part(
                catalogue,
                v.catalogue,
                |s| &mut s.catalogue,
                load_catalogue(db),
            )
            .await?;
        let calendar = self
            .part(calendar, v.calendar, |s| &mut s.calendar, async {
                super::calendar::load_from(db).await
            })
            .await?;
        let staff = self
            .part(staff, v.staff, |s| &mut s.staff, load_staff(db))
            .await?;
        Ok(Reference {
            catalogue,
            calendar,
            staff,
        })
    }

    /// The part held (`found`), or else `load`ed and kept under `version`.
    async fn part<T>(
        &self,
        found: Option<Arc<T>>,
        version: i64,
        slot: fn(&mut Slots) -> &mut Slot<T>,
        load: impl std::future::Future<Output = ServiceResult<T>>,
    ) -> ServiceResult<Arc<T>> {
        if let Some(held) = found {
            return Ok(held);
        }
        let loaded = Arc::new(load.await?);
        keep(slot(&mut self.lock()), version, &loaded);
        self.counted();
        Ok(loaded)
    }

    /// How many parts were loaded from the database since start.
    pub fn loads(&self) -> u64 {
        self.loads.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn counted(&self) {
        self.loads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slots> {
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn versions(db: &DatabaseConnection) -> ServiceResult<Versions> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT catalogue, calendar, staff FROM reference_versions WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| ServiceError::Corrupt("reference_versions has no row".into()))?;
    Ok(Versions {
        catalogue: row.try_get_by_index(0)?,
        calendar: row.try_get_by_index(1)?,
        staff: row.try_get_by_index(2)?,
    })
}

async fn load_catalogue<C: ConnectionTrait>(db: &C) -> ServiceResult<Catalogue> {
    let rows = request_kind::Entity::find()
        .order_by_asc(request_kind::Column::Position)
        .order_by_asc(request_kind::Column::Code)
        .all(db)
        .await?;
    let mut kinds = Vec::new();
    let mut all_kinds = Vec::new();
    for r in rows {
        let parsed: Result<KindSpec, _> = serde_json::from_str(&r.spec);
        match parsed {
            Ok(spec) => {
                if r.active {
                    kinds.push(spec.clone());
                }
                all_kinds.push(spec);
            }
            Err(e) if r.active => {
                return Err(ServiceError::Corrupt(format!("kind {}: {e}", r.code)));
            }
            Err(_) => {}
        }
    }
    let units = unit::Entity::find()
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?;
    Ok(Catalogue {
        kinds,
        all_kinds,
        units,
    })
}

async fn load_staff<C: ConnectionTrait>(db: &C) -> ServiceResult<Staff> {
    let rows = user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Roles.contains(":"))
        .order_by_asc(user::Column::FullName)
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    let mut by_unit: HashMap<String, Vec<user::Model>> = HashMap::new();
    for u in rows {
        for unit in parse_roles(&u.roles).staff_units() {
            by_unit.entry(unit).or_default().push(u.clone());
        }
    }
    Ok(Staff { by_unit })
}
