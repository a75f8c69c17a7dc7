//! Benchmark generator: writes a synthetic monorepo of a given size for `scripts/bench.sh`.
//!
//! ```text
//! cargo run --example gen_monorepo -- OUT_DIR FILES
//! ```
//!
//! The tree is deterministic for a given size: services (`apps/svc-NNNN/`) with a drizzle,
//! prisma or knex migration history, env contracts and their `.local` files (git-ignored, as
//! in a real repository), markdown runbooks with links and fenced shell blocks, shell scripts,
//! row-count evidence sets and a bulk of unrelated TypeScript sources. The shares follow the
//! benchmark's largest tree (100,000 files: 5% env files, 5% markdown, 2% scripts, 20%
//! migration files) and scale linearly.
//!
//! Problems are planted at known rates so the benchmark also checks the findings count; the
//! expected count per rule is written to `OUT_DIR.expected` (one `rule count` line each).
//! Everything else is written clean: no placeholder values, strict-mode executable scripts,
//! links and paths that resolve, so that any other finding is a real discrepancy.
//!
//! This is a development tool, not part of the CLI: it panics on I/O errors in its own output
//! folder, which is the right failure for a generator.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

/// Planting rates: one problem every N items of the kind.
const DUPLICATE_KEY_EVERY: usize = 50; // env files
const MISSING_CONTRACT_KEY_EVERY: usize = 100; // env sets
const BROKEN_LINK_EVERY: usize = 100; // markdown documents
const SYNTAX_ERROR_EVERY: usize = 100; // scripts
const ORPHAN_SQL_EVERY: usize = 20; // drizzle histories
const INCOMPLETE_EVIDENCE_EVERY: usize = 10; // evidence sets

/// Files per service in the 100,000-file tree: the service count scales with the size.
const FILES_PER_SERVICE: usize = 200;
/// Env sets per service folder list (each set is a contract and its `.local` file).
const ENV_DIRS: &[&str] = &["", "api", "worker", "jobs", "config"];

/// How many files of each kind a tree of `total` files holds.
#[derive(Debug, Clone, Copy)]
struct Shares {
    services: usize,
    env_files: usize,
    markdown: usize,
    scripts: usize,
    migrations: usize,
    evidence_sets: usize,
}

impl Shares {
    fn for_total(total: usize) -> Shares {
        let services = (total / FILES_PER_SERVICE).max(1);
        Shares {
            services,
            // Pairs: a contract and its `.local` file.
            env_files: (total / 20) / 2 * 2,
            markdown: total / 20,
            scripts: total / 50,
            migrations: total / 5,
            // Three files a set; one set every other service.
            evidence_sets: services.div_ceil(2),
        }
    }
}

/// A tiny deterministic generator (xorshift64*) so trees are identical run to run.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            let _ = write!(s, "{:016x}", self.next());
        }
        s.truncate(len);
        s
    }
}

struct Writer {
    root: PathBuf,
    written: usize,
    expected: BTreeMap<&'static str, usize>,
}

impl Writer {
    fn file(&mut self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
        }
        fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        self.written += 1;
    }

    fn executable(&mut self, rel: &str, text: &str) {
        self.file(rel, text);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = self.root.join(rel);
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
                .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
        }
    }

    fn plant(&mut self, rule: &'static str) {
        *self.expected.entry(rule).or_default() += 1;
    }
}

