//! `check --fix`: the findings' remedies applied to the CloudFormation templates that were checked. Each
//! finding's steps are lowered to changes ([`crate::remedy::Change`]), the changes to edits of the file's
//! own text ([`edit`]); a finding is fixed whole or not at all. The caller re-checks the fixed text and
//! keeps only fixes that clear their finding without raising another.

pub mod edit;
pub mod terraform;

use std::collections::{BTreeMap, HashSet};

use crate::input::template::yaml;
use crate::input::SourceFiles;
use crate::remedy::{self, Applicability, Change, Val};
use crate::report::Report;
use crate::rules::Finding;
use crate::target::Language;
use edit::{Edit, Layout};

/// A finding, by what names it across runs.
pub type Key = (&'static str, Option<String>);

/// What `--fix` would do to the files of one input.
#[derive(Debug, Default)]
pub struct Plan {
    /// The edits of each file (by its index in the input's files).
    pub edits: BTreeMap<usize, Vec<Edit>>,
    /// The findings whose every step is among the edits, with their own edits (by file index).
    pub fixed: Vec<(Key, Vec<(usize, Edit)>)>,
    /// Findings with a fix of the allowed applicability that could not be made here, and why.
    pub not_fixed: Vec<(Key, String)>,
    /// Findings whose fix needs `--unsafe-fixes`.
    pub unsafe_available: usize,
}

impl Plan {
    /// The edits that fix `finding`, when the plan fixes it.
    pub fn edits_of(&self, finding: &Finding) -> Option<&[(usize, Edit)]> {
        self.fixed.iter().find(|(key, _)| key.0 == finding.code && key.1 == finding.resource).map(|(_, edits)| edits.as_slice())
    }

    /// Each edited file's new text.
    pub fn texts(&self, files: &SourceFiles) -> Vec<(usize, String)> {
        self.edits.iter().filter_map(|(i, edits)| Some((*i, edit::apply(&files.files.get(*i)?.text, edits)))).collect()
    }
}

/// The unified diff of `edits` to `files`, file by file: what `--diff` prints.
pub fn diff(files: &SourceFiles, edits: &BTreeMap<usize, Vec<Edit>>) -> String {
    let mut out = String::new();
    for (index, file_edits) in edits {
        let Some(file) = files.files.get(*index) else { continue };
        let fixed = edit::apply(&file.text, file_edits);
        let unified = similar::TextDiff::from_lines(file.text.as_str(), fixed.as_str())
            .unified_diff()
            .context_radius(3)
            .header(&file.path, &file.path)
            .to_string();
        out.push_str(&unified);
    }
    out
}

/// One finding's fix as a diff (the HTML report shows it beside the finding).
pub fn finding_diff(files: &SourceFiles, edits: &[(usize, Edit)]) -> String {
    let mut by_file: BTreeMap<usize, Vec<Edit>> = BTreeMap::new();
    for (index, edit) in edits {
        by_file.entry(*index).or_default().push(edit.clone());
    }
    diff(files, &by_file)
}

/// The findings of `reports` that `--fix` can fix (safe, in CloudFormation templates, not a CDK app's
/// output), with their edits: what the human view marks `[*]` and SARIF carries as `fixes`.
pub fn fixable(files: &SourceFiles, reports: &[Report]) -> Plan {
    let cloudformation = |r: &Report| r.target.language == Language::CloudFormation;
    if !reports.iter().all(cloudformation) {
        return Plan::default();
    }
    plan(files, reports, Applicability::Safe, &HashSet::new())
}

/// What `--fix` edits: CloudFormation templates ([`Templates`]) or a Terraform configuration
/// ([`terraform::Configuration`]).
pub trait Code {
    /// The language the remedies are lowered in, and the code's names of the resources.
    fn language(&self) -> Language;
    fn names(&self) -> &BTreeMap<String, String>;
    /// The file a change belongs in: where the resources it names or refers to are.
    fn file_of(&self, change: &Change) -> Result<usize, String>;
    /// The edits that make `change` in `file`; `earlier`: the finding's changes before it.
    fn edits(&self, file: usize, change: &Change, earlier: &[Change]) -> Result<Vec<Edit>, String>;
    /// The name a resource a change adds has in the code, and whether the code has one of that name.
    fn new_resource(&self, file: usize, change: &Change) -> Option<(String, bool)>;
}

/// The CloudFormation templates of an input, parsed again for their positions.
pub struct Templates<'f> {
    files: &'f SourceFiles,
    layouts: Vec<Option<Layout<'f>>>,
    names: BTreeMap<String, String>,
}

impl<'f> Templates<'f> {
    pub fn new(files: &'f SourceFiles, documents: &'f [Option<yaml::Document>]) -> Self {
        let layouts = files.files.iter().zip(documents).map(|(f, d)| d.as_ref().map(|d| Layout::new(&f.text, &d.root))).collect();
        Templates { files, layouts, names: BTreeMap::new() }
    }

    /// Each file parsed, for [`Templates::new`].
    pub fn parse(files: &SourceFiles) -> Vec<Option<yaml::Document>> {
        files.files.iter().map(|f| yaml::parse(&f.text).ok()).collect()
    }

    fn layout(&self, file: usize) -> Result<&Layout<'f>, String> {
        self.layouts.get(file).and_then(Option::as_ref).ok_or_else(|| "the template could not be parsed again".to_string())
    }
}

