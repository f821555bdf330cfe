//! requirements.txt as pip reads it (RULES.md v3 "PKG"): the options that name where packages come from
//! (`-r`, `-c`, `-i`/`--index-url`, `--extra-index-url`, `-f`/`--find-links`, `--no-index`), direct references
//! (`name @ URL`, URL lines) and the packages named, each with its file and line; files included with `-r`/`-c`
//! from the DAG folder (`/usr/local/airflow/dags/...`) are read from the snapshot's `ObjectTexts`.

use crate::model::Network;
use crate::target::Settings;

/// Where MWAA's workers find the DAG folder and plugins.zip's contents.
pub const DAGS_FOLDER: &str = "/usr/local/airflow/dags/";
pub const PLUGINS_FOLDER: &str = "/usr/local/airflow/plugins";

/// How deep `-r` includes are followed (pip has no limit; a cycle must not loop).
const MAX_DEPTH: usize = 5;

/// What one line of a requirements file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A package to install by name (from an index, or a local wheel with `-f`).
    Package(String),
    Index {
        url: String,
        extra: bool,
    },
    FindLinks(String),
    Constraint(String),
    NoIndex,
    /// `name @ URL`, or a URL alone.
    Direct(String),
}

#[derive(Debug, Clone)]
pub struct Line {
    /// The file the line is in (`s3://...`, the `--requirements` path, or an included file).
    pub file: String,
    pub number: usize,
    pub text: String,
    pub item: Item,
}

/// The requirements MWAA installs, every included file read.
#[derive(Debug, Clone)]
pub struct Requirements {
    /// What findings name: the requirements object `s3://BUCKET/KEY`, or the `--requirements` path.
    pub name: String,
    pub lines: Vec<Line>,
    /// Included files the input does not hold, with why (their lines are unknown).
    pub unread: Vec<String>,
}

impl Requirements {
    /// The URLs lines name (indexes, find-links, constraints, direct references), with their lines.
    pub fn urls(&self) -> impl Iterator<Item = (&Line, &str)> {
        self.lines.iter().filter_map(|line| match &line.item {
            Item::Index { url, .. } | Item::FindLinks(url) | Item::Constraint(url) | Item::Direct(url) if is_url(url) => {
                Some((line, url.as_str()))
            }
            _ => None,
        })
    }

    pub fn packages(&self) -> impl Iterator<Item = (&Line, &str)> {
        self.lines.iter().filter_map(|line| match &line.item {
            Item::Package(name) => Some((line, name.as_str())),
            _ => None,
        })
    }

    pub fn no_index(&self) -> bool {
        self.lines.iter().any(|l| l.item == Item::NoIndex)
    }

    /// The `-i`/`--index-url` lines (pip's main index replaced).
    pub fn indexes(&self) -> impl Iterator<Item = (&Line, &str)> {
        self.lines.iter().filter_map(|line| match &line.item {
            Item::Index { url, extra: false } => Some((line, url.as_str())),
            _ => None,
        })
    }
}

pub fn is_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// A URL's host (no user info, port or path), or why it is not known (`${VAR}` pip expands at install).
pub fn host(url: &str) -> Result<String, String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = host_port.split(':').next().unwrap_or_default().to_ascii_lowercase();
    if host.contains("${") || host.is_empty() {
        return Err("its host is known only when pip expands its variables".to_string());
    }
    Ok(host)
}

/// The requirements the environment installs: the `--requirements` file, else the requirements object at its
/// version from `ObjectTexts`. `Ok(None)`: the environment names none.
pub fn requirements(network: &Network, settings: &Settings, bucket: Option<&str>) -> Result<Option<Requirements>, String> {
    let reader = Reader { network, settings, bucket };
    if let Some(file) = &settings.facts.requirements_file {
        return Ok(Some(reader.read(&file.path, &file.text)));
    }
    let Some(object) = settings.facts.objects.iter().find(|o| o.property == "RequirementsS3Path") else { return Ok(None) };
    let bucket = bucket.ok_or_else(|| "the source bucket is not known, to read requirements.txt from".to_string())?;
    let key = object.key_in(bucket)?;
    let name = format!("s3://{bucket}/{key}");
    let version = object.version.as_deref().unwrap_or("latest");
    if version.starts_with("<unknown: ") {
        return Err(format!("{name}'s version is known only at deployment: give its text with --requirements FILE"));
    }
    let text = reader.object(&name, version)?;
    Ok(Some(reader.read(&name, text)))
}

