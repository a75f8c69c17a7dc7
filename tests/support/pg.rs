//! Test harness: real PostgreSQL servers started by the test itself.
//!
//! [`PgServer::start`] runs `initdb` and `pg_ctl` (PostgreSQL 15+ server binaries on PATH or
//! under `/usr/lib/postgresql/*/bin`) into a temp folder, on a free loopback port, with
//! password (scram) authentication. As root it runs them as the `postgres` user, since initdb
//! refuses root. Every server is torn down: [`Drop`] stops it when the test ends or panics,
//! and a watchdog process stops it (and removes its folder) if the test process dies without
//! unwinding, which also covers the one server shared by a whole test binary.
//!
//! Without the binaries, tests fail with what to install; `LAUNCHGATE_SKIP_PG=1` turns that
//! into a skip, explicitly. `LAUNCHGATE_PG_BIN=DIR` names the binaries' folder outright.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// The superuser every test server has, and its password.
pub const ADMIN_USER: &str = "lg_admin";
pub const ADMIN_PASSWORD: &str = "Adm1n-Pa55word-zq";

/// TLS material made for a TLS server.
pub struct TlsFiles {
    /// The CA that signed the server certificate.
    pub ca_cert: PathBuf,
    /// A CA that did not sign it (for the verify-full failure test).
    pub other_ca_cert: PathBuf,
}

pub struct PgServer {
    pub port: u16,
    dir: PathBuf,
    data: PathBuf,
    as_postgres: bool,
    bin: PathBuf,
    pub tls: Option<TlsFiles>,
    stopped: std::sync::atomic::AtomicBool,
}

