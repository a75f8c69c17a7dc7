//! The functions policies call: `rule`, `report`, and pure helpers. None of them touches the
//! file system, the network or a process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rhai::{Dynamic, Engine, EvalAltResult, FnPtr, ImmutableString, Map, NativeCallContext, INT};

use super::view::{location_of, View};
use super::{lock, with_call, Reported, Shared};
use crate::facts::env::EnvSet;
use crate::facts::Location;
use crate::finding::Related;
use crate::tolerance::Tolerance;

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

fn runtime_error(msg: impl Into<String>) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorRuntime(
        Dynamic::from(msg.into()),
        rhai::Position::NONE,
    ))
}

pub(super) fn register(engine: &mut Engine, shared: &Arc<Mutex<Shared>>) {
    let s = Arc::clone(shared);
    engine.register_fn(
        "rule",
        move |ctx: NativeCallContext, meta: Map, check: FnPtr| {
            lock(&s).pending.push((meta, check, ctx.call_position()));
        },
    );

    // The location is a fact's location (a view), a location map (`file_location(...)`,
    // `#{ file, line, ... }`), or `()`: a fact without one, which is a policy bug that fails
    // closed, loudly.
    engine.register_fn(
        "report",
        |loc: Dynamic, message: ImmutableString| -> RhaiResult<()> {
            push_report(&loc, message.to_string(), &Map::new())
        },
    );
    engine.register_fn(
        "report",
        |loc: Dynamic, message: ImmutableString, opts: Map| -> RhaiResult<()> {
            push_report(&loc, message.to_string(), &opts)
        },
    );

    engine.register_fn(
        "matches",
        |text: ImmutableString, re: ImmutableString| -> RhaiResult<bool> {
            with_regex(&re, |r| r.is_match(&text))
        },
    );
    engine.register_fn(
        "captures",
        |text: ImmutableString, re: ImmutableString| -> RhaiResult<Dynamic> {
            with_regex(&re, |r| match r.captures(&text) {
                Some(caps) => {
                    let arr: rhai::Array = caps
                        .iter()
                        .map(|m| m.map_or(Dynamic::UNIT, |m| Dynamic::from(m.as_str().to_string())))
                        .collect();
                    Dynamic::from_array(arr)
                }
                None => Dynamic::UNIT,
            })
        },
    );
    engine.register_fn("is_hex", |text: ImmutableString| {
        !text.is_empty() && text.chars().all(|c| c.is_ascii_hexdigit())
    });
    engine.register_fn("parse_url", |text: ImmutableString| parse_url(&text));
    engine.register_fn("redact_url", |text: ImmutableString| {
        crate::source::dburl::redact_url(&text)
    });
    engine.register_fn("same_database", |a: ImmutableString, b: ImmutableString| {
        same_database(&a, &b)
    });
    engine.register_fn(
        "parse_tolerance",
        |text: ImmutableString| match Tolerance::parse(&text) {
            Some(t) => tolerance_map(t),
            None => Dynamic::UNIT,
        },
    );
    engine.register_fn(
        "within_tolerance",
        |a: INT, b: INT, tol: Map| -> RhaiResult<bool> {
            let t = tolerance_from_map(&tol)
                .ok_or_else(|| runtime_error("within_tolerance: not a tolerance map"))?;
            Ok(t.allows(a.max(0) as u64, b.max(0) as u64))
        },
    );
    engine.register_fn(
        "placeholder_kind",
        |text: ImmutableString| match placeholder_kind(&text) {
            Some(kind) => Dynamic::from(kind),
            None => Dynamic::UNIT,
        },
    );
    // Where a key missing from an env set is reported: the contract line declaring it,
    // else the set's `missing_key_location`. One definition for every policy.
    engine.register_fn(
        "missing_at",
        |set: View<EnvSet>, key: ImmutableString| -> Dynamic {
            match set.get().contract_keys.get_key_value(key.as_str()) {
                Some((k, _)) => {
                    Dynamic::from(set.project(|s| &s.contract_keys[k.as_str()].location))
                }
                None => Dynamic::from(set.project(|s| &s.missing_key_location)),
            }
        },
    );
    engine.register_fn("file_location", |path: ImmutableString| {
        location_map(&Location::file_start(path.to_string()))
    });
}

