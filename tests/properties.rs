//! Property tests: the env parser and config loading never panic, and every span they report
//! lies inside the file and points at what it claims to.

use launchgate::facts::env::EnvFileKind;
use proptest::prelude::*;

/// Lines that look like env files, including broken ones.
fn env_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z_][A-Z0-9_]{0,8}=[a-zA-Z0-9 #$'\"\\\\(){}:/@.-]{0,20}",
        "export [A-Z_]{1,5}= ?[a-z0-9]{0,6}",
        "# ?[ -~]{0,20}",
        "[ -~]{0,30}",
        "[A-Z]{1,4}=\"[a-z\n]{0,10}\"?",
        Just(String::new()),
    ]
}

fn char_len_of_line(text: &str, line: u32) -> usize {
    text.split('\n')
        .nth(line as usize - 1)
        .map_or(0, |l| l.chars().count())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn env_parser_never_panics_and_spans_stay_inside(lines in prop::collection::vec(env_line(), 0..12), crlf in any::<bool>()) {
        let sep = if crlf { "\r\n" } else { "\n" };
        let text = lines.join(sep);
        let parsed = launchgate::collect::env::parse_env_file("p.env", &text, EnvFileKind::Env);
        let line_count = text.split('\n').count() as u32;
        for e in &parsed.file.entries {
            for l in [&e.location, &e.value_location] {
                prop_assert!(l.line >= 1 && l.end_line <= line_count, "{l:?} in {text:?}");
                prop_assert!(l.column as usize <= char_len_of_line(&text, l.line) + 1, "{l:?} in {text:?}");
            }
            // The key span covers exactly the key.
            let line = text.split('\n').nth(e.location.line as usize - 1).unwrap_or_default();
            let key: String = line.chars().skip(e.location.column as usize - 1).take((e.location.end_column - e.location.column) as usize).collect();
            prop_assert_eq!(&key, &e.key);
        }
        for err in &parsed.file.errors {
            prop_assert!(err.location.line >= 1 && err.location.line <= line_count);
        }
        // The masked copy keeps the layout: same number of lines, same line lengths in chars.
        let masked = parsed.masked_text.unwrap_or_default();
        prop_assert_eq!(masked.split('\n').count(), text.split('\n').count());
        for (a, b) in masked.split('\n').zip(text.split('\n')) {
            prop_assert_eq!(a.chars().count(), b.chars().count());
        }
    }

    #[test]
    fn config_loading_never_panics(text in "[ -~\n]{0,200}") {
        let _ = launchgate::config::parse("launchgate.toml", &text);
    }

    #[test]
    fn config_like_text_never_panics(
        key in prop_oneof![Just("exclude"), Just("[docs]\nlegacy-names"), Just("[probes]\ntolerance"), Just("[[env]]\nname"), Just("[rules]\n\"env/duplicate-key\"")],
        value in prop_oneof![Just("1".to_string()), Just("\"x\"".to_string()), Just("[1, \"a\"]".to_string()), Just("{ a = 1 }".to_string()), Just("true".to_string()), "[ -~]{0,12}"],
    ) {
        let _ = launchgate::config::parse("launchgate.toml", &format!("{key} = {value}\n"));
    }
}
