//! The network picture as SVG, laid out by the tool itself (no Graphviz at run time) for the one shape it
//! has: the VPC with its AZs side by side and their subnets in a row on top; endpoints, gateways and the
//! bundle of reachable endpoints in a row below; the internet outside. Edges run orthogonally, each on its
//! own horizontal track between the rows, its label on that track: no two labels can overlap, and no label
//! sits on a box. Failing flows take the first tracks, nearest the subnets.

use std::fmt::Write as _;

use super::topology::{Element, NodeKind, Topology, TopologyEdge};
use super::Report;
use crate::rules::Severity;

/// Monospace text metrics (12px): a conservative character width, so boxes always hold their text.
const CHAR_W: f64 = 7.4;
const LINE_H: f64 = 15.0;
const PAD: f64 = 12.0;
const GAP: f64 = 18.0;
const MARGIN: f64 = 20.0;
/// Space between an edge's label and its neighbours on the next track.
const TRACK_GAP: f64 = 6.0;
/// The legend's row under the picture.
const LEGEND_H: f64 = 26.0;

/// Okabe and Ito's colours, told apart with every common colour-vision deficiency; a blocked flow is also
/// dashed and labelled BLOCKED, so colour is never the only sign.
const ALLOWED: &str = "#0072b2";
const BLOCKED: &str = "#d55e00";
const WARNED: &str = "#e69f00";
const NOTED: &str = "#56b4e9";
/// A blocked flow's dashes.
const BLOCKED_DASH: &str = "7 4";

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    fn right(&self) -> f64 {
        self.x + self.w
    }
    fn bottom(&self) -> f64 {
        self.y + self.h
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Subnets,
    Nodes,
    Outside,
}

#[derive(Debug, Clone)]
pub struct Placed<'t> {
    pub element: Element<'t>,
    pub rect: Rect,
    pub lines: Vec<&'t str>,
    row: Row,
}

#[derive(Debug, Clone)]
pub struct Route {
    /// The edge's index in the topology.
    pub edge: usize,
    pub points: Vec<(f64, f64)>,
    pub label: Option<Rect>,
    pub label_lines: Vec<String>,
    /// Whether it runs between the rows, inside the VPC frame.
    pub inside: bool,
}

#[derive(Debug, Clone)]
pub struct Layout<'t> {
    pub width: f64,
    pub height: f64,
    pub vpc: Rect,
    pub vpc_title: String,
    pub zones: Vec<(Rect, &'t str)>,
    pub boxes: Vec<Placed<'t>>,
    pub routes: Vec<Route>,
    /// Where the legend's row starts.
    pub legend_y: f64,
}

fn text_box(lines: &[&str]) -> (f64, f64) {
    let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    (longest as f64 * CHAR_W + 2.0 * PAD, lines.len() as f64 * LINE_H + PAD)
}

/// What an edge's label says: its flows, and for a failing flow the hop that blocks it.
fn label_lines(edge: &TopologyEdge) -> Vec<String> {
    match &edge.blocked {
        Some(block) => vec![format!("BLOCKED {}", edge.label), block.hop.clone()],
        None if edge.label.is_empty() => Vec::new(),
        None => vec![edge.label.clone()],
    }
}

pub fn layout<'t>(t: &'t Topology, region: &str) -> Layout<'t> {
    // The VPC frame holds the labels of the edges inside it: when one reaches past the rows, lay out again
    // with the frame that wide (the internet, right of the frame, moves with it).
    let first = layout_within(t, region, 0.0);
    let inside = first.routes.iter().filter(|r| r.inside).filter_map(|r| r.label.map(|l| l.right() + PAD)).fold(0.0, f64::max);
    if inside > first.vpc.right() {
        layout_within(t, region, inside)
    } else {
        first
    }
}

