//! PKG006: wheels installed from plugins.zip are there. `-f /usr/local/airflow/plugins` reads plugins.zip's
//! contents, which exist only when the environment names PluginsS3Path; with `--no-index`, every package must
//! have its wheel or sdist in plugins.zip (`--plugins FILE` gives the listing).

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity, Skip};
use crate::analysis::requirements::{is_distribution_of, Item, PLUGINS_FOLDER};
use crate::analysis::Analysis;
use crate::remedy::Remedy;

pub static RULE: Rule = Rule {
    code: "PKG006",
    name: "local-wheels",
    severity: Severity::Error,
    summary: "Wheels installed from plugins.zip (-f /usr/local/airflow/plugins) are in it, and plugins.zip is named",
    source: docs::DEPENDENCIES,
    doc: include_str!("../../rules/PKG006.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let Some(requirements) = a.requirements().map_err(Skip)? else { return Ok(Vec::new()) };
    let from_plugins =
        requirements.lines.iter().find(|l| matches!(&l.item, Item::FindLinks(path) if path.trim_end_matches('/') == PLUGINS_FOLDER));
    let Some(line) = from_plugins else { return Ok(Vec::new()) };
    let named = a.settings.facts.objects.iter().any(|o| o.property == "PluginsS3Path");
    if !named {
        return Ok(vec![RULE
            .finding(
                Some(&requirements.name),
                format!(
                    "line {} finds links in {PLUGINS_FOLDER}, and the environment names no PluginsS3Path: the folder is empty",
                    line.number
                ),
            )
            .remediation(Remedy::say(
                "Upload the wheels in plugins.zip and give the environment PluginsS3Path (and its PluginsS3ObjectVersion).",
            ))
            .evidence(json!({"requirements": requirements.name, "file": line.file, "line": line.number}))]);
    }
    if !requirements.no_index() {
        return Ok(Vec::new());
    }
    let Some(listing) = &a.settings.facts.plugins_listing else {
        return Err(Skip("plugins.zip's contents are not known (give the archive with --plugins FILE)".to_string()));
    };
    let missing: Vec<&str> =
        requirements.packages().map(|(_, name)| name).filter(|name| !listing.iter().any(|file| is_distribution_of(file, name))).collect();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![RULE
        .finding(
            Some(&requirements.name),
            format!("with --no-index, {} has no wheel or sdist in plugins.zip", super::shared::some_of(&missing, 3)),
        )
        .severity(Severity::Warning)
        .remediation(Remedy::say(
            "Add the missing wheels to plugins.zip (pip download -r requirements.txt -d plugins/), or let pip reach an index.",
        ))
        .evidence(json!({"requirements": requirements.name, "missing": missing, "plugins_files": listing.len()}))])
}
