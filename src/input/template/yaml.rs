//! A template's text as a tree that remembers where each node is and which tag it carries: CloudFormation's
//! short forms (`!Ref`, `!Sub`, ...) are YAML tags, and findings and errors point at lines. JSON templates
//! are read by the same parser (JSON is YAML's flow style), so both kinds locate alike.
//!
//! yaml-rust2's event parser gives the tag and position of every node, which serde-based YAML crates drop.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A position in the text: a byte offset, and the 1-based line and column people read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Spot {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    /// The short-form function a tag names (`Ref` for `!Ref`), if any.
    pub tag: Option<String>,
    pub at: Spot,
}

#[derive(Debug, Clone)]
pub enum Value {
    /// Text as written (CloudFormation reads `true`, `"true"` and `10` by the property's type, not YAML's).
    Scalar {
        text: String,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A key given twice in one mapping: the later one is used, and the report says so.
#[derive(Debug, Clone)]
pub struct DuplicateKey {
    pub key: String,
    pub first: Spot,
    pub again: Spot,
}

#[derive(Debug)]
pub struct SyntaxError {
    pub message: String,
    pub at: Spot,
}

pub struct Document {
    pub root: Node,
    pub duplicates: Vec<DuplicateKey>,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text } if self.tag.is_none() => Some(text),
            _ => None,
        }
    }

    pub fn entries(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) if self.tag.is_none() => Some(entries),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?.iter().rev().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v)
    }
}

/// Line starts, to turn the parser's (line, character column) into byte offsets in the file: past a byte
/// order mark (`skipped` bytes), and less the spaces `flow_indent` added to a line.
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
    skipped: usize,
    padding: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str, skipped: usize, padding: Vec<usize>) -> Self {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Self { text, starts, skipped, padding }
    }

    fn spot(&self, mark: &Marker) -> Spot {
        let line = mark.line().max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(self.text.len());
        let rest = &self.text[start..];
        let column = mark.col().saturating_sub(self.padding.get(line - 1).copied().unwrap_or(0));
        let offset = start + rest.char_indices().nth(column).map_or(rest.len(), |(i, _)| i);
        Spot { offset: self.skipped + offset, line, column: column + 1 }
    }
}

enum Open {
    Seq(Vec<Node>, Option<String>, Spot, usize),
    /// Entries so far, and a key read whose value is not yet.
    Map(Vec<(Node, Node)>, Option<Node>, Option<String>, Spot, usize),
}

/// The most nodes aliases may copy in one file: real templates repeat a few small blocks; a "billion
/// laughs" file of a few KB would expand to billions (hardened YAML loaders refuse the same way).
const MAX_ALIAS_NODES: usize = 100_000;

/// The deepest nesting of collections: far beyond any template, well within the stack of the code that
/// walks the tree.
const MAX_NESTING: usize = 128;

struct Builder<'t> {
    lines: Lines<'t>,
    stack: Vec<Open>,
    /// Each anchor's node and how many nodes it holds.
    anchors: std::collections::HashMap<usize, (Node, usize)>,
    /// Nodes copied by aliases so far.
    alias_nodes: usize,
    root: Option<Node>,
    duplicates: Vec<DuplicateKey>,
    error: Option<SyntaxError>,
    documents: usize,
}

fn tag_name(tag: Option<yaml_rust2::parser::Tag>) -> Option<String> {
    let tag = tag?;
    // `!Ref` has handle `!` and suffix `Ref`; the core schema's `!!str` and friends are not functions.
    (tag.handle == "!").then_some(tag.suffix)
}

impl Builder<'_> {
    fn push(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            let size = node_count(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Open::Seq(items, ..)) => items.push(node),
            Some(Open::Map(entries, key, ..)) => match key.take() {
                Some(key) => entries.push((key, node)),
                None => *key = Some(node),
            },
        }
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let at = self.lines.spot(&mark);
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    self.error = Some(SyntaxError { message: "a template is one YAML document; this file holds several".into(), at });
                }
            }
            Event::Scalar(text, _, anchor, tag) => self.push(Node { value: Value::Scalar { text }, tag: tag_name(tag), at }, anchor),
            Event::SequenceStart(..) | Event::MappingStart(..) if self.stack.len() >= MAX_NESTING => {
                self.error = Some(SyntaxError { message: format!("collections nest deeper than {MAX_NESTING} levels"), at });
            }
            Event::SequenceStart(anchor, tag) => self.stack.push(Open::Seq(Vec::new(), tag_name(tag), at, anchor)),
            Event::MappingStart(anchor, tag) => self.stack.push(Open::Map(Vec::new(), None, tag_name(tag), at, anchor)),
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Open::Seq(items, tag, at, anchor)) => (Node { value: Value::Seq(items), tag, at }, anchor),
                    Some(Open::Map(entries, _, tag, at, anchor)) => {
                        let entries = self.without_duplicates(entries);
                        (Node { value: Value::Map(entries), tag, at }, anchor)
                    }
                    None => return,
                };
                self.push(node.0, node.1);
            }
            Event::Alias(anchor) => match self.anchors.get(&anchor) {
                Some((_, size)) if self.alias_nodes.saturating_add(*size) > MAX_ALIAS_NODES => {
                    self.error = Some(SyntaxError {
                        message: format!("aliases here expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?); write the values out"),
                        at,
                    });
                }
                Some((node, size)) => {
                    self.alias_nodes += size;
                    let node = node.clone();
                    self.push(node, 0);
                }
                None => self.error = Some(SyntaxError { message: "an alias to an anchor not defined before it".into(), at }),
            },
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
    }
}

