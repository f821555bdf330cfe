//! Policies as IAM evaluates them, one engine for endpoint, role, trust, key and bucket policies: explicit
//! Deny wins, no Allow is an implicit deny, `NotAction`/`NotResource`/`NotPrincipal` and wildcards match as
//! IAM documents. What the tool cannot prove (a condition key it has no value for, a policy variable, a
//! named principal it cannot compare, a partly overlapping resource) is reported as unprovable, never as
//! allowed or denied.

use serde::Serialize;

pub use crate::model::policy::Policy;
use crate::model::policy::{Condition, Patterns, PrincipalName, Principals, Statement};
use crate::model::DEPLOYING_ACCOUNT;

/// Who makes a request.
#[derive(Debug, Clone, Copy)]
pub enum Principal<'a> {
    /// The environment's execution role, which the policy is not compared with (endpoint policies).
    Unnamed,
    /// A role, by its ARN and account.
    Role { arn: &'a str, account: &'a str },
    /// A service principal (`airflow-env.amazonaws.com`).
    Service(&'a str),
    /// A role, for whom a grant to its account counts: a key policy's statement for the account enables the
    /// account's IAM policies, which then decide (KMS004 leaves that to ROLE003).
    RoleOrAccount { arn: &'a str, account: &'a str },
}

/// The request context: the condition keys the tool knows, each with its values or known to be absent.
/// A key not listed is unknown, and a condition on it cannot be proved either way.
#[derive(Debug, Clone, Default)]
pub struct Context {
    keys: Vec<(String, Option<Vec<String>>)>,
}

/// No key known: every condition is unprovable.
pub static NO_CONTEXT: Context = Context { keys: Vec::new() };

impl Context {
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.keys.push((key.to_ascii_lowercase(), Some(vec![value.into()])));
        self
    }

    /// A key the tool knows the request does not carry.
    pub fn without(mut self, key: &str) -> Self {
        self.keys.push((key.to_ascii_lowercase(), None));
        self
    }

    fn get(&self, key: &str) -> Option<Option<&[String]>> {
        let key = key.to_ascii_lowercase();
        self.keys.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_deref())
    }
}

/// A request the environment makes; either part may hold `*` to mean "any such" (every object of a bucket).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub action: &'a str,
    pub resource: &'a str,
    pub principal: Principal<'a>,
    pub context: &'a Context,
}

impl<'a> Request<'a> {
    /// A request by the unnamed execution role, with no context (what an endpoint policy sees).
    pub fn new(action: &'a str, resource: &'a str) -> Self {
        Request { action, resource, principal: Principal::Unnamed, context: &NO_CONTEXT }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Allowed,
    /// Provably denied: by an explicit Deny (`statement` names it) or because no statement allows it.
    Denied {
        statement: Option<String>,
    },
    Unprovable {
        reason: String,
    },
}

/// Whether a statement applies to a request: yes, no, or cannot tell (with why).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Applies {
    Yes,
    Maybe(String),
    No,
}

impl Applies {
    /// All must apply: any no is no, else any doubt is doubt.
    fn all(parts: impl IntoIterator<Item = Applies>) -> Applies {
        let mut result = Applies::Yes;
        for part in parts {
            match part {
                Applies::No => return Applies::No,
                Applies::Maybe(why) if result == Applies::Yes => result = Applies::Maybe(why),
                _ => {}
            }
        }
        result
    }

    /// Any may apply: any yes is yes, else any doubt is doubt.
    fn any(parts: impl IntoIterator<Item = Applies>) -> Applies {
        let mut result = Applies::No;
        for part in parts {
            match part {
                Applies::Yes => return Applies::Yes,
                Applies::Maybe(why) if result == Applies::No => result = Applies::Maybe(why),
                _ => {}
            }
        }
        result
    }

    fn not(self) -> Applies {
        match self {
            Applies::Yes => Applies::No,
            Applies::No => Applies::Yes,
            maybe => maybe,
        }
    }
}

impl Policy {
    pub fn evaluate(&self, request: Request<'_>) -> Decision {
        evaluate_all(&[self], request)
    }

