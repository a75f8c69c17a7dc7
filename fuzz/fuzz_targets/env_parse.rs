//! Fuzz the env parser: any bytes that are UTF-8 parse without panicking, every span lies
//! inside the text, and the masked copy keeps the text's length in characters per line.
#![no_main]

use launchgate::facts::env::EnvFileKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parsed = launchgate::collect::env::parse_env_file("f.env", text, EnvFileKind::Contract, launchgate::source::dotenv::Dialect::Node, "fuzz");
    let lines = text.split('\n').count() as u32;
    for e in &parsed.file.entries {
        assert!(e.location.line >= 1 && e.location.end_line <= lines);
        assert!(e.value_location.end_line <= lines);
    }
    for err in &parsed.file.errors {
        assert!(err.location.line >= 1 && err.location.line <= lines);
    }
    let masked = parsed.masked_text.unwrap_or_default();
    assert_eq!(masked.split('\n').count(), text.split('\n').count());
});
