//! The reference data every page reads (units, request kinds, the work
//! calendar, who works in which unit) is kept in memory by each node and
//! checked against `reference_versions`, one row whose counters the
//! database's own triggers raise on every change of those tables. A node
//! reads the row (one small query) and reloads only what changed, whoever
//! changed it: another node, an administrator, a test or a hand-written
//! statement.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each counter and the tables that raise it.
const COUNTERS: [(&str, &[&str]); 2] = [
    ("catalogue", &["units", "request_kinds"]),
    ("calendar", &["calendar_years", "calendar_days"]),
];

/// The columns of `users` whose change changes a member of staff as the
/// cache holds them (every column but the sign-in time). A column added to
/// `users` later belongs here unless it is as volatile as the sign-in time.
const USER_COLUMNS: [&str; 9] = [
    "login",
    "full_name",
    "email",
    "phone",
    "title",
    "lang",
    "roles",
    "active",
    "mail_queue",
];

/// Staff hold a unit role (`executor:IT`, `head:IT`); employees and the
/// administrator alone do not count, so their sign-ins change nothing.
const STAFF_ROW: &str = "roles LIKE '%:%'";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(
            "CREATE TABLE reference_versions (id INTEGER PRIMARY KEY, \
             catalogue BIGINT NOT NULL, calendar BIGINT NOT NULL, staff BIGINT NOT NULL)",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO reference_versions (id, catalogue, calendar, staff) VALUES (1, 0, 0, 0)",
        )
        .await?;
        let bump = |counter: &str| {
            format!("UPDATE reference_versions SET {counter} = {counter} + 1 WHERE id = 1")
        };
        let changed = |distinct: &str| {
            USER_COLUMNS
                .iter()
                .map(|c| format!("OLD.{c} {distinct} NEW.{c}"))
                .collect::<Vec<_>>()
                .join(" OR ")
        };
        let staff_old = STAFF_ROW.replace("roles", "OLD.roles");
        let staff_new = STAFF_ROW.replace("roles", "NEW.roles");
        let mut statements = Vec::new();
        match m.get_database_backend() {
            DbBackend::Postgres => {
                for counter in ["catalogue", "calendar", "staff"] {
                    statements.push(format!(
                        "CREATE FUNCTION bump_{counter}_version() RETURNS trigger \
                         LANGUAGE plpgsql AS $$ BEGIN {}; RETURN NULL; END $$",
                        bump(counter)
                    ));
                }
                for (counter, tables) in COUNTERS {
                    for table in tables {
                        statements.push(format!(
                            "CREATE TRIGGER {table}_bump_{counter} \
                             AFTER INSERT OR UPDATE OR DELETE ON {table} \
                             FOR EACH STATEMENT EXECUTE FUNCTION bump_{counter}_version()"
                        ));
                    }
                }
                statements.push(format!(
                    "CREATE TRIGGER users_bump_staff_insert AFTER INSERT ON users \
                     FOR EACH ROW WHEN (NEW.{STAFF_ROW}) EXECUTE FUNCTION bump_staff_version()"
                ));
                statements.push(format!(
                    "CREATE TRIGGER users_bump_staff_delete AFTER DELETE ON users \
                     FOR EACH ROW WHEN (OLD.{STAFF_ROW}) EXECUTE FUNCTION bump_staff_version()"
                ));
                statements.push(format!(
                    "CREATE TRIGGER users_bump_staff_update AFTER UPDATE ON users \
                     FOR EACH ROW WHEN (({staff_old} OR {staff_new}) AND ({})) \
                     EXECUTE FUNCTION bump_staff_version()",
                    changed("IS DISTINCT FROM")
                ));
            }
            _ => {
                for (counter, tables) in COUNTERS {
                    for table in tables {
                        for event in ["INSERT", "UPDATE", "DELETE"] {
                            statements.push(format!(
                                "CREATE TRIGGER {table}_bump_{counter}_{} AFTER {event} ON {table} \
                                 BEGIN {}; END",
                                event.to_lowercase(),
                                bump(counter)
                            ));
                        }
                    }
                }
                statements.push(format!(
                    "CREATE TRIGGER users_bump_staff_insert AFTER INSERT ON users \
                     WHEN {staff_new} BEGIN {}; END",
                    bump("staff")
                ));
                statements.push(format!(
                    "CREATE TRIGGER users_bump_staff_delete AFTER DELETE ON users \
                     WHEN {staff_old} BEGIN {}; END",
                    bump("staff")
                ));
                statements.push(format!(
                    "CREATE TRIGGER users_bump_staff_update AFTER UPDATE ON users \
                     WHEN ({staff_old} OR {staff_new}) AND ({}) BEGIN {}; END",
                    changed("IS NOT"),
                    bump("staff")
                ));
            }
        }
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let mut statements = Vec::new();
        let postgres = m.get_database_backend() == DbBackend::Postgres;
        for (counter, tables) in COUNTERS {
            for table in tables {
                if postgres {
                    statements.push(format!("DROP TRIGGER {table}_bump_{counter} ON {table}"));
                } else {
                    for event in ["insert", "update", "delete"] {
                        statements.push(format!("DROP TRIGGER {table}_bump_{counter}_{event}"));
                    }
                }
            }
        }
        for event in ["insert", "update", "delete"] {
            statements.push(if postgres {
                format!("DROP TRIGGER users_bump_staff_{event} ON users")
            } else {
                format!("DROP TRIGGER users_bump_staff_{event}")
            });
        }
        if postgres {
            for counter in ["catalogue", "calendar", "staff"] {
                statements.push(format!("DROP FUNCTION bump_{counter}_version()"));
            }
        }
        statements.push("DROP TABLE reference_versions".into());
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }
}