/// Split `total` items over `buckets` as evenly as possible; bucket `i`'s share.
fn share(total: usize, buckets: usize, i: usize) -> usize {
    total / buckets + usize::from(i < total % buckets)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(out), Some(total)) = (args.first(), args.get(1).and_then(|n| n.parse().ok())) else {
        eprintln!("usage: gen_monorepo OUT_DIR FILES");
        std::process::exit(2);
    };
    let total: usize = total;
    let root = PathBuf::from(out);
    if root.exists() {
        eprintln!("{} exists; pick a new folder", root.display());
        std::process::exit(2);
    }
    let shares = Shares::for_total(total);
    let mut w = Writer {
        root: root.clone(),
        written: 0,
        expected: BTreeMap::new(),
    };
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15 ^ total as u64);

    // Repository root: what every monorepo has.
    w.file(
        ".gitignore",
        "node_modules/\ndist/\ncoverage/\n*.local\n.env\n.turbo/\n",
    );
    w.file(
        "package.json",
        "{\n  \"name\": \"bench-monorepo\",\n  \"private\": true,\n  \"workspaces\": [\"apps/*\"]\n}\n",
    );
    w.file(
        "README.md",
        "# Bench monorepo\n\nServices live in [apps](apps/). Each has a [README](apps/svc-0000/README.md).\n",
    );

    let mut counters = Counters::default();
    for s in 0..shares.services {
        write_service(&mut w, &mut noise, &shares, s, &mut counters);
    }
    // The bulk: unrelated sources fill the tree up to the requested size.
    let mut n = 0usize;
    while w.written < total {
        let svc = n % shares.services;
        let module = (n / shares.services) / 25;
        let rel = format!("apps/svc-{svc:04}/src/modules/m{module:03}/file-{n:06}.ts");
        w.file(&rel, &source_file(&mut noise, n));
        n += 1;
    }

    let mut expected = String::new();
    for (rule, count) in &w.expected {
        let _ = writeln!(expected, "{rule} {count}");
    }
    let expected_path = PathBuf::from(format!("{}.expected", root.display()));
    fs::write(&expected_path, expected)
        .unwrap_or_else(|e| panic!("write {}: {e}", expected_path.display()));
    println!(
        "wrote {} files to {} ({} services, {} env files, {} markdown, {} scripts, {} migration files, {} evidence sets)",
        w.written,
        root.display(),
        shares.services,
        counters.env_files,
        counters.markdown,
        counters.scripts,
        counters.migrations,
        counters.evidence_sets,
    );
}

/// Running totals across services: planting rates apply to these global indexes.
#[derive(Default)]
struct Counters {
    env_files: usize,
    env_sets: usize,
    markdown: usize,
    scripts: usize,
    migrations: usize,
    drizzle: usize,
    evidence_sets: usize,
}

fn write_service(w: &mut Writer, noise: &mut Noise, shares: &Shares, s: usize, c: &mut Counters) {
    let base = format!("apps/svc-{s:04}");
    let tool = ["drizzle", "prisma", "knex"][s % 3];
    let orm_dep = match tool {
        "drizzle" => "\"drizzle-orm\": \"^0.36.0\", \"drizzle-kit\": \"^0.28.0\"",
        "prisma" => "\"@prisma/client\": \"^5.22.0\", \"prisma\": \"^5.22.0\"",
        _ => "\"knex\": \"^3.1.0\", \"pg\": \"^8.13.0\"",
    };
    w.file(
        &format!("{base}/package.json"),
        &format!(
            "{{\n  \"name\": \"@bench/svc-{s:04}\",\n  \"version\": \"1.{s}.0\",\n  \"scripts\": {{ \"build\": \"tsc -p .\", \"migrate\": \"bash scripts/migrate.sh\" }},\n  \"dependencies\": {{ {orm_dep} }}\n}}\n"
        ),
    );

    // Env sets: contract + `.local`, spread over the service's folders.
    let env_here = share(shares.env_files / 2, shares.services, s);
    for k in 0..env_here {
        let dir = ENV_DIRS[k % ENV_DIRS.len()];
        let depth = k / ENV_DIRS.len();
        let folder = match (dir, depth) {
            ("", 0) => base.clone(),
            ("", d) => format!("{base}/env-{d}"),
            (d, 0) => format!("{base}/{d}"),
            (d, n) => format!("{base}/{d}/env-{n}"),
        };
        write_env_set(w, noise, &folder, s, c);
    }

    // Markdown: runbooks with links and fenced shell blocks.
    let scripts_here = share(shares.scripts, shares.services, s).max(1);
    let docs_here = share(shares.markdown, shares.services, s);
    for d in 0..docs_here {
        let rel = if d == 0 {
            format!("{base}/README.md")
        } else {
            format!("{base}/docs/guide-{d:03}.md")
        };
        let broken = (c.markdown + 1).is_multiple_of(BROKEN_LINK_EVERY);
        if broken {
            w.plant("docs/broken-link");
        }
        let text = markdown(&base, d, docs_here, scripts_here, broken);
        w.file(&rel, &text);
        c.markdown += 1;
    }

    // Scripts: strict mode, executable; one in SYNTAX_ERROR_EVERY has an unclosed `if`.
    for k in 0..share(shares.scripts, shares.services, s) {
        let rel = format!("{base}/scripts/{}", script_name(k));
        let broken = (c.scripts + 1).is_multiple_of(SYNTAX_ERROR_EVERY);
        if broken {
            w.plant("scripts/syntax-error");
        }
        w.executable(&rel, &script(&base, k, broken));
        c.scripts += 1;
    }

    // Migration history.
    let migrations_here = share(shares.migrations, shares.services, s).max(2);
    let before = w.written;
    match tool {
        "drizzle" => write_drizzle(w, noise, &base, migrations_here, c),
        "prisma" => write_prisma(w, &base, migrations_here),
        _ => write_knex(w, &base, migrations_here),
    }
    c.migrations += w.written - before;

    // Evidence: every other service keeps row-count snapshots of its rehearsals.
    if s.is_multiple_of(2) && c.evidence_sets < shares.evidence_sets {
        let dir = format!("{base}/scripts/db-migration/artifacts/verify");
        let ts = format!("2026111{}T0{}0000Z", s % 10, s % 7);
        let rows: Vec<(String, u64)> = (0..12)
            .map(|t| (format!("table_{t:02}"), 1000 + noise.below(90_000)))
            .collect();
        let counts = |rows: &[(String, u64)]| {
            rows.iter()
                .map(|(t, n)| format!("{t}\t{n}\n"))
                .collect::<String>()
        };
        w.file(&format!("{dir}/src-rowcounts-{ts}.txt"), &counts(&rows));
        w.file(&format!("{dir}/tgt-rowcounts-{ts}.txt"), &counts(&rows));
        c.evidence_sets += 1;
        if c.evidence_sets.is_multiple_of(INCOMPLETE_EVIDENCE_EVERY) {
            w.plant("evidence/incomplete-set");
        } else {
            w.file(&format!("{dir}/rowcount-diff-{ts}.patch"), "");
        }
    }
}

