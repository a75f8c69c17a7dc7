//! Content checksums: an order-independent checksum of each row's canonical text, computed in
//! the database per primary-key range, compared across source and target, with mismatching
//! ranges bisected until they are small.
//!
//! A row's text is `ROW(columns...)::text` over the columns both sides share, in the
//! source's order, under the canonical output settings each session sets (UTC, ISO dates,
//! full float precision, hex bytea). Each row contributes the first 64 bits of its md5; a
//! range's checksum is their sum (a numeric, so it never overflows) and its row count.
//! Sums do not depend on row order, so the two servers may scan in any order.

use std::collections::BTreeMap;

use crate::facts::db::{KeyRange, ProbeError};

use super::catalog::{get, quote_ident, quote_table};
use super::session::Session;

/// Ranges smaller than this (in rows) are reported rather than bisected further.
const LEAF_ROWS: i64 = 64;
/// Each bisection step splits a range into this many parts.
const FAN_OUT: i128 = 16;
/// At most this many range queries per side per table go into bisection.
const BISECT_BUDGET: usize = 256;
/// At most this many differing ranges are listed per table.
pub const MAX_LISTED_RANGES: usize = 20;

/// What is compared for one table.
#[derive(Debug, Clone)]
pub struct ChecksumPlan {
    pub schema: String,
    pub table: String,
    /// Columns both sides share, in the source's order.
    pub columns: Vec<String>,
    /// A single-column integer primary key, when the table has one.
    pub key: Option<String>,
    /// A single-column primary key of another ordered type (uuid, text, timestamp...) and
    /// its type as `format_type` prints it: ranges are then cut at sampled key values.
    pub ordered_key: Option<(String, String)>,
    /// Rows per range in the first pass.
    pub range_rows: u64,
    /// The larger of the two sides' catalog estimates, for sizing the first pass's ranges
    /// without counting first.
    pub estimated_rows: Option<i64>,
}

