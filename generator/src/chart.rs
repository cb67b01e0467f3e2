//! SVG charts rendered at build time: no chart library in the browser, nothing to load, and
//! nothing inline that a strict CSP would block (colours are attributes and classes, not
//! `style`).

use std::fmt::Write;

/// Escapes text for SVG/XML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A coverage bar: the covered share of `total`, labelled.
pub(crate) fn coverage_bar(label: &str, covered: usize, total: usize) -> String {
    let width = 320.0;
    let share = if total == 0 {
        1.0
    } else {
        covered as f64 / total as f64
    };
    let filled = (width * share).round();
    let percent = (share * 100.0).floor();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="coverage-chart" width="{width}" height="28" viewBox="0 0 {width} 28" role="img" aria-label="{}: {covered} of {total} covered ({percent}%)" xmlns="http://www.w3.org/2000/svg">"#,
        esc(label)
    );
    let _ = write!(
        svg,
        r##"<rect class="bar-bg" x="0" y="4" width="{width}" height="20" rx="3" fill="#e5e7eb"/>"##
    );
    let _ = write!(
        svg,
        r##"<rect class="bar-covered cov-fill-rect" x="0" y="4" width="{filled}" height="20" rx="3" fill="#16a34a"/>"##
    );
    svg.push_str("</svg>");
    svg
}

/// One stacked horizontal bar per kind, split by status.
pub(crate) fn status_chart(kinds: &[(String, Vec<(String, usize)>)]) -> String {
    let rows: Vec<(&str, Vec<(&str, usize)>)> = kinds
        .iter()
        .map(|(kind, counts)| {
            let counts = counts.iter().map(|(s, n)| (s.as_str(), *n)).collect();
            (kind.as_str(), counts)
        })
        .collect();
    let mut legend: Vec<&str> = Vec::new();
    for (_, counts) in &rows {
        for (status, _) in counts {
            if !legend.contains(status) {
                legend.push(status);
            }
        }
    }
    stacked_bars(
        &rows,
        &legend,
        &Stacked {
            class: "status-chart",
            aria: "Items by kind and status",
            segment: "status",
            colour: status_colour,
            title: &|_, status, n| format!("{}: {n}", esc(status)),
            legend: &|status| esc(status),
            char_width: 7.5,
            skip_empty: false,
        },
    )
}

/// How a stacked-bar chart names and colours its segments.
struct Stacked<'a> {
    /// Class of the `<svg>`.
    class: &'a str,
    /// Its accessible label.
    aria: &'a str,
    /// Class prefix of a segment (`status-approved`, `verdict-failed`), which the theme colours.
    segment: &'a str,
    /// Fallback fill of a segment, for SVG viewers without the stylesheet.
    colour: fn(&str) -> &'static str,
    /// A segment's `<title>`, from kind, segment name and count (escaped).
    title: &'a dyn Fn(&str, &str, usize) -> String,
    /// A legend entry's text (escaped).
    legend: &'a dyn Fn(&str) -> String,
    /// Approximate width of a legend character, for spacing the entries.
    char_width: f64,
    /// Whether segments with a count of zero are left out.
    skip_empty: bool,
}

/// One stacked horizontal bar per row (kind), one segment per named count, then a legend.
fn stacked_bars(
    rows: &[(&str, Vec<(&str, usize)>)],
    legend: &[&str],
    spec: &Stacked<'_>,
) -> String {
    let (label_w, bar_w, row_h) = (160.0, 420.0, 26.0);
    let max = rows
        .iter()
        .map(|(_, s)| s.iter().map(|(_, n)| n).sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let height = row_h * rows.len() as f64 + 34.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="{}" width="{w}" height="{height}" viewBox="0 0 {w} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        spec.class,
        spec.aria,
        w = label_w + bar_w + 60.0
    );
    for (row, (kind, counts)) in rows.iter().enumerate() {
        let y = row as f64 * row_h;
        let _ = write!(
            svg,
            r#"<text x="0" y="{}" font-size="12" fill="currentColor">{}</text>"#,
            y + 15.0,
            esc(kind)
        );
        let mut x = label_w;
        let mut total = 0;
        for (name, n) in counts.iter().filter(|(_, n)| !spec.skip_empty || *n > 0) {
            let w = bar_w * *n as f64 / max as f64;
            let _ = write!(
                svg,
                r#"<rect class="seg {}-{}" x="{x:.1}" y="{}" width="{w:.1}" height="18" fill="{}"><title>{}</title></rect>"#,
                spec.segment,
                esc(name),
                y + 2.0,
                (spec.colour)(name),
                (spec.title)(kind, name, *n)
            );
            x += w;
            total += n;
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{}" font-size="12" fill="currentColor">{total}</text>"#,
            x + 6.0,
            y + 15.0
        );
    }
    let legend_y = row_h * rows.len() as f64 + 14.0;
    let mut x = label_w;
    for name in legend {
        let text = (spec.legend)(name);
        let _ = write!(
            svg,
            r#"<rect class="{}-{}" x="{x}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{legend_y}" font-size="12" fill="currentColor">{text}</text>"#,
            spec.segment,
            esc(name),
            legend_y - 10.0,
            (spec.colour)(name),
            x + 16.0,
        );
        x += 24.0 + spec.char_width * text.len() as f64;
    }
    svg.push_str("</svg>");
    svg
}

fn status_colour(status: &str) -> &'static str {
    match status {
        "approved" => "#16a34a",
        "review" => "#d97706",
        "draft" => "#6b7280",
        "obsolete" => "#9ca3af",
        _ => "#2563eb",
    }
}

/// Evidence status per kind: one stacked horizontal bar per kind, one segment per verdict
/// (`passed`, `skipped`, `missing`, `failed`, `none`), in the order given. Each segment has a
/// `<title>` (its count in words) and a class `verdict-<name>` that the theme colours the same
/// way as the verdict badges; the `fill` attributes are the fallback for SVG viewers.
pub(crate) fn evidence_chart(kinds: &[(&str, Vec<(&str, usize)>)]) -> String {
    let legend: Vec<&str> = kinds
        .first()
        .map(|(_, counts)| counts.iter().map(|(v, _)| *v).collect())
        .unwrap_or_default();
    stacked_bars(
        kinds,
        &legend,
        &Stacked {
            class: "evidence-chart",
            aria: "Items by kind and evidence status",
            segment: "verdict",
            colour: verdict_colour,
            title: &|kind, verdict, n| format!("{}: {n} {}", esc(kind), verdict_label(verdict)),
            legend: &|verdict| verdict_label(verdict).to_owned(),
            char_width: 7.0,
            skip_empty: true,
        },
    )
}

fn verdict_label(verdict: &str) -> &'static str {
    match verdict {
        "passed" => "passed",
        "skipped" => "skipped",
        "missing" => "missing",
        "failed" => "failed",
        _ => "no evidence",
    }
}

fn verdict_colour(verdict: &str) -> &'static str {
    match verdict {
        "passed" => "#2f9e5b",
        "skipped" => "#d9a21b",
        "missing" => "#e8702a",
        "failed" => "#d33c3c",
        _ => "#b5bcc6",
    }
}
