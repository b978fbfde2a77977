//! Charts as SVG text, drawn on the server (and identically in the browser),
//! readable without JavaScript. Each has a title and a description for
//! screen readers; the page puts the same numbers in a table beside it.
//! Colours come from a palette with at least 3:1 contrast on white, and
//! every series is also named in a legend (never colour alone).

/// Series colours, dark enough for 3:1 against white.
pub const PALETTE: [&str; 8] = [
    "#1f5f99", "#b34700", "#2e7d32", "#7b1fa2", "#ad1457", "#00695c", "#5d4037", "#455a64",
];

const W: f64 = 720.0;
const H: f64 = 240.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 36.0;

/// Escapes text for SVG content and attributes.
pub fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn open(id: &str, title: &str, desc: &str, height: f64) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" role="img" aria-labelledby="{id}-t {id}-d" class="chart-svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    )
}

/// A rounded-up axis maximum: 1, 2, 5 × 10ⁿ.
pub fn nice_max(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    for step in [1.0, 2.0, 5.0, 10.0] {
        if v <= step * mag {
            return step * mag;
        }
    }
    10.0 * mag
}

fn y_axis(max: f64, percent: bool) -> String {
    let mut out = String::new();
    let plot_h = H - TOP - BOTTOM;
    for i in 0..=4 {
        let v = max * f64::from(i) / 4.0;
        let y = TOP + plot_h - plot_h * f64::from(i) / 4.0;
        let label = if percent {
            format!("{:.0}%", v * 100.0)
        } else {
            format!("{v:.0}")
        };
        out.push_str(&format!(
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#d0d7de" stroke-width="1"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#333">{label}</text>"##,
            W - RIGHT,
            LEFT - 4.0,
            y + 4.0
        ));
    }
    out
}

/// Stacked bars: one bar per label, one stack piece per series.
/// `values[i][s]` is series `s` at label `i`.
pub fn stacked_bars(
    id: &str,
    title: &str,
    desc: &str,
    labels: &[String],
    values: &[Vec<u64>],
) -> String {
    let totals: Vec<u64> = values.iter().map(|v| v.iter().sum()).collect();
    let max = nice_max(totals.iter().copied().max().unwrap_or(0) as f64);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let slot = plot_w / labels.len().max(1) as f64;
    let bar = (slot * 0.7).max(1.0);
    let mut out = open(id, title, desc, H);
    out.push_str(&y_axis(max, false));
    for (i, label) in labels.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut y = TOP + plot_h;
        for (s, v) in values.get(i).into_iter().flatten().enumerate() {
            if *v == 0 {
                continue;
            }
            let h = plot_h * *v as f64 / max;
            y -= h;
            out.push_str(&format!(
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}" fill="{}"><title>{}: {v}</title></rect>"#,
                PALETTE[s % PALETTE.len()],
                esc(label)
            ));
        }
        // Label every bar when there are few, else every fourth.
        let every = if labels.len() > 16 { 4 } else { 1 };
        if i % every == 0 {
            out.push_str(&format!(
                r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#333">{}</text>"##,
                x + bar / 2.0,
                H - BOTTOM + 16.0,
                esc(label)
            ));
        }
    }
    out.push_str("</svg>");
    out
}

/// A line of shares (0..1) with a dot per point; gaps where there is no value.
pub fn share_line(
    id: &str,
    title: &str,
    desc: &str,
    labels: &[String],
    values: &[Option<f64>],
) -> String {
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let slot = plot_w / labels.len().max(1) as f64;
    let mut out = open(id, title, desc, H);
    out.push_str(&y_axis(1.0, true));
    let mut points = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let x = LEFT + slot * (i as f64 + 0.5);
        if let Some(v) = v {
            let y = TOP + plot_h - plot_h * v.clamp(0.0, 1.0);
            points.push(format!("{x:.1},{y:.1}"));
            out.push_str(&format!(
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="#1f5f99"><title>{}: {:.0}%</title></circle>"##,
                esc(labels.get(i).map(String::as_str).unwrap_or("")),
                v * 100.0
            ));
        }
        let every = if labels.len() > 16 { 4 } else { 1 };
        if i % every == 0 {
            out.push_str(&format!(
                r##"<text x="{x:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#333">{}</text>"##,
                H - BOTTOM + 16.0,
                esc(labels.get(i).map(String::as_str).unwrap_or(""))
            ));
        }
    }
    if points.len() > 1 {
        out.push_str(&format!(
            r##"<polyline points="{}" fill="none" stroke="#1f5f99" stroke-width="2"/>"##,
            points.join(" ")
        ));
    }
    out.push_str("</svg>");
    out
}

/// The most characters of a name that fit left of the paired bars.
const NAME_CHARS: usize = 26;

