use super::*;

fn value(dialect: Dialect, text: &str, key: &str) -> Option<Option<String>> {
    values(dialect, text).remove(key)
}

fn v(s: &str) -> Option<Option<String>> {
    Some(Some(s.to_string()))
}

#[test]
fn node_reads_like_dotenv() {
    let n = |t: &str, k: &str| value(Dialect::Node, t, k);
    assert_eq!(n("KEY=my value", "KEY"), v("my value"));
    assert_eq!(n("A=`back tick`", "A"), v("back tick"));
    assert_eq!(n("A=\"a\\nb\"", "A"), v("a\nb"));
    assert_eq!(n("A=a\\nb", "A"), v("a\\nb"));
    assert_eq!(n("A=inline # comment", "A"), v("inline"));
    assert_eq!(n("DB_HOST=h\nURL=$DB_HOST/x", "URL"), v("h/x"));
    assert_eq!(n("URL=${b:-d}", "URL"), v("d"));
    assert_eq!(n("BAR=1\nFOO=\"$BAR\"", "FOO"), v("1"));
    assert_eq!(n("A=\"multi\nline\"\nB=2", "A"), v("multi\nline"));
}

#[test]
fn python_reads_like_python_dotenv() {
    let p = |t: &str, k: &str| value(Dialect::Python, t, k);
    assert_eq!(p("KEY=my value", "KEY"), v("my value"));
    assert_eq!(p("DB_HOST=h\nURL=$DB_HOST/x", "URL"), v("$DB_HOST/x"));
    assert_eq!(p("DB_HOST=h\nURL=${DB_HOST}/x", "URL"), v("h/x"));
    assert_eq!(p("URL=${b:-d}", "URL"), v("d"));
    assert_eq!(p("A", "A"), Some(None));
    assert_eq!(p("A='x\\'y'", "A"), v("x'y"));
}

#[test]
fn the_shell_is_read_statically() {
    let s = |t: &str, k: &str| values(Dialect::Shell, t).remove(k);
    assert_eq!(s("KEY=my value", "KEY"), Some(None));
    assert_eq!(s("KEY='my value'", "KEY"), v("my value"));
    assert_eq!(s("DB_HOST=h\nURL=$DB_HOST/x", "URL"), v("h/x"));
    assert_eq!(s("A=$(whoami)", "A"), Some(None));
    assert_eq!(s("A=\"x\\ny\"", "A"), v("x\\ny"));
    assert_eq!(s("A=1;B=2", "B"), v("2"));
}

#[test]
fn an_apostrophe_in_a_comment_swallows_nothing() {
    let text = "NODE_ENV=development  # don't ship\nALLOW_DEMO_ROUTES=true\nJWT_SECRET=abc\n# that's all\n";
    for d in Dialect::ALL {
        let vals = values(d, text);
        assert_eq!(
            vals.get("ALLOW_DEMO_ROUTES"),
            Some(&Some("true".to_string())),
            "{d}"
        );
        assert_eq!(
            vals.get("JWT_SECRET"),
            Some(&Some("abc".to_string())),
            "{d}"
        );
    }
}

#[test]
fn substitution_sees_only_what_it_is_given() {
    for d in Dialect::ALL {
        let parsed = parse("NODE_ENV=${GITHUB_TOKEN}\n", d);
        let r = resolve(d, &parsed.entries, &|_| None);
        assert_eq!(r[0].value.as_deref(), Some(""), "{d}");
        assert_eq!(r[0].unresolved, ["GITHUB_TOKEN"], "{d}");
    }
}

#[test]
fn malformed_references_are_named() {
    assert_eq!(malformed_references("${BAR!}"), ["${BAR!}"]);
    assert_eq!(malformed_references("x$BAR}y"), ["$BAR}"]);
    assert!(malformed_references("${BAR:-x} $BAR ${A}").is_empty());
}

#[test]
fn reference_names_are_listed_in_order() {
    let names: Vec<&str> =
        reference_names(r#""postgres://${DB_USER}:$DB_PASS@h/${DB:-x}" \$NOT $1"#).collect();
    assert_eq!(names, ["DB_USER", "DB_PASS", "DB"]);
    assert_eq!(reference_names("\"3600\"").count(), 0);
}

#[test]
fn spans_point_at_key_value_and_comment() {
    let text = "# head\r\nexport A = \"x y\" # c\r\nB=2\n";
    for d in [Dialect::Node, Dialect::Python] {
        let p = parse(text, d);
        let a = &p.entries[0];
        assert_eq!(&text[a.key_span.clone()], "A", "{d}");
        assert_eq!(&text[a.value_span.clone()], "\"x y\"", "{d}");
        assert_eq!(a.comment_span.clone().map(|c| &text[c]), Some("# c"), "{d}");
        assert_eq!(&text[p.entries[1].value_span.clone()], "2", "{d}");
        assert_eq!(p.comments.len(), 1, "{d}");
    }
}

#[test]
fn substitution_stops_at_the_limit() {
    let mut chain = format!("A0={}\n", "x".repeat(64));
    for i in 1..40 {
        chain.push_str(&format!("A{i}=${{A{}}}${{A{}}}\n", i - 1, i - 1));
    }
    for d in Dialect::ALL {
        let p = parse(&chain, d);
        let r = resolve(d, &p.entries, &|_| None);
        for (e, r) in p.entries.iter().zip(&r) {
            let len = r.value.as_ref().map_or(0, String::len);
            assert!(len <= MAX_EXPANSION, "{d} {} {len}", e.key);
        }
        assert!(r.iter().any(|r| r.too_large) || d == Dialect::Shell, "{d}");
    }
}

#[test]
fn compose_reads_its_own_substitution() {
    let c = |t: &str, k: &str| value(Dialect::Compose, t, k);
    assert_eq!(c("KEY=my value", "KEY"), v("my value"));
    assert_eq!(c("A=1\nB=$A-${A:-x}-${NOPE:-d}", "B"), v("1-1-d"));
    assert_eq!(c("A=1\nB='$A'", "B"), v("$A"));
    assert_eq!(c("B=cost $$5", "B"), v("cost $5"));
    assert_eq!(c("A=\nB=${A-set}${A:-empty}", "B"), v("empty"));
}

#[test]
fn unquoted_spaces_per_dialect() {
    let text = "GREETING=hello world\n";
    assert_eq!(value(Dialect::Node, text, "GREETING"), v("hello world"));
    assert_eq!(value(Dialect::Python, text, "GREETING"), v("hello world"));
    assert_eq!(value(Dialect::Compose, text, "GREETING"), v("hello world"));
    // The shell runs `world` with GREETING set for it alone.
    assert_eq!(value(Dialect::Shell, text, "GREETING"), Some(None));
}