fn layout_within<'t>(t: &'t Topology, region: &str, vpc_right: f64) -> Layout<'t> {
    let mut boxes: Vec<Placed<'t>> = Vec::new();
    let mut zones = Vec::new();
    // Top row: each AZ a frame holding its subnets side by side (env subnets first).
    let zone_top = MARGIN + 30.0;
    let subnet_y = zone_top + 26.0;
    let mut x = MARGIN + PAD;
    for zone in t.zones() {
        let start = x;
        x += PAD;
        let mut subnets: Vec<_> = t.subnets.iter().filter(|s| s.zone == zone).collect();
        subnets.sort_by_key(|s| !s.env);
        for s in subnets {
            let role = if s.env { "env subnet" } else { "subnet" };
            let lines = vec![s.id.as_str(), role, s.cidr.as_str(), s.route_table.as_deref().unwrap_or("no route table")];
            let (w, h) = text_box(&lines);
            boxes.push(Placed { element: Element::Subnet(&s.id), rect: Rect { x, y: subnet_y, w, h }, lines, row: Row::Subnets });
            x += w + GAP;
        }
        let w = x - GAP + PAD - start;
        zones.push((Rect { x: start, y: zone_top, w, h: 0.0 }, zone));
        x = start + w + GAP;
    }
    let subnets_bottom = boxes.iter().map(|b| b.rect.bottom()).fold(subnet_y, f64::max);
    for (rect, _) in &mut zones {
        rect.h = subnets_bottom + PAD - zone_top;
    }
    // Channel between the rows: one track per edge that leaves a subnet, failing edges first.
    let mut order: Vec<usize> = (0..t.edges.len()).collect();
    order.sort_by_key(|&i| t.edges[i].blocked.is_none());
    let (upper, lower): (Vec<usize>, Vec<usize>) = order.into_iter().partition(|&i| from_subnet(t, i));
    let channel_top = subnets_bottom + PAD + GAP;
    let track_height = |i: usize| (label_lines(&t.edges[i]).len().max(1) as f64) * LINE_H + 2.0 * TRACK_GAP;
    let channel_height: f64 = upper.iter().map(|&i| track_height(i)).sum();
    // Bottom row: the nodes inside the VPC; the internet outside, to the right.
    let nodes_y = channel_top + channel_height + GAP;
    let mut x = MARGIN + PAD;
    for node in t.nodes.iter().filter(|n| n.kind != NodeKind::Internet) {
        let lines: Vec<&str> = node.label.lines().collect();
        let (w, h) = text_box(&lines);
        boxes.push(Placed { element: Element::Node(&node.id), rect: Rect { x, y: nodes_y, w, h }, lines, row: Row::Nodes });
        x += w + GAP;
    }
    let rows_right = boxes.iter().map(|b| b.rect.right()).chain(zones.iter().map(|(r, _)| r.right())).fold(MARGIN, f64::max);
    let nodes_bottom = boxes.iter().filter(|b| b.row == Row::Nodes).map(|b| b.rect.bottom()).fold(nodes_y + LINE_H, f64::max);
    let vpc = Rect { x: MARGIN, y: MARGIN, w: (rows_right + PAD).max(vpc_right) - MARGIN, h: nodes_bottom + PAD - MARGIN };
    if let Some(node) = t.nodes.iter().find(|n| n.kind == NodeKind::Internet) {
        let lines: Vec<&str> = node.label.lines().collect();
        let (w, h) = text_box(&lines);
        let rect = Rect { x: vpc.right() + 3.0 * GAP, y: nodes_y, w, h };
        boxes.push(Placed { element: Element::Node(&node.id), rect, lines, row: Row::Outside });
    }
    // Where each edge meets its boxes: spread along the side it uses, ordered by the far end's position.
    let mut ends: Vec<Vec<(usize, bool, f64)>> = vec![Vec::new(); boxes.len()];
    let mut drawn: Vec<(usize, usize, usize)> = Vec::new();
    for &i in upper.iter().chain(&lower) {
        let edge = &t.edges[i];
        let (Some(from), Some(to)) = (box_of(&boxes, &edge.from), box_of(&boxes, &edge.to)) else { continue };
        ends[from].push((i, true, boxes[to].rect.x));
        ends[to].push((i, false, boxes[from].rect.x));
        drawn.push((i, from, to));
    }
    let attach = |b: usize, edge: usize, start: bool, below: bool| -> f64 {
        let mut sorted: Vec<&(usize, bool, f64)> = ends[b].iter().filter(|(e, s, _)| side_is_below(t, &boxes, *e, *s) == below).collect();
        sorted.sort_by(|a, b| a.2.total_cmp(&b.2));
        let k = sorted.iter().position(|(e, s, _)| *e == edge && *s == start).unwrap_or(0);
        let r = boxes[b].rect;
        r.x + r.w * (k as f64 + 1.0) / (sorted.len() as f64 + 1.0)
    };
    let mut routes = Vec::new();
    let mut track = channel_top;
    let mut lower_track = vpc.bottom() + GAP;
    for (i, from, to) in drawn {
        let edge = &t.edges[i];
        let lines = label_lines(edge);
        let height = track_height(i);
        let in_upper = upper.contains(&i);
        let top = if in_upper { &mut track } else { &mut lower_track };
        let y = *top + height / 2.0;
        *top += height;
        let (fr, tr) = (boxes[from].rect, boxes[to].rect);
        let x1 = attach(from, i, true, true);
        let to_below = side_is_below(t, &boxes, i, false);
        let x2 = attach(to, i, false, to_below);
        let y1 = fr.bottom();
        let y2 = if to_below { tr.bottom() } else { tr.y };
        let points = vec![(x1, y1), (x1, y), (x2, y), (x2, y2)];
        let label = (!lines.is_empty()).then(|| {
            let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) as f64;
            let w = longest * CHAR_W + PAD;
            let h = lines.len() as f64 * LINE_H;
            Rect { x: x1.min(x2) + PAD, y: y - h / 2.0, w, h }
        });
        routes.push(Route { edge: i, points, label, label_lines: lines, inside: in_upper });
    }
    let right =
        routes.iter().filter_map(|r| r.label.map(|l| l.right())).chain(boxes.iter().map(|b| b.rect.right())).fold(vpc.right(), f64::max);
    let vpc_title = format!("{} ({region})", t.vpc_id.as_deref().unwrap_or("unknown VPC"));
    let legend_y = lower_track.max(vpc.bottom()) + MARGIN / 2.0;
    Layout { width: right + MARGIN, height: legend_y + LEGEND_H + MARGIN / 2.0, vpc, vpc_title, zones, boxes, routes, legend_y }
}