/// Record one `report(...)` of the rule call running on this thread.
fn push_report(loc: &Dynamic, message: String, opts: &Map) -> RhaiResult<()> {
    if loc.is_unit() {
        return Err(runtime_error("report() was given no location (`()`)"));
    }
    let mut named_files = Vec::new();
    let mut located = |value: &Dynamic| {
        let (location, named) = location_of(value)?;
        if named {
            named_files.push(location.file.as_str().to_string());
        }
        Some(location)
    };
    let location = located(loc).ok_or_else(|| {
        runtime_error("report(): the location needs `file` and `line` (a fact's `location`)")
    })?;
    let text = |k: &str| {
        opts.get(k)
            .and_then(|v| v.clone().into_immutable_string().ok())
            .map(|s| s.to_string())
    };
    let related = opts
        .get("related")
        .and_then(|v| v.clone().into_array().ok())
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            let m = r.try_cast::<Map>()?;
            let location = located(m.get("location")?)?;
            let message = m
                .get("message")
                .and_then(|v| v.clone().into_immutable_string().ok())?
                .to_string();
            Some(Related { location, message })
        })
        .collect::<Option<Vec<Related>>>()
        // A malformed entry fails the call rather than vanish: it may be how a rule tried
        // to smuggle something into a location.
        .ok_or_else(|| {
            runtime_error(
                "report(): each `related` entry needs a `location` and a `message` string",
            )
        })?;
    let reported = Reported {
        location,
        named_files,
        message,
        subject: text("subject").unwrap_or_default(),
        help: text("help"),
        related,
    };
    with_call(|call| call.reports.push(reported));
    Ok(())
}

/// Compiled regexes by pattern. The patterns are the policies' own: a fast hash is enough.
type RegexCache = HashMap<String, Result<regex::Regex, String>, foldhash::fast::FixedState>;

thread_local! {
    /// Compiled regexes of `matches` / `captures`, per thread (rule calls run on several
    /// threads; a shared cache would make them queue for its lock).
    static REGEXES: std::cell::RefCell<RegexCache> = std::cell::RefCell::new(HashMap::default());
}

pub(super) fn with_regex<T>(re: &str, f: impl FnOnce(&regex::Regex) -> T) -> RhaiResult<T> {
    REGEXES.with(|cache| {
        let mut cache = cache.borrow_mut();
        // One lookup when the pattern is known (every call but the first).
        let compiled = match cache.get(re) {
            Some(compiled) => compiled,
            None => {
                let compiled = regex::RegexBuilder::new(re)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| e.to_string());
                cache.entry(re.to_string()).or_insert(compiled)
            }
        };
        match compiled {
            Ok(r) => Ok(f(r)),
            Err(e) => Err(runtime_error(format!("invalid regex: {e}"))),
        }
    })
}

pub(crate) fn location_map(l: &Location) -> Dynamic {
    let mut m = Map::new();
    m.insert("file".into(), Dynamic::from(l.file.to_string()));
    m.insert("line".into(), Dynamic::from(INT::from(l.line)));
    m.insert("column".into(), Dynamic::from(INT::from(l.column)));
    m.insert("end_line".into(), Dynamic::from(INT::from(l.end_line)));
    m.insert("end_column".into(), Dynamic::from(INT::from(l.end_column)));
    Dynamic::from_map(m)
}

fn tolerance_map(t: Tolerance) -> Dynamic {
    let mut m = Map::new();
    match t {
        Tolerance::Rows(n) => {
            m.insert("kind".into(), Dynamic::from("rows"));
            m.insert("value".into(), Dynamic::from(n as INT));
        }
        Tolerance::Percent(p) => {
            m.insert("kind".into(), Dynamic::from("percent"));
            m.insert("value".into(), Dynamic::from(p));
        }
    }
    Dynamic::from_map(m)
}