    /// What the Deny statements alone decide (a bucket policy, where the identity policies of the bucket's
    /// account allow): denied by one that applies, unprovable when one may, else allowed.
    pub fn denies(&self, request: Request<'_>) -> Decision {
        let mut doubt = None;
        for statement in self.statements.iter().filter(|s| !s.allow) {
            let name = || statement.name(self.label.as_deref());
            match statement.applies(request) {
                Applies::Yes => return Decision::Denied { statement: Some(name()) },
                Applies::Maybe(why) => {
                    doubt.get_or_insert(format!("{} may deny it ({why})", name()));
                }
                Applies::No => {}
            }
        }
        doubt.map_or(Decision::Allowed, |reason| Decision::Unprovable { reason })
    }

    /// The Deny statements (by position in the document) that deny, or may deny, any of the requests.
    pub fn denials_of(&self, requests: &[Request<'_>]) -> Vec<usize> {
        self.statements
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.allow && requests.iter().any(|r| s.applies(*r) != Applies::No))
            .map(|(i, _)| i)
            .collect()
    }
}

/// The decision of several documents together (a role's inline and managed policies): any Deny that
/// applies wins, else any Allow that applies allows.
pub fn evaluate_all(policies: &[&Policy], request: Request<'_>) -> Decision {
    let mut definite_allow = false;
    // A Deny that may apply leaves any Allow unproved; an Allow that may apply matters only when none is sure.
    let mut deny_doubt: Option<String> = None;
    let mut allow_doubt: Option<String> = None;
    for policy in policies {
        for statement in &policy.statements {
            let name = || statement.name(policy.label.as_deref());
            match (statement.allow, statement.applies(request)) {
                (_, Applies::No) => {}
                (false, Applies::Yes) => return Decision::Denied { statement: Some(name()) },
                (false, Applies::Maybe(why)) => {
                    deny_doubt.get_or_insert(format!("{} may deny it ({why})", name()));
                }
                (true, Applies::Yes) => definite_allow = true,
                (true, Applies::Maybe(why)) => {
                    allow_doubt
                        .get_or_insert(format!("{} allows it only in part or under conditions the tool cannot check ({why})", name()));
                }
            }
        }
    }
    match (deny_doubt, definite_allow, allow_doubt) {
        (Some(reason), _, _) | (None, false, Some(reason)) => Decision::Unprovable { reason },
        (None, true, _) => Decision::Allowed,
        (None, false, None) => Decision::Denied { statement: None },
    }
}

/// Whether some Allow statement of the documents covers the request whole, whatever denies it: how broad a
/// grant is (ROLE006 compares it with AWS's sample, whose own Deny of `s3:ListAllMyBuckets` overlaps `s3:List*`).
pub fn granted(policies: &[&Policy], request: Request<'_>) -> bool {
    policies.iter().flat_map(|p| &p.statements).any(|s| s.allow && s.applies(request) == Applies::Yes)
}

impl Statement {
    fn applies(&self, request: Request<'_>) -> Applies {
        let scope = |patterns: &Patterns, requested: &str, case_sensitive: bool, what: &str| match patterns.scope(requested, case_sensitive)
        {
            Scope::Covers => Applies::Yes,
            Scope::Overlaps => Applies::Maybe(format!("it names only part of the {what}")),
            Scope::Disjoint => Applies::No,
        };
        Applies::all([
            scope(&self.actions, request.action, false, "actions"),
            scope(&self.resources, request.resource, true, "resources"),
            self.principals.applies(request.principal),
            Applies::all(self.conditions.iter().map(|c| c.holds(request.context))),
        ])
    }
}

impl Principals {
    fn applies(&self, principal: Principal<'_>) -> Applies {
        match self {
            Principals::Holder => Applies::Yes,
            Principals::Only(names) => Applies::any(names.iter().map(|n| n.names(principal))),
            Principals::Except(names) => Applies::any(names.iter().map(|n| n.names(principal))).not(),
        }
    }
}

