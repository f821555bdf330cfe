//! `check --fix` for a Terraform configuration: the `.tf` files of the root module (`--terraform-dir`, by
//! default the plan's folder), parsed by hcl-edit for the byte span of each block, argument and list, and
//! edited as text like the templates. A resource is found by its address (`aws_vpc.main`); what lives in a
//! module, or in one instance of a `count`/`for_each`, is left to a person (the remediation shows the HCL).

use std::collections::BTreeMap;
use std::path::Path;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use hcl_edit::Span;

use super::edit::Edit;
use super::{resources_of, Code};
use crate::input::{SnapshotFile, SourceFiles};
use crate::remedy::code::Hcl;
use crate::remedy::{Change, Val};
use crate::target::Language;

/// The largest `.tf` file read; configurations are far smaller.
const MAX_TF_BYTES: u64 = 16 * 1024 * 1024;

/// The root module's `.tf` files, in name order.
pub fn read_dir(dir: &Path) -> Result<SourceFiles, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read the folder {}: {e}", dir.display()))?;
    let mut paths: Vec<std::path::PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "tf") && p.is_file()).collect();
    paths.sort();
    if paths.is_empty() {
        return Err(format!("{} holds no .tf file (pass the configuration's folder with --terraform-dir)", dir.display()));
    }
    let mut files = Vec::new();
    for path in paths {
        let size = std::fs::metadata(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?.len();
        if size > MAX_TF_BYTES {
            return Err(format!("{} is larger than {} MB", path.display(), MAX_TF_BYTES >> 20));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        files.push(SnapshotFile { path: path.display().to_string(), text });
    }
    Ok(SourceFiles { files, definitions: Default::default() })
}

/// A Terraform configuration, parsed for its positions.
pub struct Configuration<'f> {
    files: &'f SourceFiles,
    bodies: Vec<Option<Body>>,
    /// Each resource's address by the AWS ID the plan or state gave it.
    names: &'f BTreeMap<String, String>,
}

impl<'f> Configuration<'f> {
    pub fn new(files: &'f SourceFiles, names: &'f BTreeMap<String, String>) -> Self {
        let bodies = files.files.iter().map(|f| hcl_edit::parser::parse_body(&f.text).ok()).collect();
        Configuration { files, bodies, names }
    }

    /// A file that does not parse, by its path.
    pub fn unparsed(&self) -> Vec<&str> {
        self.files.files.iter().zip(&self.bodies).filter(|(_, b)| b.is_none()).map(|(f, _)| f.path.as_str()).collect()
    }

    fn address(&self, id: &str) -> String {
        self.names.get(id).cloned().unwrap_or_else(|| id.to_string())
    }

    /// The root module's block of a resource address (`aws_vpc.main`), with its file.
    fn block(&self, id: &str) -> Result<(usize, &Block), String> {
        let address = self.address(id);
        let Some((kind, name)) =
            address.split_once('.').filter(|(k, n)| !k.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || "_-".contains(c)))
        else {
            return Err(format!("{address} is in a module or is one instance of a count or for_each; change it by hand"));
        };
        for (file, body) in self.bodies.iter().enumerate() {
            let Some(body) = body else { continue };
            if let Some(block) = body.blocks().find(|b| b.has_ident("resource") && b.has_exact_labels(&[kind, name])) {
                return Ok((file, block));
            }
        }
        Err(format!("no resource \"{kind}\" \"{name}\" in the configuration's .tf files"))
    }

    fn text(&self, file: usize) -> &str {
        self.files.files.get(file).map_or("", |f| f.text.as_str())
    }

    /// A new `argument = value` line at the end of a block.
    fn insert_argument(&self, file: usize, block: &Block, argument: &str, value: &str) -> Result<Edit, String> {
        let span = block.span().ok_or("the block has no position")?;
        let text = self.text(file);
        let close = span.end.checked_sub(1).filter(|c| text.as_bytes().get(*c) == Some(&b'}')).ok_or("the block's end is not found")?;
        let line = text[..close].rfind('\n').map_or(0, |i| i + 1);
        if !text[line..close].trim().is_empty() {
            return Err("the block is written on one line; change it by hand".to_string());
        }
        let indent = block
            .body
            .attributes()
            .find_map(|a| a.span())
            .map(|s| &text[text[..s.start].rfind('\n').map_or(0, |i| i + 1)..s.start])
            .filter(|pad| pad.chars().all(|c| c == ' ' || c == '\t'))
            .unwrap_or("  ");
        Ok(Edit { at: line, remove: 0, insert: format!("{indent}{argument} = {value}\n") })
    }
}