impl Builder<'_> {
    /// Keeps the last of keys given twice (as YAML loaders do), noting each repeat.
    fn without_duplicates(&mut self, entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
        let mut kept: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let name = key.as_str().map(str::to_string);
            if let Some(name) = name {
                if let Some(i) = kept.iter().position(|(k, _)| k.as_str() == Some(name.as_str())) {
                    self.duplicates.push(DuplicateKey { key: name, first: kept[i].0.at, again: key.at });
                    kept.remove(i);
                }
            }
            kept.push((key, value));
        }
        kept
    }
}

/// The nodes in a tree, counted without recursion.
fn node_count(node: &Node) -> usize {
    let mut count = 0;
    let mut pending = vec![node];
    while let Some(next) = pending.pop() {
        count += 1;
        match &next.value {
            Value::Scalar { .. } => {}
            Value::Seq(items) => pending.extend(items),
            Value::Map(entries) => pending.extend(entries.iter().flat_map(|(k, v)| [k, v])),
        }
    }
    count
}

pub fn parse(text: &str) -> Result<Document, SyntaxError> {
    // A byte order mark is not part of the first key (CloudFormation reads past it).
    let (skipped, text) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ('\u{feff}'.len_utf8(), rest),
        None => (0, text),
    };
    let padded = super::flow_indent::pad(text);
    let (parsed, padding) = match &padded {
        Some(p) => (p.text.as_str(), p.padding.clone()),
        None => (text, Vec::new()),
    };
    let mut builder = Builder {
        lines: Lines::new(text, skipped, padding),
        stack: Vec::new(),
        anchors: std::collections::HashMap::new(),
        alias_nodes: 0,
        root: None,
        duplicates: Vec::new(),
        error: None,
        documents: 0,
    };
    let mut parser = Parser::new_from_str(parsed);
    let loaded = parser.load(&mut builder, true);
    // The builder's own refusal comes first: the parser may fail later on the same input.
    if let Some(error) = builder.error {
        return Err(error);
    }
    if let Err(error) = loaded {
        let at = builder.lines.spot(error.marker());
        return Err(SyntaxError { message: error.info().to_string(), at });
    }
    let root =
        builder.root.ok_or_else(|| SyntaxError { message: "the file is empty".into(), at: Spot { offset: 0, line: 1, column: 1 } })?;
    Ok(Document { root, duplicates: builder.duplicates })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_positions_and_duplicates() {
        let text = "# é comment\nResources:\n  A: !Ref B\n  C: {\"Fn::GetAtt\": [\"D\", \"Arn\"]}\n  A: !Sub x\n";
        let doc = parse(text).expect("parses");
        let resources = doc.root.get("Resources").expect("resources");
        let a = resources.get("A").expect("A");
        assert_eq!(a.tag.as_deref(), Some("Sub"));
        // A tagged scalar is located at its text (the tag comes before it); the é before takes two bytes.
        assert_eq!((a.at.line, a.at.column), (5, 11));
        assert_eq!(&text[a.at.offset..a.at.offset + 1], "x");
        let key = &resources.entries().expect("entries")[0].0;
        assert_eq!((key.at.line, key.at.column, &text[key.at.offset..key.at.offset + 1]), (4, 3, "C"));
        assert_eq!(doc.duplicates.len(), 1);
        assert_eq!(doc.duplicates[0].first.line, 3);
        let c = resources.get("C").expect("C").get("Fn::GetAtt").expect("getatt");
        assert!(matches!(&c.value, Value::Seq(items) if items.len() == 2));
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_refused_where_they_start() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (name, previous) in ["b", "c", "d", "e", "f", "g", "h", "i"].iter().zip(["a", "b", "c", "d", "e", "f", "g", "h"]) {
            bomb.push_str(&format!("{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"));
        }
        let err = parse(&bomb).err().expect("refused");
        assert!(err.message.contains("more than 100000 nodes"), "{err:?}");
        assert!(err.at.line >= 5, "{err:?}");
        // Ordinary anchors still work.
        let doc = parse("x: &tags [a, b]\ny: *tags\n").expect("parses");
        assert!(matches!(&doc.root.get("y").expect("y").value, Value::Seq(items) if items.len() == 2));
        // Block nesting (flow nesting stops at the scanner's own limit of 255).
        let deep: String = (0..200).map(|level| format!("{}k{level}:\n", " ".repeat(level))).collect();
        let err = parse(&deep).err().expect("refused");
        assert!(err.message.contains("nest deeper than 128"), "{err:?}");
        assert!(parse(&format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000))).is_err());
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let err = parse("Resources:\n  A: [1, 2\n  B: 3\n").err().expect("error");
        assert!(err.at.line >= 2, "{err:?}");
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
    }
}
