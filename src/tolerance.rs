//! Row-count tolerance: an absolute number of rows (`25`) or a percentage (`0.5%`).
//!
//! Hand-written row-count gates often read `ROWCOUNT_TOLERANCE` and then only compare for
//! equality. Here the tolerance is applied numerically everywhere counts are compared
//! (recorded evidence and live probes).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Tolerance {
    Rows(u64),
    /// Percent of the larger of the two counts.
    Percent(f64),
}

impl Tolerance {
    /// Parse `25`, `0`, `0.5%`, `1 %`. Negative, non-numeric or non-finite values are `None`.
    pub fn parse(text: &str) -> Option<Tolerance> {
        let t = text.trim();
        if let Some(p) = t.strip_suffix('%') {
            let p = p.trim();
            if p.is_empty() || p.starts_with(['-', '+']) {
                return None;
            }
            let v: f64 = p.parse().ok()?;
            return (v.is_finite() && v >= 0.0).then_some(Tolerance::Percent(v));
        }
        if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        t.parse().ok().map(Tolerance::Rows)
    }

    /// True when `a` and `b` differ by no more than the tolerance.
    pub fn allows(&self, a: u64, b: u64) -> bool {
        let diff = a.abs_diff(b);
        match *self {
            Tolerance::Rows(n) => diff <= n,
            // diff / max <= p / 100, without dividing (exact for whole percentages).
            Tolerance::Percent(p) => (diff as f64) * 100.0 <= p * (a.max(b) as f64),
        }
    }
}

impl std::fmt::Display for Tolerance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tolerance::Rows(n) => write!(f, "{n} row{}", if *n == 1 { "" } else { "s" }),
            Tolerance::Percent(p) => write!(f, "{p}%"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Tolerance;

    #[test]
    fn parses_rows_and_percentages() {
        assert_eq!(Tolerance::parse("25"), Some(Tolerance::Rows(25)));
        assert_eq!(Tolerance::parse("0.5%"), Some(Tolerance::Percent(0.5)));
        for bad in ["-1", "abc", "", "1.5", "%", "-2%", "NaN%", "inf%"] {
            assert_eq!(Tolerance::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn applies_numerically() {
        assert!(!Tolerance::Rows(0).allows(100, 99));
        assert!(Tolerance::Rows(5).allows(100, 95));
        assert!(!Tolerance::Rows(5).allows(100, 94));
        assert!(Tolerance::Percent(1.0).allows(1000, 990));
        assert!(!Tolerance::Percent(1.0).allows(1000, 989));
    }
}
