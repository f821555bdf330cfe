//! PKG002: with private routing, packages named without a reachable index come from PyPI ("Amazon MWAA
//! installs the latest version of the package from PyPi.org"), which private routing cannot reach. A warning:
//! packages already in MWAA's image need no index, and the image's contents are not known to the tool.

use serde_json::json;

use super::{docs, Check, CheckResult, Rule, Severity};
use crate::analysis::Analysis;
use crate::remedy::Remedy;

pub static RULE: Rule = Rule {
    code: "PKG002",
    name: "default-index-unreachable",
    severity: Severity::Warning,
    summary: "Private routing: packages come from an index the env subnets reach, or from local wheels (--no-index)",
    source: docs::DEPENDENCIES,
    doc: include_str!("../../rules/PKG002.md"),
    needs: &[],
    check: Check::Network(check),
};

fn check(a: &Analysis<'_>) -> CheckResult {
    let Some(requirements) = super::shared::installed_privately(a)? else { return Ok(Vec::new()) };
    let packages: Vec<&str> = requirements.packages().map(|(_, name)| name).collect();
    if packages.is_empty() || requirements.no_index() {
        return Ok(Vec::new());
    }
    // An `-i` replaces PyPI: whether the env subnets reach it is PKG001's (PKG004's for CodeArtifact).
    if requirements.indexes().next().is_some() {
        return Ok(Vec::new());
    }
    Ok(vec![RULE
        .finding(
            Some(&requirements.name),
            format!("{} package(s) ({}) would come from PyPI, which private routing cannot reach", packages.len(), super::shared::some_of(&packages, 3)),
        )
        .remediation(Remedy::say(
            "Give an index the env subnets reach (-i https://DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com/pypi/REPO/simple/ with its endpoints), or package the wheels in plugins.zip and install with --no-index -f /usr/local/airflow/plugins; packages MWAA's image already holds need neither.",
        ))
        .evidence(json!({"requirements": requirements.name, "packages": packages}))])
}