/// The files requirements.txt's `-r`/`-c` lines include (not URLs), as written: what a reader fetches before
/// the text is judged.
pub fn included_files(text: &str) -> Vec<String> {
    logical_lines(text)
        .into_iter()
        .filter_map(|(_, line)| {
            let (option, value) = split_option(&line)?;
            matches!(option, "-r" | "--requirement" | "-c" | "--constraint").then_some(value).filter(|v| !is_url(v))
        })
        .collect()
}

struct Reader<'a> {
    network: &'a Network,
    settings: &'a Settings,
    bucket: Option<&'a str>,
}

impl<'a> Reader<'a> {
    /// The requirements file `name` holding `text`, its includes followed.
    fn read(&self, name: &str, text: &str) -> Requirements {
        let mut out = Requirements { name: name.to_string(), lines: Vec::new(), unread: Vec::new() };
        self.parse(name, text, 0, &mut out);
        out
    }

    fn object(&self, url: &str, version: &str) -> Result<&'a str, String> {
        let texts = self.network.snapshot.object_texts.as_ref().ok_or_else(|| match self.settings.language {
            crate::target::Language::AwsCli => {
                format!("{} (or give the file with --requirements FILE)", self.network.why_absent(crate::model::Member::ObjectTexts))
            }
            _ => "requirements.txt is put in the bucket after deployment: give its text with --requirements FILE".to_string(),
        })?;
        texts
            .get(url)
            .and_then(|versions| versions.get(version))
            .map(String::as_str)
            .ok_or_else(|| format!("ObjectTexts does not hold {url} at version {version}"))
    }

    /// Appends the lines of `text` (the file `file`), following includes.
    fn parse(&self, file: &str, text: &str, depth: usize, out: &mut Requirements) {
        for (number, line) in logical_lines(text) {
            let Some((option, value)) = split_option(&line) else {
                if let Some(item) = requirement(&line) {
                    out.lines.push(Line { file: file.to_string(), number, text: line.clone(), item });
                }
                continue;
            };
            let item = match option {
                "-r" | "--requirement" => {
                    self.include(file, &value, depth, out);
                    continue;
                }
                "-c" | "--constraint" if !is_url(&value) => {
                    // A constraints file only narrows versions; what it names is still fetched from the index.
                    self.include(file, &value, depth, out);
                    continue;
                }
                "-c" | "--constraint" => Item::Constraint(value),
                "-i" | "--index-url" => Item::Index { url: value, extra: false },
                "--extra-index-url" => Item::Index { url: value, extra: true },
                "-f" | "--find-links" => Item::FindLinks(value),
                "--no-index" => Item::NoIndex,
                _ => continue,
            };
            out.lines.push(Line { file: file.to_string(), number, text: line.clone(), item });
        }
    }

    /// A file `-r`/`-c` names: from the DAG folder (its objects' latest text), the only files the workers hold.
    fn include(&self, from: &str, path: &str, depth: usize, out: &mut Requirements) {
        if depth >= MAX_DEPTH {
            out.unread.push(format!("{path} (included more than {MAX_DEPTH} deep from {from})"));
            return;
        }
        let read = match path.strip_prefix(DAGS_FOLDER) {
            Some(rest) => match (self.bucket, self.settings.facts.dag_s3_path.as_deref()) {
                (Some(bucket), Some(dags)) => {
                    let url = format!("s3://{bucket}/{}/{rest}", dags.trim_matches('/'));
                    self.object(&url, "latest").map(|text| (url, text.to_string()))
                }
                _ => Err(format!("{path}: the bucket or DagS3Path is not known")),
            },
            None => Err(format!("{path} is not in the DAG folder ({DAGS_FOLDER}), the only files MWAA's workers hold")),
        };
        match read {
            Ok((file, text)) => self.parse(&file, &text, depth + 1, out),
            Err(why) => out.unread.push(why),
        }
    }
}

