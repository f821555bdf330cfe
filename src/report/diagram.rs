//! The environment's network as text for other renderers: Mermaid (renders in GitHub Markdown) and
//! Graphviz DOT. Subnets are grouped by Availability Zone inside the VPC; what passes is bundled
//! (`topology`), every failing flow is its own dashed vermillion edge (Okabe and Ito's colours, as the SVG's) labelled with its first blocking hop.

use std::fmt::Write as _;

use super::{NodeKind, Report};

fn mermaid_id(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

/// Label text inside Mermaid's `"..."`: quotes and markup characters as entity codes.
fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;").replace('|', "#124;").replace('\n', "<br/>")
}

pub fn mermaid(reports: &[Report]) -> String {
    let mut out = String::new();
    for report in reports {
        let t = &report.topology;
        let _ = writeln!(out, "%% mwaa-preflight: {} in {}", report.title(), t.vpc_id.as_deref().unwrap_or("unknown VPC"));
        let _ = writeln!(out, "flowchart LR");
        let vpc = t.vpc_id.as_deref().unwrap_or("vpc");
        let _ = writeln!(out, "  subgraph {}[\"{}\"]", mermaid_id(vpc), mermaid_text(&format!("{vpc} ({})", report.target.region)));
        for zone in t.zones() {
            let _ = writeln!(out, "    subgraph {}[\"{}\"]", mermaid_id(&format!("{vpc}-{zone}")), mermaid_text(zone));
            for s in t.subnets.iter().filter(|s| s.zone == zone) {
                let role = if s.env { "env subnet" } else { "subnet" };
                let table = s.route_table.as_deref().unwrap_or("no route table");
                let label = mermaid_text(&format!("{}\n{role} {}\n{table}", s.id, s.cidr));
                let _ = writeln!(out, "      {}[\"{label}\"]", mermaid_id(&s.id));
            }
            let _ = writeln!(out, "    end");
        }
        for node in t.nodes.iter().filter(|n| n.kind != NodeKind::Internet) {
            let _ = writeln!(out, "    {}[\"{}\"]", mermaid_id(&node.id), mermaid_text(&node.label));
        }
        let _ = writeln!(out, "  end");
        if t.nodes.iter().any(|n| n.kind == NodeKind::Internet) {
            let _ = writeln!(out, "  internet((internet))");
        }
        let mut failing = Vec::new();
        for (i, edge) in t.edges.iter().enumerate() {
            let (from, to) = (mermaid_id(&edge.from), mermaid_id(&edge.to));
            let arrow = if edge.both_ways { "<-->" } else { "-->" };
            match &edge.blocked {
                Some(block) => {
                    failing.push(i);
                    let _ = writeln!(out, "  {from} {arrow}|\"BLOCKED {}: {}\"| {to}", mermaid_text(&edge.label), mermaid_text(&block.hop));
                }
                None if edge.label.is_empty() => {
                    let _ = writeln!(out, "  {from} {arrow} {to}");
                }
                None => {
                    let _ = writeln!(out, "  {from} {arrow}|\"{}\"| {to}", mermaid_text(&edge.label));
                }
            }
        }
        for i in failing {
            let _ = writeln!(out, "  linkStyle {i} stroke:#d55e00,stroke-width:3px,stroke-dasharray:7 4");
        }
        out.push('\n');
    }
    out
}

fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

pub fn dot(reports: &[Report]) -> String {
    // Every ID and label is quoted and escaped: a quote in an ID must not add attributes.
    let q = |text: &str| format!("\"{}\"", dot_text(text));
    let mut out = String::new();
    for report in reports {
        let t = &report.topology;
        let vpc = t.vpc_id.as_deref().unwrap_or("vpc");
        let _ = writeln!(out, "digraph {} {{", q(&format!("{} {vpc}", report.title())));
        let _ = writeln!(
            out,
            "  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];"
        );
        let _ =
            writeln!(out, "  subgraph {} {{\n    label={};", q(&format!("cluster_{vpc}")), q(&format!("{vpc} ({})", report.target.region)));
        for zone in t.zones() {
            let _ = writeln!(out, "    subgraph {} {{\n      label={}; style=dashed;", q(&format!("cluster_{vpc}_{zone}")), q(zone));
            for s in t.subnets.iter().filter(|s| s.zone == zone) {
                let role = if s.env { "env subnet" } else { "subnet" };
                let table = s.route_table.as_deref().unwrap_or("no route table");
                let style = if s.env { ", style=bold" } else { "" };
                let _ = writeln!(out, "      {} [label={}{style}];", q(&s.id), q(&format!("{}\n{role} {}\n{table}", s.id, s.cidr)));
            }
            let _ = writeln!(out, "    }}");
        }
        for node in t.nodes.iter().filter(|n| n.kind != NodeKind::Internet) {
            let shape = match node.kind {
                NodeKind::Gateway => "octagon",
                NodeKind::Bundle | NodeKind::BlockedBundle => "folder",
                NodeKind::Endpoint | NodeKind::Internet => "component",
            };
            let _ = writeln!(out, "    {} [label={}, shape={shape}];", q(&node.id), q(&node.label));
        }
        let _ = writeln!(out, "  }}");
        if t.nodes.iter().any(|n| n.kind == NodeKind::Internet) {
            let _ = writeln!(out, "  \"internet\" [shape=ellipse];");
        }
        // Failing flows between the same two nodes are one edge with one label listing them, as the picture
        // bundles them: Graphviz draws parallel edges' labels on top of each other.
        let mut failing: Vec<((&str, &str), Vec<String>)> = Vec::new();
        for edge in &t.edges {
            let dir = if edge.both_ways { ", dir=both" } else { "" };
            match &edge.blocked {
                Some(block) => {
                    let line = format!("{}: {}", edge.label, block.hop);
                    match failing.iter_mut().find(|(ends, _)| *ends == (edge.from.as_str(), edge.to.as_str())) {
                        Some((_, lines)) => lines.push(line),
                        None => failing.push(((&edge.from, &edge.to), vec![line])),
                    }
                }
                None => {
                    let _ = writeln!(out, "  {} -> {} [label={}, color=\"#0072b2\"{dir}];", q(&edge.from), q(&edge.to), q(&edge.label));
                }
            }
        }
        for ((from, to), lines) in &failing {
            let label = format!("BLOCKED {} flow(s)\n{}", lines.len(), lines.join("\n"));
            let _ = writeln!(
                out,
                "  {} -> {} [label={}, color=\"#d55e00\", fontcolor=\"#d55e00\", style=dashed, penwidth=2];",
                q(from),
                q(to),
                q(&label)
            );
        }
        let _ = writeln!(out, "}}");
    }
    out
}
