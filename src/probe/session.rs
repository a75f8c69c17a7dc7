//! Probe sessions: connecting with a timeout, the read-only transaction every probe runs in,
//! a small pool of such sessions per database, and turning driver errors into
//! [`ProbeError`] facts.
//!
//! Every session runs `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY` before its first
//! query and never commits: a probe cannot write. Sessions of one database share the first
//! session's snapshot when the server allows it, so every count sees the same moment.
//! Nothing here may return a message holding a password: errors pass through
//! [`DatabaseUrl::scrub`].
//!
//! Every query is recorded in the probe's [`InFlight`] set until its answer arrives. A
//! probe that stops waiting (`--timeout`, Ctrl-C, a server that stopped answering) asks the
//! server to cancel what is still recorded: closing a connection does not end a query the
//! server is running (a backend waiting on a lock never reads its socket), which would
//! otherwise hold its snapshot and locks until `statement_timeout`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::error::SqlState;
use tokio_postgres::{CancelToken, Client, Row};

use super::tls::{self, SslMode};
use crate::facts::db::{ProbeError, Side};
use crate::source::dburl::DatabaseUrl;

/// Time limits for one database.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub connect_timeout: Duration,
    pub statement_timeout: Duration,
}

impl Limits {
    /// The client-side guard around one query: the server's statement timeout plus slack,
    /// so a server that stops answering (not just a slow query) still ends the probe.
    pub fn query_guard(&self) -> Duration {
        self.statement_timeout + Duration::from_secs(2)
    }
}

/// Everything needed to open sessions to one database.
pub struct Endpoint {
    pub url: DatabaseUrl,
    pub config: tokio_postgres::Config,
    pub tls: Option<rustls::ClientConfig>,
    pub ssl_mode: SslMode,
    pub limits: Limits,
    /// Where sessions opened here record their queries (one set per probe, shared by both
    /// databases; [`Endpoint::new`] starts a set of its own).
    in_flight: InFlight,
    side: Option<Side>,
}

/// Parameters tokio-postgres understands that a URL may carry through.
const PASSED_THROUGH: &[&str] = &[
    "options",
    "target_session_attrs",
    "channel_binding",
    "keepalives",
    "keepalives_idle",
];