impl ChecksumPlan {
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }

    fn row_hash(&self) -> String {
        let cols: Vec<String> = self.columns.iter().map(|c| quote_ident(c)).collect();
        // ROW() of one column is still a record, so its text is framed the same way.
        // hashtextextended: 64 bits straight from the server's own hash of the text, at a
        // fraction of md5's cost (no hex text to build and cast back); it is the function
        // hash partitioning relies on, so it gives the same value on every server.
        format!("hashtextextended(ROW({})::text, 0)", cols.join(", "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RangeSum {
    rows: i64,
    sum: String,
}

/// Key bounds and row count of one side.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bounds {
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub rows: i64,
}

pub async fn bounds(session: &Session, plan: &ChecksumPlan) -> Result<Bounds, ProbeError> {
    let qualified = plan.qualified();
    let table = quote_table(&plan.schema, &plan.table);
    // An integer key's bounds come from its index; its rows are counted by the first
    // pass, which reads every row anyway (a count here would be a second full scan).
    let sql = match &plan.key {
        Some(k) => {
            let k = quote_ident(k);
            format!("SELECT min({k})::bigint, max({k})::bigint, -1::bigint FROM {table}")
        }
        None if plan.ordered_key.is_some() => {
            format!("SELECT NULL::bigint, NULL::bigint, count(*) FROM {table}")
        }
        None => format!("SELECT NULL::bigint, NULL::bigint, -1::bigint FROM {table} LIMIT 1"),
    };
    let rows = session.query(&sql, &[], Some(&qualified)).await?;
    let row = rows.first().ok_or_else(|| ProbeError {
        kind: "query".into(),
        message: format!("{qualified}: bounds query returned no row"),
        timeout_ms: None,
        table: Some(qualified.clone()),
    })?;
    Ok(Bounds {
        min: get(row, 0)?,
        max: get(row, 1)?,
        rows: get(row, 2)?,
    })
}

/// A key range split into `width`-wide buckets.
#[derive(Debug, Clone, Copy)]
struct Split {
    lo: i64,
    hi: i64,
    width: i128,
}

async fn bucket_sums(
    session: &Session,
    plan: &ChecksumPlan,
    split: Option<Split>,
) -> Result<BTreeMap<i64, RangeSum>, ProbeError> {
    let qualified = plan.qualified();
    let table = quote_table(&plan.schema, &plan.table);
    let hash = plan.row_hash();
    let rows = match (split, &plan.key) {
        (Some(s), Some(k)) => {
            // One aggregate per range, each walking its slice of the key's index: a single
            // GROUP BY over the table looks like a million groups to the planner (it cannot
            // tell how many distinct buckets an expression makes), so it sorted every row
            // and spilled to disk. Ranges with no rows are left out, as a GROUP BY would.
            let k = quote_ident(k);
            let sql = format!(
                "SELECT count(*), COALESCE(sum({hash}), 0)::text
                 FROM {table} WHERE {k} BETWEEN $1::bigint AND $2::bigint"
            );
            let mut out = BTreeMap::new();
            let mut id: i64 = 0;
            let mut from = i128::from(s.lo);
            while from <= i128::from(s.hi) {
                let to = (from + s.width - 1).min(i128::from(s.hi));
                let (a, b) = (clamp_i64(from), clamp_i64(to));
                let rows = session.query(&sql, &[&a, &b], Some(&qualified)).await?;
                if let Some(row) = rows.first() {
                    let sum = RangeSum {
                        rows: get(row, 0)?,
                        sum: get(row, 1)?,
                    };
                    if sum.rows > 0 {
                        out.insert(id, sum);
                    }
                }
                id += 1;
                from = to + 1;
            }
            return Ok(out);
        }
        _ => {
            let sql =
                format!("SELECT 0::bigint, count(*), COALESCE(sum({hash}), 0)::text FROM {table}");
            session.query(&sql, &[], Some(&qualified)).await?
        }
    };
    let mut out = BTreeMap::new();
    for row in &rows {
        out.insert(
            get::<i64>(row, 0)?,
            RangeSum {
                rows: get(row, 1)?,
                sum: get(row, 2)?,
            },
        );
    }
    Ok(out)
}

/// The comparison of one table's contents.
#[derive(Debug, Clone, Default)]
pub struct ContentDiff {
    pub ranges: Vec<KeyRange>,
    pub range_count: u64,
    /// Each side's exact row count, as the comparison counted it.
    pub source_rows: i64,
    pub target_rows: i64,
}

fn total_rows(sums: &BTreeMap<i64, RangeSum>) -> i64 {
    sums.values().map(|r| r.rows).sum()
}

/// Compare one table's contents. `source_bounds` / `target_bounds` come from [`bounds`].
pub async fn compare(
    source: &Session,
    target: &Session,
    plan: &ChecksumPlan,
    source_bounds: Bounds,
    target_bounds: Bounds,
) -> Result<ContentDiff, (crate::facts::db::Side, ProbeError)> {
    use crate::facts::db::Side;
    let run = |split: Option<Split>| async move {
        let (s, t) = tokio::join!(
            bucket_sums(source, plan, split),
            bucket_sums(target, plan, split)
        );
        Ok::<_, (Side, ProbeError)>((
            s.map_err(|e| (Side::Source, e))?,
            t.map_err(|e| (Side::Target, e))?,
        ))
    };
    let mut diff = ContentDiff::default();
    let (lo, hi) = match (
        plan.key.as_ref(),
        source_bounds.min,
        source_bounds.max,
        target_bounds.min,
        target_bounds.max,
    ) {
        (Some(_), smin, smax, tmin, tmax) => match (
            smin.into_iter().chain(tmin).min(),
            smax.into_iter().chain(tmax).max(),
        ) {
            (Some(lo), Some(hi)) => (lo, hi),
            // Both sides empty: nothing to compare.
            _ => return Ok(diff),
        },
        _ if plan.ordered_key.is_some() => {
            let mut diff =
                compare_ordered(source, target, plan, source_bounds.rows, target_bounds.rows)
                    .await?;
            diff.source_rows = source_bounds.rows;
            diff.target_rows = target_bounds.rows;
            return Ok(diff);
        }
        _ => {
            let (s, t) = run(None).await?;
            diff.source_rows = total_rows(&s);
            diff.target_rows = total_rows(&t);
            let (s, t) = (s.get(&0).cloned(), t.get(&0).cloned());
            if s != t {
                diff.range_count = 1;
                diff.ranges.push(KeyRange {
                    from: None,
                    to: None,
                    from_key: None,
                    to_key: None,
                    source_rows: s.map_or(0, |r| r.rows),
                    target_rows: t.map_or(0, |r| r.rows),
                });
            }
            return Ok(diff);
        }
    };
    let span = i128::from(hi) - i128::from(lo) + 1;
    // Without an estimate (never analysed), assume the keys are dense.
    let rows = match plan.estimated_rows {
        Some(n) if n > 0 => i128::from(n),
        _ => span,
    }
    .max(1);
    let buckets =
        (rows + i128::from(plan.range_rows.max(1)) - 1) / i128::from(plan.range_rows.max(1));
    let first = Split {
        lo,
        hi,
        width: ceil_div(span, buckets.clamp(1, 100_000)),
    };
    let mut pending = vec![first];
    let mut budget = BISECT_BUDGET;
    let mut leaves = Vec::new();
    let mut first_pass = true;
    while let Some(split) = pending.pop() {
        let (s, t) = run(Some(split)).await?;
        if first_pass {
            // The first pass spans every key on both sides: its counts are the table's.
            diff.source_rows = total_rows(&s);
            diff.target_rows = total_rows(&t);
            first_pass = false;
        }
        let mut ids: Vec<i64> = s.keys().chain(t.keys()).copied().collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let (a, b) = (s.get(&id), t.get(&id));
            if a == b {
                continue;
            }
            let from = i128::from(split.lo) + i128::from(id) * split.width;
            let to = (from + split.width - 1).min(i128::from(split.hi));
            let (from, to) = (clamp_i64(from), clamp_i64(to));
            let source_rows = a.map_or(0, |r| r.rows);
            let target_rows = b.map_or(0, |r| r.rows);
            let width = i128::from(to) - i128::from(from) + 1;
            if width > 1 && source_rows.max(target_rows) > LEAF_ROWS && budget > 0 {
                budget -= 1;
                pending.push(Split {
                    lo: from,
                    hi: to,
                    width: ceil_div(width, FAN_OUT),
                });
            } else {
                leaves.push(KeyRange {
                    from: Some(from),
                    to: Some(to),
                    from_key: None,
                    to_key: None,
                    source_rows,
                    target_rows,
                });
            }
        }
    }
    leaves.sort_by_key(|r| r.from);
    diff.range_count = leaves.len() as u64;
    leaves.truncate(MAX_LISTED_RANGES);
    diff.ranges = leaves;
    Ok(diff)
}

fn ceil_div(a: i128, b: i128) -> i128 {
    ((a + b - 1) / b).max(1)
}

fn clamp_i64(n: i128) -> i64 {
    i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })
}

