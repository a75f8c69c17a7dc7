//! Fuzz the whole static check on one input written as a markdown document, a drizzle journal
//! and an env file in a temporary repository: findings or facts, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let root = dir.path();
    let svc = root.join("svc");
    if std::fs::create_dir_all(svc.join("drizzle/meta")).is_err() {
        return;
    }
    let files: [(&std::path::Path, &[u8]); 5] = [
        (&root.join("RUNBOOK.md"), data),
        (&svc.join("drizzle/meta/_journal.json"), data),
        (&svc.join("package.json"), br#"{"name":"svc","dependencies":{"drizzle-orm":"0.30.0","pg":"8"}}"#),
        (&svc.join("drizzle.config.ts"), b"export default { out: './drizzle' };\n"),
        (&root.join(".env"), data),
    ];
    for (path, content) in files {
        if std::fs::write(path, content).is_err() {
            return;
        }
    }
    let opts = launchgate::check::CheckOptions { root: root.to_path_buf(), ..Default::default() };
    let _ = launchgate::check::run(&opts);
});
