//! Every `env/*` rule with a failing and a passing case.

mod common;
use common::{lint_errors, lint_ok, tree};

#[test]
fn parse_error_at_line_and_column() {
    let got = lint_errors(
        "env/parse-error",
        &[(".env", "GOOD=1\nBAD=two words\n'oops\n")],
    );
    // node dotenv (no project file says otherwise) reads `BAD=two words` as "two words" and
    // skips the line that is no assignment.
    assert_eq!(
        got,
        ["env/parse-error .env:3:1: node dotenv skips this line: it is not `KEY=value`"]
    );
    // python-dotenv rejects the unquoted-space line? No: it reads it too; a stray quote it
    // rejects, at the line.
    let got = lint_errors(
        "env/parse-error",
        &[
            ("pyproject.toml", "[project]\nname = \"api\"\n"),
            (".env", "GOOD=1\nBAD=\"open\nNEXT=2\n"),
        ],
    );
    assert_eq!(
        got,
        ["env/parse-error .env:2:1: python-dotenv cannot parse this line and skips it"]
    );
    lint_ok(
        "env/parse-error",
        &[(".env", "GOOD=1\nQUOTED=\"two words\"\n# comment\n")],
    );
}

#[test]
fn unreadable_env_file_is_a_parse_error() {
    let dir = tree(&[]);
    std::fs::write(dir.path().join(".env"), b"A=1\n\xff\xfe\n").expect("write");
    let outcome = common::run(dir.path());
    let got = common::rendered(&outcome, "env/parse-error");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].contains("not valid UTF-8 (first bad byte on line 2)"),
        "{got:?}"
    );
}

#[test]
fn duplicate_key_names_both_lines() {
    let got = lint_errors("env/duplicate-key", &[(".env", "A=1\nB=2\nA=3\n")]);
    assert_eq!(got, ["env/duplicate-key .env:3:1: A is set twice in .env (first on line 1); the two assignments can load differently"]);
    lint_ok("env/duplicate-key", &[(".env", "A=1\nB=2\n")]);
}

#[test]
fn contract_key_missing() {
    let got = lint_errors(
        "env/contract-key-missing",
        &[
            (".env.example", "A=\nB=\n# optional\nC=\n"),
            (".env", "A=1\n"),
        ],
    );
    assert_eq!(got, ["env/contract-key-missing .env.example:2:1: B is declared by .env.example but missing from .env"]);
    lint_ok(
        "env/contract-key-missing",
        &[(".env.example", "A=\nB= # optional\n"), (".env", "A=1\n")],
    );
    // Without an env file there is nothing to compare yet (a developer contract in CI).
    lint_ok("env/contract-key-missing", &[(".env.example", "A=\n")]);
}

#[test]
fn placeholder_values() {
    for (value, kind) in [
        ("changeme", "change-me marker"),
        ("<api-key>", "angle-bracket placeholder"),
        (
            "postgres://USER:PASSWORD@HOST:5432/db",
            "USER:PASSWORD@HOST template",
        ),
        ("TODO", "TODO marker"),
        ("xxxx", "xxx filler"),
        ("", "empty"),
    ] {
        let env = format!("API_KEY={value}\n");
        let got = lint_errors(
            "env/placeholder-value",
            &[(".env.example", "API_KEY=sample\n"), (".env", &env)],
        );
        assert!(got[0].contains(kind), "{value:?}: {got:?}");
    }
    // A credential equal to the contract's sample is unset.
    let got = lint_errors(
        "env/placeholder-value",
        &[
            (".env.example", "API_TOKEN=tok_sample_123\n"),
            (".env", "API_TOKEN=tok_sample_123\n"),
        ],
    );
    assert!(
        got[0].contains("identical to the contract's sample value"),
        "{got:?}"
    );
    lint_ok(
        "env/placeholder-value",
        &[
            (".env.example", "API_TOKEN=tok_sample_123\nLOG_LEVEL=info\n"),
            (".env", "API_TOKEN=tok_live_9f8e7d\nLOG_LEVEL=info\n"),
        ],
    );
}

