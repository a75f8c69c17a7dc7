//! Every `cutover/*` rule with a failing and a passing case.

mod common;
use common::{cutover_env, lint_errors, lint_ok, CUTOVER_CONTRACT, GOOD_CUTOVER};

const CONTRACT: &str = "scripts/db-migration/env/.env.db-migration.example";
const LOCAL: &str = "scripts/db-migration/env/.env.db-migration.local";

fn with_local(local: &str) -> Vec<(&'static str, String)> {
    vec![
        (CONTRACT, CUTOVER_CONTRACT.to_string()),
        (LOCAL, local.to_string()),
    ]
}

fn fails(rule: &str, local: &str) -> Vec<String> {
    let files = with_local(local);
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, c)| (*p, c.as_str())).collect();
    lint_errors(rule, &refs)
}

fn passes(rule: &str, local: &str) {
    let files = with_local(local);
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, c)| (*p, c.as_str())).collect();
    lint_ok(rule, &refs);
}

#[test]
fn env_file_missing_lists_every_key() {
    let got = lint_errors("cutover/env-file-missing", &[(CONTRACT, CUTOVER_CONTRACT)]);
    assert_eq!(got.len(), 1);
    for key in [
        "SRC_DB_URL",
        "TGT_DB_URL",
        "DATABASE_URL",
        "DATABASE_URL_DIRECT",
        "REQUIRE_DATABASE",
        "ROWCOUNT_TOLERANCE",
    ] {
        assert!(got[0].contains(key), "{key} not listed: {got:?}");
    }
    assert!(
        got[0].contains(&format!("{LOCAL} does not exist")),
        "{got:?}"
    );
    passes("cutover/env-file-missing", GOOD_CUTOVER);
}

#[test]
fn required_keys() {
    passes("cutover/required-keys", GOOD_CUTOVER);
    for key in [
        "SRC_DB_URL",
        "TGT_DB_URL",
        "DATABASE_URL",
        "DATABASE_URL_DIRECT",
    ] {
        let got = fails("cutover/required-keys", &cutover_env(key, ""));
        assert!(got[0].contains(&format!("{key} is missing")), "{got:?}");
    }
    let got = fails(
        "cutover/required-keys",
        &cutover_env("REQUIRE_DATABASE", "REQUIRE_DATABASE=false"),
    );
    assert!(got[0].contains("REQUIRE_DATABASE is `false`"), "{got:?}");
}

#[test]
fn db_url_must_be_postgres_with_host_and_database() {
    passes("cutover/db-url", GOOD_CUTOVER);
    let got = fails(
        "cutover/db-url",
        &cutover_env("SRC_DB_URL", "SRC_DB_URL=mysql://u:p@h:3306/db"),
    );
    assert!(got[0].contains("scheme `mysql`"), "{got:?}");
    let got = fails(
        "cutover/db-url",
        &cutover_env(
            "TGT_DB_URL",
            "TGT_DB_URL=postgresql://u:p@db.example.com:5432",
        ),
    );
    assert!(got[0].contains("TGT_DB_URL names no database"), "{got:?}");
    assert!(
        got[0].starts_with(&format!("cutover/db-url {LOCAL}:2:12:")),
        "{got:?}"
    );
}

#[test]
fn same_database_ignores_password_differences() {
    passes("cutover/same-database", GOOD_CUTOVER);
    let src = "SRC_DB_URL=postgresql://app:first-password@db.example.com:5432/credity";
    let local = cutover_env("SRC_DB_URL", src)
        .replace(
            "TGT_DB_URL=postgresql://postgres:Rt5Yu8Io2Pa6@db.abcdefghijklmnop.supabase.co:5432/postgres",
            "TGT_DB_URL=postgresql://app:second-password@DB.example.com/credity",
        );
    let got = fails("cutover/same-database", &local);
    assert!(
        got[0].contains("same database as SRC_DB_URL (db.example.com:5432/credity)"),
        "{got:?}"
    );
    assert!(
        !got[0].contains("password"),
        "no password in the message: {got:?}"
    );
}

#[test]
fn same_database_reads_a_host_list_as_several_hosts() {
    // libpq tries h1, then h2: a target that lists the source's host is the same database.
    let src = "SRC_DB_URL=postgresql://app:Zq8vLw2pNs4t@h1.internal:5432,h2.internal:5432/credity";
    let local = cutover_env("SRC_DB_URL", src).replace(
        "TGT_DB_URL=postgresql://postgres:Rt5Yu8Io2Pa6@db.abcdefghijklmnop.supabase.co:5432/postgres",
        "TGT_DB_URL=postgresql://app:Zq8vLw2pNs4t@h2.internal/credity",
    );
    let got = fails("cutover/same-database", &local);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].contains("h1.internal:5432,h2.internal:5432/credity"),
        "{got:?}"
    );
    // Before, `h1:5432,h2` was one host named `h1:5432,h2` and this pair passed.
}

#[test]
fn a_slash_in_a_password_is_never_printed() {
    // An unencoded `/` (base64 passwords have them) used to end the authority early, so the
    // message printed everything after it as the host.
    let password = "Kx9/Tq4mW2+zR7vB1nYp";
    let url = format!("postgresql://app:{password}@db.example.com:5432/credity");
    let local = cutover_env("SRC_DB_URL", &format!("SRC_DB_URL={url}")).replace(
        "TGT_DB_URL=postgresql://postgres:Rt5Yu8Io2Pa6@db.abcdefghijklmnop.supabase.co:5432/postgres",
        &format!("TGT_DB_URL={url}"),
    );
    let got = fails("cutover/same-database", &local);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains("(db.example.com:5432/credity)"), "{got:?}");
    for part in ["Tq4mW2", "zR7vB1nYp", "Kx9"] {
        assert!(
            !got[0].contains(part),
            "password part {part} printed: {got:?}"
        );
    }
}

#[test]
fn pooler_direct() {
    passes("cutover/pooler-direct", GOOD_CUTOVER);
    let pooled = "DATABASE_URL_DIRECT=postgresql://postgres:Rt5Yu8Io2Pa6@aws-0-eu-central-1.pooler.supabase.com:6543/postgres";
    let got = lint_errors_warning(&cutover_env("DATABASE_URL_DIRECT", pooled));
    assert!(
        got.iter()
            .any(|m| m.contains("DATABASE_URL_DIRECT points at a connection pooler")),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|m| m.contains("equals the pooled DATABASE_URL")),
        "{got:?}"
    );
}

fn lint_errors_warning(local: &str) -> Vec<String> {
    fails("cutover/pooler-direct", local)
}

#[test]
fn rowcount_tolerance_values() {
    for ok in ["25", "0.5%", "0"] {
        passes(
            "cutover/rowcount-tolerance",
            &cutover_env("ROWCOUNT_TOLERANCE", &format!("ROWCOUNT_TOLERANCE={ok}")),
        );
    }
    for bad in ["-1", "abc"] {
        let got = fails(
            "cutover/rowcount-tolerance",
            &cutover_env("ROWCOUNT_TOLERANCE", &format!("ROWCOUNT_TOLERANCE={bad}")),
        );
        assert!(
            got[0].contains(&format!("ROWCOUNT_TOLERANCE is `{bad}`")),
            "{got:?}"
        );
    }
}
