//! What CloudFormation's YAML reader accepts and yaml-rust2 refuses: a flow collection whose lines sit left
//! of the key that holds it, most often its closing bracket at the key's column or further left:
//!
//! ```yaml
//!       Tags: [
//!         {Key: a, Value: b}
//!     ]
//! ```
//!
//! YAML 1.2 wants flow content indented past its parent block; libyaml and PyYAML (what CloudFormation and
//! cfn-lint read with) do not check indentation inside flow collections at all, and AWS's own samples rely
//! on it. yaml-rust2 keeps to the letter (its issues #30, #56, #69; saphyr #55 is open). Inside a flow
//! collection leading spaces never change a value (they are folded away even within a quoted scalar), so
//! such lines are given the spaces yaml-rust2 wants, and positions are mapped back to the file.

/// Each line's added leading spaces (by 0-based line), and the text with them.
pub struct Padded {
    pub text: String,
    pub padding: Vec<usize>,
}

/// Where the scanner is, between characters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

/// `text` with every line that starts inside a flow collection, left of the column just past its parent
/// block's, moved right to that column. None when no line needs it (the common case: no copy).
pub fn pad(text: &str) -> Option<Padded> {
    let mut depth = 0usize;
    let mut quote = Quote::None;
    // The block column the outermost open flow collection must stay right of.
    let mut parent = 0usize;
    // A block scalar (`|`, `>`) runs over the lines indented past this column.
    let mut block_scalar: Option<usize> = None;
    let mut padding = Vec::new();
    for line in text.split('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let content = line[indent..].trim_end_matches('\r');
        let mut pad = 0;
        if let Some(column) = block_scalar {
            if content.is_empty() || indent > column {
                padding.push(0);
                continue;
            }
            block_scalar = None;
        }
        if depth > 0 && !content.is_empty() && indent <= parent {
            pad = parent + 1 - indent;
        }
        padding.push(pad);
        let block_column = if depth == 0 && quote == Quote::None { Some(node_column(line)) } else { None };
        let chars: Vec<char> = content.chars().collect();
        // What came before, kept as the line is read (a scan per character would be quadratic).
        let mut before = Before::default();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match quote {
                Quote::Double => match c {
                    '\\' => i += 1,
                    '"' => quote = Quote::None,
                    _ => {}
                },
                Quote::Single => {
                    if c == '\'' {
                        if chars.get(i + 1) == Some(&'\'') {
                            i += 1;
                        } else {
                            quote = Quote::None;
                        }
                    }
                }
                Quote::None => match c {
                    '#' if i == 0 || chars[i - 1].is_whitespace() => break,
                    '"' | '\'' if before.starts_node(depth) => quote = if c == '"' { Quote::Double } else { Quote::Single },
                    '[' | '{' if depth > 0 || before.starts_node(depth) => {
                        if depth == 0 {
                            parent = block_column.unwrap_or(indent);
                        }
                        depth += 1;
                    }
                    ']' | '}' if depth > 0 => depth -= 1,
                    '|' | '>' if depth == 0 && before.starts_node(depth) && is_block_scalar_header(&chars[i..]) => {
                        block_scalar = Some(block_column.unwrap_or(indent));
                        break;
                    }
                    _ => {}
                },
            }
            before.push(c);
            i += 1;
        }
    }
    if padding.iter().all(|p| *p == 0) {
        return None;
    }
    let mut padded = String::with_capacity(text.len() + padding.iter().sum::<usize>());
    for (n, (line, pad)) in text.split('\n').zip(&padding).enumerate() {
        if n > 0 {
            padded.push('\n');
        }
        padded.extend(std::iter::repeat_n(' ', *pad));
        padded.push_str(line);
    }
    Some(Padded { text: padded, padding })
}

/// The column of a line's node once any `- ` sequence indicators are passed (`  - - Key: a` -> 6).
fn node_column(line: &str) -> usize {
    let mut column = 0;
    let mut rest = line;
    loop {
        let spaces = rest.len() - rest.trim_start_matches(' ').len();
        column += spaces;
        rest = &rest[spaces..];
        match rest.strip_prefix('-').filter(|after| after.is_empty() || after.starts_with(' ')) {
            Some(after) => {
                column += 1;
                rest = after;
            }
            None => return column,
        }
    }
}

/// The last character and the first character of the last word before a position on a line.
#[derive(Default)]
struct Before {
    last: Option<char>,
    word_start: Option<char>,
    in_word: bool,
}

impl Before {
    fn push(&mut self, c: char) {
        if c.is_whitespace() {
            self.in_word = false;
            return;
        }
        self.last = Some(c);
        if matches!(c, '[' | '{' | ',') {
            self.in_word = false;
        } else if !self.in_word {
            self.in_word = true;
            self.word_start = Some(c);
        }
    }

    /// Whether a node may start here: at the line's start, after a key's `:`, a sequence's `-`, an explicit
    /// key's `?`, a tag (`!Select`) or an anchor (`&a`), and inside a flow collection after `[`, `{` or `,`.
    fn starts_node(&self, depth: usize) -> bool {
        match self.last {
            None | Some(':' | '-' | '?') => true,
            Some('[' | '{' | ',') if depth > 0 => true,
            Some(_) => self.word_start.is_some_and(|w| w == '!' || w == '&'),
        }
    }
}

/// `|`, `>` with optional chomping and indentation indicators, then the end of the line or a comment.
fn is_block_scalar_header(rest: &[char]) -> bool {
    let indicators = rest.iter().skip(1).take_while(|c| matches!(c, '+' | '-' | '1'..='9')).count();
    let after: String = rest[1 + indicators..].iter().collect();
    let after = after.trim_start();
    after.is_empty() || after.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closing_bracket_at_or_left_of_its_key_is_moved_right() {
        let text = "Resources:\n  A:\n    Properties:\n      Tags: [\n        {Key: a, Value: b}\n    ]\n      Other: 1\n";
        let padded = pad(text).expect("padded");
        assert_eq!(padded.padding, [0, 0, 0, 0, 0, 3, 0, 0]);
        assert!(padded.text.contains("\n       ]\n      Other: 1\n"));
        // Inside a sequence entry the parent is the entry's node column.
        let entry = "List:\n  - Name: [a,\n  b]\n";
        assert_eq!(pad(entry).map(|p| p.padding), Some(vec![0, 0, 3, 0]));
    }

    #[test]
    fn text_that_only_looks_like_a_flow_collection_is_left_alone() {
        for text in [
            "A:\n  B: [1, 2]\n  C: {d: e}\n",
            "A: arn:aws:s3:::x[1]\nB: 2\n",
            "A: 'text [ with' \nB: 2\n",
            "A: \"x { y\"\nB: 2\n",
            "A: |\n  literal [\nB: 2\n",
            "A: >-\n  folded {\n\nB: 2\n",
            "A: b # comment [\nC: 2\n",
            "A: it's [x\nB: 2\n",
        ] {
            assert!(pad(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn tags_anchors_and_nested_flows_open_collections() {
        let text = "A:\n  B: !Select [0,\n  [x]]\n  C: &c {k: [1,\n 2]}\n";
        assert_eq!(pad(text).map(|p| p.padding), Some(vec![0, 0, 1, 0, 2, 0]));
    }
}
