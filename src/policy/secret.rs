//! Secret values as policies see them: an opaque [`Secret`] that can be tested but never read.
//!
//! A policy may compare a secret (with a string or another secret), ask its length, whether it
//! is hex, matches a regex, starts or ends with a text, is still a placeholder, or parse it as a
//! URL (which comes back without its password, its user name and parameter values opaque too).
//! Nothing here turns a secret into text, characters, numbers derived from its characters, or a
//! longer or shorter string: `to_string`, interpolation and `+` give the fixed marker `<secret>`,
//! indexing and iteration do not exist. What remains is one bit per test (see docs/security.md),
//! and repository policies get a budget of tests per secret per run ([`TEST_BUDGET`]).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use rhai::{Dynamic, Engine, EvalAltResult, ImmutableString, Map, INT};

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

/// How many tests (comparison, length, pattern, prefix, placeholder, URL parse) repository
/// policies together may make of one secret value in one run. Each test answers one question;
/// a policy that asks more is trying to spell the secret out, and fails closed instead.
/// Built-in policies are not counted.
pub const TEST_BUDGET: u32 = 24;

/// The text any conversion of a secret gives, in place of the value.
pub const MARKER: &str = "<secret>";

/// An env value a policy may test but not read.
#[derive(Clone)]
pub struct Secret {
    value: ImmutableString,
    /// Tests left for repository policies, shared by every copy of the same value (and by
    /// the parts derived from it); `None`: unlimited.
    budget: Option<Arc<AtomicU32>>,
}

impl Secret {
    pub fn new(value: &str, budget: Option<Arc<AtomicU32>>) -> Secret {
        Secret {
            value: value.into(),
            budget,
        }
    }

    /// A secret derived from this one (a suffix, a URL part): the same budget.
    fn derived(&self, value: &str) -> Secret {
        Secret::new(value, self.budget.clone())
    }

    /// The value, for one test: counted against the budget when a repository policy asks.
    fn test(&self) -> RhaiResult<&str> {
        if let Some(budget) = &self.budget {
            if super::untrusted_call() {
                let left =
                    budget.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
                if left.is_err() {
                    return Err(format!(
                        "a repository policy may test one secret at most {TEST_BUDGET} times per run \
                         (each test is a bit of it)"
                    )
                    .into());
                }
            }
        }
        Ok(&self.value)
    }
}

/// A fresh budget for one secret value.
pub fn budget() -> Arc<AtomicU32> {
    Arc::new(AtomicU32::new(TEST_BUDGET))
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

    engine.register_fn("==", |a: Secret, b: Secret| -> RhaiResult<bool> {
        Ok(a.test()? == b.test()?)
    });
    engine.register_fn("!=", |a: Secret, b: Secret| -> RhaiResult<bool> {
        Ok(a.test()? != b.test()?)
    });
    engine.register_fn("==", |a: Secret, b: ImmutableString| -> RhaiResult<bool> {
        Ok(a.test()? == b.as_str())
    });
    engine.register_fn("!=", |a: Secret, b: ImmutableString| -> RhaiResult<bool> {
        Ok(a.test()? != b.as_str())
    });
    engine.register_fn("==", |a: ImmutableString, b: Secret| -> RhaiResult<bool> {
        Ok(a.as_str() == b.test()?)
    });
    engine.register_fn("!=", |a: ImmutableString, b: Secret| -> RhaiResult<bool> {
        Ok(a.as_str() != b.test()?)
    });
    // Whether a value is there at all is no test of it.
    engine.register_fn("==", |_: Secret, _: ()| false);
    engine.register_fn("!=", |_: Secret, _: ()| true);
    engine.register_fn("==", |_: (), _: Secret| false);
    engine.register_fn("!=", |_: (), _: Secret| true);

    let len = |s: &mut Secret| -> RhaiResult<INT> { Ok(s.test()?.chars().count() as INT) };
    engine.register_fn("len", len);
    engine.register_get("len", len);
    engine.register_fn("is_empty", |s: &mut Secret| -> RhaiResult<bool> {
        Ok(s.test()?.is_empty())
    });
    engine.register_fn("is_hex", |s: Secret| -> RhaiResult<bool> {
        let v = s.test()?;
        Ok(!v.is_empty() && v.chars().all(|c| c.is_ascii_hexdigit()))
    });
    engine.register_fn(
        "starts_with",
        |s: &mut Secret, p: ImmutableString| -> RhaiResult<bool> {
            Ok(s.test()?.starts_with(p.as_str()))
        },
    );
    engine.register_fn(
        "ends_with",
        |s: &mut Secret, p: ImmutableString| -> RhaiResult<bool> {
            Ok(s.test()?.ends_with(p.as_str()))
        },
    );
    // The rest of a secret after a known prefix is still a secret (`0x` + hex digits).
    engine.register_fn(
        "strip_prefix",
        |s: &mut Secret, p: ImmutableString| -> RhaiResult<Dynamic> {
            Ok(match s.test()?.strip_prefix(p.as_str()) {
                Some(rest) => Dynamic::from(s.derived(rest)),
                None => Dynamic::UNIT,
            })
        },
    );
    engine.register_fn(
        "strip_prefix",
        |s: ImmutableString, p: ImmutableString| match s.strip_prefix(p.as_str()) {
            Some(rest) => Dynamic::from(ImmutableString::from(rest)),
            None => Dynamic::UNIT,
        },
    );
    engine.register_fn(
        "matches",
        |s: Secret, re: ImmutableString| -> RhaiResult<bool> {
            let v = s.test()?;
            super::api::with_regex(&re, |r| r.is_match(v))
        },
    );
    engine.register_fn("placeholder_kind", |s: Secret| -> RhaiResult<Dynamic> {
        Ok(match super::api::placeholder_kind(s.test()?) {
            Some(kind) => Dynamic::from(kind),
            None => Dynamic::UNIT,
        })
    });
    engine.register_fn("parse_url", |s: Secret| -> RhaiResult<Dynamic> {
        Ok(opaque_url(&s, s.test()?))
    });
    engine.register_fn(
        "same_database",
        |a: Secret, b: Secret| -> RhaiResult<bool> {
            Ok(super::api::same_database(a.test()?, b.test()?))
        },
    );
    engine.register_fn(
        "same_database",
        |a: Secret, b: ImmutableString| -> RhaiResult<bool> {
            Ok(super::api::same_database(a.test()?, &b))
        },
    );
    engine.register_fn(
        "same_database",
        |a: ImmutableString, b: Secret| -> RhaiResult<bool> {
            Ok(super::api::same_database(&a, b.test()?))
        },
    );
    engine.register_fn("redact_url", |_: Secret| MARKER.to_string());
}

/// A secret URL parsed: scheme, host, port and database as text (they say which server a
/// message is about), the user name and every parameter value opaque, no password at all.
fn opaque_url(secret: &Secret, text: &str) -> Dynamic {
    let parsed = super::api::parse_url(text);
    let Some(mut map) = parsed.try_cast::<Map>() else {
        return Dynamic::UNIT;
    };
    if let Some(user) = map.get_mut("username") {
        let text = user.clone().into_immutable_string().unwrap_or_default();
        *user = Dynamic::from(secret.derived(&text));
    }
    if let Some(params) = map.get_mut("params") {
        if let Some(p) = params.write_lock::<Map>().as_deref_mut() {
            for v in p.values_mut() {
                let text = v.clone().into_immutable_string().unwrap_or_default();
                *v = Dynamic::from(secret.derived(&text));
            }
        }
    }
    Dynamic::from_map(map)
}
