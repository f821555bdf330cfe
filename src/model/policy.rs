//! VPC endpoint policy documents as the model holds them: parsed once at load time (an invalid one is an
//! invalid input), evaluated by `analysis::policy`.

use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) statements: Vec<Statement>,
}

#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub(crate) sid: Option<String>,
    pub(crate) allow: bool,
    /// `Principal: "*"` (or `{"AWS": "*"}`): applies to the environment's role whoever it is.
    pub(crate) everyone: bool,
    pub(crate) conditional: bool,
    pub(crate) actions: Patterns,
    pub(crate) resources: Patterns,
}

#[derive(Debug, Clone)]
pub(crate) enum Patterns {
    Only(Vec<String>),
    Except(Vec<String>),
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
            .map(|(i, s)| Statement::parse(s).map_err(|e| format!("statement {}: {e}", i + 1)))
            .collect::<Result<_, _>>()?;
        Ok(Self { statements })
    }
}

impl Statement {
    fn parse(value: &Value) -> Result<Self, String> {
        let effect = value.get("Effect").and_then(Value::as_str).ok_or("no Effect")?;
        let allow = match effect {
            "Allow" => true,
            "Deny" => false,
            other => return Err(format!("Effect must be Allow or Deny, not {other:?}")),
        };
        let everyone = value.get("NotPrincipal").is_none()
            && match value.get("Principal") {
                None => true,
                Some(Value::String(s)) => s == "*",
                Some(Value::Object(map)) => map.get("AWS").is_some_and(|aws| strings(aws).is_ok_and(|p| p.iter().any(|p| p == "*"))),
                Some(_) => false,
            };
        let conditional = value.get("Condition").is_some_and(|c| c.as_object().is_none_or(|m| !m.is_empty()));
        Ok(Self {
            sid: value.get("Sid").and_then(Value::as_str).map(str::to_string),
            allow,
            everyone,
            conditional,
            actions: patterns(value, "Action", "NotAction")?,
            resources: patterns(value, "Resource", "NotResource").unwrap_or(Patterns::Only(vec!["*".to_string()])),
        })
    }

    pub(crate) fn name(&self) -> String {
        match &self.sid {
            Some(sid) => format!("statement {sid:?}"),
            None => format!("an unnamed {} statement", if self.allow { "Allow" } else { "Deny" }),
        }
    }
}

fn strings(value: &Value) -> Result<Vec<String>, String> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items.iter().map(|i| i.as_str().map(str::to_string).ok_or_else(|| "expected strings".to_string())).collect(),
        _ => Err("expected a string or a list of strings".to_string()),
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
