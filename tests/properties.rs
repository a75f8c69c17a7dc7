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
        let parsed = launchgate::collect::env::parse_env_file("p.env", &text, EnvFileKind::Env, launchgate::source::dotenv::Dialect::Node, "test");
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

// ---------------------------------------------------------------------------------------
// Shared: locations against the text they claim to point into.

/// True when `l` lies inside `text`: lines exist, columns (in chars, 1-based, end exclusive)
/// stay within their line (one past its end at most), and the span does not run backwards.
fn inside(text: &str, l: &launchgate::facts::Location) -> bool {
    let lines: Vec<&str> = text.split('\n').collect();
    let width = |line: u32| lines.get(line as usize - 1).map(|l| l.chars().count());
    l.line >= 1
        && l.end_line >= 1
        && (l.line, l.column) <= (l.end_line, l.end_column)
        && l.column >= 1
        && width(l.line).is_some_and(|w| l.column as usize <= w + 1)
        && width(l.end_line).is_some_and(|w| l.end_column as usize <= w + 1)
}

/// The text a location covers (`None` when it is not inside `text`).
fn covered(text: &str, l: &launchgate::facts::Location) -> Option<String> {
    if !inside(text, l) {
        return None;
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = String::new();
    for line in l.line..=l.end_line {
        let chars: Vec<char> = lines[line as usize - 1].chars().collect();
        let from = if line == l.line {
            l.column as usize - 1
        } else {
            0
        };
        let to = if line == l.end_line {
            l.end_column as usize - 1
        } else {
            chars.len()
        };
        out.extend(&chars[from..to]);
        if line != l.end_line {
            out.push('\n');
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------
// Markdown extraction (the docs collector's scan of one document).

mod markdown {
    use super::*;
    use launchgate::collect::docs::{scan_document, LegacyNames, Repository};
    use launchgate::facts::docs::{Document, PathContext};
    use std::sync::OnceLock;

    /// The repository the documents are scanned in: `docs/guide.md` is the document.
    pub fn repository() -> &'static std::path::Path {
        static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
        DIR.get_or_init(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            for file in ["scripts/run.sh", "docs/img/logo.png", "docs/setup.md"] {
                let path = dir.path().join(file);
                std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                std::fs::write(path, "x\n").expect("write");
            }
            dir
        })
        .path()
    }

    pub fn scan(text: &str) -> Document {
        let repository = Repository::new(repository(), globset::GlobSet::empty());
        scan_document(
            "docs/guide.md",
            text,
            &repository,
            &LegacyNames::new(&["credity".to_string()]),
        )
    }

    /// Link destinations written in `docs/guide.md`: (as written, the repository path it
    /// names, whether that exists).
    pub const LINKS: &[(&str, &str, bool)] = &[
        ("../scripts/run.sh", "scripts/run.sh", true),
        ("img/logo.png", "docs/img/logo.png", true),
        ("./setup.md", "docs/setup.md", true),
        ("setup.md#step-2", "docs/setup.md", true),
        ("/scripts/run.sh", "scripts/run.sh", true),
        ("../missing.md", "missing.md", false),
        ("nothere/x.md", "docs/nothere/x.md", false),
    ];

    /// Paths in inline code (resolved from the repository root): (token, exists).
    pub const CODE: &[(&str, bool)] = &[("scripts/run.sh", true), ("scripts/gone.sh", false)];

    #[derive(Debug, Clone)]
    pub enum Inline {
        Word(String),
        Link(String, usize),
        Code(usize),
        /// The legacy name in some letter case.
        Legacy(String),
        /// A word that contains the legacy name but is not it (`credity12`).
        NotLegacy(String),
    }

    #[derive(Debug, Clone)]
    pub enum Block {
        Heading(usize, Vec<String>),
        Paragraph(Vec<Inline>),
        Checklist(Vec<(bool, Vec<String>)>),
    }

    fn word() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9]{0,7}"
    }

    fn inline() -> impl Strategy<Value = Inline> {
        prop_oneof![
            4 => word().prop_map(Inline::Word),
            2 => (word(), 0..LINKS.len()).prop_map(|(l, i)| Inline::Link(l, i)),
            1 => (0..CODE.len()).prop_map(Inline::Code),
            1 => prop_oneof![Just("credity"), Just("Credity"), Just("CREDITY")].prop_map(|s| Inline::Legacy(s.to_string())),
            1 => prop_oneof![Just("credity12"), Just("xcredity"), Just("credity_v2")].prop_map(|s| Inline::NotLegacy(s.to_string())),
        ]
    }

    pub fn block() -> impl Strategy<Value = Block> {
        prop_oneof![
            (1usize..4, prop::collection::vec(word(), 1..4))
                .prop_map(|(l, w)| Block::Heading(l, w)),
            prop::collection::vec(inline(), 1..8).prop_map(Block::Paragraph),
            prop::collection::vec((any::<bool>(), prop::collection::vec(word(), 1..4)), 1..4)
                .prop_map(Block::Checklist),
        ]
    }

    /// What the printed document must yield, each with its 1-based line and column.
    #[derive(Default, Debug)]
    pub struct Expected {
        pub title: Option<(String, u32)>,
        pub links: Vec<(usize, u32, u32)>,
        pub code: Vec<(usize, u32, u32)>,
        pub legacy: Vec<(String, u32, u32)>,
        pub items: Vec<(bool, String, u32)>,
    }

    /// Print blocks as markdown (blank line between blocks, `\n` or `\r\n` line ends) and
    /// record what each element is.
    pub fn print(blocks: &[Block], crlf: bool) -> (String, Expected) {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        let mut expected = Expected::default();
        let mut line = 1u32;
        for block in blocks {
            match block {
                Block::Heading(level, words) => {
                    let title = words.join(" ");
                    if expected.title.is_none() {
                        expected.title = Some((title.clone(), line));
                    }
                    text.push_str(&format!("{} {title}{nl}", "#".repeat(*level)));
                    line += 1;
                }
                Block::Paragraph(inlines) => {
                    let mut out = String::new();
                    let column = |out: &String| out.chars().count() as u32 + 1;
                    for (i, inline) in inlines.iter().enumerate() {
                        if i > 0 {
                            out.push(' ');
                        }
                        match inline {
                            Inline::Word(w) | Inline::NotLegacy(w) => out.push_str(w),
                            Inline::Legacy(w) => {
                                expected.legacy.push((w.clone(), line, column(&out)));
                                out.push_str(w);
                            }
                            Inline::Link(label, target) => {
                                out.push_str(&format!("[{label}]("));
                                expected.links.push((*target, line, column(&out)));
                                out.push_str(LINKS[*target].0);
                                out.push(')');
                            }
                            Inline::Code(token) => {
                                out.push('`');
                                expected.code.push((*token, line, column(&out)));
                                out.push_str(CODE[*token].0);
                                out.push('`');
                            }
                        }
                    }
                    text.push_str(&out);
                    text.push_str(nl);
                    line += 1;
                }
                Block::Checklist(items) => {
                    for (checked, words) in items {
                        let item = words.join(" ");
                        text.push_str(&format!(
                            "- [{}] {item}{nl}",
                            if *checked { "x" } else { " " }
                        ));
                        expected.items.push((*checked, item, line));
                        line += 1;
                    }
                }
            }
            text.push_str(nl);
            line += 1;
        }
        (text, expected)
    }

    /// Every span a document reports.
    pub fn spans(doc: &Document) -> Vec<&launchgate::facts::Location> {
        doc.paths
            .iter()
            .map(|p| &p.location)
            .chain(doc.urls.iter().map(|u| &u.location))
            .chain(doc.legacy_names.iter().map(|m| &m.location))
            .chain(doc.machine_local_paths.iter().map(|m| &m.location))
            .chain(doc.checklist_items.iter().map(|i| &i.location))
            .chain(doc.title_location.iter())
            .collect()
    }

    pub fn context_is(p: &launchgate::facts::docs::PathRef, c: PathContext) -> bool {
        p.context == c
    }
}

