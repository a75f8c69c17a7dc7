//! Criterion benches for launchgate's hot paths: env parsing, markdown extraction, policy
//! evaluation over many env sets, and the walk. Run with `cargo bench --bench hot_paths`
//! (numbers: docs/benchmarks.md).
//!
//! Inputs are realistic: service env files (a contract and its `.local` file per set, with
//! quoting, comments and a substitution) and runbooks (links, fenced shell blocks, inline
//! paths, a checklist), written to a temp folder where a collector needs a tree.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use launchgate::collect::{self, env::parse_env_file, CollectOptions};
use launchgate::facts::env::EnvFileKind;
use launchgate::policy::{Limits, PolicySet};

/// One `.env.local` of a typical service: 40 keys, quoted values, comments, a substitution.
fn service_env(service: usize) -> String {
    let mut text = String::from("# Local settings for this service; never commit.\n");
    for k in 0..36 {
        let _ = match k % 6 {
            0 => writeln!(
                text,
                "SERVICE_{k}_URL=\"https://svc-{service}.internal:{}/v1\"",
                8000 + k
            ),
            1 => writeln!(text, "FEATURE_{k}_ENABLED=true # rollout flag"),
            2 => writeln!(text, "SECRET_{k}_KEY='{:064x}'", service * 7919 + k),
            3 => writeln!(text, "export TIMEOUT_{k}_MS={}", 100 * k),
            4 => writeln!(text, "LIST_{k}=\"a,b,c d\""),
            _ => writeln!(text, "\n# group {k}\nNAME_{k}=svc-{service}"),
        };
    }
    text.push_str(
        "DATABASE_HOST=db.internal\nDATABASE_URL=postgres://app:pw@${DATABASE_HOST}:5432/app\n",
    );
    text.push_str("NODE_ENV=development\nPORT=3000\n");
    text
}

fn bench_env_parsing(c: &mut Criterion) {
    let text = service_env(7);
    let mut group = c.benchmark_group("env_parse");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("service_env_40_keys", |b| {
        b.iter(|| {
            parse_env_file(
                ".env.local",
                black_box(&text),
                EnvFileKind::Env,
                launchgate::source::dotenv::Dialect::Node,
                "bench",
            )
        })
    });
    group.finish();
}

/// A tree of `sets` env sets (contract + local file each) in service folders.
fn env_tree(dir: &Path, sets: usize) {
    for s in 0..sets {
        let folder = dir.join(format!("apps/svc-{s:04}"));
        std::fs::create_dir_all(&folder).expect("mkdir");
        let local = service_env(s);
        let contract: String = local
            .lines()
            .map(|l| match l.split_once('=') {
                Some((k, _)) if !l.starts_with('#') => format!("{k}=changeme\n"),
                _ => format!("{l}\n"),
            })
            .collect();
        std::fs::write(folder.join(".env.example"), contract).expect("write");
        std::fs::write(folder.join(".env.local"), local).expect("write");
    }
}

fn bench_policy_evaluation(c: &mut Criterion) {
    let policies = PolicySet::builtin(Limits::default());
    let mut group = c.benchmark_group("policy_evaluate");
    group.sample_size(10);
    for sets in [100usize, 1_000] {
        let dir = tempfile::tempdir().expect("temp dir");
        env_tree(dir.path(), sets);
        let config = launchgate::config::load(dir.path(), None).expect("no config: inferred");
        let facts = collect::collect_static(dir.path(), &config, CollectOptions::default()).facts;
        assert_eq!(facts.env.sets.len(), sets, "one set per service folder");
        // Shared once, as `check` does: the bench measures the rules, not a copy of the facts.
        let facts = std::sync::Arc::new(facts);
        group.throughput(Throughput::Elements(sets as u64));
        group.bench_with_input(BenchmarkId::new("env_sets", sets), &facts, |b, facts| {
            b.iter(|| policies.evaluate(black_box(std::sync::Arc::clone(facts))))
        });
    }
    group.finish();
}

/// A runbook: headings, relative and external links, inline paths, a fenced shell block
/// naming a script, and a checklist.
fn runbook(d: usize) -> String {
    let mut text = format!("# Service {d} runbook\n\nStart with the [README](../README.md).\n\n");
    for step in 0..8 {
        let _ = writeln!(
            text,
            "## Step {step}\n\nCheck `apps/svc-{d}/package.json` and the [guide](guide-{step}.md); \
             upstream notes are at [the docs](https://example.com/docs/{step}).\n\n\
             ```bash\nbash scripts/deploy.sh --step {step}\n```\n\n- [x] smoke test\n- [ ] reconciliation drill\n"
        );
    }
    text
}

fn bench_markdown_extraction(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let docs = 200;
    for d in 0..docs {
        let folder = dir.path().join(format!("apps/svc-{d}/docs"));
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(folder.join("runbook.md"), runbook(d)).expect("write");
    }
    std::fs::create_dir_all(dir.path().join("scripts")).expect("mkdir");
    std::fs::write(dir.path().join("scripts/deploy.sh"), "#!/bin/sh\n").expect("write");
    let config = launchgate::config::load(dir.path(), None).expect("no config: inferred");
    let ctx = collect::CollectContext {
        root: dir.path().to_path_buf(),
        config: &config,
        inventory: collect::walk::walk(dir.path(), &config.config, None),
        git: None,
        options: CollectOptions::default(),
    };
    let mut group = c.benchmark_group("markdown_extract");
    group.sample_size(20);
    group.throughput(Throughput::Elements(docs as u64));
    group.bench_function("200_runbooks", |b| {
        b.iter(|| collect::docs::collect(black_box(&ctx)))
    });
    group.finish();
}

fn bench_walk(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    env_tree(dir.path(), 500);
    for i in 0..5_000 {
        let folder = dir
            .path()
            .join(format!("apps/svc-{:04}/src/m{}", i % 500, i % 7));
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(folder.join(format!("file-{i}.ts")), "export {};\n").expect("write");
    }
    let config = launchgate::config::Config::default();
    let mut group = c.benchmark_group("walk");
    group.sample_size(20);
    group.throughput(Throughput::Elements(6_000));
    group.bench_function("6000_files", |b| {
        b.iter(|| collect::walk::walk(black_box(dir.path()), &config, None))
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_env_parsing,
    bench_markdown_extraction,
    bench_policy_evaluation,
    bench_walk
);
criterion_main!(benches);
