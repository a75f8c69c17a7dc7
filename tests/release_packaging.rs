//! Release packaging holds together: the archive names the release workflow publishes are the
//! ones `cargo binstall` and the action's installer look for, every version pin users copy
//! names the version in Cargo.toml, the CHANGELOG has the sections the release workflow
//! reads, and the Dockerfile builds with the declared minimum Rust, as a non-root user with
//! the tools the checks run. (hadolint lints the Dockerfile itself in `.ci/run`.)

use std::collections::BTreeSet;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const RUST_VERSION: &str = env!("CARGO_PKG_RUST_VERSION");

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn manifest() -> toml::Value {
    toml::from_str(&read("Cargo.toml")).expect("Cargo.toml parses")
}

/// The targets of the release workflow's build matrix.
fn release_targets() -> BTreeSet<String> {
    let re = regex::Regex::new(r"\{ target: ([a-z0-9_-]+), os: [a-z0-9.-]+ \}").expect("regex");
    re.captures_iter(&read(".github/workflows/release.yml"))
        .map(|c| c[1].to_string())
        .collect()
}

#[test]
fn the_release_builds_every_platform_the_issue_names() {
    let targets = release_targets();
    let expected: BTreeSet<String> = [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(targets, expected);
    let workflow = read(".github/workflows/release.yml");
    for needed in [
        "sha256sum launchgate-v\"$VERSION\"-* > SHA256SUMS",
        "echo \"$GITHUB_SHA\" > COMMIT",
        "actions/attest-build-provenance@",
        "CARGO_PROFILE_RELEASE_STRIP: symbols",
        "--locked",
    ] {
        assert!(workflow.contains(needed), "release.yml lacks {needed}");
    }
}

#[test]
fn binstall_and_the_action_look_for_the_archives_the_release_publishes() {
    let m = manifest();
    let binstall = &m["package"]["metadata"]["binstall"];
    let pkg_url = binstall["pkg-url"].as_str().expect("pkg-url");
    let bin_dir = binstall["bin-dir"].as_str().expect("bin-dir");
    let repo = m["package"]["repository"].as_str().expect("repository");
    let installer = read("scripts/action-install.sh");
    let workflow = read(".github/workflows/release.yml");
    assert!(workflow.contains("name=\"launchgate-v$VERSION-$TARGET\""));
    for target in release_targets() {
        let windows = target.contains("windows");
        let suffix = if windows { ".zip" } else { ".tar.gz" };
        let fmt = if windows {
            binstall["overrides"][&target]["pkg-fmt"].as_str()
        } else {
            binstall["pkg-fmt"].as_str()
        };
        assert_eq!(fmt, Some(if windows { "zip" } else { "tgz" }), "{target}");
        // binstall's template, filled in as binstall fills it.
        let url = pkg_url
            .replace("{ repo }", repo)
            .replace("{ version }", VERSION)
            .replace("{ name }", "launchgate")
            .replace("{ target }", &target)
            .replace("{ archive-suffix }", suffix);
        assert_eq!(
            url,
            format!("{repo}/releases/download/v{VERSION}/launchgate-v{VERSION}-{target}{suffix}")
        );
        let exe = if windows { ".exe" } else { "" };
        let dir = bin_dir
            .replace("{ name }", "launchgate")
            .replace("{ version }", VERSION)
            .replace("{ target }", &target)
            .replace("{ bin }", "launchgate")
            .replace("{ binary-ext }", exe);
        assert_eq!(
            dir,
            format!("launchgate-v{VERSION}-{target}/launchgate{exe}")
        );
    }
    // The installer names archives and folders the same way.
    assert!(installer.contains("name=\"launchgate-$tag-$target\""));
    assert!(installer.contains("\"$work/$name/launchgate$exe\""));
}

#[test]
fn every_version_pin_users_copy_names_this_version() {
    let pin = regex::Regex::new(
        r"(launchgate/launchgate@|rev: |LAUNCHGATE_VERSION: |--tag )v(\d+\.\d+\.\d+)",
    )
    .expect("regex");
    let mut pins = 0;
    for file in [
        "README.md",
        "docs/ci.md",
        ".github/workflows/launchgate.yml",
        "action.yml",
        "templates/gitlab-ci.yml",
    ] {
        for c in pin.captures_iter(&read(file)) {
            assert_eq!(&c[2], VERSION, "{file}: `{}` is not v{VERSION}", &c[0]);
            pins += 1;
        }
    }
    assert!(pins >= 4, "{pins}");
}

#[test]
fn the_changelog_has_the_sections_a_release_reads() {
    let changelog = read("CHANGELOG.md");
    assert!(changelog.contains("\n## [Unreleased]\n"));
    let section =
        regex::Regex::new(r"(?m)^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$").expect("regex");
    // Release sections run newest first, each version once, below Unreleased.
    let versions: Vec<Vec<u32>> = section
        .captures_iter(&changelog)
        .map(|c| c[1].split('.').filter_map(|n| n.parse().ok()).collect())
        .collect();
    assert!(
        versions.windows(2).all(|w| w[0] > w[1]),
        "CHANGELOG release sections out of order: {versions:?}"
    );
    if let Some(first) = section.find(&changelog) {
        assert!(changelog.find("## [Unreleased]") < Some(first.start()));
    }
    let workflow = read(".github/workflows/release.yml");
    assert!(workflow.contains(r#"grep -q "^## \[$version\] - " CHANGELOG.md"#));
}

#[test]
fn the_container_builds_with_the_minimum_rust_and_runs_as_a_user_with_git_and_bash() {
    let dockerfile = read("Dockerfile");
    let froms: Vec<&str> = dockerfile
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .collect();
    assert_eq!(
        froms.len(),
        2,
        "multi-stage: a build stage and a runtime stage"
    );
    assert!(
        froms[0].starts_with(&format!("FROM rust:{RUST_VERSION}-alpine")),
        "the builder is Rust {RUST_VERSION} (Cargo.toml rust-version): {}",
        froms[0]
    );
    let runtime = &dockerfile[dockerfile.rfind("\nFROM ").expect("runtime stage")..];
    let apk = runtime
        .lines()
        .find(|l| l.contains("apk add"))
        .expect("the runtime installs packages");
    for tool in ["bash", "git"] {
        assert!(apk.split_whitespace().any(|w| w == tool), "{apk}");
    }
    let user = runtime
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER line");
    assert!(
        user.trim().parse::<u32>().is_ok_and(|uid| uid >= 1000),
        "non-root numeric user: {user}"
    );
    assert!(runtime.contains("ENTRYPOINT [\"launchgate\"]"));
    assert!(runtime.contains("safe.directory"));
    let ignore = read(".dockerignore");
    for excluded in ["target/", ".git/"] {
        assert!(ignore.lines().any(|l| l == excluded), "{excluded}");
    }
}

#[test]
fn docs_ci_shows_the_gitlab_template_exactly_as_shipped() {
    let template = read("templates/gitlab-ci.yml");
    let docs = read("docs/ci.md");
    let start = docs
        .find("```yaml\n# launchgate in GitLab CI")
        .expect("docs/ci.md shows the template");
    let body = &docs[start + "```yaml\n".len()..];
    let end = body.find("```\n").expect("end of the block");
    assert_eq!(&body[..end], template);
}