/// A half-open key range `[lo, hi)` of an ordered (non-integer) key; `None` is unbounded.
#[derive(Debug, Clone)]
struct OrderedRange {
    lo: Option<String>,
    hi: Option<String>,
    source_rows: i64,
    target_rows: i64,
}

impl ChecksumPlan {
    /// The key expression, compared byte-wise for text so both servers order it alike
    /// whatever their collations.
    fn ordered_key_expr(&self) -> Option<(String, String)> {
        let (name, data_type) = self.ordered_key.as_ref()?;
        let col = quote_ident(name);
        let collatable = data_type == "text" || data_type.starts_with("character");
        let expr = if collatable {
            format!("{col} COLLATE \"C\"")
        } else {
            col
        };
        Some((expr, data_type.clone()))
    }

    fn range_filter(&self, key: &str, ty: &str, lo: usize, hi: usize) -> String {
        format!("(${lo}::text IS NULL OR {key} >= ${lo}::text::{ty}) AND (${hi}::text IS NULL OR {key} < ${hi}::text::{ty})")
    }
}

/// Key values that cut `range` into parts of about `step` rows, from one side.
async fn sample_thresholds(
    session: &Session,
    plan: &ChecksumPlan,
    range: &OrderedRange,
    step: i64,
) -> Result<Vec<String>, ProbeError> {
    let Some((key, ty)) = plan.ordered_key_expr() else {
        return Ok(Vec::new());
    };
    let table = quote_table(&plan.schema, &plan.table);
    let filter = plan.range_filter(&key, &ty, 2, 3);
    let sql = format!(
        "SELECT k::text FROM (SELECT {key} AS k, row_number() OVER (ORDER BY {key}) AS rn
                              FROM {table} WHERE {filter}) s
         WHERE (rn - 1) % $1 = 0 ORDER BY k"
    );
    let rows = session
        .query(
            &sql,
            &[&step, &range.lo, &range.hi],
            Some(&plan.qualified()),
        )
        .await?;
    rows.iter().map(|r| get(r, 0)).collect()
}

/// Per-bucket counts and checksums of `range`, bucketed at `thresholds`.
async fn ordered_bucket_sums(
    session: &Session,
    plan: &ChecksumPlan,
    range: &OrderedRange,
    thresholds: &[String],
) -> Result<BTreeMap<i64, RangeSum>, ProbeError> {
    let Some((key, ty)) = plan.ordered_key_expr() else {
        return Ok(BTreeMap::new());
    };
    let table = quote_table(&plan.schema, &plan.table);
    let filter = plan.range_filter(&key, &ty, 2, 3);
    let hash = plan.row_hash();
    let sql = format!(
        "SELECT width_bucket({key}, $1::text[]::{ty}[])::bigint, count(*), COALESCE(sum({hash}), 0)::text
         FROM {table} WHERE {filter} GROUP BY 1"
    );
    let rows = session
        .query(
            &sql,
            &[&thresholds, &range.lo, &range.hi],
            Some(&plan.qualified()),
        )
        .await?;
    let mut out = BTreeMap::new();
    for row in &rows {
        out.insert(
            get::<i64>(row, 0)?,
            RangeSum {
                rows: get(row, 1)?,
                sum: get(row, 2)?,
            },
        );
    }
    Ok(out)
}