/// Whether an edge meets the box at that end on its lower side: always, but for an edge that arrives
/// from the subnet row at a node in the row below (it comes in from above).
fn side_is_below(t: &Topology, boxes: &[Placed<'_>], edge: usize, start: bool) -> bool {
    if start {
        return true;
    }
    let to_row = box_of(boxes, &t.edges[edge].to).map(|b| boxes[b].row);
    !(from_subnet(t, edge) && to_row != Some(Row::Subnets))
}

/// The index of the box drawing the subnet or node `id`.
fn box_of(boxes: &[Placed<'_>], id: &str) -> Option<usize> {
    boxes.iter().position(|b| matches!(b.element, Element::Subnet(s) | Element::Node(s) if s == id))
}

/// Whether the edge leaves a subnet (it then runs between the rows).
fn from_subnet(t: &Topology, edge: usize) -> bool {
    t.subnets.iter().any(|s| s.id == t.edges[edge].from)
}

/// Text and attribute values in XML and HTML.
pub(super) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// An element's ID in the document: `prefix` keeps an audit's environments apart.
pub fn element_id(prefix: &str, t: &Topology, element: Element<'_>) -> String {
    let name = match element {
        Element::Subnet(id) => format!("subnet-{id}"),
        Element::Node(id) => format!("node-{id}"),
        Element::Edge(i) => format!("edge-{i}-{}-{}", t.edges[i].from, t.edges[i].to),
    };
    let safe: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    format!("{prefix}{safe}")
}

/// The first finding (index in `report.findings`) pointing at each element.
fn finding_of(report: &Report, element: Element<'_>) -> Option<usize> {
    report.findings.iter().position(|f| f.resource.as_deref().is_some_and(|r| report.topology.elements_of(r).contains(&element)))
}

/// The picture of one report. With `links`, elements with a finding link to `#{prefix}finding-N`.
pub fn render(report: &Report, prefix: &str, links: bool) -> String {
    let t = &report.topology;
    let l = layout(t, &report.target.region);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"network\" viewBox=\"0 0 {w:.0} {h:.0}\" width=\"{w:.0}\" height=\"{h:.0}\" \
         font-family=\"ui-monospace, SFMono-Regular, Menlo, Consolas, monospace\" font-size=\"12\" role=\"img\">",
        w = l.width,
        h = l.height
    );
    // The picture alone (an attachment) says what it shows and the verdict.
    let _ = writeln!(out, "<title>{}</title>", xml(&format!("{} in {}: {}", report.title(), l.vpc_title, report.verdict().1)));
    let _ = writeln!(
        out,
        "<defs><marker id=\"{prefix}ok\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0,0 L10,5 L0,10 z\" fill=\"{ALLOWED}\"/></marker>\
         <marker id=\"{prefix}bad\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0,0 L10,5 L0,10 z\" fill=\"{BLOCKED}\"/></marker></defs>"
    );
    let v = l.vpc;
    let _ = writeln!(
        out,
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\" fill=\"#fbfcfe\" stroke=\"#6b7a90\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-weight=\"bold\">{}</text>",
        v.x,
        v.y,
        v.w,
        v.h,
        v.x + PAD,
        v.y + 20.0,
        xml(&l.vpc_title)
    );
    for (r, zone) in &l.zones {
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"4\" fill=\"none\" stroke=\"#9aa5b5\" stroke-dasharray=\"5 3\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#4a5568\">{}</text>",
            r.x,
            r.y,
            r.w,
            r.h,
            r.x + PAD,
            r.y + 17.0,
            xml(zone)
        );
    }
    // `named`: the element's ID goes on its first part only (an edge's line, not its label drawn later).
    let open = |out: &mut String, element: Element<'_>, named: bool| {
        let id = if named { format!(" id=\"{}\"", element_id(prefix, t, element)) } else { String::new() };
        let finding = finding_of(report, element);
        let class = if finding.is_some() { " flagged" } else { "" };
        match finding.filter(|_| links) {
            Some(k) => {
                let _ = write!(out, "<a href=\"#{prefix}finding-{k}\"{id} class=\"element{class}\">");
            }
            None => {
                let _ = write!(out, "<g{id} class=\"element{class}\">");
            }
        }
        if let Some(k) = finding {
            let _ = write!(out, "<title>{}</title>", xml(&report.findings[k].headline()));
        }
        finding.map(|k| report.findings[k].severity)
    };
    let close = |out: &mut String| out.push_str(if links { "</a>\n" } else { "</g>\n" });
    // Lines first, labels over every line, boxes last: a label is never crossed by a later edge.
    let color_of = |failing: bool| if failing { (BLOCKED, 2.5, "bad") } else { (ALLOWED, 1.2, "ok") };
    for route in &l.routes {
        let edge = &t.edges[route.edge];
        open(&mut out, Element::Edge(route.edge), true);
        let failing = edge.blocked.is_some();
        let (color, width, marker) = color_of(failing);
        let points: Vec<String> = route.points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let start = if edge.both_ways { format!(" marker-start=\"url(#{prefix}{marker})\"") } else { String::new() };
        let class = if failing { "edge blocked" } else { "edge" };
        let dash = if failing { format!(" stroke-dasharray=\"{BLOCKED_DASH}\"") } else { String::new() };
        let _ = write!(
            out,
            "<polyline class=\"{class}\" data-from=\"{}\" data-to=\"{}\" points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{width}\"{dash}{start} marker-end=\"url(#{prefix}{marker})\"/>",
            xml(&edge.from),
            xml(&edge.to),
            points.join(" ")
        );
        close(&mut out);
    }
    for route in &l.routes {
        let Some(label) = route.label else { continue };
        let failing = t.edges[route.edge].blocked.is_some();
        let (color, _, _) = color_of(failing);
        open(&mut out, Element::Edge(route.edge), false);
        let _ = write!(
            out,
            "<rect class=\"label-box\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#ffffff\" fill-opacity=\"0.92\" stroke=\"{}\"/>",
            label.x,
            label.y,
            label.w,
            label.h,
            if failing { color } else { "none" }
        );
        for (n, line) in route.label_lines.iter().enumerate() {
            let weight = if failing && n == 0 { " font-weight=\"bold\"" } else { "" };
            let _ = write!(
                out,
                "<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" fill=\"{color}\"{weight}>{}</text>",
                label.x + PAD / 2.0,
                label.y + LINE_H * (n as f64 + 1.0) - 3.5,
                xml(line)
            );
        }
        close(&mut out);
    }
    for placed in &l.boxes {
        let flagged = open(&mut out, placed.element, true);
        let (fill, stroke) = match placed.element {
            Element::Subnet(id) if t.subnets.iter().any(|s| s.id == id && s.env) => ("#e8f0fe", "#3367d6"),
            Element::Subnet(_) => ("#f3f4f6", "#6b7280"),
            Element::Node(id) => match t.nodes.iter().find(|n| n.id == id).map(|n| n.kind) {
                Some(NodeKind::Bundle) => ("#e6f1f8", ALLOWED),
                Some(NodeKind::BlockedBundle) => ("#fbece3", BLOCKED),
                Some(NodeKind::Gateway) => ("#fff6e0", "#b7791f"),
                Some(NodeKind::Internet) => ("#ffffff", "#4a5568"),
                _ => ("#f0faf3", "#4a8f5c"),
            },
            Element::Edge(_) => ("#ffffff", "#000000"),
        };
        let (stroke, width) = match flagged {
            Some(Severity::Error) => (BLOCKED, 2.5),
            Some(Severity::Warning) => (WARNED, 2.5),
            Some(Severity::Info) => (NOTED, 2.0),
            None => (stroke, 1.2),
        };
        let r = placed.rect;
        let _ = write!(
            out,
            "<rect class=\"box\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"5\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"/>",
            r.x,
            r.y,
            r.w,
            r.h
        );
        for (n, line) in placed.lines.iter().enumerate() {
            let weight = if n == 0 { " font-weight=\"bold\"" } else { "" };
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\"{weight}>{}</text>",
                r.x + PAD,
                r.y + PAD / 2.0 + LINE_H * (n as f64 + 1.0) - 3.5,
                xml(line)
            );
        }
        close(&mut out);
    }
    let blocked = t.edges.iter().any(|e| e.blocked.is_some());
    legend(&mut out, l.legend_y, blocked, !report.findings.is_empty());
    out.push_str("</svg>\n");
    out
}

