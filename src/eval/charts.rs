//! The report's charts, drawn with `plotters`' SVG backend into strings that are inlined in
//! the HTML page (no scripts, no external fonts: text is SVG `<text>` in the page's font).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::details::Calibration;
use super::metrics::{ClassMetrics, FoldSummary};

const FONT: &str = "sans-serif";
const BLUE: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const ORANGE: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
const GREEN: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);
const GREY: RGBColor = RGBColor(0x88, 0x88, 0x88);

type DrawResult<T> = Result<T, Box<dyn std::error::Error>>;
/// A chart series: legend name, colour, and what to draw.
type Series<'a, T> = (&'a str, RGBColor, T);
/// Which per-class figure a bar shows.
type Figure = fn(&ClassMetrics) -> f64;

/// The chart's SVG with a title, or a short note when drawing failed (a report must still be
/// written when one chart cannot be).
fn finish<E: std::fmt::Display>(drawn: Result<(), E>, svg: String, title: &str) -> String {
    if let Err(e) = drawn {
        return format!(
            "<p>chart failed: {}</p>",
            super::html::escape(&e.to_string())
        );
    }
    // plotters writes a bare <svg>; give it an accessible title for screen readers and tests.
    let title = super::html::escape(title);
    match svg.find('>') {
        Some(i) => format!(
            "{}><title>{title}</title>{}",
            &svg[..i].replacen("<svg ", "<svg role=\"img\" ", 1),
            &svg[i + 1..]
        ),
        None => svg,
    }
}

/// Confusion-matrix heatmap: cells coloured by the row-normalized share (recall of the gold
/// class), labelled with the count and the share.
#[allow(clippy::needless_range_loop)] // cells are addressed by (gold, predicted) index
pub fn confusion(labels: &[String], counts: &[Vec<u64>]) -> String {
    let k = labels.len().max(1);
    let cell = 90u32;
    let (left, top) = (110u32, 40u32);
    let size = (left + cell * k as u32 + 20, top + cell * k as u32 + 50);
    let mut svg = String::new();
    let r = (|| -> DrawResult<()> {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        let center = Pos::new(HPos::Center, VPos::Center);
        let t = |s: u32| TextStyle::from((FONT, s).into_font()).pos(center);
        root.draw(&Text::new(
            "predicted",
            ((left + cell * k as u32 / 2) as i32, (top / 2) as i32),
            t(14),
        ))?;
        for g in 0..k {
            let total: u64 = counts[g].iter().sum();
            for p in 0..k {
                let c = counts[g][p];
                let share = if total > 0 {
                    c as f64 / total as f64
                } else {
                    0.0
                };
                let x0 = (left + cell * p as u32) as i32;
                let y0 = (top + cell * g as u32) as i32;
                let base = if g == p { BLUE } else { ORANGE };
                let fill = RGBColor(
                    lerp(255, base.0, share),
                    lerp(255, base.1, share),
                    lerp(255, base.2, share),
                );
                root.draw(&Rectangle::new(
                    [(x0, y0), (x0 + cell as i32, y0 + cell as i32)],
                    fill.filled(),
                ))?;
                root.draw(&Rectangle::new(
                    [(x0, y0), (x0 + cell as i32, y0 + cell as i32)],
                    GREY.stroke_width(1),
                ))?;
                let ink = if share > 0.6 { WHITE } else { BLACK };
                let cx = x0 + cell as i32 / 2;
                let cy = y0 + cell as i32 / 2;
                root.draw(&Text::new(c.to_string(), (cx, cy - 10), t(18).color(&ink)))?;
                root.draw(&Text::new(
                    format!("{:.1}%", share * 100.0),
                    (cx, cy + 12),
                    t(13).color(&ink),
                ))?;
            }
            root.draw(&Text::new(
                clip(&labels[g], 14),
                ((left - 8) as i32, (top + cell * g as u32 + cell / 2) as i32),
                TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        for p in 0..k {
            root.draw(&Text::new(
                clip(&labels[p], 12),
                (
                    (left + cell * p as u32 + cell / 2) as i32,
                    (top + cell * k as u32 + 14) as i32,
                ),
                t(14),
            ))?;
        }
        root.draw(&Text::new(
            "rows: gold; shares: of the gold row",
            ((size.0 / 2) as i32, (size.1 - 12) as i32),
            t(12).color(&GREY),
        ))?;
        root.present()?;
        Ok(())
    })();
    finish(r, svg, "confusion matrix")
}

fn lerp(a: u8, b: u8, t: f64) -> u8 {
    (a as f64 + (b as f64 - a as f64) * t.clamp(0.0, 1.0)).round() as u8
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// Grouped bars: precision, recall and F1 per class.
pub fn class_bars(per_class: &[ClassMetrics]) -> String {
    let k = per_class.len();
    let size = ((140 * k as u32 + 120).max(360), 280u32);
    let mut svg = String::new();
    let r = (|| -> DrawResult<()> {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(0f64..k as f64, 0f64..1.25f64)?;
        let labels: Vec<String> = per_class.iter().map(|m| clip(&m.label, 14)).collect();
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .disable_x_mesh()
            .x_labels(k * 2 + 1)
            .x_label_formatter(&|x| {
                let i = x.floor() as usize;
                if (x - i as f64 - 0.5).abs() < 1e-6 && i < k {
                    labels[i].clone()
                } else {
                    String::new()
                }
            })
            .y_labels(6)
            .y_label_formatter(&|y| format!("{y:.1}"))
            .label_style((FONT, 13))
            .draw()?;
        let series: [Series<Figure>; 3] = [
            ("precision", BLUE, |m| m.precision),
            ("recall", ORANGE, |m| m.recall),
            ("F1", GREEN, |m| m.f1),
        ];
        for (s, (name, color, f)) in series.into_iter().enumerate() {
            let bars = per_class.iter().enumerate().map(|(i, m)| {
                let x0 = i as f64 + 0.15 + 0.23 * s as f64;
                Rectangle::new([(x0, 0.0), (x0 + 0.21, f(m))], color.filled())
            });
            chart.draw_series(bars)?.label(name).legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
            });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(GREY)
            .label_font((FONT, 12))
            .draw()?;
        root.present()?;
        Ok(())
    })();
    finish(r, svg, "precision, recall and F1 per class")
}

/// Reliability diagram: accuracy against mean confidence per bin (bin bars and a line), the
/// diagonal of perfect calibration, and the ECE.
pub fn reliability(c: &Calibration) -> String {
    let size = (400u32, 360u32);
    let mut svg = String::new();
    let r = (|| -> DrawResult<()> {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(format!("ECE {:.4}", c.ece), (FONT, 15))
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("confidence (probability of the predicted label)")
            .y_desc("observed accuracy")
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|x| format!("{x:.1}"))
            .y_label_formatter(&|y| format!("{y:.1}"))
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 12))
            .draw()?;
        chart.draw_series(c.bins.iter().filter(|b| b.n > 0).map(|b| {
            Rectangle::new(
                [(b.lo + 0.005, 0.0), (b.hi - 0.005, b.accuracy)],
                BLUE.mix(0.35).filled(),
            )
        }))?;
        chart.draw_series(LineSeries::new(
            [(0.0, 0.0), (1.0, 1.0)],
            GREY.stroke_width(1),
        ))?;
        let pts: Vec<(f64, f64)> = c
            .bins
            .iter()
            .filter(|b| b.n > 0)
            .map(|b| (b.confidence, b.accuracy))
            .collect();
        chart.draw_series(LineSeries::new(pts.clone(), ORANGE.stroke_width(2)))?;
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, ORANGE.filled())))?;
        root.present()?;
        Ok(())
    })();
    finish(r, svg, "reliability diagram")
}

