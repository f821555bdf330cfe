//! A snapshot file's text, and pointing back into it: parse errors and findings carry spans into the text.

use std::path::Path;

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use crate::model::snapshot::{MEMBER_NAMES, SNAPSHOT_VERSION};
use crate::model::{Network, Snapshot};
use crate::text::Excerpt;

/// Whether a JSON value is null, skipping over anything else without building it.
struct Nullness(bool);

impl<'de> serde::Deserialize<'de> for Nullness {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Nullness;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Nullness, E> {
                Ok(Nullness(true))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Nullness, E> {
                Ok(Nullness(false))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Nullness, E> {
                Ok(Nullness(false))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Nullness, E> {
                Ok(Nullness(false))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Nullness, E> {
                Ok(Nullness(false))
            }
            fn visit_str<E>(self, _: &str) -> Result<Nullness, E> {
                Ok(Nullness(false))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Nullness, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Nullness(false))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Nullness, A::Error> {
                while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
                Ok(Nullness(false))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The largest snapshot read: far above real ones (an account-wide audit of a large account is tens of MB;
/// 330 MB was read in a test), and a bound on memory for `--snapshot /dev/zero` and the like.
pub const MAX_SNAPSHOT_BYTES: u64 = 512 * 1024 * 1024;

/// A file's text, read only while it can be what it claims: its first non-blank character must be `first`,
/// if given (a JSON object's `{`; a UTF-8 byte order mark is let through for the parser to name), it stops
/// at `limit` bytes, and it must be UTF-8, or UTF-16 with a byte order mark (what Windows PowerShell's `>`
/// writes: `terraform show -json > plan.json`).
pub fn read_bounded(path: &Path, limit: u64, first: Option<u8>) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let file = std::fs::File::open(path)?;
    let mut reader = std::io::BufReader::new(file).take(limit + 1);
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut checked = false;
    loop {
        let n = reader.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        if let (false, Some(first)) = (checked, first) {
            if utf16_order(&bytes).is_some() {
                // Checked once decoded.
                checked = true;
            } else {
                let start = bytes.strip_prefix(b"\xef\xbb\xbf".as_slice()).unwrap_or(&bytes);
                if let Some(&byte) = start.iter().find(|b| !b.is_ascii_whitespace()) {
                    if byte != first {
                        return Err(not_json(&format!("byte 0x{byte:02x}"), first));
                    }
                    checked = true;
                }
            }
        }
        if bytes.len() as u64 > limit {
            return Err(Error::new(ErrorKind::InvalidData, format!("larger than the {} MB this file may be", limit / (1024 * 1024))));
        }
    }
    if let Some(big_endian) = utf16_order(&bytes) {
        let text = decode_utf16(&bytes[2..], big_endian)?;
        if let (Some(first), Some(c)) = (first, text.chars().find(|c| !c.is_whitespace())) {
            if c != char::from(first) {
                return Err(not_json(&format!("{c:?}"), first));
            }
        }
        return Ok(text);
    }
    String::from_utf8(bytes)
        .map_err(|e| Error::new(ErrorKind::InvalidData, format!("not UTF-8 (at byte {})", e.utf8_error().valid_up_to())))
}

fn not_json(found: &str, first: u8) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("not a JSON document: it starts with {found}, not {:?}", char::from(first)),
    )
}

/// Whether bytes start with a UTF-16 byte order mark, and which: `Some(true)` big-endian.
pub fn utf16_order(bytes: &[u8]) -> Option<bool> {
    match bytes {
        [0xFF, 0xFE, ..] => Some(false),
        [0xFE, 0xFF, ..] => Some(true),
        _ => None,
    }
}

/// UTF-16 text (after its byte order mark) as a string; an odd length or a lone surrogate is an error.
pub fn decode_utf16(bytes: &[u8], big_endian: bool) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind};
    if !bytes.len().is_multiple_of(2) {
        return Err(Error::new(ErrorKind::InvalidData, "not UTF-16: an odd number of bytes"));
    }
    let units = bytes.chunks_exact(2).map(|p| if big_endian { u16::from_be_bytes([p[0], p[1]]) } else { u16::from_le_bytes([p[0], p[1]]) });
    let mut text = String::with_capacity(bytes.len() / 2);
    for (i, c) in char::decode_utf16(units).enumerate() {
        text.push(c.map_err(|_| Error::new(ErrorKind::InvalidData, format!("not UTF-16 (a lone surrogate at byte {})", 2 + 2 * i)))?);
    }
    Ok(text)
}

/// A snapshot, template or plan file that cannot be read or parsed (exit code 2).
#[derive(Debug, Error, Diagnostic)]
pub enum FileError {
    #[error("cannot read {what} {path}: {source}")]
    #[diagnostic(code(mwaa_preflight::file_unreadable), help("{help}"))]
    Unreadable {
        /// What the file was to be: "snapshot", "template", "Terraform plan", ...
        what: &'static str,
        help: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(InvalidFile),
}

/// A file that does not parse, with the spot: snapshot and configuration files alike.
#[derive(Debug, Error, Diagnostic)]
#[error("invalid {kind} {path}: {message}")]
#[diagnostic(code(mwaa_preflight::invalid_file))]
pub struct InvalidFile {
    pub kind: &'static str,
    pub path: String,
    pub message: String,
    #[help]
    pub help: &'static str,
    #[source_code]
    pub src: Excerpt,
    #[label("{message}")]
    pub span: SourceSpan,
}

impl InvalidFile {
    /// `offset` and `len` are clamped into the text.
    pub fn new(kind: &'static str, path: &str, text: &str, message: String, offset: usize, len: usize, help: &'static str) -> Self {
        let offset = offset.min(text.len());
        let len = len.max(1).min(text.len() - offset);
        Self { kind, path: path.to_string(), message, help, src: Excerpt::new(path, text), span: (offset, len).into() }
    }
}

/// The snapshot's text, kept to locate resources in it (SARIF regions, human labels).
#[derive(Debug, Clone)]
pub struct SnapshotFile {
    pub path: String,
    pub text: String,
}

impl SnapshotFile {
    pub fn read(path: &Path) -> Result<Self, Box<FileError>> {
        let text = read_bounded(path, MAX_SNAPSHOT_BYTES, Some(b'{'))
            .map_err(|source| Box::new(FileError::unreadable("snapshot", path, source)))?;
        Ok(Self { path: path.display().to_string(), text })
    }

