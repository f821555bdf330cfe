//! Changes as edits of a template's own text: byte ranges to replace, as ruff's `Edit`s, so everything the
//! change does not touch (comments, order, quoting, indentation) stays byte for byte. The positions come
//! from the template parser's nodes; the new text follows the file's layout (its indentation unit, YAML or
//! JSON, and the intrinsic form the file already uses).

use serde_json::{json, Value};

use crate::input::template::yaml::{Node, Value as Yaml};
use crate::remedy::code::{inline, long_form, Form};
use crate::remedy::{Change, Val};

/// Replace `remove` bytes at `at` by `insert`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub at: usize,
    pub remove: usize,
    pub insert: String,
}

/// What a file looks like, for writing new text into it.
pub struct Layout<'t> {
    text: &'t str,
    root: &'t Node,
    json: bool,
    /// `!Ref X` (short) or `{Ref: X}` (long) in YAML.
    short_form: bool,
    /// One level of indentation.
    unit: String,
}

impl<'t> Layout<'t> {
    pub fn new(text: &'t str, root: &'t Node) -> Self {
        let form = Form::of(text);
        let (json, short_form) = (form == Form::Json, form == Form::YamlShort);
        // The first key of the top level is indented by one unit in JSON; in YAML the first resource is.
        let unit = match json {
            true => root.entries().and_then(|e| e.first()).map(|(k, _)| line_prefix(text, k.at.offset).to_string()),
            false => root
                .get("Resources")
                .and_then(Node::entries)
                .and_then(|e| e.first())
                .map(|(k, _)| line_prefix(text, k.at.offset).to_string()),
        };
        let unit = unit.filter(|u| !u.is_empty() && u.chars().all(|c| c == ' ' || c == '\t')).unwrap_or_else(|| "  ".to_string());
        Layout { text, root, json, short_form, unit }
    }

