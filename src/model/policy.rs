//! Policy documents as the model holds them (endpoint, role, trust, key and bucket policies): parsed once at
//! load time (an invalid one is an invalid input), evaluated by `analysis::policy`.

use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Policy {
    /// What findings call the document ("policy MwaaExecutionPolicy"); `None` for an endpoint's one policy.
    pub(crate) label: Option<String>,
    pub(crate) statements: Vec<Statement>,
}

#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub(crate) sid: Option<String>,
    /// Position in the document, from 1.
    pub(crate) number: usize,
    pub(crate) allow: bool,
    pub(crate) principals: Principals,
    pub(crate) actions: Patterns,
    pub(crate) resources: Patterns,
    pub(crate) conditions: Vec<Condition>,
}

#[derive(Debug, Clone)]
pub(crate) enum Patterns {
    Only(Vec<String>),
    Except(Vec<String>),
}

/// Whom a statement applies to. Identity policies have no `Principal`: they apply to their holder.
#[derive(Debug, Clone)]
pub(crate) enum Principals {
    Holder,
    Only(Vec<PrincipalName>),
    Except(Vec<PrincipalName>),
}

/// One entry of `Principal`: `"*"`, or a kind (`AWS`, `Service`, `Federated`, `CanonicalUser`) and its value.
#[derive(Debug, Clone)]
pub(crate) struct PrincipalName {
    pub(crate) kind: String,
    pub(crate) value: String,
}

/// One test of a `Condition` block: `{"ForAnyValue:StringLike": {"aws:SourceArn": [...]}}` gives one per key.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    pub(crate) operator: String,
    pub(crate) key: String,
    pub(crate) values: Vec<String>,
}

impl Policy {
    pub fn parse(text: &str) -> Result<Self, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
        let statements = match doc.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(item @ Value::Object(_)) => vec![item],
            _ => return Err("no Statement".to_string()),
        };
        let statements = statements
            .into_iter()
            .enumerate()
            .map(|(i, s)| Statement::parse(s, i + 1).map_err(|e| format!("statement {}: {e}", i + 1)))
            .collect::<Result<_, _>>()?;
        Ok(Self { label: None, statements })
    }

    /// A document that findings name (a role's inline policy, a managed policy).
    pub fn labelled(text: &str, label: impl Into<String>) -> Result<Self, String> {
        Ok(Self { label: Some(label.into()), ..Self::parse(text)? })
    }
}

impl Statement {
    fn parse(value: &Value, number: usize) -> Result<Self, String> {
        let effect = value.get("Effect").and_then(Value::as_str).ok_or("no Effect")?;
        let allow = match effect {
            "Allow" => true,
            "Deny" => false,
            other => return Err(format!("Effect must be Allow or Deny, not {other:?}")),
        };
        let principals = match (value.get("Principal"), value.get("NotPrincipal")) {
            (None, None) => Principals::Holder,
            (Some(p), None) => Principals::Only(principal_names(p)?),
            (None, Some(p)) => Principals::Except(principal_names(p)?),
            (Some(_), Some(_)) => return Err("both Principal and NotPrincipal".to_string()),
        };
        Ok(Self {
            sid: value.get("Sid").and_then(Value::as_str).map(str::to_string),
            number,
            allow,
            principals,
            actions: patterns(value, "Action", "NotAction")?,
            resources: patterns(value, "Resource", "NotResource").unwrap_or(Patterns::Only(vec!["*".to_string()])),
            conditions: conditions(value.get("Condition"))?,
        })
    }
}

fn strings(value: &Value) -> Result<Vec<String>, String> {
    scalars(value, false)
}

/// `bare`: booleans and numbers too, as conditions may write them (`"aws:SecureTransport": false`).
fn scalars(value: &Value, bare: bool) -> Result<Vec<String>, String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) if bare => Some(b.to_string()),
        Value::Number(n) if bare => Some(n.to_string()),
        _ => None,
    };
    match value {
        Value::Array(items) => items.iter().map(|i| scalar(i).ok_or_else(|| "expected strings".to_string())).collect(),
        other => scalar(other).map(|s| vec![s]).ok_or_else(|| "expected a string or a list of strings".to_string()),
    }
}

fn patterns(value: &Value, key: &str, not_key: &str) -> Result<Patterns, String> {
    match (value.get(key), value.get(not_key)) {
        (Some(v), None) => strings(v).map(Patterns::Only).map_err(|e| format!("{key}: {e}")),
        (None, Some(v)) => strings(v).map(Patterns::Except).map_err(|e| format!("{not_key}: {e}")),
        (Some(_), Some(_)) => Err(format!("both {key} and {not_key}")),
        (None, None) => Err(format!("no {key} or {not_key}")),
    }
}

fn principal_names(value: &Value) -> Result<Vec<PrincipalName>, String> {
    match value {
        Value::String(s) => Ok(vec![PrincipalName { kind: "AWS".into(), value: s.clone() }]),
        Value::Object(kinds) => {
            let mut names = Vec::new();
            for (kind, values) in kinds {
                for value in strings(values).map_err(|e| format!("Principal {kind}: {e}"))? {
                    names.push(PrincipalName { kind: kind.clone(), value });
                }
            }
            Ok(names)
        }
        _ => Err("Principal must be \"*\" or an object".to_string()),
    }
}

fn conditions(value: Option<&Value>) -> Result<Vec<Condition>, String> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let operators = value.as_object().ok_or("Condition must be an object")?;
    let mut out = Vec::new();
    for (operator, tests) in operators {
        let tests = tests.as_object().ok_or_else(|| format!("Condition {operator} must be an object"))?;
        for (key, values) in tests {
            let values = scalars(values, true).map_err(|e| format!("Condition {operator} {key}: {e}"))?;
            out.push(Condition { operator: operator.clone(), key: key.clone(), values });
        }
    }
    Ok(out)
}

impl Statement {
    /// "statement \"Sid\"" or "statement 3", and the document's label.
    pub(crate) fn name(&self, label: Option<&str>) -> String {
        let own = match &self.sid {
            Some(sid) => format!("statement {sid:?}"),
            None => match label {
                Some(_) => format!("statement {}", self.number),
                None => format!("an unnamed {} statement", if self.allow { "Allow" } else { "Deny" }),
            },
        };
        match label {
            Some(label) => format!("{own} of {label}"),
            None => own,
        }
    }
}