    pub fn parse(&self) -> Result<Network, Box<FileError>> {
        self.check_members()?;
        let snapshot: Snapshot = serde_json::from_str(&self.text).map_err(|err| {
            let offset = self.offset_of(err.line(), err.column());
            let full = err.to_string();
            let message = full.split(" at line ").next().unwrap_or(&full).to_string();
            self.invalid(message, offset, 1)
        })?;
        if let Some(version) = snapshot.snapshot_version.filter(|v| *v > SNAPSHOT_VERSION) {
            let at = self.text.find("\"snapshot_version\"").unwrap_or(0);
            return Err(self.invalid(
                format!("snapshot_version {version} is newer than this mwaa-preflight reads ({SNAPSHOT_VERSION}): upgrade the tool"),
                at,
                18,
            ));
        }
        Network::new(snapshot).map_err(|bad| {
            let (offset, len) = self.locate(&bad.endpoint_id).unwrap_or((0, 1));
            self.invalid(format!("PolicyDocument of {} is not a valid policy: {}", bad.endpoint_id, bad.reason), offset, len)
        })
    }

    /// Top-level members that AWS never prints: a known name in the wrong case (it would be ignored, and
    /// its checks skipped) and a null (the AWS CLI prints a list, or the member is absent).
    fn check_members(&self) -> Result<(), Box<FileError>> {
        if self.text.starts_with('\u{feff}') {
            return Err(self.invalid(
                "the file starts with a UTF-8 byte order mark (as PowerShell's Out-File writes): save it as UTF-8 without one".to_string(),
                0,
                3,
            ));
        }
        let Ok(members) = serde_json::from_str::<std::collections::BTreeMap<String, Nullness>>(&self.text) else {
            return Ok(()); // not an object: the typed parse below says where
        };
        for (key, nullness) in &members {
            let at = self.text.find(&format!("\"{key}\"")).unwrap_or(0);
            if let Some(known) = MEMBER_NAMES.iter().find(|m| *m != key && m.eq_ignore_ascii_case(key)) {
                return Err(self.invalid(format!("unknown member {key:?}: did you mean `{known}`?"), at, key.len() + 2));
            }
            if nullness.0 && MEMBER_NAMES.contains(&key.as_str()) {
                return Err(self.invalid(
                    format!("{key} is null: give the list AWS prints, or leave the member out when it was not captured"),
                    at,
                    key.len() + 2,
                ));
            }
        }
        Ok(())
    }

    fn invalid(&self, message: String, offset: usize, len: usize) -> Box<FileError> {
        let help = "members use the shapes `aws ec2 describe-... --output json` prints; see `Snapshot file` in the README";
        Box::new(FileError::Invalid(InvalidFile::new("snapshot", &self.path, &self.text, message, offset, len, help)))
    }

    /// Byte offset of a 1-based line and column (serde_json's convention; line 0 means end of input).
    pub(crate) fn offset_of(&self, line: usize, column: usize) -> usize {
        if line == 0 {
            return self.text.len().saturating_sub(1);
        }
        let line_start: usize = self.text.split_inclusive('\n').take(line - 1).map(str::len).sum();
        (line_start + column.saturating_sub(1)).min(self.text.len().saturating_sub(1))
    }

