//! Where a check's time goes, phase by phase, on one repository: the walk, each collector's
//! share of `collect_static`, and each built-in policy file's evaluation (over facts shared
//! with the policies as views, as `check` does), and the ten slowest rules. Used to explain the benchmark (docs/benchmarks.md):
//!
//! ```text
//! cargo run --release --example phase_profile -- target/bench/tree-100000
//! ```

use std::path::PathBuf;
use std::time::Instant;

use launchgate::collect::{self, CollectOptions};
use launchgate::policy::{Limits, PolicySet, BUILTIN_POLICIES};

fn main() {
    let Some(root) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: phase_profile REPOSITORY");
        std::process::exit(2);
    };
    let config = match launchgate::config::load(&root, None) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("config: {e}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    let walked = collect::walk::walk_tree(&root, &config.config);
    println!(
        "walk (parallel, no git)      {:>8.3} s",
        started.elapsed().as_secs_f64()
    );
    drop(walked);

    let started = Instant::now();
    let (git, _) = collect::GitRepo::open(&root, config.config.git.mode);
    println!(
        "git state (ls-files x3)      {:>8.3} s",
        started.elapsed().as_secs_f64()
    );
    drop(git);

    let (git, _) = collect::GitRepo::open(&root, config.config.git.mode);
    let ctx = collect::CollectContext {
        root: root.clone(),
        config: &config,
        inventory: collect::walk::walk(&root, &config.config, git.as_ref()),
        git,
        options: CollectOptions::default(),
    };
    let time = |name: &str, run: &dyn Fn()| {
        let started = Instant::now();
        run();
        println!(
            "  collector {name:<18} {:>8.3} s",
            started.elapsed().as_secs_f64()
        );
    };
    time("env", &|| {
        let _ = std::hint::black_box(collect::env::collect(&ctx));
    });
    time("migrations", &|| {
        let _ = std::hint::black_box(collect::migrations::collect(&ctx));
    });
    time("docs", &|| {
        let _ = std::hint::black_box(collect::docs::collect(&ctx));
    });
    time("scripts", &|| {
        let _ = std::hint::black_box(collect::scripts::collect(&ctx));
    });
    time("evidence", &|| {
        let _ = std::hint::black_box(collect::evidence::collect(&ctx));
    });
    drop(ctx);

    let started = Instant::now();
    let facts = collect::collect_static(&root, &config, CollectOptions::default()).facts;
    println!(
        "collect_static (all)         {:>8.3} s  (resident {})",
        started.elapsed().as_secs_f64(),
        resident()
    );

    let started = Instant::now();
    let json = serde_json::to_vec(&facts).map(|v| v.len()).unwrap_or(0);
    println!(
        "facts as JSON                {:>8.3} s  ({:.1} MB)",
        started.elapsed().as_secs_f64(),
        json as f64 / 1e6
    );

    let facts = std::sync::Arc::new(facts);
    for (source, text) in BUILTIN_POLICIES {
        let mut one = PolicySet::empty(Limits::default());
        one.load(source, text);
        let started = Instant::now();
        let findings = one.evaluate(std::sync::Arc::clone(&facts));
        println!(
            "evaluate {:<20} {:>8.3} s  ({} findings)",
            source.trim_start_matches("policies/"),
            started.elapsed().as_secs_f64(),
            findings.len()
        );
    }
    let all = PolicySet::builtin(Limits::default());
    let started = Instant::now();
    let (findings, times) = all.evaluate_timed(std::sync::Arc::clone(&facts));
    println!(
        "evaluate all policies        {:>8.3} s  ({} findings; resident {})",
        started.elapsed().as_secs_f64(),
        findings.len(),
        resident()
    );
    // The rules that took the time (summed over the threads that ran their calls).
    for t in times.iter().take(10) {
        println!(
            "  rule {:<36} {:>8.3} s  ({} calls)",
            t.id,
            t.time.as_secs_f64(),
            t.calls
        );
    }
}

/// This process's resident and peak resident memory, from `/proc/self/status` (Linux).
fn resident() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| "?".into())
    };
    format!("{}, peak {}", field("VmRSS:"), field("VmHWM:"))
}
