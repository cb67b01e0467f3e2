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
    let (label_w, bar_w, row_h) = (160.0, 420.0, 26.0);
    let max = kinds
        .iter()
        .map(|(_, s)| s.iter().map(|(_, n)| n).sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let statuses: Vec<&str> = {
        let mut all: Vec<&str> = Vec::new();
        for (_, counts) in kinds {
            for (status, _) in counts {
                if !all.contains(&status.as_str()) {
                    all.push(status);
                }
            }
        }
        all
    };
    let height = row_h * kinds.len() as f64 + 34.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="status-chart" width="{w}" height="{height}" viewBox="0 0 {w} {height}" role="img" aria-label="Items by kind and status" xmlns="http://www.w3.org/2000/svg">"#,
        w = label_w + bar_w + 60.0
    );
    for (row, (kind, counts)) in kinds.iter().enumerate() {
        let y = row as f64 * row_h;
        let _ = write!(
            svg,
            r#"<text x="0" y="{}" font-size="12" fill="currentColor">{}</text>"#,
            y + 15.0,
            esc(kind)
        );
        let mut x = label_w;
        let mut total = 0;
        for (status, n) in counts {
            let w = bar_w * *n as f64 / max as f64;
            let _ = write!(
                svg,
                r#"<rect class="seg status-{}" x="{x:.1}" y="{}" width="{w:.1}" height="18" fill="{}"><title>{}: {n}</title></rect>"#,
                esc(status),
                y + 2.0,
                status_colour(status),
                esc(status)
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
    let legend_y = row_h * kinds.len() as f64 + 14.0;
    let mut x = label_w;
    for status in statuses {
        let _ = write!(
            svg,
            r#"<rect class="status-{}" x="{x}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{}" font-size="12" fill="currentColor">{}</text>"#,
            esc(status),
            legend_y - 10.0,
            status_colour(status),
            x + 16.0,
            legend_y,
            esc(status)
        );
        x += 24.0 + 7.5 * status.len() as f64;
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
    let (label_w, bar_w, row_h) = (160.0, 420.0, 26.0);
    let max = kinds
        .iter()
        .map(|(_, s)| s.iter().map(|(_, n)| n).sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let height = row_h * kinds.len() as f64 + 34.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="evidence-chart" width="{w}" height="{height}" viewBox="0 0 {w} {height}" role="img" aria-label="Items by kind and evidence status" xmlns="http://www.w3.org/2000/svg">"#,
        w = label_w + bar_w + 60.0
    );
    for (row, (kind, counts)) in kinds.iter().enumerate() {
        let y = row as f64 * row_h;
        let _ = write!(
            svg,
            r#"<text x="0" y="{}" font-size="12" fill="currentColor">{}</text>"#,
            y + 15.0,
            esc(kind)
        );
        let mut x = label_w;
        let mut total = 0;
        for (verdict, n) in counts.iter().filter(|(_, n)| *n > 0) {
            let w = bar_w * *n as f64 / max as f64;
            let _ = write!(
                svg,
                r#"<rect class="seg verdict-{}" x="{x:.1}" y="{}" width="{w:.1}" height="18" fill="{}"><title>{}: {n} {}</title></rect>"#,
                esc(verdict),
                y + 2.0,
                verdict_colour(verdict),
                esc(kind),
                verdict_label(verdict)
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
    let legend_y = row_h * kinds.len() as f64 + 14.0;
    let mut x = label_w;
    let verdicts = kinds
        .first()
        .map(|(_, counts)| counts.as_slice())
        .unwrap_or_default();
    for (verdict, _) in verdicts {
        let label = verdict_label(verdict);
        let _ = write!(
            svg,
            r#"<rect class="verdict-{}" x="{x}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{legend_y}" font-size="12" fill="currentColor">{label}</text>"#,
            esc(verdict),
            legend_y - 10.0,
            verdict_colour(verdict),
            x + 16.0,
        );
        x += 24.0 + 7.0 * label.len() as f64;
    }
    svg.push_str("</svg>");
    svg
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