impl Endpoint {
    /// Build connection settings from a URL; a problem is a `config` [`ProbeError`].
    pub fn new(url: DatabaseUrl, limits: Limits, root: &Path) -> Result<Endpoint, ProbeError> {
        let config_error = |message: String| ProbeError {
            kind: "config".into(),
            message,
            timeout_ms: None,
            table: None,
        };
        let mut config = tokio_postgres::Config::new();
        if let Some(user) = &url.user {
            config.user(user);
        }
        if let Some(password) = url.password() {
            config.password(password);
        }
        if let Some(user) = url.param("user") {
            config.user(user);
        }
        for (host, port) in &url.hosts {
            config.host(host);
            config.port(*port);
        }
        match url
            .param("dbname")
            .map(str::to_string)
            .or_else(|| url.dbname.clone())
        {
            Some(db) => config.dbname(&db),
            None => return Err(config_error(format!("{} names no database", url.redacted))),
        };
        for key in PASSED_THROUGH {
            if let Some(value) = url.param(key) {
                // Validate through the driver's own parser so a bad value is a clear error.
                let parsed: Result<tokio_postgres::Config, _> = format!(
                    "{key}='{}'",
                    value.replace('\\', "\\\\").replace('\'', "\\'")
                )
                .parse();
                let probe = match parsed {
                    Ok(p) => p,
                    Err(e) => {
                        return Err(config_error(format!(
                            "{} has an invalid `{key}`: {e}",
                            url.redacted
                        )))
                    }
                };
                match *key {
                    "options" => {
                        config.options(probe.get_options().unwrap_or_default());
                    }
                    "target_session_attrs" => {
                        config.target_session_attrs(probe.get_target_session_attrs());
                    }
                    "channel_binding" => {
                        config.channel_binding(probe.get_channel_binding());
                    }
                    "keepalives" => {
                        config.keepalives(probe.get_keepalives());
                    }
                    _ => {
                        config.keepalives_idle(probe.get_keepalives_idle());
                    }
                }
            }
        }
        config.application_name("launchgate");
        config.connect_timeout(limits.connect_timeout);
        let ssl_mode = match url.param("sslmode") {
            None => SslMode::Prefer,
            Some(text) => SslMode::parse(text).ok_or_else(|| {
                config_error(format!(
                    "{} has sslmode={text}; use disable, prefer, require, verify-ca or verify-full",
                    url.redacted
                ))
            })?,
        };
        if url.param("sslcert").is_some() || url.param("sslkey").is_some() {
            return Err(config_error(format!(
                "{} asks for a client certificate (sslcert/sslkey), which launchgate does not support",
                url.redacted
            )));
        }
        let tls = tls::client_config(ssl_mode, url.param("sslrootcert"), root)
            .map_err(|m| config_error(format!("{}: {m}", url.redacted)))?;
        config.ssl_mode(match ssl_mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        });
        Ok(Endpoint {
            url,
            config,
            tls,
            ssl_mode,
            limits,
            in_flight: InFlight::default(),
            side: None,
        })
    }

    /// Record the queries of sessions opened here in `in_flight` (the probe's shared set),
    /// as queries to `side`.
    pub fn with_in_flight(mut self, in_flight: InFlight, side: Side) -> Endpoint {
        self.in_flight = in_flight;
        self.side = Some(side);
        self
    }

    /// The set this endpoint's sessions record their queries in.
    pub fn in_flight(&self) -> &InFlight {
        &self.in_flight
    }

    /// Open one read-only session. `snapshot` imports another session's snapshot.
    pub async fn open(&self, snapshot: Option<&str>) -> Result<Session, ProbeError> {
        let side = self.side.map(|s| usize::from(s == Side::Target));
        if let (Some(i), Ok(mut inner)) = (side, self.in_flight.inner.lock()) {
            inner.connecting[i] += 1;
        }
        let _connecting = Connecting {
            in_flight: self.in_flight.clone(),
            side,
        };
        let connect = async {
            match &self.tls {
                Some(tls) => {
                    let connector = tokio_postgres_rustls::MakeRustlsConnect::new(tls.clone());
                    let (client, connection) = self.config.connect(connector).await?;
                    let task = tokio::spawn(async move {
                        let _ = connection.await;
                    });
                    Ok::<_, tokio_postgres::Error>((client, task))
                }
                None => {
                    let (client, connection) = self.config.connect(tokio_postgres::NoTls).await?;
                    let task = tokio::spawn(async move {
                        let _ = connection.await;
                    });
                    Ok((client, task))
                }
            }
        };
        let (client, task) = match tokio::time::timeout(self.limits.connect_timeout, connect).await
        {
            Ok(Ok(pair)) => pair,
            Ok(Err(e)) => return Err(self.error(&e, None)),
            Err(_) => {
                return Err(ProbeError {
                    kind: "timeout".into(),
                    message: format!(
                        "no connection to {} within {} ms",
                        self.url.display(),
                        self.limits.connect_timeout.as_millis()
                    ),
                    timeout_ms: Some(millis(self.limits.connect_timeout)),
                    table: None,
                })
            }
        };
        let session = Session {
            canceller: Canceller {
                token: client.cancel_token(),
                tls: self.tls.clone(),
                side: self.side,
            },
            in_flight: self.in_flight.clone(),
            client,
            task,
            limits: self.limits,
            url: self.url.clone(),
        };
        let mut begin = String::from("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;");
        if let Some(id) = snapshot.filter(|s| s.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
        {
            begin.push_str(&format!("SET TRANSACTION SNAPSHOT '{id}';"));
        }
        // `row_security = off` makes a read that row-level security would filter fail
        // instead of silently returning fewer rows (pg_dump does the same), so a role that
        // cannot bypass RLS is an error for that table, never an empty count. JIT only adds
        // compile time to the scans a probe runs once. A pinned search_path keeps objects in
        // a scanned database's schemas from shadowing the built-ins the probe calls, and makes
        // the catalog's definition texts schema-qualified the same way on both sides.
        // Canonical output settings make a row's text the same on both servers whatever
        // their defaults, which the checksum method relies on. A pooled session may wait,
        // idle in its transaction, for as long as another table's probe takes, so a
        // provider's idle-in-transaction timeout must not end it meanwhile: launchgate's own
        // guards bound every wait, and a client that dies closes its sessions with its socket.
        begin.push_str(&format!(
            "SET LOCAL statement_timeout = {};\
             SET LOCAL idle_in_transaction_session_timeout = 0;\
             SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD';\
             SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 3;\
             SET LOCAL bytea_output = 'hex';\
             SET LOCAL row_security = off; SET LOCAL jit = off;\
             SET LOCAL search_path = pg_catalog, pg_temp;",
            millis(self.limits.statement_timeout),
        ));
        session.batch(&begin, None).await?;
        Ok(session)
    }

    /// Classify a driver error for this endpoint; a TLS failure says which mode and root
    /// certificate were in force, since that is what the operator changes.
    pub fn error(&self, e: &tokio_postgres::Error, table: Option<&str>) -> ProbeError {
        let mut error = classify(e, &self.url, self.limits, table);
        if error.kind == "tls" {
            let root = match self.url.param("sslrootcert") {
                Some(file) => format!(", sslrootcert={file}"),
                None if matches!(self.ssl_mode, SslMode::VerifyCa | SslMode::VerifyFull) => {
                    ", roots: the Mozilla root store (no sslrootcert)".to_string()
                }
                None => String::new(),
            };
            error.message = format!("{} (sslmode={}{root})", error.message, self.ssl_mode.name());
        }
        error
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// One connection inside its read-only transaction.
pub struct Session {
    client: Client,
    task: tokio::task::JoinHandle<()>,
    limits: Limits,
    url: DatabaseUrl,
    canceller: Canceller,
    in_flight: InFlight,
}

impl Session {
    /// Run a query under the client-side guard.
    pub async fn query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
        table: Option<&str>,
    ) -> Result<Vec<Row>, ProbeError> {
        let ticket = self.in_flight.record(&self.canceller);
        match tokio::time::timeout(self.limits.query_guard(), self.client.query(sql, params)).await
        {
            Ok(Ok(rows)) => {
                ticket.answered();
                Ok(rows)
            }
            Ok(Err(e)) => {
                ticket.answered();
                Err(classify(&e, &self.url, self.limits, table))
            }
            // The ticket stays recorded: the server may still be running the query.
            Err(_) => Err(self.guard_timeout(table)),
        }
    }

    pub async fn batch(&self, sql: &str, table: Option<&str>) -> Result<(), ProbeError> {
        let ticket = self.in_flight.record(&self.canceller);
        match tokio::time::timeout(self.limits.query_guard(), self.client.batch_execute(sql)).await
        {
            Ok(Ok(())) => {
                ticket.answered();
                Ok(())
            }
            Ok(Err(e)) => {
                ticket.answered();
                Err(classify(&e, &self.url, self.limits, table))
            }
            Err(_) => Err(self.guard_timeout(table)),
        }
    }

    /// Mark the point a failed table read rolls back to ([`Session::recover`]): one
    /// unreadable table must not abort the transaction the other tables are read in.
    pub async fn checkpoint(&self) -> Result<(), ProbeError> {
        self.batch("SAVEPOINT launchgate_table", None).await
    }

    /// After `error` from a read begun at [`Session::checkpoint`]: roll back to it and say
    /// whether the session is usable again (the server refused that read, it is alive).
    pub async fn recover(&self, error: &ProbeError) -> bool {
        error.is_table_level()
            && self
                .batch("ROLLBACK TO SAVEPOINT launchgate_table", None)
                .await
                .is_ok()
    }

    fn guard_timeout(&self, table: Option<&str>) -> ProbeError {
        ProbeError {
            kind: "timeout".into(),
            message: format!(
                "{} stopped answering: no reply within {} ms",
                self.url.display(),
                self.limits.query_guard().as_millis()
            ),
            timeout_ms: Some(millis(self.limits.statement_timeout)),
            table: table.map(str::to_string),
        }
    }

    /// End the transaction (it never commits) and close the connection.
    pub async fn close(self) {
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            self.client.batch_execute("ROLLBACK"),
        )
        .await;
        drop(self.client);
        let _ = tokio::time::timeout(Duration::from_secs(2), self.task).await;
    }
}