#[test]
fn shell_unsafe_values() {
    let got = lint_errors("env/shell-unsafe-value", &[(".env", "GREETING= hello\n")]);
    assert!(got[0].contains("runs `hello` as a command"), "{got:?}");
    let got = lint_errors("env/shell-unsafe-value", &[(".env", "TOKEN= abc123\n")]);
    assert!(got[0].contains("does not read TOKEN"), "{got:?}");
    assert!(
        !got[0].contains("abc123") && !got[0].contains("redacted"),
        "{got:?}"
    );
    // An escaped space: node dotenv keeps the backslash, the shell drops it.
    let got = lint_errors(
        "env/shell-unsafe-value",
        &[(".env", "GREETING=hello\\ world\n")],
    );
    assert_eq!(
        got,
        ["env/shell-unsafe-value .env:1:10: a sourcing shell reads GREETING as `hello world` while node dotenv reads `hello\\ world`"]
    );
    let got = lint_errors(
        "env/shell-unsafe-value",
        &[(".env", "USER_NAME=$(whoami)\n")],
    );
    assert!(got[0].contains("does not read USER_NAME"), "{got:?}");
    // A secret's value never reaches the message.
    let got = lint_errors(
        "env/shell-unsafe-value",
        &[(".env", "API_TOKEN=\"ab\\ncd-9f8e7d6c5b4a\"\n")],
    );
    assert!(got[0].contains("characters against"), "{got:?}");
    assert!(!got[0].contains("9f8e7d"), "{got:?}");
    let got = lint_errors("env/shell-unsafe-value", &[(".env", "A=1\r\nB=2\r\n")]);
    assert!(got[0].contains("CRLF"), "{got:?}");
    lint_ok(
        "env/shell-unsafe-value",
        &[(".env", "GREETING='hello world'\nPLAIN=abc\nEMPTY=\n")],
    );
}

#[test]
fn local_layer_overrides_base_file() {
    // `.env.launch.local` wins over `.env.launch`: the launch rule sees production.
    lint_ok(
        "launch/node-env",
        &[
            (".env.launch", "NODE_ENV=development\n"),
            (".env.launch.local", "NODE_ENV=production\n"),
        ],
    );
}

/// A contract with each decorator: types are checked at the value, `@sensitive` makes a
/// plain-looking value a secret, `@optional` lets a key be absent.
#[test]
fn contract_decorators_type_and_mark_keys() {
    let contract = "\
# @required @type=url
API_URL=
# @type=port
PORT=
# @type=email
ADMIN_EMAIL=
# @type=boolean
FEATURE_X=
# @type=number(min=1, max=10)
WORKERS=
# @type=enum(debug, info, warn, error)
LOG_LEVEL=
# @type=string(startsWith=pk_, minLength=8)
PUBLIC_KEY=
# @sensitive
WEBHOOK_NAME=
# @optional
EXTRA=
";
    let bad = "API_URL=not-a-url\nPORT=70000\nADMIN_EMAIL=admin\nFEATURE_X=maybe\nWORKERS=12\nLOG_LEVEL=verbose\nPUBLIC_KEY=sk_1\nWEBHOOK_NAME=plainword\n";
    let got = lint_errors(
        "env/type-mismatch",
        &[(".env.schema", contract), (".env", bad)],
    );
    assert_eq!(
        got,
        [
            "env/type-mismatch .env:1:9: API_URL in .env is not a URL (scheme://host...) (the contract says @type=url)",
            "env/type-mismatch .env:2:6: PORT in .env is not a port (1-65535) (the contract says @type=port)",
            "env/type-mismatch .env:3:13: ADMIN_EMAIL in .env is not an email address (the contract says @type=email)",
            "env/type-mismatch .env:4:11: FEATURE_X in .env is not a boolean (the contract says @type=boolean)",
            "env/type-mismatch .env:5:9: WORKERS in .env is above the maximum 10 (the contract says @type=number(min=1, max=10))",
            "env/type-mismatch .env:6:11: LOG_LEVEL in .env is not one of debug, info, warn, error (the contract says @type=enum(debug, info, warn, error))",
            "env/type-mismatch .env:7:12: PUBLIC_KEY in .env does not start with `pk_` (the contract says @type=string(startsWith=pk_, minLength=8))",
        ]
    );
    let good = "API_URL=https://api.example.com\nPORT=8080\nADMIN_EMAIL=ops@example.com\nFEATURE_X=true\nWORKERS=4\nLOG_LEVEL=error\nPUBLIC_KEY=pk_live_abcdef\nWEBHOOK_NAME=plainword\n";
    lint_ok(
        "env/type-mismatch",
        &[(".env.schema", contract), (".env", good)],
    );
    // `@optional` EXTRA may be absent; nothing else is missing.
    lint_ok(
        "env/contract-key-missing",
        &[(".env.schema", contract), (".env", good)],
    );
    // `@sensitive`: the plain word is a secret, so `facts` redacts it.
    let dir = tree(&[(".env.schema", contract), (".env", good)]);
    let outcome = common::run(dir.path());
    let var = &outcome.facts.env.sets[0].vars["WEBHOOK_NAME"];
    assert!(var.secret, "{var:?}");
    assert_eq!(
        var.secret_reason.as_deref(),
        Some("the contract marks it @sensitive")
    );
    let redacted = outcome.facts.redacted();
    assert_eq!(
        redacted.env.sets[0].vars["WEBHOOK_NAME"].value,
        "[redacted]"
    );
    assert_eq!(redacted.env.sets[0].vars["LOG_LEVEL"].value, "error");
}

