//! Every `launch/*` rule with a failing and a passing case.

mod common;
use common::{launch_env, lint_errors, lint_ok, GOOD_LAUNCH};

const FILE: &str = ".env.launch.local";

/// The contract declaring every key of the good launch env: key-specific launch rules apply
/// to keys the contract declares.
fn contract() -> String {
    GOOD_LAUNCH.iter().map(|(k, _)| format!("{k}=\n")).collect()
}

fn fails(rule: &str, changes: &[(&str, Option<&str>)]) -> Vec<String> {
    lint_errors(
        rule,
        &[
            (FILE, &launch_env(changes)),
            (".env.launch.example", &contract()),
        ],
    )
}

fn passes(rule: &str, changes: &[(&str, Option<&str>)]) {
    lint_ok(
        rule,
        &[
            (FILE, &launch_env(changes)),
            (".env.launch.example", &contract()),
        ],
    );
}

/// A production env of an app that has none of one application's keys: only what holds for
/// every production app is asked of it.
#[test]
fn an_unrelated_production_app_is_not_asked_for_one_apps_keys() {
    let env = "NODE_ENV=production\nDATABASE_URL=postgres://app:Vq7rT2mXk9pL4sWz@db.internal:5432/app\nLOG_LEVEL=error\n";
    for rule in [
        "launch/chain-rpc",
        "launch/relayer-key",
        "launch/registry-address",
        "launch/issuer-key",
        "launch/redis-url",
        "launch/sentry-dsn",
        "launch/jwt-secrets",
        "launch/require-database",
        "launch/require-queue",
        "launch/demo-routes",
        "launch/debug-off",
        "launch/node-env",
    ] {
        lint_ok(rule, &[(".env.production", env)]);
    }
    // What every production app needs still applies.
    let got = lint_errors(
        "launch/node-env",
        &[(".env.production", "NODE_ENV=development\n")],
    );
    assert_eq!(got.len(), 1, "{got:?}");
}

#[test]
fn debug_and_demo_switches_that_are_present_are_off() {
    let got = lint_errors(
        "launch/debug-off",
        &[(
            ".env.production",
            "NODE_ENV=production\nDEBUG=true\nAPP_DEBUG=1\nALLOW_DEMO_SIGNUP=yes\nSQL_DEBUG=false\n",
        )],
    );
    assert_eq!(
        got,
        [
            "launch/debug-off .env.production:2:7: DEBUG is on (true) in a launch set; set it to false",
            "launch/debug-off .env.production:3:11: APP_DEBUG is on (1) in a launch set; set it to false",
            "launch/debug-off .env.production:4:19: ALLOW_DEMO_SIGNUP is on (yes) in a launch set; set it to false",
        ]
    );
    // A demo switch present is checked without a contract; absent, it is not demanded.
    let got = lint_errors(
        "launch/demo-routes",
        &[(
            ".env.production",
            "NODE_ENV=production\nALLOW_DEMO_ROUTES=true\n",
        )],
    );
    assert_eq!(got.len(), 1, "{got:?}");
}

#[test]
fn setting_table_rules() {
    for (rule, key, good, bad) in [
        ("launch/node-env", "NODE_ENV", "production", "development"),
        ("launch/demo-routes", "ALLOW_DEMO_ROUTES", "false", "true"),
        (
            "launch/require-database",
            "REQUIRE_DATABASE",
            "true",
            "TRUE",
        ),
        ("launch/require-queue", "REQUIRE_QUEUE", "true", "false"),
    ] {
        passes(rule, &[(key, Some(good))]);
        let wrong = fails(rule, &[(key, Some(bad))]);
        assert_eq!(wrong.len(), 1, "{wrong:?}");
        assert!(wrong[0].contains(&format!("{key} is `{bad}`")), "{wrong:?}");
        let missing = fails(rule, &[(key, None)]);
        assert!(
            missing[0].contains("is missing from .env.launch.local"),
            "{missing:?}"
        );
    }
}

#[test]
fn issuer_key_says_missing_or_not_64_hex() {
    passes("launch/issuer-key", &[]);
    let missing = fails("launch/issuer-key", &[("ISSUER_KEY_ENCRYPTION", None)]);
    assert!(
        missing[0].ends_with("ISSUER_KEY_ENCRYPTION is missing from .env.launch.local"),
        "{missing:?}"
    );
    let short = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0";
    assert_eq!(short.len(), 63);
    let got = fails(
        "launch/issuer-key",
        &[("ISSUER_KEY_ENCRYPTION", Some(short))],
    );
    assert!(
        got[0].contains("is not 64 hex characters (it has 63 characters)"),
        "{got:?}"
    );
    let non_hex = "zz86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let got = fails(
        "launch/issuer-key",
        &[("ISSUER_KEY_ENCRYPTION", Some(non_hex))],
    );
    assert!(got[0].contains("non-hex"), "{got:?}");
    // The finding lands on the value, line 9 of the generated file.
    assert!(
        got[0].starts_with("launch/issuer-key .env.launch.local:9:23:"),
        "{got:?}"
    );
}