/// Turn a driver error into a fact. The message is the driver's (and server's) text, scrubbed
/// of the password; the policy names the database beside it.
fn classify(
    e: &tokio_postgres::Error,
    url: &DatabaseUrl,
    limits: Limits,
    table: Option<&str>,
) -> ProbeError {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    let (kind, timeout_ms) = match e.code() {
        Some(code) if *code == SqlState::QUERY_CANCELED => {
            ("timeout", Some(millis(limits.statement_timeout)))
        }
        Some(code)
            if *code == SqlState::INVALID_PASSWORD
                || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            ("auth", None)
        }
        Some(code) if *code == SqlState::INSUFFICIENT_PRIVILEGE => {
            if text.contains("row-level security") {
                ("rls", None)
            } else {
                ("permission", None)
            }
        }
        // The server answered, but the URL names a database it does not have.
        Some(code) if *code == SqlState::INVALID_CATALOG_NAME => ("connect", None),
        Some(code)
            if *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW =>
        {
            ("connection-lost", None)
        }
        Some(_) => ("query", None),
        None if e.is_closed() => ("connection-lost", None),
        None if text.contains("TLS") || text.contains("certificate") || text.contains("tls") => {
            ("tls", None)
        }
        None if text.contains("timed out") || text.contains("timeout") => {
            ("timeout", Some(millis(limits.connect_timeout)))
        }
        None if text.contains("password") => ("auth", None),
        None if text.starts_with("error connecting") || text.contains("Connection refused") => {
            ("connect", None)
        }
        None => ("connection-lost", None),
    };
    let text = match kind {
        "timeout" if e.code().is_some() => format!(
            "query cancelled by statement_timeout ({} ms)",
            limits.statement_timeout.as_millis()
        ),
        _ => text,
    };
    ProbeError {
        kind: kind.into(),
        message: url.scrub(&text),
        timeout_ms,
        table: table.map(str::to_string),
    }
}