impl PrincipalName {
    fn names(&self, principal: Principal<'_>) -> Applies {
        let everyone = self.kind == "AWS" && self.value == "*";
        if everyone {
            return Applies::Yes;
        }
        if unresolved(&self.value) {
            return Applies::Maybe(format!("its principal {} is known only at deployment", self.value));
        }
        match principal {
            Principal::Unnamed => Applies::Maybe(format!("it names the principal {}", self.value)),
            Principal::Service(service) => match self.kind.as_str() {
                "Service" if self.value.eq_ignore_ascii_case(service) => Applies::Yes,
                _ => Applies::No,
            },
            Principal::Role { arn, account } | Principal::RoleOrAccount { arn, account } => {
                let root = arn.split(':').nth(1).map(|partition| format!("arn:{partition}:iam::{account}:root"));
                // What the code creates is in the account it deploys to, whichever the role's is.
                let value = self.value.replace(DEPLOYING_ACCOUNT, account);
                let names_account = value == account || Some(&value) == root.as_ref();
                match (self.kind.as_str(), principal) {
                    ("AWS", _) if value == arn => Applies::Yes,
                    ("AWS", Principal::RoleOrAccount { .. }) if names_account => Applies::Yes,
                    // The account: its IAM policies decide for its principals.
                    ("AWS", _) if names_account => {
                        Applies::Maybe(format!("it names the account {account}, whose IAM policies then decide"))
                    }
                    _ => Applies::No,
                }
            }
        }
    }
}

/// A policy variable (`${aws:username}`) or a value the code learns at deployment.
fn unresolved(text: &str) -> bool {
    text.contains("${") || text.contains("<unknown:")
}

