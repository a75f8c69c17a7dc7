//! Benchmark of the live probes on a pgbench-sized database pair: 20 tables, millions of
//! rows, source and target identical. Times `fast`, `exact` and `checksum` (whole
//! `check --probe` runs through the library) beside the usual hand-written approach, a sequential
//! `psql -c 'select count(*) from T'` loop over every table of both databases.
//!
//! ```text
//! cargo run --example probe_bench -- [TOTAL_ROWS_PER_DATABASE (default 2000000)] [RUNS (default 3)]
//! ```
//!
//! It starts its own PostgreSQL server with the test harness (`tests/support/pg.rs`), so it
//! needs the PostgreSQL server binaries and `psql`, and removes everything when it ends.

#[path = "../tests/support/pg.rs"]
mod pg;

use std::time::{Duration, Instant};

use launchgate::check::{self, CheckOptions};

const TABLES: usize = 20;

fn main() {
    let mut args = std::env::args().skip(1);
    let total: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3).max(1);
    if !pg::available() {
        return;
    }
    let server = pg::PgServer::start();
    println!("loading {TABLES} tables, {total} rows in all, into the source ...");
    let load = Instant::now();
    let src = server.create_database("bench_src");
    // pgbench_accounts-shaped tables of uneven sizes (the largest holds ~10% of the rows).
    let weights: Vec<u64> = (1..=TABLES as u64).collect();
    let weight_sum: u64 = weights.iter().sum();
    for (i, w) in weights.iter().enumerate() {
        let rows = total * w / weight_sum;
        server.execute(
            &src,
            &format!(
                "CREATE TABLE accounts_{i:02} (aid bigint PRIMARY KEY, bid int NOT NULL, abalance int NOT NULL, filler char(84));
                 INSERT INTO accounts_{i:02} SELECT g, 1 + g / 100000, ((g::bigint * 7919) % 100000 - 50000)::int, md5(g::text) FROM generate_series(1, {rows}) g;"
            ),
        );
    }
    server.execute(&src, "VACUUM ANALYZE");
    // The target is a byte-for-byte copy, as after a pg_dump/pg_restore.
    server.execute("postgres", "DROP DATABASE IF EXISTS bench_tgt WITH (FORCE)");
    server.execute("postgres", "CREATE DATABASE bench_tgt TEMPLATE bench_src");
    server.execute("bench_tgt", "ANALYZE");
    let size = server.query_text(
        &src,
        "SELECT pg_size_pretty(pg_database_size(current_database()))",
    );
    println!(
        "loaded in {:.1}s; each database is {}",
        load.elapsed().as_secs_f64(),
        size.first().and_then(|r| r[0].clone()).unwrap_or_default()
    );

    let repo = tempfile::tempdir().expect("temp repo");
    std::fs::write(
        repo.path().join(".env.cutover.example"),
        "SRC_DB_URL=postgresql://USER:PASSWORD@HOST:5432/src\nTGT_DB_URL=postgresql://USER:PASSWORD@HOST:5432/tgt\n",
    )
    .expect("contract");
    std::fs::write(
        repo.path().join(".env.cutover"),
        format!(
            "SRC_DB_URL={}\nTGT_DB_URL={}\n",
            server.url("bench_src"),
            server.url("bench_tgt")
        ),
    )
    .expect("env");
    std::fs::write(
        repo.path().join("launchgate.toml"),
        "[probes]\nstatement-timeout = \"10m\"\n",
    )
    .expect("config");

    let mut results: Vec<(String, Vec<Duration>, String)> = Vec::new();
    for method in ["fast", "exact", "checksum"] {
        let mut times = Vec::new();
        let mut note = String::new();
        for _ in 0..runs {
            let started = Instant::now();
            let outcome = check::run(&CheckOptions {
                root: repo.path().to_path_buf(),
                probe: true,
                method: Some(method.into()),
                ..Default::default()
            })
            .expect("check runs");
            times.push(started.elapsed());
            let db = outcome.facts.db.as_ref().expect("probe facts");
            let probe_findings = outcome
                .findings
                .iter()
                .filter(|f| f.rule.starts_with("db/"))
                .count();
            let rows: i64 = db.tables.iter().filter_map(|t| t.source_rows).sum();
            note = format!(
                "{} tables, {rows} source rows, {} connections/side, {probe_findings} db findings",
                db.tables.len(),
                db.source.as_ref().map_or(0, |s| s.connections)
            );
        }
        results.push((method.to_string(), times, note));
    }
    // The hand-written loop: `for t in $TABLES; do psql "$URL" -Atc "select count(*) from $t"; done`,
    // source then target.
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        for db in ["bench_src", "bench_tgt"] {
            for i in 0..TABLES {
                let out = std::process::Command::new("psql")
                    .arg(server.url(db))
                    .args(["-Atc", &format!("select count(*) from accounts_{i:02}")])
                    .output()
                    .expect("psql (apt-get install postgresql-client)");
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        times.push(started.elapsed());
    }
    results.push((
        "psql loop".into(),
        times,
        format!("{} sequential psql processes", 2 * TABLES),
    ));

    println!("\n| method | median of {runs} (s) | min (s) | what ran |\n|---|---|---|---|");
    for (name, mut times, note) in results {
        times.sort();
        let median = times[times.len() / 2].as_secs_f64();
        println!(
            "| {name} | {median:.2} | {:.2} | {note} |",
            times[0].as_secs_f64()
        );
    }
}