    /// Where a resource is defined: the `"<Key>": "<id>"` pair inside the member that describes it (a
    /// subnet in `Subnets`, not in a route table's associations), else the first keyed or quoted mention.
    /// Returns the byte offset and length of the quoted ID.
    pub fn locate(&self, id: &str) -> Option<(usize, usize)> {
        let quoted = format!("\"{id}\"");
        let key_before = |offset: usize| -> Option<&str> {
            let before = self.text[..offset].trim_end().strip_suffix(':')?.trim_end().strip_suffix('"')?;
            let start = before.rfind('"')?;
            Some(&before[start + 1..])
        };
        if let Some((member, key)) = defining_member(id) {
            if let Some(start) = self.text.find(&format!("\"{member}\"")) {
                // The shallowest keyed occurrence is the object's own ID, not a reference in its associations.
                let found = self.text[start..]
                    .match_indices(&quoted)
                    .map(|(o, _)| start + o)
                    .filter(|&o| key_before(o) == Some(key))
                    .min_by_key(|&o| nesting_depth(&self.text[start..o]));
                if let Some(offset) = found {
                    return Some((offset, quoted.len()));
                }
            }
        }
        let mut matches = self.text.match_indices(&quoted).map(|(o, _)| o);
        let first = matches.next()?;
        let keyed = std::iter::once(first).chain(matches).find(|&o| key_before(o).is_some_and(|k| k.ends_with("Id")));
        Some((keyed.unwrap_or(first), quoted.len()))
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }
}

/// How many JSON objects and arrays are open at the end of `text`, strings skipped.
fn nesting_depth(text: &str) -> i64 {
    let (mut depth, mut in_string, mut escaped) = (0i64, false, false);
    for c in text.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_string = false,
            (true, false, _) => {}
            (false, _, '"') => in_string = true,
            (false, _, '{' | '[') => depth += 1,
            (false, _, '}' | ']') => depth -= 1,
            _ => {}
        }
    }
    depth
}

/// The snapshot member and key that define a resource, by its ID prefix.
fn defining_member(id: &str) -> Option<(&'static str, &'static str)> {
    let prefix = id.split('-').next()?;
    Some(match prefix {
        "vpc" => ("Vpcs", "VpcId"),
        "subnet" => ("Subnets", "SubnetId"),
        "rtb" => ("RouteTables", "RouteTableId"),
        "acl" => ("NetworkAcls", "NetworkAclId"),
        "sg" => ("SecurityGroups", "GroupId"),
        "vpce" => ("VpcEndpoints", "VpcEndpointId"),
        "nat" => ("NatGateways", "NatGatewayId"),
        "igw" => ("InternetGateways", "InternetGatewayId"),
        _ => return None,
    })
}

impl FileError {
    /// A file of kind `what` that cannot be read, with the way out for that kind.
    pub fn unreadable(what: &'static str, path: &Path, source: std::io::Error) -> Self {
        let help = match what {
            "snapshot" => "check the path; write one with `mwaa-preflight snapshot --output FILE` or assemble it from AWS CLI output",
            "Terraform plan" => "check the path; write one with `terraform show -json PLANFILE > plan.json`",
            _ => "check the path",
        };
        FileError::Unreadable { what, help, path: path.display().to_string(), source }
    }
}

/// The most of a requirements file read (pip files are small; snapshots hold objects of up to 1 MiB).
pub const MAX_REQUIREMENTS_BYTES: u64 = 1024 * 1024;

/// How much of a zip archive's end is searched for its directory (the record and the longest comment).
const ZIP_TAIL: u64 = 22 + 65_535;
/// The largest central directory read (a plugins.zip lists thousands of files at most).
const MAX_ZIP_DIRECTORY: u64 = 64 * 1024 * 1024;

/// `--requirements FILE`: the requirements.txt to read instead of the S3 object.
pub fn requirements_file(path: &Path) -> Result<crate::target::LocalFile, Box<FileError>> {
    let text = read_bounded(path, MAX_REQUIREMENTS_BYTES, None)
        .map_err(|source| Box::new(FileError::unreadable("requirements file", path, source)))?;
    Ok(crate::target::LocalFile { path: path.display().to_string(), text })
}

/// `--plugins FILE`: the names of the files in plugins.zip, from its central directory alone (an archive of
/// any size is never read whole).
pub fn plugins_listing(path: &Path) -> Result<Vec<String>, Box<FileError>> {
    use std::io::{Error, ErrorKind, Read, Seek, SeekFrom};
    let unreadable = |source: Error| Box::new(FileError::unreadable("plugins archive", path, source));
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let length = file.metadata().map_err(unreadable)?.len();
    let tail_start = length.saturating_sub(ZIP_TAIL);
    file.seek(SeekFrom::Start(tail_start)).map_err(unreadable)?;
    let mut tail = Vec::new();
    file.by_ref().take(ZIP_TAIL).read_to_end(&mut tail).map_err(unreadable)?;
    let invalid = |why: String| unreadable(Error::new(ErrorKind::InvalidData, why));
    let (directory, size) = zip_directory(&tail).ok_or_else(|| invalid("not a zip archive (no end of central directory)".to_string()))?;
    if size > MAX_ZIP_DIRECTORY || directory.saturating_add(size) > length {
        return Err(invalid(format!("its central directory ({size} bytes at {directory}) is not within the file")));
    }
    file.seek(SeekFrom::Start(directory)).map_err(unreadable)?;
    let mut bytes = Vec::new();
    file.take(size).read_to_end(&mut bytes).map_err(unreadable)?;
    zip_names(&bytes).map_err(invalid)
}

/// The central directory's offset and size, from the end record in the archive's last bytes.
fn zip_directory(tail: &[u8]) -> Option<(u64, u64)> {
    let end = (0..tail.len().saturating_sub(21)).rev().find(|&i| tail[i..].starts_with(b"PK\x05\x06"))?;
    let u32_at = |i: usize| Some(u64::from(u32::from_le_bytes(tail.get(i..i + 4)?.try_into().ok()?)));
    Some((u32_at(end + 16)?, u32_at(end + 12)?))
}

/// The file names of a zip archive's central directory (its entries one after the other).
fn zip_names(directory: &[u8]) -> Result<Vec<String>, String> {
    let u16_at = |i: usize| -> Option<usize> { Some(usize::from(u16::from_le_bytes(directory.get(i..i + 2)?.try_into().ok()?))) };
    let mut names = Vec::new();
    let mut at = 0;
    while at < directory.len() {
        let cut = || format!("its central directory is cut short at byte {at}");
        if !directory[at..].starts_with(b"PK\x01\x02") {
            return Err(cut());
        }
        let (name, extra, comment) = (u16_at(at + 28).ok_or_else(cut)?, u16_at(at + 30).ok_or_else(cut)?, u16_at(at + 32).ok_or_else(cut)?);
        let bytes = directory.get(at + 46..at + 46 + name).ok_or_else(cut)?;
        names.push(String::from_utf8_lossy(bytes).into_owned());
        at += 46 + name + extra + comment;
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> SnapshotFile {
        SnapshotFile { path: "snap.json".into(), text: text.into() }
    }

    #[test]
    fn syntax_error_points_at_the_spot() {
        let src = source("{\n  \"Subnets\": [\n    {\"SubnetId\": \"subnet-1\",}\n  ]\n}\n");
        let Err(FileError::Invalid(InvalidFile { span, .. })) = src.parse().map_err(|e| *e) else {
            panic!("expected an invalid-snapshot error")
        };
        assert_eq!(src.line_col(span.offset()).0, 3);
    }

    #[test]
    fn bad_cidr_is_located() {
        let src = source("{\"Subnets\": [{\"SubnetId\": \"subnet-1\", \"VpcId\": \"vpc-1\", \"CidrBlock\": \"10.0.0.0/33\"}]}");
        let Err(FileError::Invalid(InvalidFile { message, .. })) = src.parse().map_err(|e| *e) else {
            panic!("expected an invalid-snapshot error")
        };
        assert!(message.contains("invalid IP"), "{message}");
    }

    #[test]
    fn locate_prefers_the_defining_member() {
        let src =
            source("{\"RouteTables\": [{\"Associations\": [{\"SubnetId\": \"subnet-1\"}]}],\n\"Subnets\": [{\"SubnetId\": \"subnet-1\"}]}");
        let (offset, len) = src.locate("subnet-1").expect("found");
        assert_eq!(&src.text[offset..offset + len], "\"subnet-1\"");
        assert_eq!(src.line_col(offset).0, 2);
        let acl = source(
            "{\"NetworkAcls\": [{\"Associations\": [{\"NetworkAclId\": \"acl-1\", \"Note\": \"{[\"}],\n\"NetworkAclId\": \"acl-1\"}]}",
        );
        let (offset, _) = acl.locate("acl-1").expect("found");
        assert_eq!(acl.line_col(offset).0, 2);
        let bare = source("{\"Note\": [\"x-1\"], \"Other\": [{\"ThingId\": \"x-1\"}]}");
        let (offset, _) = bare.locate("x-1").expect("found");
        assert!(bare.text[..offset].ends_with("\"ThingId\": "));
        assert_eq!(bare.locate("com.amazonaws.us-east-1.sqs"), None);
    }
}
