//! `--format html`: one self-contained page (inline style, a few lines of script for the copy buttons,
//! the picture as inline SVG; nothing is fetched when it opens, which its Content-Security-Policy also
//! forbids). What is broken comes first: the summary, one line per finding, then the picture with the
//! failing flows dashed in vermillion, then each finding's remediation, trace and evidence. Findings and picture elements
//! link to each other.

use std::fmt::Write as _;

use super::svg::{self, element_id, xml};
use super::{Outlook, Report, TOOL};
use crate::input::SourceFiles;
use crate::remedy::Rendered;
use crate::rules::{Finding, Severity};

const STYLE: &str = r#"
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #1f2933; background: #f5f7fa; }
header { background: #1f2933; color: #fff; padding: 10px 24px; }
header h1 { font-size: 18px; margin: 0; display: inline; }
header span { color: #cbd2d9; margin-left: 12px; }
main { padding: 12px 24px 40px; }
section.environment { background: #fff; border: 1px solid #d9e2ec; border-radius: 6px; padding: 12px 18px; margin: 12px 0; }
h2 { font-size: 17px; margin: 4px 0 8px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.target { color: #52606d; margin: 0 0 8px; }
.target code { color: #1f2933; }
.summary span { display: inline-block; padding: 2px 9px; border-radius: 10px; margin-right: 6px; font-weight: 600; }
.error { color: #b00020; } .warning { color: #8a5a00; } .info { color: #1d4ed8; }
.summary .error { background: #fde8e8; } .summary .warning { background: #fff4d6; } .summary .info { background: #e0ecff; }
.summary .passed { background: #e3f6e8; color: #1e6b34; } .summary .skipped { background: #eceff3; color: #52606d; }
ul.headlines { margin: 8px 0; padding-left: 20px; }
ul.headlines li { margin: 2px 0; }
.picture { overflow-x: auto; border: 1px solid #e4e7eb; border-radius: 4px; background: #fff; margin: 8px 0; }
.picture svg { max-width: 100%; height: auto; }
.picture a .label, .picture a text { text-decoration: none; }
.element:target rect, .element:target polyline { stroke-width: 5; }
.finding { border-left: 4px solid #cbd2d9; padding: 4px 12px; margin: 10px 0; }
.finding.error { border-color: #b00020; } .finding.warning { border-color: #d69e2e; } .finding.info { border-color: #1d4ed8; }
.finding:target { background: #fffbea; }
.finding h4 { margin: 2px 0; font-size: 14px; color: #1f2933; }
.finding .message { margin: 4px 0; color: #1f2933; }
.remediation { position: relative; }
.how { margin: 4px 0; color: #1f2933; }
.input { color: #52606d; margin: 0 0 8px; overflow-wrap: anywhere; }
.verdict { font-size: 16px; font-weight: 600; padding: 8px 12px; border-radius: 6px; margin: 6px 0 10px; }
.verdict.works { background: #e3f1fb; color: #0b4f7c; } .verdict.warns { background: #fff4d6; color: #6b4500; }
.verdict.fails { background: #fde8e8; color: #8a0016; }
.legend { color: #52606d; font-size: 12px; margin: 2px 0 10px; }
pre { background: #1f2933; color: #f5f7fa; padding: 8px 10px; border-radius: 4px; overflow-x: auto; white-space: pre-wrap; margin: 4px 0; }
button.copy { position: absolute; top: 4px; right: 4px; font-size: 12px; }
html:not(.scripted) button.copy { display: none; }
ul.trace { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; margin: 4px 0; padding-left: 8px; list-style: none; white-space: pre-wrap; color: #1f2933; }
ul.trace li.block { color: #b00020; font-weight: bold; }
ul.trace li.pass { color: #52606d; }
details { margin: 4px 0; color: #1f2933; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d9e2ec; padding: 4px 8px; text-align: left; }
a { color: #1d4ed8; }
"#;

/// Copies the remediation above the button; no framework, no request. The buttons show only once it runs
/// (a viewer that blocks scripts shows none that do nothing).
const SCRIPT: &str = r#"
document.documentElement.classList.add('scripted');
document.querySelectorAll('button.copy').forEach(function (b) {
  b.addEventListener('click', function () {
    var text = b.parentElement.querySelector('pre').innerText;
    navigator.clipboard.writeText(text).then(function () { b.textContent = 'copied'; });
  });
});
"#;

/// `sha256-<base64>` of the page's script, as a Content-Security-Policy source.
fn script_hash() -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(SCRIPT.as_bytes())))
}

/// `files`: the input's files, for the diff of each finding `check --fix` would fix.
pub fn html(reports: &[Report], files: &SourceFiles) -> String {
    let fixable = crate::fix::fixable(files, reports);
    let diff_of = |f: &Finding| Some(crate::fix::finding_diff(files, fixable.edits_of(f)?));
    let title = match reports {
        [report] => format!("mwaa-preflight: {}", report.title()),
        _ => format!("mwaa-preflight: {} environments", reports.len()),
    };
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Nothing is fetched, no form is sent, no base URL is set, and only this page's own script runs (by its
    // hash: a script injected through a name from the account would not match).
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src '{}'; \
         form-action 'none'; base-uri 'none'\">",
        script_hash()
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>", xml(&title));
    let _ = writeln!(out, "<header><h1>{}</h1><span>version {}</span></header>\n<main>", TOOL.name, TOOL.version);
    let input = match files.files.as_slice() {
        [] => "the account, read live".to_string(),
        read => read.iter().map(|f| f.path.as_str()).collect::<Vec<_>>().join(", "),
    };
    let _ = writeln!(out, "<p class=\"input\">{} · checked {}</p>", xml(&input), checked_at());
    if reports.len() > 1 {
        audit_table(&mut out, reports);
    }
    for (i, report) in reports.iter().enumerate() {
        let prefix = if reports.len() > 1 { format!("e{i}-") } else { String::new() };
        section(&mut out, report, &prefix, &diff_of);
    }
    let _ = writeln!(out, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>");
    out
}

fn audit_table(out: &mut String, reports: &[Report]) {
    out.push_str("<table class=\"audit\"><tr><th>environment</th><th>status</th><th>routing</th><th>errors</th><th>warnings</th><th>first problem</th></tr>\n");
    for (i, r) in reports.iter().enumerate() {
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#e{i}-section\">{}</a></td><td>{}</td><td>{}</td><td class=\"error\">{}</td><td class=\"warning\">{}</td><td>{}</td></tr>",
            xml(r.target.environment.as_deref().unwrap_or("planned")),
            xml(r.target.status.as_deref().unwrap_or("-")),
            r.target.routing,
            r.summary.errors,
            r.summary.warnings,
            xml(&r.first_problem().unwrap_or_else(|| "none".to_string()))
        );
    }
    out.push_str("</table>\n");
}

/// What `--fix` would change for a finding, as a diff.
type DiffOf<'a> = dyn Fn(&Finding) -> Option<String> + 'a;

fn section(out: &mut String, r: &Report, prefix: &str, diff_of: &DiffOf<'_>) {
    let t = &r.target;
    let _ = writeln!(out, "<section class=\"environment\" id=\"{prefix}section\">\n<h2>{}</h2>", xml(&r.title()));
    let (outlook, verdict) = r.verdict();
    let _ = writeln!(out, "<p class=\"verdict {}\">{} {}</p>", outlook.class(), outlook.symbol(), xml(&verdict));
    if let Some(error) = &r.error {
        let _ = writeln!(out, "<p class=\"error\">Could not be read: {}</p>\n</section>", xml(error));
        return;
    }
    let code = |items: &[String]| items.iter().map(|i| format!("<code>{}</code>", xml(i))).collect::<Vec<_>>().join(", ");
    let _ = writeln!(
        out,
        "<p class=\"target\">VPC <code>{}</code> in <code>{}</code>{} · {} routing · subnets {} · security groups {} · webserver {} · endpoints managed by {}</p>",
        xml(t.vpc_id.as_deref().unwrap_or("unknown")),
        xml(&t.region),
        t.account_id.as_deref().map(|a| format!(" (account <code>{}</code>)", xml(a))).unwrap_or_default(),
        t.routing,
        code(&t.subnet_ids),
        code(&t.security_group_ids),
        xml(&t.webserver_access_mode) + if t.assumed.contains(&"webserver_access_mode") { " (not given: the service's default)" } else { "" },
        xml(t.endpoint_management),
    );
    let s = &r.summary;
    let counts = format!(
        "<span class=\"error\">{} error(s)</span><span class=\"warning\">{} warning(s)</span><span class=\"info\">{} info</span>",
        s.errors, s.warnings, s.infos
    );
    let passed = format!("<span class=\"passed\">{} passed</span>", s.passed);
    // A clean network shows what passed first, not a row of zeros.
    let (first, second) = if outlook == Outlook::Works { (passed, counts) } else { (counts, passed) };
    let _ = writeln!(out, "<p class=\"summary\">{first}{second}<span class=\"skipped\">{} skipped</span></p>", s.skipped);
    if !r.findings.is_empty() {
        out.push_str("<ul class=\"headlines\">\n");
        for (k, f) in r.findings.iter().enumerate() {
            let _ = writeln!(
                out,
                "<li class=\"{sev}\"><a href=\"#{prefix}finding-{k}\">{}</a> {}</li>",
                xml(&f.headline()),
                xml(first_sentence(&f.message)),
                sev = f.severity
            );
        }
        out.push_str("</ul>\n");
    }
    let _ = writeln!(out, "<div class=\"picture\">\n{}</div>", svg::render(r, prefix, true));
    out.push_str(LEGEND);
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let findings: Vec<(usize, &Finding)> = r.findings.iter().enumerate().filter(|(_, f)| f.severity == severity).collect();
        if findings.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<h3 class=\"{severity}\">{severity}s ({})</h3>", findings.len());
        for (k, f) in findings {
            finding(out, r, prefix, k, f, diff_of);
        }
    }
    if !r.skipped.is_empty() {
        let _ = writeln!(out, "<details><summary>{} check(s) skipped</summary><ul>", r.skipped.len());
        for skipped in &r.skipped {
            let _ = writeln!(out, "<li><b>{}</b> {}</li>", skipped.code, xml(&skipped.reason));
        }
        out.push_str("</ul></details>\n");
    }
    if !r.ignored.is_empty() {
        let _ = writeln!(out, "<details><summary>{} finding(s) ignored by the configuration</summary><ul>", r.ignored.len());
        for ignored in &r.ignored {
            let _ = writeln!(
                out,
                "<li><b>{}</b> on {}: {}</li>",
                ignored.code,
                xml(ignored.resource.as_deref().unwrap_or("-")),
                xml(&ignored.reason)
            );
        }
        out.push_str("</ul></details>\n");
    }
    if !r.passed.is_empty() {
        let _ = writeln!(out, "<details><summary>{} check(s) passed</summary><p>{}</p></details>", r.passed.len(), r.passed.join(", "));
    }
    if !r.notes.is_empty() {
        let _ = writeln!(out, "<details><summary>{} note(s) on the input</summary><ul>", r.notes.len());
        for note in &r.notes {
            let _ = writeln!(out, "<li>{}</li>", xml(note));
        }
        out.push_str("</ul></details>\n");
    }
    out.push_str("</section>\n");
}

fn finding(out: &mut String, r: &Report, prefix: &str, k: usize, f: &Finding, diff_of: &DiffOf<'_>) {
    let sev = f.severity;
    let _ = writeln!(out, "<div class=\"finding {sev}\" id=\"{prefix}finding-{k}\">");
    let _ = writeln!(
        out,
        "<h4><span class=\"{sev}\">{sev}</span> {} {} on <code>{}</code> · <a href=\"{}\">AWS docs</a></h4>",
        f.code,
        xml(f.name),
        xml(f.resource.as_deref().unwrap_or("-")),
        xml(f.docs)
    );
    let elements = f.resource.as_deref().map(|res| r.topology.elements_of(res)).unwrap_or_default();
    if !elements.is_empty() {
        let links: Vec<String> =
            elements.iter().map(|&e| format!("<a href=\"#{}\">{}</a>", element_id(prefix, &r.topology, e), describe(r, e))).collect();
        let _ = writeln!(out, "<p>In the picture: {}</p>", links.join(", "));
    }
    let _ = writeln!(out, "<p class=\"message\">{}</p>", xml(&f.message));
    // The copy button beside each block copies that code alone, never the prose around it.
    for part in &f.remediation {
        match part {
            Rendered::Prose(text) => {
                let _ = writeln!(out, "<p class=\"how\">{}</p>", xml(text));
            }
            Rendered::Code(text) => {
                let _ = writeln!(
                    out,
                    "<div class=\"remediation\"><button class=\"copy\" type=\"button\">copy</button><pre>{}</pre></div>",
                    xml(text)
                );
            }
        }
    }
    if let Some(diff) = diff_of(f) {
        let _ = writeln!(
            out,
            "<details class=\"fix\"><summary>The edit <code>check --fix</code> makes</summary><pre>{}</pre></details>",
            xml(&diff)
        );
    }
    if !f.trace.is_empty() {
        out.push_str("<ul class=\"trace\">\n");
        for line in &f.trace {
            let class = if line.detail {
                " class=\"pass\""
            } else if line.text.contains("<- first block") {
                " class=\"block\""
            } else {
                ""
            };
            let _ = writeln!(out, "<li{class}>{}</li>", xml(&line.text));
        }
        out.push_str("</ul>\n");
    }
    if !f.evidence.is_null() {
        let evidence = serde_json::to_string_pretty(&f.evidence).unwrap_or_default();
        // JSON escapes C0 controls only: C1 and bidirectional controls are made visible here.
        let _ = writeln!(out, "<details><summary>evidence</summary><pre>{}</pre></details>", xml(&crate::text::printable(&evidence)));
    }
    out.push_str("</div>\n");
}

fn describe(r: &Report, element: super::Element<'_>) -> String {
    match element {
        super::Element::Subnet(id) => format!("subnet {}", xml(id)),
        super::Element::Node(id) => xml(r.topology.nodes.iter().find(|n| n.id == id).and_then(|n| n.label.lines().next()).unwrap_or(id)),
        super::Element::Edge(i) => {
            let e = &r.topology.edges[i];
            format!("{} from {} to {}", xml(&e.label), xml(&e.from), xml(&e.to))
        }
    }
}

/// The message up to its first sentence's end, for the one-line list.
/// What the picture's shapes and lines mean (shape and label, not colour alone, tell failing from passing).
const LEGEND: &str = "<p class=\"legend\">Legend: a thick dashed vermillion arrow labelled BLOCKED is a flow that fails, the label \
naming its first blocking hop; thin blue arrows are flows that pass, bundled; a blue box is a subnet of the environment, a grey \
one another subnet; a dashed box is an Availability Zone; a box outlined thick holds a finding (vermillion an error, orange a \
warning, light blue an info; click it). The colours are told apart with every common colour-vision deficiency.</p>\n";

/// When the check ran (UTC), or `SOURCE_DATE_EPOCH` where a build or a test pins it.
fn checked_at() -> String {
    let pinned =
        std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.parse::<i64>().ok()).and_then(|s| jiff::Timestamp::from_second(s).ok());
    let at = pinned.unwrap_or_else(jiff::Timestamp::now);
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

fn first_sentence(message: &str) -> &str {
    message.find(". ").map_or(message, |end| &message[..=end])
}