impl Condition {
    /// Whether the test holds for the request, as IAM evaluates its operators.
    fn holds(&self, context: &Context) -> Applies {
        let unknown = |why: String| Applies::Maybe(why);
        let (set, rest) = match self.operator.split_once(':') {
            Some((set @ ("ForAnyValue" | "ForAllValues"), rest)) => (Some(set), rest),
            _ => (None, self.operator.as_str()),
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let negated = base.contains("Not");
        let matches: fn(&str, &str) -> bool = match base {
            "StringEquals" | "StringNotEquals" | "ArnEquals" | "ArnNotEquals" => |c, v| c == v,
            "StringEqualsIgnoreCase" | "StringNotEqualsIgnoreCase" | "Bool" => |c, v| c.eq_ignore_ascii_case(v),
            "StringLike" | "StringNotLike" | "ArnLike" | "ArnNotLike" => glob_covers,
            "Null" => |_, _| true,
            other => return unknown(format!("condition operator {other} is not evaluated")),
        };
        if self.values.iter().any(|v| unresolved(v)) {
            return unknown(format!("its condition on {} holds a value known only at deployment or a policy variable", self.key));
        }
        let Some(given) = context.get(&self.key) else {
            return unknown(format!("condition key {}", self.key));
        };
        // A value known only at deployment (the account, a generated name) equals itself alone: a test on any
        // other value cannot be decided.
        let named = |values: &[String]| -> Vec<String> { values.iter().flat_map(|v| symbols(v)).map(str::to_string).collect() };
        let (requested, tested) = (named(given.unwrap_or_default()), named(&self.values));
        if requested.iter().any(|s| !tested.contains(s)) {
            return unknown(format!("its condition on {} compares a value known only at deployment", self.key));
        }
        let present = given.is_some_and(|v| !v.is_empty());
        if base == "Null" {
            // `"Null": {"key": "true"}`: the key is absent.
            let wants_absent = self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            return if wants_absent != present { Applies::Yes } else { Applies::No };
        }
        let Some(values) = given.filter(|v| !v.is_empty()) else {
            // An absent key matches nothing, so a negated test and `...IfExists` hold, as does ForAllValues.
            return if if_exists || negated || set == Some("ForAllValues") { Applies::Yes } else { Applies::No };
        };
        let one = |v: &String| self.values.iter().any(|c| matches(c, v));
        let positive = match set {
            Some("ForAllValues") => values.iter().all(one),
            _ => values.iter().any(one),
        };
        if positive != negated {
            Applies::Yes
        } else {
            Applies::No
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Covers,
    Overlaps,
    Disjoint,
}

impl Patterns {
    fn scope(&self, requested: &str, case_sensitive: bool) -> Scope {
        let (list, negated) = match self {
            Patterns::Only(list) => (list, false),
            Patterns::Except(list) => (list, true),
        };
        let fold = |s: &str| if case_sensitive { s.to_string() } else { s.to_ascii_lowercase() };
        // What only the deployment knows (the account, a generated name) is a symbol, one character on both
        // sides: equal to itself and to no other value a pattern names. In the request it may be any value
        // a pattern writes literally (a template's own account ID): that overlaps, never covers.
        let mut known: Vec<&str> = symbols(requested).collect();
        known.extend(list.iter().flat_map(|p| symbols(p)));
        let encode = |text: &str| {
            let mut text = text.to_string();
            for (i, symbol) in known.iter().enumerate() {
                text = text.replace(symbol, &char::from_u32(0xE000 + i as u32).unwrap_or('\u{E000}').to_string());
            }
            fold(&text)
        };
        let mut any_value = requested.to_string();
        for symbol in symbols(requested) {
            any_value = any_value.replace(symbol, "*");
        }
        let (requested, requested_loose) = (encode(requested), encode(&any_value));
        let pattern = |p: &String| (encode(p), encode(&wildcard_unresolved(p)), !unresolved(p));
        let listed = if list.iter().map(pattern).any(|(p, _, exact)| exact && glob_covers(&p, &requested)) {
            Scope::Covers
        } else if list.iter().map(pattern).any(|(_, loose, _)| glob_overlaps(&loose, &requested_loose)) {
            Scope::Overlaps
        } else {
            Scope::Disjoint
        };
        match (negated, listed) {
            (false, scope) => scope,
            (true, Scope::Covers) => Scope::Disjoint,
            (true, Scope::Overlaps) => Scope::Overlaps,
            (true, Scope::Disjoint) => Scope::Covers,
        }
    }
}

/// The values known only at deployment a text holds: `{AccountId}`, `{Bucket.BucketName}` (a `{` that no `$`
/// opens; ARNs and names hold no braces).
fn symbols(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices('{').filter(move |(i, _)| !text[..*i].ends_with('$')).filter_map(move |(i, _)| {
        let end = text[i..].find('}')?;
        Some(&text[i..=i + end])
    })
}

/// `${...}` and `<unknown: ...>` as `*`.
fn wildcard_unresolved(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    loop {
        let next = [rest.find("${").map(|i| (i, '}')), rest.find("<unknown:").map(|i| (i, '>'))].into_iter().flatten().min();
        let Some((start, close)) = next else { break };
        out.push_str(&rest[..start]);
        out.push('*');
        rest = rest[start..].find(close).map_or("", |end| &rest[start + end + 1..]);
    }
    out.push_str(rest);
    out
}

/// Every string `requested` stands for is matched by `pattern`. Sound, not complete: a `*` in the
/// request is only matched by a `*` in the pattern.
pub fn glob_covers(pattern: &str, requested: &str) -> bool {
    let (p, r): (Vec<char>, Vec<char>) = (pattern.chars().collect(), requested.chars().collect());
    // reach[j]: the pattern prefix so far can consume the request prefix of length j.
    let mut reach = vec![false; r.len() + 1];
    reach[0] = true;
    for &pc in &p {
        let mut next = vec![false; r.len() + 1];
        if pc == '*' {
            let mut any = false;
            for j in 0..=r.len() {
                any |= reach[j];
                next[j] = any;
            }
        } else {
            for j in 0..r.len() {
                let rc = r[j];
                let compatible = match (pc, rc) {
                    (_, '*') => false,
                    ('?', '?') => true,
                    ('?', _) => true,
                    (_, '?') => false,
                    (a, b) => a == b,
                };
                if reach[j] && compatible {
                    next[j + 1] = true;
                }
            }
        }
        reach = next;
    }
    reach[r.len()]
}

/// Some string is matched by both globs (`*` any run, `?` any one character).
pub fn glob_overlaps(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut seen = vec![vec![false; b.len() + 1]; a.len() + 1];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        if seen[i][j] {
            continue;
        }
        seen[i][j] = true;
        if i == a.len() && j == b.len() {
            return true;
        }
        let (ac, bc) = (a.get(i).copied(), b.get(j).copied());
        if ac == Some('*') {
            stack.push((i + 1, j));
            if bc.is_some() {
                stack.push((i, j + 1));
            }
        }
        if bc == Some('*') {
            stack.push((i, j + 1));
            if ac.is_some() {
                stack.push((i + 1, j));
            }
        }
        if let (Some(x), Some(y)) = (ac, bc) {
            if x != '*' && y != '*' && (x == y || x == '?' || y == '?') {
                stack.push((i + 1, j + 1));
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYERS: Request<'static> = Request {
        action: "s3:GetObject",
        resource: "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*",
        principal: Principal::Unnamed,
        context: &NO_CONTEXT,
    };

    fn decide(policy: &str, request: Request<'_>) -> Decision {
        Policy::parse(policy).expect("valid policy").evaluate(request)
    }

    #[test]
    fn globs() {
        assert!(glob_covers("s3:get*", "s3:getobject"));
        assert!(glob_covers("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/*"));
        assert!(!glob_covers("arn:aws:s3:::bucket/dags/*", "arn:aws:s3:::bucket/*"));
        assert!(!glob_covers("arn:aws:s3:::bucket/?", "arn:aws:s3:::bucket/*"));
        assert!(glob_overlaps("arn:aws:s3:::bucket/dags/*", "arn:aws:s3:::bucket/*"));
        assert!(!glob_overlaps("arn:aws:s3:::other/*", "arn:aws:s3:::bucket/*"));
        assert!(glob_overlaps("s3:Get*", "s3:*Object"));
    }

    #[test]
    fn full_access_and_explicit_deny() {
        let full = r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}"#;
        assert_eq!(decide(full, LAYERS), Decision::Allowed);
        let deny = r#"{"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {"Sid": "NoLayers", "Effect": "Deny", "Principal": {"AWS": ["*"]}, "Action": "s3:Get*", "Resource": "arn:aws:s3:::prod-*"}
        ]}"#;
        assert_eq!(decide(deny, LAYERS), Decision::Denied { statement: Some("statement \"NoLayers\"".into()) });
    }

    #[test]
    fn nothing_allows_is_denied_and_conditions_are_unprovable() {
        let other_bucket =
            r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-dags/*"}}"#;
        assert_eq!(decide(other_bucket, LAYERS), Decision::Denied { statement: None });
        let conditional = r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}}}"#;
        assert!(matches!(decide(conditional, LAYERS), Decision::Unprovable { .. }));
        let named =
            r#"{"Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:role/x"}, "Action": "s3:*", "Resource": "*"}}"#;
        assert!(matches!(decide(named, LAYERS), Decision::Unprovable { .. }));
        let narrower = r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/sha256/*"}}"#;
        assert!(matches!(decide(narrower, LAYERS), Decision::Unprovable { .. }));
    }

    #[test]
    fn not_action_and_not_resource() {
        let not_action = r#"{"Statement": {"Effect": "Allow", "Principal": "*", "NotAction": "s3:Delete*", "Resource": "*"}}"#;
        assert_eq!(decide(not_action, LAYERS), Decision::Allowed);
        let not_get = r#"{"Statement": {"Effect": "Allow", "Principal": "*", "NotAction": "s3:Get*", "Resource": "*"}}"#;
        assert_eq!(decide(not_get, LAYERS), Decision::Denied { statement: None });
        let not_resource = r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Principal": "*", "Action": "*", "NotResource": "arn:aws:s3:::my-dags/*"}]}"#;
        assert!(matches!(decide(not_resource, LAYERS), Decision::Denied { statement: Some(_) }));
        assert!(glob_covers("S3:GETOBJECT".to_ascii_lowercase().as_str(), "s3:getobject"));
    }

    fn trust(condition: &str) -> Policy {
        let text = format!(
            r#"{{"Statement": {{"Effect": "Allow", "Principal": {{"Service": ["airflow.amazonaws.com", "airflow-env.amazonaws.com"]}},
                "Action": "sts:AssumeRole", "Condition": {condition}}}}}"#
        );
        Policy::parse(&text).expect("valid trust policy")
    }

    fn assume<'a>(service: &'a str, context: &'a Context) -> Request<'a> {
        Request { action: "sts:AssumeRole", resource: "arn:aws:iam::1:role/r", principal: Principal::Service(service), context }
    }

    #[test]
    fn principals_and_conditions_as_iam_evaluates_them() {
        let context = Context::default()
            .with("aws:SourceAccount", "111122223333")
            .with("aws:SourceArn", "arn:aws:airflow:us-east-1:111122223333:environment/e");
        let deputy = trust(
            r#"{"StringEquals": {"aws:SourceAccount": "111122223333"}, "ArnLike": {"aws:SourceArn": "arn:aws:airflow:*:111122223333:environment/*"}}"#,
        );
        assert_eq!(deputy.evaluate(assume("airflow-env.amazonaws.com", &context)), Decision::Allowed);
        // Another service is not named: no statement applies.
        assert_eq!(deputy.evaluate(assume("ec2.amazonaws.com", &context)), Decision::Denied { statement: None });
        let other_account = trust(r#"{"StringEquals": {"aws:SourceAccount": "444455556666"}}"#);
        assert_eq!(other_account.evaluate(assume("airflow.amazonaws.com", &context)), Decision::Denied { statement: None });
        // A key the context does not hold cannot be decided; one it knows is absent decides IfExists and Null.
        assert!(matches!(
            trust(r#"{"StringEquals": {"aws:PrincipalOrgID": "o-1"}}"#).evaluate(assume("airflow.amazonaws.com", &context)),
            Decision::Unprovable { .. }
        ));
        let absent = Context::default().without("aws:PrincipalOrgID");
        assert_eq!(
            trust(r#"{"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}"#).evaluate(assume("airflow.amazonaws.com", &absent)),
            Decision::Allowed
        );
        assert_eq!(
            trust(r#"{"Null": {"aws:PrincipalOrgID": "true"}}"#).evaluate(assume("airflow.amazonaws.com", &absent)),
            Decision::Allowed
        );
        assert_eq!(
            trust(r#"{"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}"#).evaluate(assume("airflow.amazonaws.com", &absent)),
            Decision::Allowed
        );
        assert_eq!(
            trust(r#"{"StringEquals": {"aws:PrincipalOrgID": "o-1"}}"#).evaluate(assume("airflow.amazonaws.com", &absent)),
            Decision::Denied { statement: None }
        );
        // A policy variable is unresolved: cannot prove.
        assert!(matches!(
            trust(r#"{"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}}"#)
                .evaluate(assume("airflow.amazonaws.com", &context)),
            Decision::Unprovable { .. }
        ));
    }

    #[test]
    fn several_documents_and_what_only_deployment_knows() {
        let allow =
            Policy::labelled(r#"{"Statement": {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}}"#, "policy A").expect("valid");
        let deny = Policy::labelled(
            r#"{"Statement": {"Sid": "No", "Effect": "Deny", "Action": "logs:PutLogEvents", "Resource": "*"}}"#,
            "policy B",
        )
        .expect("valid");
        let put = Request::new("logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:airflow-e-Task");
        assert_eq!(evaluate_all(&[&allow], put), Decision::Allowed);
        assert_eq!(evaluate_all(&[&allow, &deny], put), Decision::Denied { statement: Some("statement \"No\" of policy B".into()) });
        let later = Policy::parse(r#"{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "<unknown: Bucket.Arn>/*"}}"#)
            .expect("valid");
        assert!(matches!(later.evaluate(Request::new("s3:GetObject", "arn:aws:s3:::b/dags/a.py")), Decision::Unprovable { .. }));
        assert_eq!(wildcard_unresolved("arn:${aws:username}/<unknown: x>/y"), "arn:*/*/y");
        // An action without a resource (the empty text) is covered by `*` alone.
        let bucket = Policy::parse(r#"{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b"}}"#).expect("valid");
        assert_eq!(bucket.evaluate(Request::new("s3:GetAccountPublicAccessBlock", "")), Decision::Denied { statement: None });
        let any = Policy::parse(r#"{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#).expect("valid");
        assert_eq!(any.evaluate(Request::new("s3:GetAccountPublicAccessBlock", "")), Decision::Allowed);
        // The deploying account is itself, and another account's literal ID may or may not be it.
        let own = Policy::parse(
            r#"{"Statement": {"Effect": "Allow", "Action": "airflow:*", "Resource": "arn:aws:airflow:r:{AccountId}:environment/e"}}"#,
        )
        .expect("valid");
        assert_eq!(own.evaluate(Request::new("airflow:PublishMetrics", "arn:aws:airflow:r:{AccountId}:environment/e")), Decision::Allowed);
        let literal = Policy::parse(
            r#"{"Statement": {"Effect": "Allow", "Action": "airflow:*", "Resource": "arn:aws:airflow:r:111122223333:environment/e"}}"#,
        )
        .expect("valid");
        assert!(matches!(
            literal.evaluate(Request::new("airflow:PublishMetrics", "arn:aws:airflow:r:{AccountId}:environment/e")),
            Decision::Unprovable { .. }
        ));
    }

    #[test]
    fn malformed_documents_are_errors() {
        assert!(Policy::parse("{").is_err());
        assert!(Policy::parse(r#"{"Version": "2012-10-17"}"#).is_err());
        assert!(Policy::parse(r#"{"Statement": [{"Effect": "Maybe", "Action": "*"}]}"#).is_err());
        assert!(Policy::parse(r#"{"Statement": [{"Effect": "Allow", "Action": 5}]}"#).is_err());
    }
}