#[test]
fn jwt_secrets() {
    passes("launch/jwt-secrets", &[]);
    assert!(
        fails("launch/jwt-secrets", &[("JWT_SECRET", None)])[0].contains("JWT_SECRET is missing")
    );
    assert!(
        fails("launch/jwt-secrets", &[("JWT_SECRET", Some("changeme"))])[0].contains("placeholder")
    );
    assert!(fails(
        "launch/jwt-secrets",
        &[(
            "JWT_REFRESH_SECRET",
            Some("short-secret-31-chars-long-xxxx")
        )]
    )[0]
    .contains("31 characters; it needs at least 32"));
    let same = "Same5ecretSame5ecretSame5ecretSame5ecret";
    let got = fails(
        "launch/jwt-secrets",
        &[
            ("JWT_SECRET", Some(same)),
            ("JWT_REFRESH_SECRET", Some(same)),
        ],
    );
    assert!(
        got.iter()
            .any(|m| m.contains("JWT_REFRESH_SECRET equals JWT_SECRET")),
        "{got:?}"
    );
}

#[test]
fn redis_url() {
    passes(
        "launch/redis-url",
        &[("REDIS_URL", Some("redis://cache.internal:6379"))],
    );
    assert!(fails(
        "launch/redis-url",
        &[("REDIS_URL", Some("http://cache:6379"))]
    )[0]
    .contains("not a redis://"));
    assert!(fails("launch/redis-url", &[("REDIS_URL", None)])[0].contains("missing"));
}

#[test]
fn sentry_dsn_either_key() {
    // SENTRY_DSN absent but GATEWAY_SENTRY_DSN valid passes.
    passes(
        "launch/sentry-dsn",
        &[
            ("SENTRY_DSN", None),
            (
                "GATEWAY_SENTRY_DSN",
                Some("https://abc123@o1.ingest.sentry.io/42"),
            ),
        ],
    );
    assert!(fails("launch/sentry-dsn", &[("SENTRY_DSN", None)])[0]
        .contains("neither SENTRY_DSN nor GATEWAY_SENTRY_DSN"));
    assert!(fails(
        "launch/sentry-dsn",
        &[("SENTRY_DSN", Some("https://sentry.io/"))]
    )[0]
    .contains("no Sentry DSN is valid"));
}

#[test]
fn hex_keys() {
    passes("launch/relayer-key", &[]);
    passes("launch/registry-address", &[]);
    assert!(fails(
        "launch/relayer-key",
        &[(
            "RELAYER_PRIVATE_KEY",
            Some("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
        )]
    )[0]
    .contains("not 0x followed by 64 hex"));
    assert!(fails(
        "launch/registry-address",
        &[(
            "REGISTRY_CONTRACT_ADDRESS",
            Some("0x5FbDB2315678afecb367f032d93F642f64180aa")
        )]
    )[0]
    .contains("not 0x followed by 40 hex"));
    assert!(fails(
        "launch/registry-address",
        &[("REGISTRY_CONTRACT_ADDRESS", None)]
    )[0]
    .contains("missing"));
}

#[test]
fn chain_rpc_any_of_three() {
    passes(
        "launch/chain-rpc",
        &[
            ("SEPOLIA_RPC_URL", None),
            ("RPC_URL", Some("http://localhost:8545")),
        ],
    );
    assert!(fails("launch/chain-rpc", &[("SEPOLIA_RPC_URL", None)])[0]
        .contains("none of SEPOLIA_RPC_URL"));
    assert!(fails(
        "launch/chain-rpc",
        &[("SEPOLIA_RPC_URL", Some("wss://sepolia.example/ws"))]
    )[0]
    .contains("no chain RPC URL"));
}

#[test]
fn launch_rules_apply_only_to_launch_sets() {
    // The same bad values in a set whose name says nothing about launch: no launch findings.
    let dir = common::tree(&[(".env.local", "NODE_ENV=development\n")]);
    let outcome = common::run(dir.path());
    assert!(
        outcome
            .findings
            .iter()
            .all(|f| !f.rule.starts_with("launch/")),
        "{:?}",
        outcome.findings
    );
}