/// A bounded set of read-only sessions to one database.
pub struct Pool {
    idle: Mutex<Vec<Session>>,
    permits: Arc<Semaphore>,
    live: Mutex<usize>,
}

impl Pool {
    pub fn new(sessions: Vec<Session>) -> Arc<Pool> {
        let n = sessions.len();
        Arc::new(Pool {
            idle: Mutex::new(sessions),
            permits: Arc::new(Semaphore::new(n)),
            live: Mutex::new(n),
        })
    }

    /// Wait for a free session; `None` when every session has been lost.
    pub async fn lease(self: &Arc<Pool>) -> Option<Lease> {
        let permit = self.permits.clone().acquire_owned().await.ok()?;
        let session = self.idle.lock().ok()?.pop()?;
        Some(Lease {
            pool: self.clone(),
            session: Some(session),
            permit: Some(permit),
        })
    }

    /// Close every idle session.
    pub async fn close(&self) {
        self.permits.close();
        let sessions: Vec<Session> = match self.idle.lock() {
            Ok(mut idle) => idle.drain(..).collect(),
            Err(_) => Vec::new(),
        };
        for s in sessions {
            s.close().await;
        }
    }
}

/// A session borrowed from a [`Pool`]; returned on drop unless [`Lease::discard`]ed.
pub struct Lease {
    pool: Arc<Pool>,
    session: Option<Session>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Lease {
    pub fn session(&self) -> &Session {
        // Present from construction until drop or discard, which consume the lease.
        self.session
            .as_ref()
            .expect("a lease holds its session until dropped")
    }

    /// Drop a session whose transaction failed (a failed statement aborts it): the pool
    /// shrinks, and when it is empty waiting probes get `None` instead of hanging.
    pub fn discard(mut self) {
        if let Some(s) = self.session.take() {
            drop(s);
        }
        if let Some(permit) = self.permit.take() {
            permit.forget();
        }
        if let Ok(mut live) = self.pool.live.lock() {
            *live = live.saturating_sub(1);
            if *live == 0 {
                self.pool.permits.close();
            }
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(s) = self.session.take() {
            if let Ok(mut idle) = self.pool.idle.lock() {
                idle.push(s);
            }
        }
        // The permit (if still held) is released after the session is back in the pool.
        self.permit.take();
    }
}

/// How to ask the server to cancel one session's running query: the session's cancel key,
/// sent over a new connection with the TLS settings the session used.
#[derive(Clone)]
struct Canceller {
    token: CancelToken,
    tls: Option<rustls::ClientConfig>,
    /// Which database the session belongs to, so a stopped probe blames the side that
    /// was still answering rather than every side.
    side: Option<Side>,
}

impl Canceller {
    async fn cancel(&self) -> Result<(), tokio_postgres::Error> {
        match &self.tls {
            Some(tls) => {
                let connector = tokio_postgres_rustls::MakeRustlsConnect::new(tls.clone());
                self.token.cancel_query(connector).await
            }
            None => self.token.cancel_query(tokio_postgres::NoTls).await,
        }
    }
}

/// The queries of one probe that were sent and not yet answered, across every session of
/// both databases. A query leaves the set when its answer (rows or an error) arrives; one
/// whose wait was abandoned (the probe stopped, or the client-side guard gave up) stays
/// until [`InFlight::cancel_all`] asks the server to cancel it.
#[derive(Clone, Default)]
pub struct InFlight {
    inner: Arc<Mutex<InFlightQueries>>,
}

#[derive(Default)]
struct InFlightQueries {
    next: u64,
    queries: BTreeMap<u64, Canceller>,
    /// Connections being opened, per side (source, target): not cancellable, but a side
    /// still connecting is one the probe is waiting on.
    connecting: [u32; 2],
}

/// Marks one connection attempt of a side as under way until dropped.
struct Connecting {
    in_flight: InFlight,
    side: Option<usize>,
}

impl Drop for Connecting {
    fn drop(&mut self) {
        if let (Some(i), Ok(mut inner)) = (self.side, self.in_flight.inner.lock()) {
            inner.connecting[i] = inner.connecting[i].saturating_sub(1);
        }
    }
}

/// What [`InFlight::cancel_all`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cancelled {
    /// The sides that still had a query running (whose answer the probe was waiting for).
    pub waiting_on: [bool; 2],
    /// Queries still running when the probe stopped waiting: cancel requests sent.
    pub requested: usize,
    /// Requests that could not be delivered (no connection to the server, TLS refused) or
    /// were not delivered within the wait.
    pub failed: usize,
}

impl Cancelled {
    /// A clause for the report ("; 2 queries still running were cancelled on the server"),
    /// empty when nothing was running.
    pub fn describe(&self) -> String {
        match (self.requested, self.failed) {
            (0, _) => String::new(),
            (1, 0) => "; the query still running was cancelled on the server".into(),
            (n, 0) => format!("; the {n} queries still running were cancelled on the server"),
            (1, _) => "; the query still running could not be cancelled on the server and ends \
                       at its statement_timeout"
                .into(),
            (n, failed) => format!(
                "; {failed} of the {n} queries still running could not be cancelled on the \
                 server and end at its statement_timeout"
            ),
        }
    }
}

/// One recorded query; [`Ticket::answered`] removes it. Dropped without that (the caller
/// stopped waiting), the query stays recorded for [`InFlight::cancel_all`].
struct Ticket {
    in_flight: InFlight,
    id: u64,
}

impl Ticket {
    fn answered(self) {
        if let Ok(mut inner) = self.in_flight.inner.lock() {
            inner.queries.remove(&self.id);
        }
    }
}

impl InFlight {
    fn record(&self, canceller: &Canceller) -> Ticket {
        let id = match self.inner.lock() {
            Ok(mut inner) => {
                inner.next += 1;
                let id = inner.next;
                inner.queries.insert(id, canceller.clone());
                id
            }
            Err(_) => 0,
        };
        Ticket {
            in_flight: self.clone(),
            id,
        }
    }

