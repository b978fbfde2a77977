//! What `/metrics` tells an operator, in the OpenMetrics text format that
//! Prometheus reads: requests by route and status, latency by route, the
//! database pool, the mail outbox, scheduled job runs and directory errors.
//! Counters live in memory per node (Prometheus adds the nodes up); the
//! pool and the outbox are read when asked.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use sea_orm::{ColumnTrait, DatabaseBackend, EntityTrait, PaginatorTrait, QueryFilter};

use super::entity::mail_outbox;
use super::error::ServiceResult;
use super::state::AppState;

/// The content type of the answer.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    /// The route's pattern (`/api/v1/tickets/{id}`), never the path itself,
    /// so the label set stays small.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub job: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabels {
    pub state: String,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 8 s.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.001, 2.0, 14,
    ))
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// One node's metrics.
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: LatencyFamily,
    pub job_runs: Family<JobLabels, Counter>,
    pub directory_errors: Counter,
    /// New requests committed, and the commits that wrote them (group commit).
    pub filings: Counter,
    pub filing_commits: Counter,
    /// Batches that failed written together and were written one by one.
    pub filing_retries: Counter,
    pool: Family<PoolLabels, Gauge>,
    outbox: Gauge,
}

impl Metrics {
    /// The metrics of a node whose directory counts its errors in
    /// `directory_errors` (`Directory::error_counter`).
    pub fn new(directory_errors: Counter) -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        let job_runs = Family::<JobLabels, Counter>::default();
        let pool = Family::<PoolLabels, Gauge>::default();
        let filings = Counter::default();
        let filing_commits = Counter::default();
        let filing_retries = Counter::default();
        registry.register(
            "filing_retries",
            "Batches of filings written again one by one after failing together",
            filing_retries.clone(),
        );
        registry.register(
            "filings",
            "New requests committed by this node",
            filings.clone(),
        );
        registry.register(
            "filing_commits",
            "Transactions that committed them (several filings each under load)",
            filing_commits.clone(),
        );
        let outbox = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to the answer's head, by route",
            latency.clone(),
        );
        registry.register(
            "job_runs",
            "Scheduled jobs run by this node (each period runs once across nodes)",
            job_runs.clone(),
        );
        registry.register(
            "directory_errors",
            "Directory (LDAP) calls that failed to reach or bind",
            directory_errors.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database pool connections of this node, by state (in_use, idle)",
            pool.clone(),
        );
        registry.register(
            "mail_outbox_backlog",
            "Messages waiting in the outbox (all nodes)",
            outbox.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            job_runs,
            directory_errors,
            filings,
            filing_commits,
            filing_retries,
            pool,
            outbox,
        }
    }

    /// Counts one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(seconds);
    }

    /// Counts one scheduled job run.
    pub fn job_ran(&self, job: &str) {
        self.job_runs
            .get_or_create(&JobLabels {
                job: job.to_string(),
            })
            .inc();
    }
}

/// The metrics text, with the pool and the outbox read now.
pub async fn render(state: &AppState) -> ServiceResult<String> {
    let m = &state.metrics;
    let (size, idle) = match state.db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let pool = state.db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DatabaseBackend::Postgres => {
            let pool = state.db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    };
    let idle = i64::try_from(idle).unwrap_or(i64::MAX);
    m.pool
        .get_or_create(&PoolLabels {
            state: "in_use".into(),
        })
        .set(i64::from(size) - idle);
    m.pool
        .get_or_create(&PoolLabels {
            state: "idle".into(),
        })
        .set(idle);
    let backlog = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::SentAt.is_null())
        .count(&state.db)
        .await?;
    m.outbox.set(i64::try_from(backlog).unwrap_or(i64::MAX));
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &m.registry)
        .map_err(|e| super::error::ServiceError::Corrupt(format!("metrics: {e}")))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_pattern_and_status() {
        let m = Metrics::new(Counter::default());
        m.observe("GET", "/api/v1/tickets/{id}", 200, 0.004);
        m.observe("GET", "/api/v1/tickets/{id}", 200, 0.002);
        m.observe("GET", "/api/v1/tickets/{id}", 404, 0.001);
        m.job_ran("morning_digest");
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &m.registry).expect("encode");
        assert!(
            text.contains(
                r#"http_requests_total{method="GET",route="/api/v1/tickets/{id}",status="200"} 2"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"status="404"} 1"#), "{text}");
        assert!(
            text.contains(r#"http_request_duration_seconds_count{route="/api/v1/tickets/{id}"} 3"#),
            "{text}"
        );
        assert!(
            text.contains(r#"job_runs_total{job="morning_digest"} 1"#),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"));
    }
}
