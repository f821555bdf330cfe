//! VPC endpoint policies: the IAM subset that decides whether the environment's requests get through.
//! Explicit Deny wins; no policy is full access. What the tool cannot prove (a Condition, a named
//! principal, a partly overlapping resource) is reported as unprovable, never as allowed.

use serde::Serialize;

pub use crate::model::policy::Policy;
use crate::model::policy::{Patterns, Statement};

/// A request the environment makes; either part may hold `*` to mean "any such" (every object of a bucket).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub action: &'a str,
    pub resource: &'a str,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Covers,
    Overlaps,
    Disjoint,
}

impl Policy {
    pub fn evaluate(&self, request: Request<'_>) -> Decision {
        let mut definite_allow = false;
        let mut doubt: Option<String> = None;
        for statement in &self.statements {
            let scope = statement.scope(request);
            if scope == Scope::Disjoint {
                continue;
            }
            let unconditional = statement.everyone && !statement.conditional;
            let name = statement.name();
            match (statement.allow, scope, unconditional) {
                (false, Scope::Covers, true) => return Decision::Denied { statement: Some(name) },
                (false, _, _) => {
                    doubt.get_or_insert(format!("{name} may deny it (conditions, principals or part of the resources)"));
                }
                (true, Scope::Covers, true) => definite_allow = true,
                (true, _, _) => {
                    doubt.get_or_insert(format!("{name} allows it only in part or under conditions the tool cannot check"));
                }
            }
        }
        match (definite_allow, doubt) {
            (true, None) => Decision::Allowed,
            (_, Some(reason)) => Decision::Unprovable { reason },
            (false, None) => Decision::Denied { statement: None },
        }
    }
}

impl Policy {
    /// The Deny statements (by position in the document) that deny, or may deny, any of the requests.
    pub fn denials_of(&self, requests: &[Request<'_>]) -> Vec<usize> {
        self.statements
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.allow && requests.iter().any(|r| s.scope(*r) != Scope::Disjoint))
            .map(|(i, _)| i)
            .collect()
    }
}

impl Statement {
    fn scope(&self, request: Request<'_>) -> Scope {
        let action = self.actions.scope(request.action, false);
        let resource = self.resources.scope(request.resource, true);
        match (action, resource) {
            (Scope::Disjoint, _) | (_, Scope::Disjoint) => Scope::Disjoint,
            (Scope::Covers, Scope::Covers) => Scope::Covers,
            _ => Scope::Overlaps,
        }
    }
}

impl Patterns {
    fn scope(&self, requested: &str, case_sensitive: bool) -> Scope {
        let (list, negated) = match self {
            Patterns::Only(list) => (list, false),
            Patterns::Except(list) => (list, true),
        };
        let fold = |s: &str| if case_sensitive { s.to_string() } else { s.to_ascii_lowercase() };
        let requested = fold(requested);
        let listed = if list.iter().any(|p| glob_covers(&fold(p), &requested)) {
            Scope::Covers
        } else if list.iter().any(|p| glob_overlaps(&fold(p), &requested)) {
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

    const LAYERS: Request<'static> = Request { action: "s3:GetObject", resource: "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*" };

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

    #[test]
    fn malformed_documents_are_errors() {
        assert!(Policy::parse("{").is_err());
        assert!(Policy::parse(r#"{"Version": "2012-10-17"}"#).is_err());
        assert!(Policy::parse(r#"{"Statement": [{"Effect": "Maybe", "Action": "*"}]}"#).is_err());
        assert!(Policy::parse(r#"{"Statement": [{"Effect": "Allow", "Action": 5}]}"#).is_err());
    }
}