/// A legend entry's sample: a line's (stroke, width, dashed), or `None` for a box's outline.
type Sample = Option<(&'static str, f64, bool)>;

/// What the lines and outlines mean, under the picture: the entries the picture shows.
fn legend(out: &mut String, y: f64, blocked: bool, flagged: bool) {
    // Short enough for the narrowest picture; the HTML page's legend says more.
    let mut entries: Vec<(Sample, &str)> = vec![(Some((ALLOWED, 1.2, false)), "flow allowed")];
    if blocked {
        entries.push((Some((BLOCKED, 2.5, true)), "flow BLOCKED"));
    }
    if flagged {
        entries.push((None, "has a finding"));
    }
    let mid = y + LEGEND_H / 2.0;
    let mut x = MARGIN;
    out.push_str("<g class=\"legend\">");
    for (sample, text) in entries {
        let _ = match sample {
            Some((color, width, dashed)) => {
                let dash = if dashed { format!(" stroke-dasharray=\"{BLOCKED_DASH}\"") } else { String::new() };
                write!(out, "<line x1=\"{x:.1}\" y1=\"{mid:.1}\" x2=\"{:.1}\" y2=\"{mid:.1}\" stroke=\"{color}\" stroke-width=\"{width}\"{dash}/>", x + 30.0)
            }
            None => write!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"24\" height=\"12\" rx=\"3\" fill=\"#ffffff\" stroke=\"{WARNED}\" stroke-width=\"2.5\"/>",
                x + 3.0,
                mid - 6.0
            ),
        };
        let _ = write!(out, "<text x=\"{:.1}\" y=\"{:.1}\">{text}</text>", x + 36.0, mid + 4.0);
        x += 36.0 + text.chars().count() as f64 * CHAR_W + 2.0 * PAD;
    }
    out.push_str("</g>\n");
}

