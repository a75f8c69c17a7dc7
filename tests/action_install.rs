//! The composite action's installer (`scripts/action-install.sh`) against a local folder
//! standing in for a GitHub release (`file://`): a tagged ref downloads the archive for this
//! machine and checks its SHA-256, a second run uses the cached binary, a tampered archive
//! is refused, a commit SHA is a release only when the release says it was built from it,
//! and an unreleased ref falls back to `cargo install --locked` of the action's source (a
//! small crate standing in for it, so the test does not spend minutes compiling).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

/// The release target triple of this machine, as the release workflow names archives.
fn target() -> String {
    let arch = std::env::consts::ARCH;
    let os = match std::env::consts::OS {
        "linux" => "unknown-linux-musl",
        "macos" => "apple-darwin",
        other => panic!("no release target for {other}"),
    };
    format!("{arch}-{os}")
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A release folder `DIR/vVERSION/` as the release workflow publishes it: the archive (holding
/// the real launchgate binary), SHA256SUMS and COMMIT. `tamper` corrupts the archive after
/// its checksum was written.
fn release(dir: &Path, tamper: bool) -> PathBuf {
    let tag = format!("v{VERSION}");
    let name = format!("launchgate-{tag}-{}", target());
    let stage = dir.join("stage").join(&name);
    std::fs::create_dir_all(&stage).expect("stage");
    std::fs::copy(env!("CARGO_BIN_EXE_launchgate"), stage.join("launchgate")).expect("binary");
    let out = dir.join("release").join(&tag);
    std::fs::create_dir_all(&out).expect("release dir");
    let archive = out.join(format!("{name}.tar.gz"));
    // gzip -1: the archive's compression level does not matter to the installer, the time does.
    let status = Command::new("tar")
        .args(["--use-compress-program", "gzip -1", "-cf"])
        .arg(&archive)
        .arg("-C")
        .arg(dir.join("stage"))
        .arg(&name)
        .status()
        .expect("tar runs");
    assert!(status.success());
    let bytes = std::fs::read(&archive).expect("archive");
    std::fs::write(
        out.join("SHA256SUMS"),
        format!("{}  {name}.tar.gz\n", sha256_hex(&bytes)),
    )
    .expect("sums");
    std::fs::write(out.join("COMMIT"), format!("{COMMIT}\n")).expect("commit");
    if tamper {
        let mut bytes = bytes;
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&archive, bytes).expect("tamper");
    }
    dir.join("release")
}

fn install(release: &Path, install_dir: &Path, action_ref: &str) -> Output {
    install_from(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        release,
        install_dir,
        action_ref,
    )
}

fn install_from(action: &Path, release: &Path, install_dir: &Path, action_ref: &str) -> Output {
    Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action-install.sh"))
        .env("ACTION_PATH", action)
        .env("ACTION_REF", action_ref)
        .env("INSTALL_DIR", install_dir)
        .env("RELEASE_BASE", format!("file://{}", release.display()))
        .env("CARGO_INSTALL_ARGS", "--offline")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("bash runs")
}

/// An action checkout for the source fallback: a crate named launchgate at this version
/// whose binary says so. Building the real one costs minutes of a shared CI machine; what the
/// test checks is that an unreleased ref runs `cargo install` of the action's own source.
fn action_source(dir: &Path) -> PathBuf {
    let src = dir.join("action");
    std::fs::create_dir_all(src.join("src")).expect("action src");
    std::fs::write(
        src.join("Cargo.toml"),
        format!("[package]\nname = \"launchgate\"\nversion = \"{VERSION}\"\nedition = \"2021\"\n\n[workspace]\n"),
    )
    .expect("manifest");
    std::fs::write(
        src.join("src/main.rs"),
        "fn main() { println!(\"launchgate {}\", env!(\"CARGO_PKG_VERSION\")); }\n",
    )
    .expect("main");
    let status = Command::new("cargo")
        .args(["generate-lockfile", "--offline"])
        .current_dir(&src)
        .status()
        .expect("cargo runs");
    assert!(status.success());
    src
}

fn mode(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "install failed:\n{stdout}\n{stderr}");
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("mode="))
        .unwrap_or_else(|| panic!("no mode= line:\n{stdout}\n{stderr}"))
        .to_string()
}

fn installed_version(install_dir: &Path) -> String {
    let out = Command::new(install_dir.join("bin").join("launchgate"))
        .arg("--version")
        .output()
        .expect("the installed binary runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn a_release_tag_downloads_checks_and_then_uses_the_cache() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rel = release(dir.path(), false);
    let bin = dir.path().join("bin-cache");
    let first = install(&rel, &bin, &format!("v{VERSION}"));
    assert_eq!(mode(&first), "release");
    assert!(
        String::from_utf8_lossy(&first.stderr).contains("SHA-256 verified"),
        "{first:?}"
    );
    assert_eq!(installed_version(&bin), format!("launchgate {VERSION}"));
    // What actions/cache restores on the next run: no download at all.
    std::fs::remove_dir_all(&rel).expect("release gone");
    assert_eq!(mode(&install(&rel, &bin, &format!("v{VERSION}"))), "cached");
    // A moving major tag names a release too.
    let other = dir.path().join("other");
    let rel = release(&dir.path().join("again"), false);
    assert_eq!(mode(&install(&rel, &other, "v0")), "release");
}

#[test]
fn a_checksum_mismatch_is_refused_and_installs_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rel = release(dir.path(), true);
    let bin = dir.path().join("bin-cache");
    let out = install(&rel, &bin, &format!("v{VERSION}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("checksum mismatch"), "{stderr}");
    assert!(!bin.join("bin").join("launchgate").exists());
    // A release whose SHA256SUMS lacks the archive is refused the same way.
    let dir = tempfile::tempdir().expect("temp dir");
    let rel = release(dir.path(), false);
    std::fs::write(rel.join(format!("v{VERSION}")).join("SHA256SUMS"), "").expect("sums");
    let out = install(&rel, &bin, &format!("v{VERSION}"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no line for"));
}

#[test]
fn a_commit_is_a_release_only_when_the_release_was_built_from_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rel = release(dir.path(), false);
    let bin = dir.path().join("by-sha");
    assert_eq!(mode(&install(&rel, &bin, COMMIT)), "release");
    assert_eq!(installed_version(&bin), format!("launchgate {VERSION}"));
}

#[test]
fn an_unreleased_ref_builds_the_action_source_with_cargo() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A release exists, but neither another commit nor a branch is that release. One install
    // folder for the three runs (the action keeps one per ref; a commit's build is cached, so
    // it goes first).
    let rel = release(dir.path(), false);
    let action = action_source(dir.path());
    let bin = dir.path().join("from-source");
    for r in ["fedcba9876543210fedcba9876543210fedcba98", "main", "main"] {
        let out = install_from(&action, &rel, &bin, r);
        // A branch moves: its binary is never taken from the cache, even the second time.
        assert_eq!(mode(&out), "source", "{r}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("is not a release"),
            "{out:?}"
        );
        assert_eq!(installed_version(&bin), format!("launchgate {VERSION}"));
    }
}