/// A name short enough for the chart's left column: «Фамилия Имя Отчество»
/// becomes «Фамилия И. О.», and what is still too long ends in «…». The
/// full name stays in the element's title and in the table beside it.
pub fn short_name(name: &str) -> String {
    let name = name.trim();
    if name.chars().count() <= NAME_CHARS {
        return name.to_string();
    }
    let mut words = name.split_whitespace();
    let mut short = words.next().unwrap_or_default().to_string();
    for w in words {
        if let Some(c) = w.chars().next() {
            short.push(' ');
            short.push(c);
            short.push('.');
        }
    }
    if short.chars().count() <= NAME_CHARS {
        return short;
    }
    let mut cut: String = short.chars().take(NAME_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Horizontal paired bars per person: `values[i] = (a, b)`.
pub fn paired_bars(
    id: &str,
    title: &str,
    desc: &str,
    names: &[String],
    values: &[(u64, u64)],
) -> String {
    let row = 30.0;
    let height = TOP + row * names.len().max(1) as f64 + 8.0;
    let name_w = 190.0;
    let plot_w = W - name_w - RIGHT - 40.0;
    let max = nice_max(values.iter().map(|(a, b)| (*a).max(*b)).max().unwrap_or(0) as f64);
    let mut out = open(id, title, desc, height);
    for (i, name) in names.iter().enumerate() {
        let y = TOP + row * i as f64;
        let (a, b) = values.get(i).copied().unwrap_or((0, 0));
        out.push_str(&format!(
            r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" fill="#222"><title>{}</title>{}</text>"##,
            name_w - 6.0,
            y + 17.0,
            esc(name),
            esc(&short_name(name))
        ));
        for (j, (v, colour)) in [(a, PALETTE[0]), (b, PALETTE[1])].iter().enumerate() {
            let w = plot_w * *v as f64 / max;
            let by = y + 3.0 + 12.0 * j as f64;
            out.push_str(&format!(
                r##"<rect x="{name_w}" y="{by:.1}" width="{w:.1}" height="10" fill="{colour}"/><text x="{:.1}" y="{:.1}" font-size="10" fill="#222">{v}</text>"##,
                name_w + w + 4.0,
                by + 9.0
            ));
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_swatch_classes_match_the_palette() {
        let css = include_str!("../../../style/main.css");
        for (i, colour) in PALETTE.iter().enumerate() {
            let rule = format!(".swatch-{i} {{ background: {colour}; }}");
            assert!(css.contains(&rule), "style/main.css lacks {rule}");
        }
    }

    #[test]
    fn axis_maxima_are_round() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(13.0), 20.0);
        assert_eq!(nice_max(45.0), 50.0);
        assert_eq!(nice_max(100.0), 100.0);
    }

    #[test]
    fn stacked_bars_scale_to_the_tallest_and_escape_text() {
        let svg = stacked_bars(
            "c",
            "Обращения <по неделям>",
            "desc",
            &["01.03".into(), "08.03".into()],
            &[vec![3, 2], vec![10, 0]],
        );
        assert!(svg.contains("Обращения &lt;по неделям&gt;"));
        assert!(svg.contains(r#"role="img""#));
        // The tallest bar (10 of an axis of 10) fills the plot height.
        let plot_h = H - TOP - BOTTOM;
        assert!(svg.contains(&format!(r#"height="{plot_h:.1}""#)));
        assert_eq!(svg.matches("<rect").count(), 3, "zero pieces are not drawn");
    }

    #[test]
    fn long_names_are_shortened_to_fit_the_left_column() {
        assert_eq!(short_name("Смирнов Олег"), "Смирнов Олег");
        assert_eq!(
            short_name("Константинопольская Александра Вячеславовна"),
            "Константинопольская А. В."
        );
        let long = short_name(&"Ы".repeat(40));
        assert_eq!(long.chars().count(), NAME_CHARS);
        assert!(long.ends_with('…'));
        let svg = paired_bars(
            "p",
            "t",
            "d",
            &["Константинопольская Александра Вячеславовна".into()],
            &[(3, 1)],
        );
        // 12 px text needs at most ~7 px a character: the shortened name
        // fits the 184 px left of the bars.
        assert!(NAME_CHARS as f64 * 6.6 <= 190.0 - 6.0);
        assert!(svg.contains("<title>Константинопольская Александра Вячеславовна</title>"));
        assert!(svg.contains("Константинопольская А. В.</text>"));
    }

    #[test]
    fn share_line_skips_missing_weeks() {
        let svg = share_line(
            "s",
            "t",
            "d",
            &["a".into(), "b".into(), "c".into()],
            &[Some(1.0), None, Some(0.5)],
        );
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("50%"));
    }
}