/// Per-fold macro-F1 (and F_avg when present) of one head, with the mean as a dashed line.
pub fn folds(head: &str, folds: &[FoldSummary]) -> String {
    let pts: Vec<(usize, f64, Option<f64>)> = folds
        .iter()
        .filter_map(|f| {
            f.heads
                .iter()
                .find(|h| h.head == head)
                .map(|h| (f.fold, h.macro_f1, h.f_avg))
        })
        .collect();
    let n = pts.len().max(1);
    let size = (420u32, 240u32);
    let mut svg = String::new();
    let r = (|| -> DrawResult<()> {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(0.5f64..n as f64 + 0.5, 0f64..1f64)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_labels(n.min(20))
            .x_label_formatter(&|x| format!("{}", x.round() as i64))
            .x_desc("fold")
            .y_labels(6)
            .y_label_formatter(&|y| format!("{y:.1}"))
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 12))
            .draw()?;
        let series: [Series<Vec<(f64, f64)>>; 2] = [
            (
                "macro-F1",
                BLUE,
                pts.iter().map(|p| (p.0 as f64, p.1)).collect(),
            ),
            (
                "F_avg",
                GREEN,
                pts.iter()
                    .filter_map(|p| p.2.map(|v| (p.0 as f64, v)))
                    .collect(),
            ),
        ];
        for (name, color, v) in series {
            if v.is_empty() {
                continue;
            }
            let mean = v.iter().map(|p| p.1).sum::<f64>() / v.len() as f64;
            chart
                .draw_series(v.iter().map(|&p| Circle::new(p, 4, color.filled())))?
                .label(format!("{name} (mean {mean:.3})"))
                .legend(move |(x, y)| Circle::new((x + 5, y), 4, color.filled()));
            chart.draw_series(DashedLineSeries::new(
                [(0.5, mean), (n as f64 + 0.5, mean)],
                6,
                4,
                color.stroke_width(1),
            ))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(GREY)
            .label_font((FONT, 12))
            .draw()?;
        root.present()?;
        Ok(())
    })();
    finish(r, svg, "per-fold scores")
}