/// Why servers cannot start here, or `None` when they can.
fn missing_binaries() -> Option<String> {
    bin_dir().is_none().then(|| {
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or under \
         /usr/lib/postgresql/*/bin: install PostgreSQL server binaries (apt-get install postgresql), \
         or set LAUNCHGATE_SKIP_PG=1 to skip database tests explicitly"
            .to_string()
    })
}

fn bin_dir() -> Option<PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        // An explicit folder (CI images, or a test of the missing-binaries message) is the
        // only place looked at.
        if let Some(dir) = std::env::var_os("LAUNCHGATE_PG_BIN") {
            let dir = PathBuf::from(dir);
            return (dir.join("initdb").is_file() && dir.join("pg_ctl").is_file()).then_some(dir);
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut candidates: Vec<PathBuf> = std::env::split_paths(&path).collect();
        if let Ok(rd) = std::fs::read_dir("/usr/lib/postgresql") {
            let mut versions: Vec<PathBuf> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect();
            versions.sort();
            versions.reverse();
            candidates.extend(versions);
        }
        candidates
            .into_iter()
            .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
    })
    .clone()
}

/// `true` when tests should run against real servers; panics with what to install when the
/// binaries are absent, unless `LAUNCHGATE_SKIP_PG=1`.
pub fn available() -> bool {
    match missing_binaries() {
        None => true,
        Some(_) if std::env::var("LAUNCHGATE_SKIP_PG").as_deref() == Ok("1") => {
            eprintln!("LAUNCHGATE_SKIP_PG=1: skipping a database test");
            false
        }
        Some(why) => panic!("{why}"),
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    listener.local_addr().expect("local address").port()
}

static SEQ: AtomicU32 = AtomicU32::new(0);

impl PgServer {
    /// A plain (no TLS) server of its own.
    pub fn start() -> PgServer {
        Self::start_with(false)
    }

    /// A server that also accepts TLS, with a certificate for `localhost` / `127.0.0.1`
    /// signed by a CA made for this test.
    pub fn start_tls() -> PgServer {
        Self::start_with(true)
    }

    /// The plain server shared by every test of this binary (one database per test).
    pub fn shared() -> &'static PgServer {
        static SHARED: OnceLock<PgServer> = OnceLock::new();
        SHARED.get_or_init(PgServer::start)
    }

    fn start_with(tls: bool) -> PgServer {
        let bin = bin_dir().unwrap_or_else(|| panic!("{}", missing_binaries().unwrap_or_default()));
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!(
            "launchgate-pg-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the server folder");
        let data = dir.join("data");
        let pwfile = dir.join("pwfile");
        std::fs::write(&pwfile, ADMIN_PASSWORD).expect("write the password file");
        let tls_files = tls.then(|| make_certificates(&dir));
        if as_postgres {
            // initdb refuses root: the folder (and everything in it) belongs to `postgres`.
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status();
            assert!(
                status.is_ok_and(|s| s.success()),
                "chown the server folder to postgres"
            );
        }
        let mut server = PgServer {
            port: 0,
            dir: dir.clone(),
            data: data.clone(),
            as_postgres,
            bin,
            tls: tls_files,
            stopped: std::sync::atomic::AtomicBool::new(false),
        };
        server.run_checked(
            "initdb",
            &[
                "-D",
                path_str(&data),
                "-U",
                ADMIN_USER,
                "--pwfile",
                path_str(&pwfile),
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        // A busy machine can take a free port between our check and the server's bind.
        let mut last_error = String::new();
        for _ in 0..3 {
            server.port = free_port();
            let mut options = format!(
                "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={} \
                 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60 \
                 -c shared_buffers=64MB -c autovacuum=off",
                server.port,
                path_str(&dir)
            );
            if server.tls.is_some() {
                options.push_str(&format!(
                    " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                    path_str(&dir.join("server.crt")),
                    path_str(&dir.join("server.key"))
                ));
            }
            let log = dir.join("server.log");
            let out = server.run(
                "pg_ctl",
                &[
                    "-D",
                    path_str(&data),
                    "-l",
                    path_str(&log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    &options,
                    "start",
                ],
            );
            if out.status.success() {
                server.spawn_watchdog();
                return server;
            }
            last_error = format!(
                "{}{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        panic!("PostgreSQL did not start: {last_error}");
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let exe = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        };
        cmd.args(args).current_dir(&self.dir).stdin(Stdio::null());
        cmd
    }

    fn run(&self, program: &str, args: &[&str]) -> std::process::Output {
        self.command(program, args)
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"))
    }

    fn run_checked(&self, program: &str, args: &[&str]) {
        let out = self.run(program, args);
        assert!(
            out.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Stops the server and removes its folder once this test process is gone, however it
    /// ends (the shared server is never dropped).
    fn spawn_watchdog(&self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let stop = if self.as_postgres {
            format!(
                "runuser -u postgres -- {} -D {} -m immediate stop",
                path_str(&pg_ctl),
                path_str(&self.data)
            )
        } else {
            format!(
                "{} -D {} -m immediate stop",
                path_str(&pg_ctl),
                path_str(&self.data)
            )
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            dir = path_str(&self.dir)
        );
        let _ = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }

    /// Stop the server now (`immediate`: as a crash would).
    pub fn stop(&self) {
        if !self.stopped.swap(true, Ordering::SeqCst) {
            let _ = self.run(
                "pg_ctl",
                &["-D", path_str(&self.data), "-m", "immediate", "-w", "stop"],
            );
        }
    }

    /// Send `signal` (`STOP`, `CONT`, ...) to the server's postmaster, the process that
    /// accepts new connections (and cancel requests); running sessions are not touched.
    pub fn signal_postmaster(&self, signal: &str) {
        let pid_file =
            std::fs::read_to_string(self.data.join("postmaster.pid")).expect("read postmaster.pid");
        let pid = pid_file.lines().next().expect("postmaster pid").trim();
        let status = Command::new("kill")
            .args([&format!("-{signal}"), pid])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} {pid}");
    }

    /// A URL for `user:password` on database `db`, with extra query text (e.g. `sslmode=disable`).
    pub fn url_as(&self, user: &str, password: &str, db: &str, query: &str) -> String {
        let q = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        format!(
            "postgres://{user}:{password}@127.0.0.1:{}/{db}{q}",
            self.port
        )
    }

    /// The admin URL of database `db`, without TLS.
    pub fn url(&self, db: &str) -> String {
        self.url_as(ADMIN_USER, ADMIN_PASSWORD, db, "sslmode=disable")
    }

    /// Create a fresh database named `name` (dropped first if a previous run left it).
    pub fn create_database(&self, name: &str) -> String {
        // Each on its own: neither may run inside the implicit transaction of a batch.
        self.execute(
            "postgres",
            &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        );
        self.execute("postgres", &format!("CREATE DATABASE \"{name}\""));
        name.to_string()
    }

    /// Copy database `from` into a fresh database `to` the way a cutover does:
    /// `pg_dump -Fc` of the source, `pg_restore` into the target (schema, data, sequence
    /// values, grants and ownership). Returns `to`.
    pub fn copy_database(&self, from: &str, to: &str) -> String {
        self.create_database(to);
        let dump = self.dir.join(format!("{from}.dump"));
        let port = self.port.to_string();
        let client = |program: &str, args: &[&str]| {
            // Beside initdb when it is there (the server's own version), else on PATH.
            let beside = self.bin.join(program);
            let program_path = if beside.is_file() {
                beside
            } else {
                PathBuf::from(program)
            };
            let out = Command::new(program_path)
                .args(["-h", "127.0.0.1", "-p", &port, "-U", ADMIN_USER])
                .args(args)
                .env("PGPASSWORD", ADMIN_PASSWORD)
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| panic!("run {program}: {e}"));
            assert!(
                out.status.success(),
                "{program} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        client("pg_dump", &["-Fc", "-f", path_str(&dump), from]);
        client(
            "pg_restore",
            &["--exit-on-error", "-d", to, path_str(&dump)],
        );
        let _ = std::fs::remove_file(&dump);
        to.to_string()
    }

    /// Run SQL (several statements allowed) on database `db` as the admin.
    pub fn execute(&self, db: &str, sql: &str) {
        let url = self.url(db);
        block_on(async move {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .expect("connect as admin");
            let task = tokio::spawn(conn);
            client
                .batch_execute(sql)
                .await
                .unwrap_or_else(|e| panic!("SQL failed: {}\n{sql}", db_message(&e)));
            drop(client);
            let _ = task.await;
        });
    }

    /// Run a query on `db` and return the rows' columns as text.
    pub fn query_text(&self, db: &str, sql: &str) -> Vec<Vec<Option<String>>> {
        let url = self.url(db);
        block_on(async move {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .expect("connect as admin");
            let task = tokio::spawn(conn);
            let rows = client
                .simple_query(sql)
                .await
                .unwrap_or_else(|e| panic!("SQL failed: {}\n{sql}", db_message(&e)));
            drop(client);
            let _ = task.await;
            rows.into_iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => {
                        Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                    }
                    _ => None,
                })
                .collect()
        })
    }

    /// A session held open on `db` (e.g. to hold a lock) until the returned value is dropped.
    pub fn hold_session(&self, db: &str, sql: &str) -> HeldSession {
        let url = self.url(db);
        let sql = sql.to_string();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            block_on(async move {
                let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .expect("connect as admin");
                let task = tokio::spawn(conn);
                client.batch_execute(&sql).await.expect("hold-session SQL");
                let _ = ready_tx.send(());
                let _ = done_rx.await;
                drop(client);
                let _ = task.await;
            })
        });
        ready_rx.recv().expect("the held session started");
        HeldSession {
            done: Some(done_tx),
            thread: Some(thread),
        }
    }
}

/// A session kept open by [`PgServer::hold_session`].
pub struct HeldSession {
    done: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for HeldSession {
    fn drop(&mut self) {
        if let Some(d) = self.done.take() {
            let _ = d.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn db_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a test runtime")
        .block_on(f)
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// A CA, a server certificate it signs (for localhost and 127.0.0.1), and an unrelated CA.
fn make_certificates(dir: &Path) -> TlsFiles {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| {
                panic!("openssl is needed for the TLS test server (apt-get install openssl): {e}")
            });
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    for ca in ["ca", "other-ca"] {
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            &format!("{ca}.key"),
            "-out",
            &format!("{ca}.crt"),
            "-subj",
            &format!("/CN=launchgate test {ca}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
    }
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write the extensions file");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        "server.crt",
        "-extfile",
        "server.ext",
    ]);
    // PostgreSQL refuses a key file others can read.
    let _ = Command::new("chmod")
        .args(["600"])
        .arg(dir.join("server.key"))
        .status();
    TlsFiles {
        ca_cert: dir.join("ca.crt"),
        other_ca_cert: dir.join("other-ca.crt"),
    }
}
