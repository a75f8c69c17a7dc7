//! Fuzz config loading: any text gives a config or a diagnostic, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = launchgate::config::parse("launchgate.toml", text);
});