    /// Queries recorded and not answered.
    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |inner| inner.queries.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ask the server to cancel every recorded query, all at once, waiting at most `wait`
    /// (a server that stopped answering must not hold the probe up); the set is emptied.
    pub async fn cancel_all(&self, wait: Duration) -> Cancelled {
        let (pending, connecting): (Vec<Canceller>, [u32; 2]) = match self.inner.lock() {
            Ok(mut inner) => (
                std::mem::take(&mut inner.queries).into_values().collect(),
                inner.connecting,
            ),
            Err(_) => (Vec::new(), [0, 0]),
        };
        let mut waiting_on = [connecting[0] > 0, connecting[1] > 0];
        let requested = pending.len();
        if requested == 0 {
            return Cancelled {
                waiting_on,
                ..Cancelled::default()
            };
        }
        for canceller in &pending {
            match canceller.side {
                Some(Side::Source) => waiting_on[0] = true,
                Some(Side::Target) => waiting_on[1] = true,
                None => waiting_on = [true, true],
            }
        }
        let mut requests = tokio::task::JoinSet::new();
        for canceller in pending {
            requests.spawn(async move { canceller.cancel().await.is_ok() });
        }
        let mut delivered = 0;
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Some(done)) = tokio::time::timeout_at(deadline, requests.join_next()).await {
            if matches!(done, Ok(true)) {
                delivered += 1;
            }
        }
        // Requests still connecting when the wait ran out are dropped with the set.
        Cancelled {
            waiting_on,
            requested,
            failed: requested - delivered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cancelled;

    #[test]
    fn the_cancel_outcome_is_described_in_words() {
        let said = |requested, failed| {
            Cancelled {
                waiting_on: [true, true],
                requested,
                failed,
            }
            .describe()
        };
        assert_eq!(said(0, 0), "");
        assert_eq!(
            said(1, 0),
            "; the query still running was cancelled on the server"
        );
        assert_eq!(
            said(3, 0),
            "; the 3 queries still running were cancelled on the server"
        );
        assert_eq!(
            said(1, 1),
            "; the query still running could not be cancelled on the server and ends at its statement_timeout"
        );
        assert_eq!(
            said(3, 2),
            "; 2 of the 3 queries still running could not be cancelled on the server and end at its statement_timeout"
        );
    }
}