/// Keys every service's env contract declares, with the contract's sample value.
const CONTRACT: &[(&str, &str)] = &[
    ("NODE_ENV", "development"),
    ("PORT", "3000"),
    ("LOG_LEVEL", "info"),
    ("DATABASE_URL", "postgres://USER:PASSWORD@HOST:5432/app"),
    ("REDIS_URL", "redis://localhost:6379"),
    ("API_TOKEN", "changeme"),
    ("SESSION_SECRET", "changeme"),
    ("FEATURE_FLAGS", "search,exports"),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318"),
    ("S3_BUCKET", "bench-uploads"),
    ("MAX_UPLOAD_MB", "25"),
    ("CORS_ORIGINS", "http://localhost:5173"),
];

fn write_env_set(w: &mut Writer, noise: &mut Noise, folder: &str, s: usize, c: &mut Counters) {
    c.env_sets += 1;
    let drop_key = c.env_sets.is_multiple_of(MISSING_CONTRACT_KEY_EVERY);
    for kind in ["contract", "local"] {
        c.env_files += 1;
        let duplicate = c.env_files.is_multiple_of(DUPLICATE_KEY_EVERY);
        let mut text = String::new();
        if kind == "contract" {
            text.push_str("# Copy to .env.local and fill in for your machine.\n");
        }
        for (i, (key, sample)) in CONTRACT.iter().enumerate() {
            if kind == "local" && drop_key && i == CONTRACT.len() - 1 {
                continue;
            }
            let value = if kind == "contract" {
                (*sample).to_string()
            } else {
                local_value(noise, key, s)
            };
            let quoted = if value.contains(',') || value.contains(':') {
                format!("\"{value}\"")
            } else {
                value
            };
            let _ = writeln!(text, "{key}={quoted}");
        }
        if duplicate {
            text.push_str("LOG_LEVEL=debug\n");
            w.plant("env/duplicate-key");
        }
        let name = if kind == "contract" {
            ".env.example"
        } else {
            ".env.local"
        };
        w.file(&format!("{folder}/{name}"), &text);
    }
    if drop_key {
        w.plant("env/contract-key-missing");
    }
}