/// Lines as pip joins them: `\` continues a line, `#` after whitespace (or at the start) begins a comment.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (index, raw) in text.lines().enumerate() {
        if current.is_empty() {
            start = index + 1;
        }
        let without_comment = match raw.find(" #").or_else(|| raw.find("\t#")) {
            Some(at) => &raw[..at],
            None if raw.trim_start().starts_with('#') => "",
            None => raw,
        };
        match without_comment.strip_suffix('\\') {
            Some(continued) => current.push_str(continued),
            None => {
                current.push_str(without_comment);
                let line = current.trim().to_string();
                if !line.is_empty() {
                    out.push((start, line));
                }
                current.clear();
            }
        }
    }
    let line = current.trim().to_string();
    if !line.is_empty() {
        out.push((start, line));
    }
    out
}

/// `--index-url URL`, `--index-url=URL`, `-i URL`, `-iURL`: (option, value); `None` for a requirement.
fn split_option(line: &str) -> Option<(&str, String)> {
    if !line.starts_with('-') {
        return None;
    }
    if let Some((option, value)) = line.split_once('=').filter(|(o, _)| o.starts_with("--") && !o.contains(' ')) {
        return Some((option, value.trim().to_string()));
    }
    let (option, value) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    if !option.starts_with("--") && option.len() > 2 {
        // `-rfile.txt`: a short option glued to its value.
        return Some((&option[..2], option[2..].to_string()));
    }
    Some((option, value.trim().to_string()))
}

/// A requirement line: a URL, `name @ URL`, or a package name (with extras, versions, markers).
fn requirement(line: &str) -> Option<Item> {
    if is_url(line) {
        return Some(Item::Direct(line.split_whitespace().next().unwrap_or(line).to_string()));
    }
    if let Some((_, url)) = line.split_once(" @ ").or_else(|| line.split_once('@').filter(|(_, u)| is_url(u.trim()))) {
        return Some(Item::Direct(url.split(';').next().unwrap_or(url).trim().to_string()));
    }
    let name: String = line.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    (!name.is_empty()).then_some(Item::Package(name))
}

/// Hosts AWS's own examples install from, which only the internet reaches.
pub const PUBLIC_PACKAGE_HOSTS: [&str; 5] =
    ["pypi.org", "files.pythonhosted.org", "raw.githubusercontent.com", "github.com", "objects.githubusercontent.com"];

/// Whether the env subnets reach a host, where workers and schedulers install requirements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Reachable,
    /// Provably not, with why; `known`: a known public package host or an AWS service host (an error), not a
    /// host the tool cannot place.
    Unreachable {
        why: String,
        known: bool,
    },
    /// Cannot tell, with why.
    Unproven(String),
}

/// A CodeArtifact repository host: `{domain}-{owner}.d.codeartifact.{region}.amazonaws.com` -> its Region.
pub fn codeartifact_region(host: &str) -> Option<&str> {
    let (_, rest) = host.split_once(".d.codeartifact.")?;
    rest.strip_suffix(".amazonaws.com").filter(|r| !r.contains('.'))
}

/// Whether the env subnets reach `host`: with public routing any public host; with private routing a host an
/// available interface endpoint with private DNS serves in the env VPC (S3 through either kind of endpoint), an
/// endpoint's own DNS name, or an address in the VPC; unverifiable egress proves nothing.
pub fn reach(a: &crate::analysis::Analysis<'_>, host: &str) -> Reach {
    use crate::analysis::Routing;
    match a.routing {
        Routing::Public => return Reach::Reachable,
        Routing::Unverifiable => {
            return Reach::Unproven("the env subnets' default route leaves through something the tool cannot see past (RT005)".into())
        }
        Routing::Unknown => return Reach::Unproven("the env subnets' routing is not known".into()),
        Routing::Private => {}
    }
    if a.vpc_endpoints().filter(|e| e.is_available()).any(|e| host.starts_with(&format!("{}-", e.vpc_endpoint_id))) {
        return Reach::Reachable;
    }
    if let Ok(address) = host.parse::<std::net::Ipv4Addr>() {
        let inside = a.vpc_id.as_deref().is_some_and(|vpc| a.network.vpc_cidrs(vpc).iter().any(|c| c.contains(&address)));
        return match inside {
            true => Reach::Reachable,
            false => Reach::Unproven("an address outside the env VPC, which a route may or may not lead to".to_string()),
        };
    }
    if PUBLIC_PACKAGE_HOSTS.contains(&host) {
        return Reach::Unreachable { why: "an internet host, and the env subnets have no route to the internet".to_string(), known: true };
    }
    let Some(service) = aws_service(&a.settings.region, host) else {
        return Reach::Unproven("a host the tool cannot place (a private DNS zone or a proxy may serve it)".to_string());
    };
    let served = match service == crate::model::aws_service_name(&a.settings.region, "s3") {
        // Which S3 endpoints carry the env subnets' traffic (a gateway only through their route tables) is the
        // analysis's decision, made once for the network rules.
        true => a.used_endpoints_for("s3").any(|u| u.endpoint.is_available()),
        false => a.vpc_endpoints().any(|e| e.is_available() && e.service_name == service && e.private_dns_enabled),
    };
    match served {
        true => Reach::Reachable,
        false => Reach::Unreachable { why: format!("no available endpoint with private DNS for {service} in the env VPC"), known: true },
    }
}