impl Code for Configuration<'_> {
    fn language(&self) -> Language {
        Language::Terraform
    }

    fn names(&self) -> &BTreeMap<String, String> {
        self.names
    }

    fn file_of(&self, change: &Change) -> Result<usize, String> {
        let mut files: Vec<usize> = resources_of(change).into_iter().filter_map(|id| self.block(id).ok().map(|(file, _)| file)).collect();
        files.dedup();
        match (files.first(), change) {
            (Some(file), _) => Ok(*file),
            (None, Change::Add { .. }) => Ok(self.files.files.iter().position(|f| f.path.ends_with("main.tf")).unwrap_or(0)),
            (None, _) => {
                resources_of(change).first().map_or_else(|| Err("it names no resource".to_string()), |id| self.block(id).map(|(f, _)| f))
            }
        }
    }

    fn edits(&self, file: usize, change: &Change, earlier: &[Change]) -> Result<Vec<Edit>, String> {
        let hcl = Hcl::new(self.names, earlier);
        match change {
            Change::Add { id, kind, properties } => {
                Hcl::resource_type(kind).ok_or_else(|| format!("no Terraform resource type for {kind}"))?;
                let text = self.text(file);
                let separator = if text.ends_with('\n') { "\n" } else { "\n\n" };
                Ok(vec![Edit { at: text.len(), remove: 0, insert: format!("{separator}{}\n", hcl.block(id, kind, properties)) }])
            }
            Change::Set { resource, kind, property, value } => {
                let (file, block) = self.block(resource)?;
                let argument = hcl.argument(kind, property);
                let value = hcl.value(value);
                match block.body.get_attribute(&argument) {
                    Some(attribute) => {
                        let span = attribute.value.span().ok_or("the argument has no position")?;
                        Ok(vec![Edit { at: span.start, remove: span.end - span.start, insert: value }])
                    }
                    None => Ok(vec![self.insert_argument(file, block, &argument, &value)?]),
                }
            }
            Change::Append { resource, kind, property, values } => {
                let (file, block) = self.block(resource)?;
                let argument = hcl.argument(kind, property);
                let Some(attribute) = block.body.get_attribute(&argument) else {
                    return Ok(vec![self.insert_argument(file, block, &argument, &hcl.value(&Val::List(values.clone())))?]);
                };
                let Expression::Array(array) = &attribute.value else {
                    return Err(format!("{argument} is an expression, not a list; add the items by hand"));
                };
                let written: Vec<String> = values.iter().map(|v| hcl.value(v)).collect();
                match array.iter().last().and_then(Span::span) {
                    Some(last) => Ok(vec![Edit { at: last.end, remove: 0, insert: written.iter().map(|w| format!(", {w}")).collect() }]),
                    None => {
                        let span = array.span().ok_or("the list has no position")?;
                        Ok(vec![Edit { at: span.start + 1, remove: 0, insert: written.join(", ") }])
                    }
                }
            }
            Change::SetDefaultRouteTarget { .. } | Change::SetAssociation { .. } | Change::RemoveRoute { .. } => {
                Err("it changes a resource that may be written in several ways; make it by hand".to_string())
            }
            Change::AfterDeployment(_) | Change::Advice(_) => Err("it is not a change to the configuration".to_string()),
        }
    }

    fn new_resource(&self, _: usize, change: &Change) -> Option<(String, bool)> {
        let Change::Add { id, kind, .. } = change else { return None };
        let (kind, name) = (Hcl::resource_type(kind)?, Hcl::name(id));
        let exists = self
            .bodies
            .iter()
            .flatten()
            .any(|body| body.blocks().any(|b| b.has_ident("resource") && b.has_exact_labels(&[kind, name.as_str()])));
        Some((format!("{kind}.{name}"), exists))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::edit::apply;

    fn fixed(text: &str, change: &Change) -> String {
        let files =
            SourceFiles { files: vec![SnapshotFile { path: "main.tf".into(), text: text.into() }], definitions: Default::default() };
        let names = BTreeMap::new();
        let configuration = Configuration::new(&files, &names);
        let file = configuration.file_of(change).expect("a file");
        apply(text, &configuration.edits(file, change, &[]).expect("edits"))
    }

    const MAIN: &str = "# the network\nresource \"aws_vpc\" \"main\" {\n  cidr_block           = \"10.0.0.0/16\" # the range\n  enable_dns_support   = false\n}\n\nresource \"aws_vpc_endpoint\" \"sqs\" {\n  vpc_id     = aws_vpc.main.id\n  subnet_ids = [aws_subnet.private[0].id]\n}\n";

    #[test]
    fn arguments_are_set_in_place_or_added_and_lists_grow() {
        let set = |property| Change::Set { resource: "aws_vpc.main".into(), kind: "AWS::EC2::VPC", property, value: Val::Bool(true) };
        assert_eq!(fixed(MAIN, &set("EnableDnsSupport")), MAIN.replace("enable_dns_support   = false", "enable_dns_support   = true"));
        assert_eq!(fixed(MAIN, &set("EnableDnsHostnames")), MAIN.replace("false\n}", "false\n  enable_dns_hostnames = true\n}"));
        let append = Change::Append {
            resource: "aws_vpc_endpoint.sqs".into(),
            kind: "AWS::EC2::VPCEndpoint",
            property: "SubnetIds",
            values: vec![Val::Ref("aws_subnet.private[1]".into())],
        };
        assert_eq!(fixed(MAIN, &append), MAIN.replace("[0].id]", "[0].id, aws_subnet.private[1].id]"));
        let add = Change::Add {
            id: "VpcDefaultRoute".into(),
            kind: "AWS::EC2::Route",
            properties: vec![("RouteTableId", Val::Ref("aws_route_table.private".into()))],
        };
        assert!(fixed(MAIN, &add)
            .ends_with("}\n\nresource \"aws_route\" \"vpc_default_route\" {\n  route_table_id = aws_route_table.private.id\n}\n"));
        let module = Change::Set {
            resource: "module.vpc.aws_vpc.this[0]".into(),
            kind: "AWS::EC2::VPC",
            property: "EnableDnsSupport",
            value: Val::Bool(true),
        };
        let names = BTreeMap::new();
        let files =
            SourceFiles { files: vec![SnapshotFile { path: "main.tf".into(), text: MAIN.into() }], definitions: Default::default() };
        assert!(Configuration::new(&files, &names).edits(0, &module, &[]).is_err());
    }
}