impl Code for Templates<'_> {
    fn language(&self) -> Language {
        Language::CloudFormation
    }

    fn names(&self) -> &BTreeMap<String, String> {
        &self.names
    }

    fn file_of(&self, change: &Change) -> Result<usize, String> {
        // The template's own resources: those it defines (an AWS ID is nobody's).
        let mut in_files: Vec<usize> =
            resources_of(change).into_iter().filter_map(|id| self.files.locate(id).map(|(file, _, _)| file)).collect();
        in_files.dedup();
        match (in_files.as_slice(), self.files.files.len()) {
            ([one], _) => Ok(*one),
            ([], 1) => Ok(0),
            ([], _) => Err("it names no resource of the templates, so which one to change is unclear".to_string()),
            _ => Err("it would refer to resources of several templates (that needs an export and an import)".to_string()),
        }
    }

    fn edits(&self, file: usize, change: &Change, _: &[Change]) -> Result<Vec<Edit>, String> {
        self.layout(file)?.edits(change, &|id: &str| logical(id))
    }

    fn new_resource(&self, file: usize, change: &Change) -> Option<(String, bool)> {
        match change {
            Change::Add { id, .. } => Some((id.clone(), self.layout(file).is_ok_and(|l| l.has_resource(id)))),
            _ => None,
        }
    }
}

/// The fixes of the templates' findings up to `allow`, except those of `excluded`.
pub fn plan(files: &SourceFiles, reports: &[Report], allow: Applicability, excluded: &HashSet<Key>) -> Plan {
    let documents = Templates::parse(files);
    plan_in(&Templates::new(files, &documents), reports, allow, excluded)
}

/// The fixes of `reports`' findings up to `allow` in `code`, except those of `excluded`.
pub fn plan_in(code: &dyn Code, reports: &[Report], allow: Applicability, excluded: &HashSet<Key>) -> Plan {
    let mut plan = Plan::default();
    let mut seen: HashSet<Key> = HashSet::new();
    let mut added: HashSet<(usize, String)> = HashSet::new();
    for finding in reports.iter().flat_map(|r| &r.findings) {
        let key: Key = (finding.code, finding.resource.clone());
        let Some(applicability) = finding.fix.applicability() else { continue };
        if excluded.contains(&key) || !seen.insert(key.clone()) {
            continue;
        }
        if applicability > allow {
            if applicability == Applicability::Unsafe {
                plan.unsafe_available += 1;
            }
            continue;
        }
        let changes: Vec<Change> = remedy::changes(&finding.fix, code.language(), code.names()).into_iter().flatten().flatten().collect();
        match finding_edits(code, &changes, &plan.edits, &mut added) {
            Ok(edits) => {
                for (file, edit) in &edits {
                    let file_edits = plan.edits.entry(*file).or_default();
                    if !file_edits.contains(edit) {
                        file_edits.push(edit.clone());
                    }
                }
                plan.fixed.push((key, edits));
            }
            Err(why) => plan.not_fixed.push((key, why)),
        }
    }
    plan
}

/// A template resource's logical ID: the model names a resource of several stacks `Stack/Logical`.
fn logical(id: &str) -> String {
    id.rsplit('/').next().unwrap_or(id).to_string()
}

/// The resources of the template that a change names or refers to.
pub(crate) fn resources_of(change: &Change) -> Vec<&str> {
    fn refs<'v>(value: &'v Val, out: &mut Vec<&'v str>) {
        match value {
            Val::Ref(id) => out.push(id.split_once('.').map_or(id.as_str(), |(r, _)| r)),
            Val::List(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    match change {
        Change::Add { properties, .. } => properties.iter().for_each(|(_, v)| refs(v, &mut out)),
        Change::Set { resource, value, .. } => {
            out.push(resource);
            refs(value, &mut out);
        }
        Change::Append { resource, values, .. } => {
            out.push(resource);
            values.iter().for_each(|v| refs(v, &mut out));
        }
        Change::SetDefaultRouteTarget { table, .. } | Change::RemoveRoute { table, .. } => out.push(table),
        Change::SetAssociation { subnet, .. } => out.push(subnet),
        Change::AfterDeployment(_) | Change::Advice(_) => {}
    }
    out
}

/// The edits that make all of one finding's changes, each in the file of the resources it touches; an
/// error when one cannot be made (the finding is then left alone).
fn finding_edits(
    code: &dyn Code,
    changes: &[Change],
    planned: &BTreeMap<usize, Vec<Edit>>,
    added: &mut HashSet<(usize, String)>,
) -> Result<Vec<(usize, Edit)>, String> {
    let mut out: Vec<(usize, Edit)> = Vec::new();
    let mut new_ids = Vec::new();
    for (index, change) in changes.iter().enumerate() {
        let file = code.file_of(change)?;
        let edits = code.edits(file, change, &changes[..index])?;
        if let Some((name, exists)) = code.new_resource(file, change) {
            // The same resource added by another fix (one NAT gateway for two tables) is added once.
            let again = added.contains(&(file, name.clone()));
            let identical = edits.iter().all(|e| planned.get(&file).is_some_and(|p| p.contains(e)));
            if exists || (again && !identical) || new_ids.contains(&(file, name.clone())) {
                return Err(format!("it adds {name}, and the code has a resource of that name already"));
            }
            new_ids.push((file, name));
        }
        for edit in edits {
            let earlier = planned.get(&file).into_iter().flatten().chain(out.iter().filter(|(f, _)| *f == file).map(|(_, e)| e));
            let mut overlaps = false;
            let mut same = false;
            for other in earlier {
                same |= *other == edit;
                overlaps |= other.remove > 0 && edit.at < other.at + other.remove && other.at < edit.at + edit.remove.max(1);
            }
            if overlaps && !same {
                return Err("another fix changes the same text".to_string());
            }
            out.push((file, edit));
        }
    }
    added.extend(new_ids);
    Ok(out)
}