/// Markdown-shaped text: fragments that open and close constructs, in any order.
fn markdownish() -> impl Strategy<Value = String> {
    const FRAGMENTS: &[&str] = &[
        "# ",
        "## ",
        "\n",
        "\r\n",
        "- [ ] ",
        "- [x] ",
        "* ",
        "1. ",
        "> ",
        "```bash\n",
        "```\n",
        "~~~\n",
        "    ",
        "`",
        "[",
        "]",
        "(",
        ")",
        "](",
        "[r]: ",
        "<",
        ">",
        "<a href=\"x.md\">",
        "![i](",
        "../scripts/run.sh",
        "/home/zoë/x",
        "credity",
        "é",
        "🚀",
        "|",
        "---\n",
        "$(",
        "cd docs\n",
        "\\",
    ];
    let fragment = prop_oneof![
        prop::sample::select(FRAGMENTS).prop_map(str::to_string),
        "[a-z ]{1,6}",
    ];
    prop::collection::vec(fragment, 0..40).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn markdown_scan_never_panics_and_spans_stay_inside(text in prop_oneof![markdownish(), any::<String>()]) {
        let doc = markdown::scan(&text);
        for span in markdown::spans(&doc) {
            prop_assert!(inside(&text, span), "{span:?} outside {text:?}");
        }
    }

    #[test]
    fn markdown_printed_from_parts_yields_those_parts_at_their_places(blocks in prop::collection::vec(markdown::block(), 0..8), crlf in any::<bool>()) {
        use launchgate::facts::docs::PathContext;
        let (text, expected) = markdown::print(&blocks, crlf);
        let doc = markdown::scan(&text);
        prop_assert!(doc.read_error.is_none());
        // The first heading is the title, at its line.
        prop_assert_eq!(
            doc.title.clone().zip(doc.title_location.as_ref().map(|l| l.line)),
            expected.title.clone()
        );
        // Every link: one path fact, exactly at the destination as written, resolved from the
        // document's folder, existing exactly when the file does.
        let links: Vec<_> = doc.paths.iter().filter(|p| markdown::context_is(p, PathContext::Link)).collect();
        prop_assert_eq!(links.len(), expected.links.len(), "{:#?}\n{}", links, text);
        for (found, (target, line, column)) in links.iter().zip(&expected.links) {
            let (written, path, exists) = markdown::LINKS[*target];
            prop_assert_eq!(found.text.as_str(), written);
            prop_assert_eq!((found.location.line, found.location.column), (*line, *column));
            prop_assert_eq!(covered(&text, &found.location), Some(written.to_string()));
            prop_assert_eq!(found.exists, exists, "{:?}", found);
            if exists {
                prop_assert_eq!(found.resolved.as_deref(), Some(path));
            }
        }
        let code: Vec<_> = doc.paths.iter().filter(|p| markdown::context_is(p, PathContext::InlineCode)).collect();
        prop_assert_eq!(code.len(), expected.code.len(), "{:#?}\n{}", code, text);
        for (found, (token, line, column)) in code.iter().zip(&expected.code) {
            let (written, exists) = markdown::CODE[*token];
            prop_assert_eq!((found.location.line, found.location.column), (*line, *column));
            prop_assert_eq!(covered(&text, &found.location), Some(written.to_string()));
            prop_assert_eq!(found.exists, exists);
        }
        // The legacy name as a whole word, in any case; never inside a longer word.
        let legacy: Vec<(String, u32, u32)> = doc.legacy_names.iter()
            .map(|m| (m.text.clone(), m.location.line, m.location.column)).collect();
        prop_assert_eq!(&legacy, &expected.legacy, "{}", text);
        for m in &doc.legacy_names {
            prop_assert_eq!(covered(&text, &m.location), Some(m.text.clone()));
        }
        // Task items: state, text and line; the span starts at the `[` marker.
        let items: Vec<(bool, String, u32)> = doc.checklist_items.iter()
            .map(|i| (i.checked, i.text.clone(), i.location.line)).collect();
        prop_assert_eq!(&items, &expected.items, "{}", text);
        for item in &doc.checklist_items {
            prop_assert!(covered(&text, &item.location).is_some_and(|c| c.starts_with('[')), "{:?}", item.location);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Migration histories: the drizzle journal and the other formats read from text.

mod journal {
    use super::*;

    pub const DIR: &str = "svc/drizzle";

    /// One journal entry as a generator describes it.
    #[derive(Debug, Clone)]
    pub struct Entry {
        pub tag: Option<String>,
        pub idx: Option<i64>,
        pub when: Option<i64>,
        /// Other members drizzle or a hand edit might add, some holding a `tag` of their own.
        pub extra: Vec<(String, serde_json::Value)>,
    }

    fn value() -> impl Strategy<Value = serde_json::Value> {
        prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i32>().prop_map(|n| serde_json::json!(n)),
            "[ -~é\"\\\\]{0,8}".prop_map(serde_json::Value::String),
            "[a-z_]{1,6}".prop_map(|t| serde_json::json!({ "tag": t })),
            "[a-z_]{1,6}".prop_map(|t| serde_json::json!([{ "tag": t }])),
            Just(serde_json::json!("\"tag\": \"decoy\"")),
        ]
    }

    pub fn entry() -> impl Strategy<Value = Entry> {
        (
            prop::option::weighted(0.9, "[0-9]{4}_[a-z_é\"\\\\ ]{1,12}"),
            prop::option::weighted(0.9, 0i64..20),
            prop::option::weighted(0.9, 1_600_000_000_000i64..1_800_000_000_000),
            prop::collection::vec(("(breakpoints|version|meta|note)", value()), 0..3),
        )
            .prop_map(|(tag, idx, when, extra)| Entry {
                tag,
                idx,
                when,
                extra,
            })
    }

    /// The journal as drizzle-kit writes it (pretty, 2 spaces; or compact), extras included.
    pub fn print(entries: &[Entry], pretty: bool, top_tag: bool) -> String {
        let mut map = serde_json::Map::new();
        map.insert("version".into(), "7".into());
        map.insert("dialect".into(), "postgresql".into());
        if top_tag {
            // A `tag` member before `entries` that is no entry's.
            map.insert("tag".into(), "not-an-entry".into());
        }
        let list: Vec<serde_json::Value> = entries
            .iter()
            .map(|e| {
                let mut m = serde_json::Map::new();
                for (k, v) in &e.extra {
                    m.insert(k.clone(), v.clone());
                }
                if let Some(i) = e.idx {
                    m.insert("idx".into(), i.into());
                }
                if let Some(w) = e.when {
                    m.insert("when".into(), w.into());
                }
                if let Some(t) = &e.tag {
                    m.insert("tag".into(), t.clone().into());
                }
                serde_json::Value::Object(m)
            })
            .collect();
        map.insert("entries".into(), list.into());
        let value = serde_json::Value::Object(map);
        if pretty {
            serde_json::to_string_pretty(&value).expect("serialise")
        } else {
            serde_json::to_string(&value).expect("serialise")
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn drizzle_journal_parsing_never_panics_and_locations_stay_inside(
        text in prop_oneof![
            any::<String>(),
            "[{}\\[\\]\":,0-9a-z \n\té]{0,80}",
            prop::collection::vec(journal::entry(), 0..4).prop_map(|e| journal::print(&e, true, false)),
        ],
        cut in any::<prop::sample::Index>(),
    ) {
        // Whole journals, and journals cut short anywhere (a half-written file).
        let cut_at = (0..=text.len()).filter(|i| text.is_char_boundary(*i)).nth(cut.index(text.chars().count() + 1)).unwrap_or(text.len());
        for text in [text.as_str(), &text[..cut_at]] {
            let parsed = launchgate::collect::migrations::parse_drizzle_journal(journal::DIR, text, &[]);
            if let Some(error) = &parsed.error {
                prop_assert!(inside(text, &error.location), "{:?} outside {:?}", error, text);
            }
            for entry in &parsed.entries {
                prop_assert!(inside(text, &entry.location), "{:?} outside {:?}", entry.location, text);
            }
        }
    }

    #[test]
    fn a_printed_drizzle_journal_parses_back_to_its_entries(
        entries in prop::collection::vec(journal::entry(), 0..6),
        pretty in any::<bool>(),
        top_tag in any::<bool>(),
        present in prop::collection::vec(any::<bool>(), 6),
    ) {
        let text = journal::print(&entries, pretty, top_tag);
        let files: Vec<String> = entries.iter().zip(&present)
            .filter(|(_, p)| **p)
            .filter_map(|(e, _)| e.tag.as_ref().map(|t| format!("{}/{t}.sql", journal::DIR)))
            .collect();
        let file_refs: Vec<&str> = files.iter().map(String::as_str).collect();
        let parsed = launchgate::collect::migrations::parse_drizzle_journal(journal::DIR, &text, &file_refs);
        prop_assert!(parsed.error.is_none(), "{:?}", parsed.error);
        prop_assert_eq!(parsed.dialect.as_deref(), Some("postgresql"));
        prop_assert_eq!(parsed.entries.len(), entries.len());
        for (i, (got, want)) in parsed.entries.iter().zip(&entries).enumerate() {
            prop_assert_eq!(got.position, i as i64);
            prop_assert_eq!((got.idx, got.when, &got.tag), (want.idx, want.when, &want.tag));
            let expected_file = want.tag.as_ref().map(|t| format!("{}/{t}.sql", journal::DIR));
            prop_assert_eq!(&got.expected_file, &expected_file);
            prop_assert_eq!(got.file.is_some(), expected_file.as_ref().is_some_and(|f| files.contains(f)));
            if let Some(tag) = &want.tag {
                // The entry's location covers its own `"tag": "..."` member, as written.
                let written = format!("\"tag\":{}{}", if pretty { " " } else { "" }, serde_json::to_string(tag).expect("tag"));
                prop_assert_eq!(covered(&text, &got.location), Some(written), "entry {} of {}", i, text);
            }
        }
    }

    #[test]
    fn pnpm_workspace_globs_parse_back_as_printed(
        globs in prop::collection::vec("!?[a-z*]{1,6}(/[a-z*]{1,6}){0,2}", 0..6),
        quote in prop_oneof![Just(""), Just("'"), Just("\"")],
        comment in any::<bool>(),
    ) {
        let mut text = String::from("# workspace\npackages:\n");
        for g in &globs {
            text.push_str(&format!("  - {quote}{g}{quote}{}\n", if comment { " # member" } else { "" }));
        }
        text.push_str("catalog:\n  react: ^18\n");
        prop_assert_eq!(launchgate::collect::migrations::pnpm_packages(&text), globs);
    }

    #[test]
    fn alembic_revision_parses_back_as_printed(
        id in "[0-9a-f]{6,12}",
        annotated in any::<bool>(),
        quote in prop_oneof![Just("'"), Just("\"")],
        before in "[a-z_ =\n]{0,30}",
    ) {
        let text = format!(
            "\"\"\"add table\"\"\"\n{before}\nrevision{} = {quote}{id}{quote}\ndown_revision = {quote}000000{quote}\n",
            if annotated { ": str" } else { "" }
        );
        prop_assert_eq!(launchgate::collect::migrations::alembic_revision(&text), Some(id));
    }

    #[test]
    fn other_migration_texts_never_panic(text in any::<String>()) {
        let _ = launchgate::collect::migrations::pnpm_packages(&text);
        let _ = launchgate::collect::migrations::alembic_revision(&text);
    }
}

/// What the redactor must do, written the slow, obvious way: at each character, the longest
/// secret starting there, else the character itself.
fn scrub_reference(text: &str, secrets: &[String]) -> String {
    let mut out = String::new();
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let longest = secrets
            .iter()
            .filter(|s| s.trim().chars().count() >= 4 && !is_boolean_text(s))
            .filter(|s| rest.starts_with(s.as_str()))
            .map(String::len)
            .max();
        match longest {
            Some(len) => {
                out.push_str(launchgate::secrets::REDACTED);
                at += len;
            }
            None => {
                let c = rest.chars().next().expect("not at the end");
                out.push(c);
                at += c.len_utf8();
            }
        }
    }
    out
}

fn is_boolean_text(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "0" | "1" | ""
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, .. ProptestConfig::default() })]

    /// A small alphabet (with a two-byte character) makes overlapping, nested and adjacent
    /// secrets common.
    #[test]
    fn the_redactor_scrubs_like_the_leftmost_longest_reference(
        secrets in proptest::collection::vec("[abé]{4,9}", 1..8),
        text in "[abé ]{0,60}",
    ) {
        let redactor = launchgate::secrets::Redactor::new(secrets.iter());
        let scrubbed = redactor.scrub(&text);
        let expected = scrub_reference(&text, &secrets);
        prop_assert_eq!(scrubbed.as_ref(), expected.as_str());
        for secret in &secrets {
            prop_assert!(!scrubbed.contains(secret.as_str()), "{} left in {}", secret, scrubbed);
        }
        let masked = redactor.mask(&text);
        prop_assert_eq!(masked.chars().count(), text.chars().count());
    }
}