/// `--format svg`: each report's picture, one after another (an audit's in one document, stacked).
pub fn svg(reports: &[Report]) -> String {
    match reports {
        [report] => render(report, "", false),
        _ => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            let pictures: Vec<(String, f64, f64)> = reports
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let l = layout(&r.topology, &r.target.region);
                    (render(r, &format!("e{i}-"), false), l.width, l.height)
                })
                .collect();
            let width = pictures.iter().map(|p| p.1).fold(0.0, f64::max);
            let height: f64 = pictures.iter().map(|p| p.2).sum();
            let _ = writeln!(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\">");
            let mut y = 0.0;
            for (text, _, h) in pictures {
                let _ = writeln!(out, "<g transform=\"translate(0 {y:.0})\">{text}</g>");
                y += h;
            }
            out.push_str("</svg>\n");
            out
        }
    }
}

#[cfg(test)]
mod palette_tests {
    use super::{ALLOWED, BLOCKED};

    /// sRGB `#rrggbb` as seen with deuteranopia (Viénot, Brettel and Mollon 1999, in linear RGB), back in sRGB.
    fn deuteranope(hex: &str) -> [f64; 3] {
        let channel = |i: usize| f64::from(u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap_or(0)) / 255.0;
        let linear = |c: f64| if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) };
        let (r, g, b) = (linear(channel(0)), linear(channel(1)), linear(channel(2)));
        let seen = [0.29275 * r + 0.70725 * g, 0.29275 * r + 0.70725 * g, -0.02234 * r + 0.02234 * g + b];
        seen.map(|c: f64| {
            let c = c.clamp(0.0, 1.0);
            if c <= 0.003_130_8 {
                c * 12.92
            } else {
                1.055 * c.powf(1.0 / 2.4) - 0.055
            }
        })
    }

    fn distance(a: &str, b: &str) -> f64 {
        let (a, b) = (deuteranope(a), deuteranope(b));
        (0..3).map(|i| (a[i] - b[i]).powi(2)).sum::<f64>().sqrt()
    }

    /// Allowed and blocked stay far apart for a deuteranope; the red and green they replace did not.
    #[test]
    fn allowed_and_blocked_differ_with_deuteranopia() {
        assert!(distance(ALLOWED, BLOCKED) > 0.5, "{}", distance(ALLOWED, BLOCKED));
        assert!(distance("#2e7d32", "#d00000") < 0.25, "{}", distance("#2e7d32", "#d00000"));
    }
}