#[test]
fn references_unresolved_and_malformed() {
    let got = lint_errors(
        "env/unresolved-reference",
        &[(".env", "DB_HOST=db\nURL=postgres://$DB_HOST/${DB_NAME}\n")],
    );
    assert_eq!(got, ["env/unresolved-reference .env:2:5: URL refers to DB_NAME, which nothing in .env sets: node substitutes an empty string"]);
    let got = lint_errors(
        "env/malformed-reference",
        &[(".env", "A=${BAR!}\nB=x$BAR}\n")],
    );
    assert_eq!(
        got,
        [
            "env/malformed-reference .env:1:3: A has a malformed reference ${BAR!}",
            "env/malformed-reference .env:2:3: B has a malformed reference $BAR}",
        ]
    );
    lint_ok("env/unresolved-reference", &[(".env", "A=1\nB=${A:-x}\n")]);
}

/// `.env.local` refers to a key of `.env` below it: the loader has it, so it resolves.
#[test]
fn references_resolve_against_the_layers_below() {
    lint_ok(
        "env/unresolved-reference",
        &[
            (".env", "DB_HOST=db.internal\n"),
            (
                ".env.local",
                "DATABASE_URL=postgres://app@${DB_HOST}:5432/app\n",
            ),
        ],
    );
    let dir = tree(&[
        (".env", "DB_HOST=db.internal\n"),
        (
            ".env.local",
            "DATABASE_URL=postgres://app@${DB_HOST}:5432/app\n",
        ),
    ]);
    let outcome = common::run(dir.path());
    let set = &outcome.facts.env.sets[0];
    assert_eq!(
        set.vars["DATABASE_URL"].value,
        "postgres://app@db.internal:5432/app"
    );
}

/// Quotes don't make a setting a secret (`PORT="9999"` was once "built from a secret" because
/// the quoted text differed from the value); a value that substitutes a secret still is one.
#[test]
fn quoted_settings_are_shown_and_values_built_from_secrets_are_not() {
    let dir = tree(&[(
        ".env",
        concat!(
            "PORT=\"9999\"\n",
            "API_EXTERNAL_URL=\"http://localhost:9999\"\n",
            "DB_HOST=db.internal\n",
            "DB_PASSWORD=Vq8rT2mXw9LzK4nB\n",
            "DATABASE_URL=\"postgres://app:${DB_PASSWORD}@${DB_HOST}/app\"\n",
            "HOST_URL=\"http://${DB_HOST}:9999\"\n",
        ),
    )]);
    let outcome = common::run(dir.path());
    let file = &outcome.facts.env.files[0];
    let secret = |key: &str| {
        let e = file.entries.iter().find(|e| e.key == key).expect(key);
        (e.secret, e.secret_reason.clone())
    };
    assert_eq!(secret("PORT"), (false, None));
    assert_eq!(secret("API_EXTERNAL_URL"), (false, None));
    assert_eq!(secret("HOST_URL"), (false, None));
    assert_eq!(
        secret("DB_PASSWORD"),
        (true, Some("its key names a secret".into()))
    );
    assert!(secret("DATABASE_URL").0);
}
