//! Plain-text tables for human output: left-aligned first column, right-aligned numbers,
//! widths from the content, so the output stays readable in a terminal and in a cron mail.

use std::collections::BTreeMap;

use sync_core::engine::Counts;

/// Renders `rows` under `header`, each line indented by `indent`. Columns of numbers (amounts,
/// counts, durations) are right-aligned, text columns left-aligned.
pub fn render(indent: &str, header: &[&str], rows: &[Vec<String>]) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let right: Vec<bool> = (0..columns)
        .map(|i| !rows.is_empty() && rows.iter().all(|r| r.get(i).is_none_or(|c| numeric(c))))
        .collect();
    let line = |cells: Vec<&str>| {
        let mut out = String::from(indent);
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i > 0 {
                out.push_str("  ");
            }
            if right[i] {
                out.push_str(&" ".repeat(pad));
                out.push_str(cell);
            } else {
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
            }
        }
        out.trim_end().to_string()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// A number as the tables print them: `12`, `-3.50`, `2.4 s`, `<1 s`, or `-` for none.
fn numeric(cell: &str) -> bool {
    cell == "-"
        || (cell.chars().any(|c| c.is_ascii_digit())
            && cell
                .chars()
                .all(|c| c.is_ascii_digit() || ".,-<> s".contains(c)))
}

/// The object kinds a sync reports, in the order they are sent.
pub const KINDS: [&str; 5] = [
    "plans",
    "customers",
    "invoices",
    "transactions",
    "cancellations",
];

/// Every kind of [`KINDS`] (zero when the run touched none) plus any other kind reported.
pub fn all_counts(counts: &BTreeMap<&'static str, Counts>) -> BTreeMap<String, Counts> {
    let mut out: BTreeMap<String, Counts> = KINDS
        .iter()
        .map(|k| (k.to_string(), Counts::default()))
        .collect();
    for (k, c) in counts {
        out.insert(k.to_string(), *c);
    }
    out
}

/// The counts per kind as a table: kind, created, updated, deleted, cancelled.
pub fn counts(indent: &str, counts: &BTreeMap<String, Counts>) -> String {
    let mut order: Vec<&String> = KINDS
        .iter()
        .filter_map(|k| counts.get_key_value(*k).map(|(k, _)| k))
        .collect();
    order.extend(counts.keys().filter(|k| !KINDS.contains(&k.as_str())));
    let rows: Vec<Vec<String>> = order
        .into_iter()
        .map(|k| {
            let c = counts[k];
            vec![
                k.clone(),
                c.created.to_string(),
                c.updated.to_string(),
                c.deleted.to_string(),
                c.cancelled.to_string(),
            ]
        })
        .collect();
    render(
        indent,
        &["kind", "created", "updated", "deleted", "cancelled"],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up() {
        let t = render(
            "  ",
            &["kind", "n", "status"],
            &[
                vec!["plans".into(), "3".into(), "ok".into()],
                vec!["customers".into(), "120".into(), "partial".into()],
            ],
        );
        assert_eq!(
            t,
            "  kind         n  status\n  plans        3  ok\n  customers  120  partial\n"
        );
    }
}