fn local_value(noise: &mut Noise, key: &str, s: usize) -> String {
    match key {
        "NODE_ENV" => "development".into(),
        "PORT" => (3000 + s % 1000).to_string(),
        "LOG_LEVEL" => "info".into(),
        "DATABASE_URL" => format!(
            "postgres://svc{s}:{}@db-{}.internal:5432/svc{s}",
            noise.hex(24),
            s % 16
        ),
        "REDIS_URL" => format!("redis://cache-{}.internal:6379/{}", s % 8, s % 16),
        "API_TOKEN" | "SESSION_SECRET" => noise.hex(48),
        "FEATURE_FLAGS" => "search,exports,audit".into(),
        "OTEL_EXPORTER_OTLP_ENDPOINT" => "http://otel-collector.internal:4318".into(),
        "S3_BUCKET" => format!("bench-uploads-{s}"),
        "MAX_UPLOAD_MB" => "50".into(),
        _ => "http://localhost:5173".into(),
    }
}

fn script_name(k: usize) -> String {
    match k {
        0 => "migrate.sh".into(),
        1 => "deploy.sh".into(),
        2 => "smoke.sh".into(),
        n => format!("task-{n:03}.sh"),
    }
}

fn script(base: &str, k: usize, broken: bool) -> String {
    let mut text = String::from("#!/usr/bin/env bash\nset -euo pipefail\n\n");
    let _ = writeln!(
        text,
        "# {} for {base}: run from the repository root.\nSERVICE_DIR=\"{base}\"\ncd \"$(git rev-parse --show-toplevel)\"\n",
        script_name(k)
    );
    for step in 0..6 {
        let _ = writeln!(
            text,
            "step_{step}() {{\n  local attempt=0\n  while [ \"$attempt\" -lt 3 ]; do\n    if npm --prefix \"$SERVICE_DIR\" run build >/dev/null; then\n      echo \"step {step} done\"\n      return 0\n    fi\n    attempt=$((attempt + 1))\n    sleep \"$attempt\"\n  done\n  return 1\n}}\n"
        );
    }
    if broken {
        // An `if` that is never closed: `bash -n` rejects the file.
        text.push_str("if [ -n \"${DRY_RUN:-}\" ]; then\n  echo \"dry run\"\n");
    }
    text.push_str("for s in 0 1 2 3 4 5; do \"step_$s\"; done\n");
    text
}

fn markdown(base: &str, d: usize, docs: usize, scripts: usize, broken: bool) -> String {
    let mut text = String::new();
    let here_prefix = if d == 0 { "docs/" } else { "" };
    let up = if d == 0 { "" } else { "../" };
    let _ = writeln!(text, "# {base} guide {d}\n");
    text.push_str("This runbook covers deploying, migrating and verifying the service. Read the ");
    let _ = writeln!(text, "[service README]({up}README.md) first.\n");
    text.push_str("## Steps\n\n");
    for step in 0..5 {
        let next = (d + step + 1) % docs.max(1);
        let link = if next == 0 {
            format!("{up}README.md")
        } else {
            format!("{here_prefix}guide-{next:03}.md")
        };
        let _ = writeln!(
            text,
            "{}. Check the [related guide]({link}) and the [upstream docs](https://example.com/docs/{step}).",
            step + 1
        );
    }
    text.push('\n');
    let script = script_name(d % scripts);
    let _ = writeln!(
        text,
        "Run the script from the repository root:\n\n```bash\nbash {base}/scripts/{script}\n```\n"
    );
    text.push_str("## Background\n\n");
    for p in 0..4 {
        let _ = writeln!(
            text,
            "Paragraph {p}: the service declares its dependencies in `{base}/package.json` and \
             keeps its schema under version control. Rollbacks follow the same path in reverse; the \
             on-call engineer confirms the smoke checks before closing the change.\n"
        );
    }
    if broken {
        let _ = writeln!(text, "See the [retired runbook]({up}old/retired-{d}.md).");
    }
    text
}