/// The lowest and highest key of `range` on one side.
async fn ordered_extent(
    session: &Session,
    plan: &ChecksumPlan,
    range: &OrderedRange,
) -> Result<(Option<String>, Option<String>), ProbeError> {
    let Some((key, ty)) = plan.ordered_key_expr() else {
        return Ok((None, None));
    };
    let table = quote_table(&plan.schema, &plan.table);
    let filter = plan.range_filter(&key, &ty, 1, 2);
    let sql = format!(
        "SELECT (SELECT {key}::text FROM {table} WHERE {filter} ORDER BY {key} LIMIT 1),
                (SELECT {key}::text FROM {table} WHERE {filter} ORDER BY {key} DESC LIMIT 1)"
    );
    let rows = session
        .query(&sql, &[&range.lo, &range.hi], Some(&plan.qualified()))
        .await?;
    match rows.first() {
        Some(row) => Ok((get(row, 0)?, get(row, 1)?)),
        None => Ok((None, None)),
    }
}

/// Compare a table keyed by a non-integer column: cut it at key values sampled from the
/// side with more rows (`range_rows` apart), compare each part, and re-cut mismatching parts
/// 16 ways until they are small. The reported ranges are the lowest and highest keys either
/// side holds in each differing part.
async fn compare_ordered(
    source: &Session,
    target: &Session,
    plan: &ChecksumPlan,
    source_rows: i64,
    target_rows: i64,
) -> Result<ContentDiff, (crate::facts::db::Side, ProbeError)> {
    use crate::facts::db::Side;
    let src_err = |e| (Side::Source, e);
    let tgt_err = |e| (Side::Target, e);
    let mut diff = ContentDiff::default();
    let mut pending = vec![OrderedRange {
        lo: None,
        hi: None,
        source_rows,
        target_rows,
    }];
    let mut budget = BISECT_BUDGET;
    let mut leaves = Vec::new();
    let mut first = true;
    while let Some(range) = pending.pop() {
        let rows = range.source_rows.max(range.target_rows);
        if rows == 0 {
            continue;
        }
        let step = if first {
            i64::try_from(plan.range_rows).unwrap_or(i64::MAX).max(1)
        } else {
            (rows + 15) / 16
        }
        .max(1);
        first = false;
        let thresholds = if range.source_rows >= range.target_rows {
            sample_thresholds(source, plan, &range, step)
                .await
                .map_err(src_err)?
        } else {
            sample_thresholds(target, plan, &range, step)
                .await
                .map_err(tgt_err)?
        };
        let (s, t) = tokio::join!(
            ordered_bucket_sums(source, plan, &range, &thresholds),
            ordered_bucket_sums(target, plan, &range, &thresholds)
        );
        let (s, t) = (s.map_err(src_err)?, t.map_err(tgt_err)?);
        let mut ids: Vec<i64> = s.keys().chain(t.keys()).copied().collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let (a, b) = (s.get(&id), t.get(&id));
            if a == b {
                continue;
            }
            // width_bucket: 0 is below the first threshold, i is [t[i-1], t[i]).
            let i = usize::try_from(id).unwrap_or(0);
            let part = OrderedRange {
                lo: if i == 0 {
                    range.lo.clone()
                } else {
                    thresholds.get(i - 1).cloned()
                },
                hi: thresholds.get(i).cloned().or_else(|| range.hi.clone()),
                source_rows: a.map_or(0, |r| r.rows),
                target_rows: b.map_or(0, |r| r.rows),
            };
            let narrower = part.lo != range.lo || part.hi != range.hi;
            if part.source_rows.max(part.target_rows) > LEAF_ROWS && budget > 0 && narrower {
                budget -= 1;
                pending.push(part);
            } else {
                leaves.push(part);
            }
        }
    }
    diff.range_count = leaves.len() as u64;
    leaves.truncate(MAX_LISTED_RANGES);
    for part in leaves {
        let (s, t) = tokio::join!(
            ordered_extent(source, plan, &part),
            ordered_extent(target, plan, &part)
        );
        let ((smin, smax), (tmin, tmax)) = (s.map_err(src_err)?, t.map_err(tgt_err)?);
        // Keys are compared as the database orders them; text bounds only for display.
        let from_key = match (smin, tmin) {
            (Some(a), Some(b)) => Some(if a <= b { a } else { b }),
            (a, b) => a.or(b),
        };
        let to_key = match (smax, tmax) {
            (Some(a), Some(b)) => Some(if a >= b { a } else { b }),
            (a, b) => a.or(b),
        };
        diff.ranges.push(KeyRange {
            from: None,
            to: None,
            from_key,
            to_key,
            source_rows: part.source_rows,
            target_rows: part.target_rows,
        });
    }
    diff.ranges.sort_by(|a, b| a.from_key.cmp(&b.from_key));
    Ok(diff)
}