fn tolerance_from_map(m: &Map) -> Option<Tolerance> {
    let kind = m.get("kind")?.clone().into_immutable_string().ok()?;
    let v = m.get("value")?;
    match kind.as_str() {
        "rows" => Some(Tolerance::Rows(
            v.as_int().ok().and_then(|n| u64::try_from(n).ok())?,
        )),
        "percent" => Some(Tolerance::Percent(
            v.as_float()
                .ok()
                .or_else(|| v.as_int().ok().map(|i| i as f64))?,
        )),
        _ => None,
    }
}

/// `scheme://user:password@host:port/database?params` → a map, or `()` when it is no URL.
/// The map never holds a secret: the password is only `has_password`, and secret parameters
/// (`password`, `sslpassword`, tokens) read `***`. `host` and `port` are the first of
/// `hosts` (a libpq URL may list several); `endpoint` is `hosts/database` for messages.
pub fn parse_url(text: &str) -> Dynamic {
    use crate::source::dburl::{is_secret_param, UrlParts};
    let Some(parts) = UrlParts::split(text) else {
        return Dynamic::UNIT;
    };
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut params = Map::new();
    let mut has_password = parts.userinfo_password().is_some();
    for (k, v) in parts.params() {
        let secret = is_secret_param(&k);
        has_password |= secret && !v.is_empty() && k.eq_ignore_ascii_case("password");
        let shown = if secret { "***".to_string() } else { v };
        params.insert(k.into(), Dynamic::from(shown));
    }
    let hosts: rhai::Array = parts
        .hosts
        .split(',')
        .filter(|h| !h.is_empty())
        .map(|chunk| {
            let (host, port) = split_host_port(chunk);
            let mut h = Map::new();
            h.insert(
                "host".into(),
                Dynamic::from(decode(host).to_ascii_lowercase()),
            );
            h.insert(
                "port".into(),
                port.map_or(Dynamic::UNIT, |p| Dynamic::from(INT::from(p))),
            );
            Dynamic::from_map(h)
        })
        .collect();
    let first = |key: &str| {
        hosts
            .first()
            .and_then(|h| h.read_lock::<Map>().and_then(|m| m.get(key).cloned()))
    };
    let host = first("host").unwrap_or_else(|| Dynamic::from(String::new()));
    let port = first("port").unwrap_or(Dynamic::UNIT);
    let database = decode(parts.path);
    let mut m = Map::new();
    m.insert(
        "scheme".into(),
        Dynamic::from(parts.scheme.to_ascii_lowercase()),
    );
    m.insert(
        "username".into(),
        Dynamic::from(parts.user().unwrap_or_default()),
    );
    m.insert("has_password".into(), Dynamic::from(has_password));
    m.insert("host".into(), host);
    m.insert("port".into(), port);
    m.insert(
        "endpoint".into(),
        Dynamic::from(format!("{}/{}", parts.hosts.to_ascii_lowercase(), database)),
    );
    m.insert("hosts".into(), Dynamic::from_array(hosts));
    m.insert("database".into(), Dynamic::from(database));
    m.insert("params".into(), Dynamic::from_map(params));
    Dynamic::from_map(m)
}

/// Host and port of one entry of a host list; `None` for a missing or non-numeric port (a
/// policy decides what that means for its scheme).
fn split_host_port(hostport: &str) -> (&str, Option<u16>) {
    if let Some(rest) = hostport.strip_prefix('[') {
        // [ipv6]:port
        if let Some((h, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
            return (h, port);
        }
    }
    match hostport.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => {
            (h, p.parse().ok())
        }
        _ => (hostport, None),
    }
}

/// True when two database URLs can reach the same database (a host and port in common and
/// the same database name); false when either is not a database URL.
pub fn same_database(a: &str, b: &str) -> bool {
    use crate::source::dburl::DatabaseUrl;
    match (DatabaseUrl::parse(a), DatabaseUrl::parse(b)) {
        (Ok(a), Ok(b)) => a.same_database(&b),
        _ => false,
    }
}

pub use crate::secrets::placeholder_kind;