/// The endpoint service an AWS host belongs to (`com.amazonaws.REGION.SERVICE`), for hosts of the environment's
/// Region or S3's global names.
fn aws_service(region: &str, host: &str) -> Option<String> {
    let stem = host.strip_suffix(".amazonaws.com")?;
    if let Some(host_region) = codeartifact_region(host) {
        return Some(format!("com.amazonaws.{host_region}.codeartifact.repositories"));
    }
    let s3 = stem == "s3" || stem.ends_with(".s3") || stem.contains(&format!("s3.{region}")) || stem.contains(&format!("s3-{region}"));
    if s3 {
        return Some(crate::model::aws_service_name(region, "s3"));
    }
    let (service, host_region) = stem.rsplit_once('.')?;
    (host_region == region).then(|| format!("com.amazonaws.{region}.{}", service.rsplit('.').next().unwrap_or(service)))
}

/// Whether a wheel or sdist file name is of `project` (names compared as pip normalizes them).
pub fn is_distribution_of(file: &str, project: &str) -> bool {
    let normalize = |s: &str| s.to_ascii_lowercase().replace(['-', '.'], "_");
    let base = file.rsplit('/').next().unwrap_or(file);
    let archive = [".whl", ".tar.gz", ".zip", ".tar.bz2"].iter().any(|ext| base.to_ascii_lowercase().ends_with(ext));
    archive && normalize(base).starts_with(&format!("{}_", normalize(project)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_join_and_comments_go() {
        let lines = logical_lines("# top\nboto3==1.0 # pinned\n--index-url \\\n  https://example.com/simple\n\n");
        assert_eq!(lines, vec![(2, "boto3==1.0".to_string()), (3, "--index-url   https://example.com/simple".to_string())]);
    }

    #[test]
    fn options_and_requirements() {
        assert_eq!(split_option("--constraint=https://x/c.txt"), Some(("--constraint", "https://x/c.txt".to_string())));
        assert_eq!(split_option("-rextra.txt"), Some(("-r", "extra.txt".to_string())));
        assert_eq!(requirement("pkg @ https://h/p.whl ; python_version>'3'"), Some(Item::Direct("https://h/p.whl".to_string())));
        assert_eq!(
            requirement("apache-airflow-providers-snowflake[common]>=5"),
            Some(Item::Package("apache-airflow-providers-snowflake".into()))
        );
    }

    #[test]
    fn hosts() {
        assert_eq!(
            host("https://aws:${TOKEN}@d-1.d.codeartifact.us-east-1.amazonaws.com/pypi/r/simple/"),
            Ok("d-1.d.codeartifact.us-east-1.amazonaws.com".into())
        );
        assert!(host("https://${HOST}/simple").is_err());
    }

    #[test]
    fn distributions() {
        assert!(is_distribution_of(
            "plugins/wheels/apache_airflow_providers_snowflake-5.0.0-py3-none-any.whl",
            "apache-airflow-providers-snowflake"
        ));
        assert!(!is_distribution_of("plugins/snowflake_helper.py", "snowflake"));
    }
}
