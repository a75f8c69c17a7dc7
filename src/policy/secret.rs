//! Secret values as policies see them: an opaque [`Secret`] that can be tested but never read.
//!
//! A policy may compare a secret (with a string or another secret), ask its length, whether it
//! is hex, matches a regex, starts or ends with a text, is still a placeholder, or parse it as a
//! URL (which comes back without its password, its user name and parameter values opaque too).
//! Nothing here turns a secret into text, characters, numbers derived from its characters, or a
//! longer or shorter string: `to_string`, interpolation and `+` give the fixed marker `<secret>`,
//! indexing and iteration do not exist. What remains is one bit per test (see docs/security.md).

use rhai::{Dynamic, Engine, ImmutableString, Map, INT};

/// The text any conversion of a secret gives, in place of the value.
pub const MARKER: &str = "<secret>";

/// An env value a policy may test but not read.
#[derive(Clone)]
pub struct Secret(ImmutableString);

impl Secret {
    pub fn new(value: &str) -> Secret {
        Secret(value.into())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MARKER)
    }
}

/// True when the value of env key `key` must reach policies opaque. The one place that
/// decides; it follows the report scrubber's notion of a secret (settings and booleans are
/// shown, and so are values too short to scrub: a port, a count).
pub fn is_secret(key: &str, value: &str) -> bool {
    let v = value.trim();
    let too_short = v.chars().count() < 4 || (v.len() < 6 && v.chars().all(|c| c.is_ascii_digit()));
    !crate::secrets::is_shown(key, value) && !too_short
}

pub(super) fn register(engine: &mut Engine) {
    engine.register_type_with_name::<Secret>("secret");
    engine.register_fn("to_string", |_: &mut Secret| MARKER.to_string());
    engine.register_fn("to_debug", |_: &mut Secret| MARKER.to_string());
    engine.register_fn("is_secret", |_: Secret| true);
    engine.register_fn("is_secret", |_: Dynamic| false);

    engine.register_fn("==", |a: Secret, b: Secret| a.0 == b.0);
    engine.register_fn("!=", |a: Secret, b: Secret| a.0 != b.0);
    engine.register_fn("==", |a: Secret, b: ImmutableString| a.0 == b);
    engine.register_fn("!=", |a: Secret, b: ImmutableString| a.0 != b);
    engine.register_fn("==", |a: ImmutableString, b: Secret| a == b.0);
    engine.register_fn("!=", |a: ImmutableString, b: Secret| a != b.0);
    engine.register_fn("==", |_: Secret, _: ()| false);
    engine.register_fn("!=", |_: Secret, _: ()| true);
    engine.register_fn("==", |_: (), _: Secret| false);
    engine.register_fn("!=", |_: (), _: Secret| true);

    engine.register_fn("len", |s: &mut Secret| s.0.chars().count() as INT);
    engine.register_get("len", |s: &mut Secret| s.0.chars().count() as INT);
    engine.register_fn("is_empty", |s: &mut Secret| s.0.is_empty());
    engine.register_fn("is_hex", |s: Secret| {
        !s.0.is_empty() && s.0.chars().all(|c| c.is_ascii_hexdigit())
    });
    engine.register_fn("starts_with", |s: &mut Secret, p: ImmutableString| {
        s.0.starts_with(p.as_str())
    });
    engine.register_fn("ends_with", |s: &mut Secret, p: ImmutableString| {
        s.0.ends_with(p.as_str())
    });
    // The rest of a secret after a known prefix is still a secret (`0x` + hex digits).
    engine.register_fn("strip_prefix", |s: &mut Secret, p: ImmutableString| match s
        .0
        .strip_prefix(p.as_str())
    {
        Some(rest) => Dynamic::from(Secret::new(rest)),
        None => Dynamic::UNIT,
    });
    engine.register_fn(
        "strip_prefix",
        |s: ImmutableString, p: ImmutableString| match s.strip_prefix(p.as_str()) {
            Some(rest) => Dynamic::from(ImmutableString::from(rest)),
            None => Dynamic::UNIT,
        },
    );
    engine.register_fn(
        "matches",
        |s: Secret, re: ImmutableString| -> Result<bool, Box<rhai::EvalAltResult>> {
            super::api::with_regex(&re, |r| r.is_match(&s.0))
        },
    );
    engine.register_fn(
        "placeholder_kind",
        |s: Secret| match super::api::placeholder_kind(&s.0) {
            Some(kind) => Dynamic::from(kind),
            None => Dynamic::UNIT,
        },
    );
    engine.register_fn("parse_url", |s: Secret| opaque_url(&s.0));
    engine.register_fn("same_database", |a: Secret, b: Secret| {
        super::api::same_database(&a.0, &b.0)
    });
    engine.register_fn("same_database", |a: Secret, b: ImmutableString| {
        super::api::same_database(&a.0, &b)
    });
    engine.register_fn("same_database", |a: ImmutableString, b: Secret| {
        super::api::same_database(&a, &b.0)
    });
    engine.register_fn("redact_url", |_: Secret| MARKER.to_string());
}

/// A secret URL parsed: scheme, host, port and database as text (they say which server a
/// message is about), the user name and every parameter value opaque, no password at all.
fn opaque_url(text: &str) -> Dynamic {
    let parsed = super::api::parse_url(text);
    let Some(mut map) = parsed.try_cast::<Map>() else {
        return Dynamic::UNIT;
    };
    if let Some(user) = map.get_mut("username") {
        let text = user.clone().into_immutable_string().unwrap_or_default();
        *user = Dynamic::from(Secret(text));
    }
    if let Some(params) = map.get_mut("params") {
        if let Some(p) = params.write_lock::<Map>().as_deref_mut() {
            for v in p.values_mut() {
                let text = v.clone().into_immutable_string().unwrap_or_default();
                *v = Dynamic::from(Secret(text));
            }
        }
    }
    Dynamic::from_map(map)
}
