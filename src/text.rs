//! Text from the account or a file on its way to a terminal or a markup format: control characters
//! (ESC, OSC, BEL, C1) are made visible, so that an ID, a state or an AWS error message cannot rewrite the
//! screen or the window title.

use std::borrow::Cow;
use std::fmt;

use miette::{Diagnostic, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

fn is_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{fffe}' | '\u{ffff}' | '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every control character (but newline and tab) written as `\u{1b}`.
pub fn printable(s: &str) -> Cow<'_, str> {
    escape(s, is_control)
}

/// `s` as one line: control characters, newline and tab included, written as `\u{a}` (IDs, names).
pub fn printable_line(s: &str) -> Cow<'_, str> {
    escape(s, |c| is_control(c) || c == '\n' || c == '\t')
}

fn escape(s: &str, bad: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if bad(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` with every control character replaced by `?` (`¿` where it takes two bytes, and so on): the same
/// length in bytes, so that spans into the text still point where they did.
pub fn printable_in_place(s: &str) -> String {
    if !s.chars().any(is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match (is_control(c), c.len_utf8()) {
            (false, _) => out.push(c),
            (true, 2) => out.push('¿'),
            (true, n) => out.extend(std::iter::repeat_n('?', n)),
        }
    }
    out
}

/// The most of one line an excerpt shows: a minified snapshot is one line of megabytes.
const EXCERPT_WINDOW: usize = 160;

/// A file's text as miette shows it: control characters made visible, and a long line cut to a window
/// around the span (the line and column stay the file's own). Made once per file; clones share the text.
#[derive(Debug, Clone)]
pub struct Excerpt {
    name: String,
    text: std::sync::Arc<str>,
}

impl Excerpt {
    pub fn new(name: &str, text: &str) -> Self {
        Self { name: name.to_string(), text: printable_in_place(text).into() }
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let whole = self.text.read_span(span, context_lines_before, context_lines_after)?;
        let (line, column, line_count) = (whole.line(), whole.column(), whole.line_count());
        let start = whole.span().offset();
        let len = whole.data().len();
        if len <= EXCERPT_WINDOW * 4 && whole.data().split(|b| *b == b'\n').all(|l| l.len() <= EXCERPT_WINDOW) {
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                &self.text.as_bytes()[start..start + len],
                (start, len).into(),
                line,
                column,
                line_count,
            )));
        }
        // One line around the span, cut at character boundaries.
        let text = &self.text;
        let line_start = text[..span.offset().min(text.len())].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[span.offset().min(text.len())..].find('\n').map_or(text.len(), |i| span.offset() + i);
        let mut from = span.offset().saturating_sub(EXCERPT_WINDOW / 2).max(line_start);
        let mut to = (span.offset() + span.len() + EXCERPT_WINDOW / 2).min(line_end).max(from);
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        while !text.is_char_boundary(to) {
            to += 1;
        }
        let line_number = text[..line_start].matches('\n').count();
        let column_number = text[line_start..from].chars().count();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &text.as_bytes()[from..to],
            (from, to - from).into(),
            line_number,
            column_number,
            1,
        )))
    }
}

/// A diagnostic as it is printed: its message, help, labels and causes with control characters made
/// visible (its source code is an `Excerpt` already where it shows a file).
pub struct Printable<'a> {
    inner: &'a dyn Diagnostic,
    message: String,
    help: Option<String>,
    cause: Option<Box<Cause>>,
}

/// One sanitized link of an error's cause chain.
#[derive(Debug)]
struct Cause {
    message: String,
    next: Option<Box<Cause>>,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.next.as_deref().map(|c| c as &(dyn std::error::Error + 'static))
    }
}

impl<'a> Printable<'a> {
    pub fn new(inner: &'a dyn Diagnostic) -> Self {
        let mut causes = Vec::new();
        let mut next = inner.source();
        while let Some(cause) = next {
            causes.push(printable(&cause.to_string()).into_owned());
            next = cause.source();
        }
        let cause = causes.into_iter().rev().fold(None, |next, message| Some(Box::new(Cause { message, next })));
        Self {
            inner,
            message: printable(&inner.to_string()).into_owned(),
            help: inner.help().map(|h| printable(&h.to_string()).into_owned()),
            cause,
        }
    }
}

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Printable<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_deref().map(|c| c as &(dyn std::error::Error + 'static))
    }
}

// No `code`: the diagnostic codes (`mwaa_preflight::usage`) name the library's error kinds, and a person
// reading the terminal needs the sentence and the way out, not them.
impl Diagnostic for Printable<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help.as_ref().map(|h| Box::new(h.clone()) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.inner.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let labels = self.inner.labels()?;
        Some(Box::new(labels.map(|l| LabeledSpan::new_with_span(l.label().map(|t| printable(t).into_owned()), *l.inner()))))
    }
}

/// `PrivateSubnet1NatGateway` -> `private_subnet1_nat_gateway` (a CloudFormation name as Terraform's).
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `ipv6_cidr_block` -> `Ipv6CidrBlock` (a Terraform name as CloudFormation's).
pub fn pascal_case(name: &str) -> String {
    name.split('_').map(|word| word.get(..1).unwrap_or_default().to_ascii_uppercase() + word.get(1..).unwrap_or_default()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudformation_and_terraform_names_convert_both_ways() {
        for (cloudformation, terraform) in [
            ("Ipv6CidrBlock", "ipv6_cidr_block"),
            ("MapPublicIpOnLaunch", "map_public_ip_on_launch"),
            ("CidrIpv6", "cidr_ipv6"),
            ("Id", "id"),
        ] {
            assert_eq!(snake_case(cloudformation), terraform);
            assert_eq!(pascal_case(terraform), cloudformation);
        }
        assert_eq!(pascal_case("a__b_"), "AB");
    }

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(printable("sg-1\u{1b}]0;pwned\u{7}"), "sg-1\\u{1b}]0;pwned\\u{7}");
        assert_eq!(printable("a\nb\tc"), "a\nb\tc");
        assert_eq!(printable("\u{9b}31m"), "\\u{9b}31m");
        let kept = printable_in_place("x\u{1b}y\u{9b}z");
        assert_eq!(kept.len(), "x\u{1b}y\u{9b}z".len());
        assert!(!kept.chars().any(|c| c.is_control()));
    }
}
