//! SARIF 2.1.0 for code-scanning UIs: one `rule` per catalog entry, results located in the snapshot file
//! when the input was one. Plain serde structs, as ruff and cfn-guard do.

use serde::Serialize;

use super::{locate, Report};
use crate::fix::edit::Edit;
use crate::input::SourceFiles;
use crate::rules::{registry, Severity};

#[derive(Serialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
struct Run {
    tool: SarifTool,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct SarifTool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    rules: Vec<SarifRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help_uri: &'static str,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    /// The safe fix of a template finding, as the edits `check --fix` makes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: ByteRegion,
    inserted_content: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ByteRegion {
    byte_offset: usize,
    byte_length: usize,
}

/// A finding's edits, grouped by file as SARIF's `artifactChanges`.
fn fix_of(edits: &[(usize, Edit)], files: &SourceFiles) -> Vec<SarifFix> {
    let mut changes: Vec<ArtifactChange> = Vec::new();
    for (index, edit) in edits {
        let Some(file) = files.files.get(*index) else { continue };
        let replacement = Replacement {
            deleted_region: ByteRegion { byte_offset: edit.at, byte_length: edit.remove },
            inserted_content: Text { text: edit.insert.clone() },
        };
        match changes.iter_mut().find(|c| c.artifact_location.uri == file.path) {
            Some(change) => change.replacements.push(replacement),
            None => changes
                .push(ArtifactChange { artifact_location: ArtifactLocation { uri: file.path.clone() }, replacements: vec![replacement] }),
        }
    }
    if changes.is_empty() {
        return Vec::new();
    }
    vec![SarifFix { description: Text { text: "the fix `mwaa-preflight check --fix` applies".to_string() }, artifact_changes: changes }]
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_column: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    kind: &'static str,
    /// A CDK app's construct path of the resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    fully_qualified_name: Option<String>,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn render(reports: &[Report], files: &SourceFiles) -> Log {
    let rules = registry::ALL
        .iter()
        .map(|r| SarifRule {
            id: r.code,
            name: r.name,
            short_description: Text { text: r.summary.to_string() },
            full_description: Text { text: r.doc.to_string() },
            help_uri: r.source,
            default_configuration: Configuration { level: level(r.severity) },
        })
        .collect();
    let fixable = crate::fix::fixable(files, reports);
    let results = reports
        .iter()
        .flat_map(|report| report.findings.iter().map(move |f| (report, f)))
        .map(|(report, f)| {
            let physical_location = locate(files, f).map(|l| PhysicalLocation {
                artifact_location: ArtifactLocation { uri: l.file.path.clone() },
                region: Region { start_line: l.line, start_column: l.column, end_column: l.column + l.len },
            });
            let resource = f.resource.clone().unwrap_or_else(|| report.target.vpc_id.clone().unwrap_or_default());
            SarifResult {
                rule_id: f.code,
                rule_index: registry::ALL.iter().position(|r| r.code == f.code).unwrap_or(0),
                level: level(f.severity),
                message: Text {
                    text: match &report.target.environment {
                        Some(name) if reports.len() > 1 => format!("[{name}] {} Fix: {}", f.message, f.remediation_text()),
                        _ => format!("{} Fix: {}", f.message, f.remediation_text()),
                    },
                },
                locations: vec![Location {
                    physical_location,
                    logical_locations: vec![LogicalLocation {
                        name: resource,
                        kind: "resource",
                        fully_qualified_name: f.construct_path.clone(),
                    }],
                }],
                fixes: fixable.edits_of(f).map_or_else(Vec::new, |edits| fix_of(edits, files)),
            }
        })
        .collect();
    Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run { tool: SarifTool { driver: Driver { name: super::TOOL.name, version: super::TOOL.version, rules } }, results }],
    }
}