    pub fn resources(&self) -> Result<&'t Node, String> {
        self.root.get("Resources").filter(|r| r.entries().is_some()).ok_or_else(|| "the template has no Resources mapping".to_string())
    }

    pub fn has_resource(&self, id: &str) -> bool {
        self.resources().is_ok_and(|r| r.get(id).is_some())
    }

    /// The edits that make `change` in this file; `logical`: the change's resource by its logical ID here.
    pub fn edits(&self, change: &Change, logical: &dyn Fn(&str) -> String) -> Result<Vec<Edit>, String> {
        match change {
            Change::Add { id, kind, properties } => self.add(id, kind, properties, logical),
            Change::Set { resource, property, value, .. } => self.set(&logical(resource), property, &self.val(value, logical)),
            Change::Append { resource, property, values, .. } => self.append(&logical(resource), property, values, logical),
            Change::SetDefaultRouteTarget { table, property, target } => {
                let route =
                    self.find_resource("AWS::EC2::Route", &[("RouteTableId", &logical(table)), ("DestinationCidrBlock", "0.0.0.0/0")])?;
                let mut edits = self.set(route, property, &self.val(target, logical))?;
                for other in ROUTE_TARGETS.iter().filter(|t| *t != property) {
                    edits.extend(self.remove_property(route, other)?);
                }
                Ok(edits)
            }
            Change::SetAssociation { subnet, table } => {
                let association = self.find_resource("AWS::EC2::SubnetRouteTableAssociation", &[("SubnetId", &logical(subnet))])?;
                self.set(association, "RouteTableId", &self.val(table, logical))
            }
            Change::RemoveRoute { table, destination } => {
                let by = if destination.starts_with("pl-") { "DestinationPrefixListId" } else { "DestinationCidrBlock" };
                let route = self.find_resource("AWS::EC2::Route", &[("RouteTableId", &logical(table)), (by, destination)])?;
                self.remove_resource(route)
            }
            Change::AfterDeployment(_) | Change::Advice(_) => Err("it is not a change to the template".to_string()),
        }
    }

    /// A value with references to this file's logical IDs.
    fn val(&self, value: &Val, logical: &dyn Fn(&str) -> String) -> Val {
        match value {
            Val::Ref(id) => Val::Ref(logical(id)),
            Val::List(items) => Val::List(items.iter().map(|v| self.val(v, logical)).collect()),
            other => other.clone(),
        }
    }

    /// The one resource of `kind` whose properties hold these values (a reference counts as its target's
    /// logical ID).
    fn find_resource(&self, kind: &str, properties: &[(&str, &str)]) -> Result<&'t str, String> {
        let matches: Vec<&str> = self
            .resources()?
            .entries()
            .unwrap_or_default()
            .iter()
            .filter(|(_, r)| r.get("Type").and_then(Node::as_str) == Some(kind))
            .filter(|(_, r)| {
                properties.iter().all(|(p, want)| r.get("Properties").and_then(|ps| ps.get(p)).and_then(plain_or_ref) == Some(*want))
            })
            .filter_map(|(k, _)| k.as_str())
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => {
                Err(format!("no {kind} here has {}", properties.iter().map(|(p, v)| format!("{p} {v}")).collect::<Vec<_>>().join(" and ")))
            }
            _ => Err(format!("several {kind} resources match; change the one you mean by hand")),
        }
    }

    /// Removes a property, its line and its value's lines (JSON: with its comma).
    fn remove_property(&self, logical: &str, property: &str) -> Result<Vec<Edit>, String> {
        let properties = self.resource_node(logical)?.get("Properties").and_then(Node::entries).unwrap_or_default();
        let Some(index) = properties.iter().position(|(k, _)| k.as_str() == Some(property)) else { return Ok(Vec::new()) };
        self.remove_entry(properties, index)
    }

    fn remove_resource(&self, logical: &str) -> Result<Vec<Edit>, String> {
        let entries = self.resources()?.entries().unwrap_or_default();
        let index = entries.iter().position(|(k, _)| k.as_str() == Some(logical)).ok_or_else(|| format!("no resource {logical}"))?;
        self.remove_entry(entries, index)
    }

    /// Removes the `index`th entry of a mapping: in YAML its lines; in JSON its text and one comma.
    fn remove_entry(&self, entries: &[(Node, Node)], index: usize) -> Result<Vec<Edit>, String> {
        let (key, value) = &entries[index];
        if self.json {
            let key_start = key.at.offset;
            let end = value_end(self.text, value.at.offset);
            let (start, end) = match entries.get(index + 1) {
                // Up to the next key: the comma and the line break go with it.
                Some((next, _)) => (key_start, next.at.offset),
                // The last entry: the comma before it goes instead.
                None if index > 0 => (value_end(self.text, entries[index - 1].1.at.offset), end),
                None => (key_start, end),
            };
            return Ok(vec![Edit { at: start, remove: end - start, insert: String::new() }]);
        }
        if self.flow(value) && self.text[line_start(self.text, key.at.offset)..key.at.offset].trim().starts_with(['{', ',']) {
            return Err("it is written in a flow mapping".to_string());
        }
        let start = line_start(self.text, key.at.offset);
        let end = self.value_block_end(key);
        Ok(vec![Edit { at: start, remove: end - start, insert: String::new() }])
    }

    /// Where the lines of a block mapping entry end: at the next line indented no deeper than its key (the
    /// blank lines and comments before that line belong to it).
    fn value_block_end(&self, key: &Node) -> usize {
        let mut at = next_line(self.text, key.at.offset);
        let mut end = at;
        while at < self.text.len() {
            let line_end = next_line(self.text, at);
            let line = &self.text[at..line_end];
            let body = line.trim();
            let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
            if !body.is_empty() && !body.starts_with('#') {
                if indent < key.at.column {
                    break;
                }
                end = line_end;
            }
            at = line_end;
        }
        end
    }

    fn resource_node(&self, logical: &str) -> Result<&'t Node, String> {
        self.resources()?.get(logical).ok_or_else(|| format!("{logical} is not a resource of this template"))
    }

    fn add(&self, id: &str, kind: &str, properties: &[(&'static str, Val)], logical: &dyn Fn(&str) -> String) -> Result<Vec<Edit>, String> {
        let resources = self.resources()?;
        if resources.get(id).is_some() {
            return Err(format!("the template has a resource {id} already"));
        }
        let properties: Vec<(&str, Val)> = properties.iter().map(|(p, v)| (*p, self.val(v, logical))).collect();
        let entries = resources.entries().unwrap_or_default();
        let Some((_, last)) = entries.last() else { return Err("the template's Resources mapping is empty".to_string()) };
        if self.json {
            let pad = entries.first().map_or("", |(k, _)| line_prefix(self.text, k.at.offset));
            let end = value_end(self.text, last.at.offset);
            let inner = format!("{pad}{}", self.unit);
            let mut body = vec![("Type".to_string(), json!(kind).to_string())];
            if !properties.is_empty() {
                let deeper = format!("{inner}{}", self.unit);
                let entries = properties.iter().map(|(p, v)| (p.to_string(), self.pretty(&long_form(v), &deeper))).collect();
                body.push(("Properties".to_string(), self.object(entries, &inner)));
            }
            return Ok(vec![Edit { at: end, remove: 0, insert: format!(",\n{pad}\"{id}\": {}", self.object(body, pad)) }]);
        }
        if self.flow(resources) {
            return Err("Resources is written as a flow mapping ({ ... })".to_string());
        }
        let pad = entries.first().map_or("", |(k, _)| line_prefix(self.text, k.at.offset));
        let inner = format!("{pad}{}", self.unit);
        let mut text = format!("{pad}{id}:\n{inner}Type: {kind}\n");
        if !properties.is_empty() {
            text.push_str(&format!("{inner}Properties:\n"));
            for (property, value) in &properties {
                text.push_str(&self.yaml_entry(property, value, &format!("{inner}{}", self.unit)));
            }
        }
        let key = self.root.entries().unwrap_or_default().iter().rev().find(|(k, _)| k.as_str() == Some("Resources")).map(|(k, _)| k);
        let at = key.map_or(self.text.len(), |k| self.value_block_end(k));
        let newline = if at == self.text.len() && !self.text.ends_with('\n') { "\n" } else { "" };
        Ok(vec![Edit { at, remove: 0, insert: format!("{newline}{text}") }])
    }

    fn set(&self, logical: &str, property: &str, value: &Val) -> Result<Vec<Edit>, String> {
        let resource = self.resource_node(logical)?;
        let Some(properties) = resource.get("Properties") else { return self.add_properties(resource, property, value) };
        if properties.entries().is_none() {
            return Err(format!("the Properties of {logical} are not a mapping here (a condition or an intrinsic function?)"));
        }
        let entry = properties.entries().unwrap_or_default().iter().rev().find(|(k, _)| k.as_str() == Some(property));
        let Some((key, existing)) = entry else { return self.insert_entry(properties, property, value) };
        if self.json {
            let pad = line_prefix(self.text, key.at.offset);
            let end = value_end(self.text, existing.at.offset);
            return Ok(vec![Edit {
                at: existing.at.offset,
                remove: end - existing.at.offset,
                insert: self.pretty(&long_form(value), pad),
            }]);
        }
        match self.scalar_end(existing) {
            Some(end) if !matches!(value, Val::Json(Value::Object(_))) => {
                let start = self.node_start(existing);
                Ok(vec![Edit { at: start, remove: end - start, insert: self.yaml_scalar(value) }])
            }
            // A value across lines (a policy document) is replaced whole, key and all.
            _ if !self.flow(properties) => {
                let start = line_start(self.text, key.at.offset);
                let end = self.value_block_end(key);
                Ok(vec![Edit {
                    at: start,
                    remove: end - start,
                    insert: self.yaml_entry(property, value, line_prefix(self.text, key.at.offset)),
                }])
            }
            _ => Err(format!("{logical}'s {property} is in a flow mapping; change it by hand")),
        }
    }

    fn append(&self, logical: &str, property: &str, values: &[Val], refs: &dyn Fn(&str) -> String) -> Result<Vec<Edit>, String> {
        let values: Vec<Val> = values.iter().map(|v| self.val(v, refs)).collect();
        let resource = self.resource_node(logical)?;
        let list = resource.get("Properties").and_then(|p| p.get(property));
        let Some(list) = list else { return self.set(logical, property, &Val::List(values)) };
        let Yaml::Seq(items) = &list.value else { return Err(format!("{logical}'s {property} is not a list here")) };
        // A document item (an inline policy) as flow JSON, which YAML reads too.
        let document = |v: &Val| matches!(v, Val::Json(serde_json::Value::Object(_)));
        let written: Vec<String> =
            values.iter().map(|v| if self.json || document(v) { long_form(v).to_string() } else { self.yaml_scalar(v) }).collect();
        let Some(last) = items.last() else {
            // `[]`: the items go between the brackets.
            return match self.text[list.at.offset..].starts_with('[') {
                true => Ok(vec![Edit { at: list.at.offset + 1, remove: 0, insert: written.join(", ") }]),
                false => Err(format!("{logical}'s {property} is an empty list; add the items by hand")),
            };
        };
        if self.json || self.flow(list) {
            let end = value_end(self.text, last.at.offset);
            let multiline = self.text[list.at.offset..end].contains('\n');
            let separator = if multiline { format!(",\n{}", line_prefix(self.text, last.at.offset)) } else { ", ".to_string() };
            let insert: String = written.iter().map(|w| format!("{separator}{w}")).collect();
            return Ok(vec![Edit { at: end, remove: 0, insert }]);
        }
        // `        - ` before the last item, repeated for each new one.
        let start = line_start(self.text, last.at.offset);
        let prefix = match last.value {
            Yaml::Scalar { .. } => &self.text[start..self.node_start(last)],
            // A mapping item: its line's indentation and dash.
            _ => {
                let line = &self.text[start..];
                let indent = line.len() - line.trim_start().len();
                &self.text[start..start + indent + if line[indent..].starts_with("- ") { 2 } else { 0 }]
            }
        };
        if !prefix.trim_start().starts_with('-') {
            return Err(format!("{logical}'s {property} is laid out in a way this tool does not edit"));
        }
        if let Some(end) = self.scalar_end(last) {
            let insert: String = written.iter().map(|w| format!("\n{prefix}{w}")).collect();
            return Ok(vec![Edit { at: end, remove: 0, insert }]);
        }
        // An item across lines (a mapping): the new ones go after its block, at the first line indented no
        // deeper than its dash.
        let dash = prefix.len() - prefix.trim_start().len();
        let mut at = self.text[last.at.offset..].find('\n').map_or(self.text.len(), |i| last.at.offset + i + 1);
        while at < self.text.len() {
            let line = &self.text[at..self.text[at..].find('\n').map_or(self.text.len(), |i| at + i)];
            let content = line.trim_start();
            if !content.is_empty() && !content.starts_with('#') && line.len() - content.len() <= dash {
                break;
            }
            at += line.len() + 1;
        }
        let at = at.min(self.text.len());
        let lead = if self.text[..at].ends_with('\n') { "" } else { "\n" };
        let insert: String = written.iter().map(|w| format!("{lead}{prefix}{w}\n")).collect();
        Ok(vec![Edit { at, remove: 0, insert }])
    }

    /// A resource without Properties gets them after its Type.
    fn add_properties(&self, resource: &Node, property: &str, value: &Val) -> Result<Vec<Edit>, String> {
        let (type_key, type_value) =
            resource.entries().and_then(|e| e.iter().find(|(k, _)| k.as_str() == Some("Type"))).ok_or("the resource has no Type")?;
        let pad = line_prefix(self.text, type_key.at.offset);
        if self.json {
            let end = value_end(self.text, type_value.at.offset);
            let body = self.pretty(&json!({property: long_form(value)}), pad);
            return Ok(vec![Edit { at: end, remove: 0, insert: format!(",\n{pad}\"Properties\": {body}") }]);
        }
        let at = next_line(self.text, type_value.at.offset);
        let entry = self.yaml_entry(property, value, &format!("{pad}{}", self.unit));
        Ok(vec![Edit {
            at,
            remove: 0,
            insert: format!("{}{pad}Properties:\n{entry}", if at == self.text.len() && !self.text.ends_with('\n') { "\n" } else { "" }),
        }])
    }

    /// A new entry first in `map`, at its first key's indentation.
    fn insert_entry(&self, map: &Node, property: &str, value: &Val) -> Result<Vec<Edit>, String> {
        let Some((first, _)) = map.entries().and_then(|e| e.first()) else {
            return Err("an empty mapping; add the property by hand".to_string());
        };
        let pad = line_prefix(self.text, first.at.offset);
        if self.json {
            let body = self.pretty(&long_form(value), pad);
            return Ok(vec![Edit { at: first.at.offset, remove: 0, insert: format!("\"{property}\": {body},\n{pad}") }]);
        }
        if self.flow(map) {
            return Err("the mapping is written as a flow mapping ({ ... })".to_string());
        }
        Ok(vec![Edit { at: line_start(self.text, first.at.offset), remove: 0, insert: self.yaml_entry(property, value, pad) }])
    }

    /// Where a node's text begins: at its tag (`!Ref X`: the parser marks `X`).
    fn node_start(&self, node: &Node) -> usize {
        let line = line_start(self.text, node.at.offset);
        match &node.tag {
            Some(_) => self.text[line..node.at.offset].rfind('!').map_or(node.at.offset, |i| line + i),
            None => node.at.offset,
        }
    }

    /// Whether a collection is written in flow style (`{ }`, `[ ]`).
    fn flow(&self, node: &Node) -> bool {
        matches!(self.text.as_bytes().get(node.at.offset), Some(b'{' | b'['))
    }

    /// Where a scalar written on one line ends (`None`: a collection, or a block scalar across lines).
    fn scalar_end(&self, node: &Node) -> Option<usize> {
        if !matches!(node.value, Yaml::Scalar { .. }) {
            return None;
        }
        if self.json {
            return Some(value_end(self.text, node.at.offset));
        }
        let rest = &self.text[node.at.offset..];
        let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let length = match line.chars().next() {
            Some(quote @ ('"' | '\'')) => quoted_length(line, quote)?,
            Some('|' | '>') => return None,
            // A plain scalar runs to a comment or the end of the line.
            _ => line.find(" #").unwrap_or(line.len()),
        };
        Some(node.at.offset + line[..length].trim_end().len())
    }

    /// `Property: value` on its own line(s) at `pad`.
    fn yaml_entry(&self, property: &str, value: &Val, pad: &str) -> String {
        let deeper = format!("{pad}{}", self.unit);
        match value {
            Val::List(items) if !items.is_empty() => {
                let lines: String = items.iter().map(|item| format!("{deeper}- {}\n", self.yaml_scalar(item))).collect();
                format!("{pad}{property}:\n{lines}")
            }
            Val::Json(document @ Value::Object(_)) => {
                let block = crate::remedy::code::yaml(&Val::Json(document.clone()), 0);
                let lines: String = block.lines().map(|l| format!("{deeper}{l}\n")).collect();
                format!("{pad}{property}:\n{lines}")
            }
            other => format!("{pad}{property}: {}\n", self.yaml_scalar(other)),
        }
    }

    /// A value on one line of YAML, in the file's intrinsic form.
    fn yaml_scalar(&self, value: &Val) -> String {
        match value {
            Val::List(_) | Val::Json(Value::Object(_) | Value::Array(_)) => long_form(value).to_string(),
            _ => inline(value, if self.short_form { Form::YamlShort } else { Form::YamlLong }),
        }
    }

    /// A JSON object of rendered values, keys in the order given, its lines continuing at `pad`.
    fn object(&self, entries: Vec<(String, String)>, pad: &str) -> String {
        let lines: Vec<String> = entries.iter().map(|(k, v)| format!("{pad}{}\"{k}\": {v}", self.unit)).collect();
        format!("{{\n{}\n{pad}}}", lines.join(",\n"))
    }

    /// Pretty JSON in the file's indentation unit, continuing at `pad`.
    fn pretty(&self, value: &Value, pad: &str) -> String {
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(self.unit.as_bytes());
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
        if serde::Serialize::serialize(value, &mut serializer).is_err() {
            return value.to_string();
        }
        String::from_utf8_lossy(&out).replace('\n', &format!("\n{pad}"))
    }
}

/// The properties a route's target can be given in.
const ROUTE_TARGETS: [&str; 9] = [
    "GatewayId",
    "NatGatewayId",
    "InstanceId",
    "NetworkInterfaceId",
    "TransitGatewayId",
    "VpcEndpointId",
    "VpcPeeringConnectionId",
    "CarrierGatewayId",
    "CoreNetworkArn",
];

/// A value as text, or the logical ID a `Ref` names (`!Ref X`, `{Ref: X}`).
fn plain_or_ref(node: &Node) -> Option<&str> {
    match (&node.tag, &node.value) {
        (None, Yaml::Scalar { text }) => Some(text),
        (Some(tag), Yaml::Scalar { text }) if tag == "Ref" => Some(text),
        (None, Yaml::Map(entries)) if entries.len() == 1 => entries[0].0.as_str().filter(|k| *k == "Ref").and(entries[0].1.as_str()),
        _ => None,
    }
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

fn next_line(text: &str, offset: usize) -> usize {
    text[offset..].find('\n').map_or(text.len(), |i| offset + i + 1)
}

/// The whitespace before `offset` on its line (empty when something else precedes it there).
fn line_prefix(text: &str, offset: usize) -> &str {
    let before = &text[line_start(text, offset)..offset];
    let indent = before.len() - before.trim_start_matches([' ', '\t']).len();
    &before[..indent]
}

/// The length of a quoted scalar at the start of `line`, quotes included.
fn quoted_length(line: &str, quote: char) -> Option<usize> {
    let mut chars = line.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if quote == '"' => {
                chars.next();
            }
            // `''` is a quote inside a single-quoted scalar.
            '\'' if quote == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') => {
                chars.next();
            }
            c if c == quote => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Where the JSON (or YAML flow) value that starts at `start` ends: past its closing bracket or quote, or
/// the end of a bare word.
pub fn value_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut at = start;
    let mut quote: Option<u8> = None;
    while at < bytes.len() {
        let b = bytes[at];
        match (quote, b) {
            (Some(_), b'\\') => at += 1,
            (Some(q), b) if b == q => {
                quote = None;
                if depth == 0 {
                    return at + 1;
                }
            }
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'{' | b'[') => depth += 1,
            // A bare word ends at the bracket that closes its collection.
            (None, b'}' | b']') if depth == 0 => return at,
            (None, b'}' | b']') => {
                if depth == 1 {
                    return at + 1;
                }
                depth -= 1;
            }
            (None, b',' | b'\n' | b'\r' | b' ' | b'\t') if depth == 0 => return at,
            _ => {}
        }
        at += 1;
    }
    bytes.len()
}