fn write_drizzle(w: &mut Writer, noise: &mut Noise, base: &str, files: usize, c: &mut Counters) {
    c.drizzle += 1;
    let orphan = c.drizzle.is_multiple_of(ORPHAN_SQL_EVERY);
    w.file(
        &format!("{base}/drizzle.config.ts"),
        "import { defineConfig } from \"drizzle-kit\";\n\nexport default defineConfig({\n  dialect: \"postgresql\",\n  schema: \"./src/db/schema.ts\",\n  out: \"./drizzle\",\n  dbCredentials: { url: process.env.DATABASE_URL! },\n});\n",
    );
    // The journal counts as one migration file; an orphan replaces one journaled SQL file.
    let sql_files = files.saturating_sub(1).max(1);
    let journaled = if orphan { sql_files - 1 } else { sql_files };
    let mut entries = Vec::new();
    for i in 0..journaled {
        let tag = format!("{i:04}_{}", migration_name(i));
        entries.push(format!(
            "    {{ \"idx\": {i}, \"version\": \"7\", \"when\": {}, \"tag\": \"{tag}\", \"breakpoints\": true }}",
            1_700_000_000_000u64 + i as u64 * 86_400_000
        ));
        w.file(
            &format!("{base}/drizzle/{tag}.sql"),
            &migration_sql(noise, i),
        );
    }
    if orphan {
        w.plant("migrations/journal-mismatch");
        w.file(
            &format!("{base}/drizzle/{journaled:04}_hotfix_unjournaled.sql"),
            &migration_sql(noise, journaled),
        );
    }
    w.file(
        &format!("{base}/drizzle/meta/_journal.json"),
        &format!(
            "{{\n  \"version\": \"7\",\n  \"dialect\": \"postgresql\",\n  \"entries\": [\n{}\n  ]\n}}\n",
            entries.join(",\n")
        ),
    );
}

fn write_prisma(w: &mut Writer, base: &str, files: usize) {
    w.file(
        &format!("{base}/prisma/schema.prisma"),
        "generator client {\n  provider = \"prisma-client-js\"\n}\n\ndatasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n\nmodel Account {\n  id        String   @id @default(cuid())\n  email     String   @unique\n  createdAt DateTime @default(now())\n}\n",
    );
    w.file(
        &format!("{base}/prisma/migrations/migration_lock.toml"),
        "provider = \"postgresql\"\n",
    );
    for i in 0..files.saturating_sub(1).max(1) {
        let dir = format!(
            "{base}/prisma/migrations/2025{:02}{:02}{:06}_{}",
            1 + (i / 28) % 12,
            1 + i % 28,
            i,
            migration_name(i)
        );
        w.file(
            &format!("{dir}/migration.sql"),
            &format!(
                "-- CreateTable\nCREATE TABLE \"t_{i}\" (\n    \"id\" TEXT NOT NULL,\n    \"createdAt\" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n    CONSTRAINT \"t_{i}_pkey\" PRIMARY KEY (\"id\")\n);\n"
            ),
        );
    }
}

fn write_knex(w: &mut Writer, base: &str, files: usize) {
    w.file(
        &format!("{base}/knexfile.js"),
        "module.exports = {\n  client: \"pg\",\n  connection: process.env.DATABASE_URL,\n  migrations: { directory: \"./migrations\" },\n};\n",
    );
    for i in 0..files.saturating_sub(1).max(1) {
        w.file(
            &format!("{base}/migrations/2025{:02}{:02}{:06}_{}.js", 1 + (i / 28) % 12, 1 + i % 28, i, migration_name(i)),
            &format!(
                "exports.up = (knex) =>\n  knex.schema.createTable(\"t_{i}\", (t) => {{\n    t.increments(\"id\");\n    t.timestamps(true, true);\n  }});\n\nexports.down = (knex) => knex.schema.dropTable(\"t_{i}\");\n"
            ),
        );
    }
}

fn migration_name(i: usize) -> &'static str {
    [
        "create_accounts",
        "add_email_index",
        "orders",
        "audit_log",
        "backfill_status",
        "drop_legacy",
    ][i % 6]
}

fn migration_sql(noise: &mut Noise, i: usize) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS \"t_{i}\" (\n  \"id\" serial PRIMARY KEY,\n  \"name\" text NOT NULL,\n  \"weight\" integer DEFAULT {}\n);\n--> statement-breakpoint\nCREATE INDEX IF NOT EXISTS \"t_{i}_name_idx\" ON \"t_{i}\" (\"name\");\n",
        noise.below(100)
    )
}

fn source_file(noise: &mut Noise, n: usize) -> String {
    let mut text = format!("// Generated module {n}.\nimport {{ z }} from \"zod\";\n\n");
    for f in 0..(3 + noise.below(6) as usize) {
        let _ = writeln!(
            text,
            "export const schema{f} = z.object({{ id: z.string(), count: z.number().int().min({f}) }});\n\nexport function handle{f}(input: unknown): number {{\n  const parsed = schema{f}.parse(input);\n  return parsed.count * {};\n}}\n",
            noise.below(1000)
        );
    }
    text
}