/// `text` with `edits` made; edits at one offset keep their order.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut ordered: Vec<(usize, &Edit)> = edits.iter().enumerate().collect();
    ordered.sort_by_key(|(i, e)| (e.at, *i));
    let mut out = String::with_capacity(text.len() + edits.iter().map(|e| e.insert.len()).sum::<usize>());
    let mut at = 0;
    for (_, edit) in ordered {
        if edit.at < at {
            continue;
        }
        out.push_str(&text[at..edit.at]);
        out.push_str(&edit.insert);
        at = edit.at + edit.remove;
    }
    out.push_str(&text[at.min(text.len())..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::template::yaml;

    fn fixed(text: &str, change: &Change) -> String {
        let document = yaml::parse(text).expect("parses");
        let layout = Layout::new(text, &document.root);
        let edits = layout.edits(change, &|id: &str| id.to_string()).expect("applies");
        apply(text, &edits)
    }

    const YAML: &str = "# keep me\nResources:\n  VPC:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16  # the range\n      EnableDnsSupport: false  # off\n  Endpoint:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n      SubnetIds:\n        - !Ref A\n\n# outputs\nOutputs:\n  X:\n    Value: 1\n";

    #[test]
    fn a_property_is_set_in_place_and_nothing_else_moves() {
        let change = Change::Set { resource: "VPC".into(), kind: "AWS::EC2::VPC", property: "EnableDnsSupport", value: Val::Bool(true) };
        assert_eq!(fixed(YAML, &change), YAML.replace("EnableDnsSupport: false  # off", "EnableDnsSupport: true  # off"));
        let change = Change::Set { resource: "VPC".into(), kind: "AWS::EC2::VPC", property: "EnableDnsHostnames", value: Val::Bool(true) };
        assert_eq!(fixed(YAML, &change), YAML.replace("      CidrBlock", "      EnableDnsHostnames: true\n      CidrBlock"));
    }

    #[test]
    fn a_resource_is_added_at_the_end_of_resources_and_a_list_grows() {
        let change = Change::Add { id: "R".into(), kind: "AWS::EC2::Route", properties: vec![("RouteTableId", Val::Ref("T".into()))] };
        let text = fixed(YAML, &change);
        assert!(
            text.contains("        - !Ref A\n  R:\n    Type: AWS::EC2::Route\n    Properties:\n      RouteTableId: !Ref T\n\n# outputs"),
            "{text}"
        );
        let change = Change::Append {
            resource: "Endpoint".into(),
            kind: "AWS::EC2::VPCEndpoint",
            property: "SubnetIds",
            values: vec![Val::Ref("B".into())],
        };
        let text = fixed(YAML, &change);
        assert!(text.contains("        - !Ref A\n        - !Ref B\n"), "{text}");
    }

    #[test]
    fn a_document_joins_a_list_of_mappings_after_its_last_item() {
        let text = "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: a\n          PolicyDocument:\n            Version: \"2012-10-17\"\n  VPC:\n    Type: AWS::EC2::VPC\n";
        let change = Change::Append {
            resource: "Role".into(),
            kind: "AWS::IAM::Role",
            property: "Policies",
            values: vec![Val::Json(serde_json::json!({"PolicyName": "b"}))],
        };
        let fixed = fixed(text, &change);
        assert!(fixed.contains("            Version: \"2012-10-17\"\n        - {\"PolicyName\":\"b\"}\n  VPC:\n"), "{fixed}");
    }

    #[test]
    fn json_keeps_its_indentation() {
        let text = "{\n    \"Resources\": {\n        \"VPC\": {\n            \"Type\": \"AWS::EC2::VPC\",\n            \"Properties\": {\"EnableDnsSupport\": false}\n        }\n    }\n}\n";
        let set = Change::Set { resource: "VPC".into(), kind: "AWS::EC2::VPC", property: "EnableDnsSupport", value: Val::Bool(true) };
        assert_eq!(fixed(text, &set), text.replace("false", "true"));
        let add = Change::Add { id: "R".into(), kind: "AWS::EC2::Route", properties: vec![("RouteTableId", Val::Ref("T".into()))] };
        let added = fixed(text, &add);
        let parsed: Value = serde_json::from_str(&added).expect("valid JSON");
        assert_eq!(parsed["Resources"]["R"]["Properties"]["RouteTableId"], json!({"Ref": "T"}));
        assert!(added.contains("        },\n        \"R\": {\n            \"Type\": \"AWS::EC2::Route\","), "{added}");
    }
}
