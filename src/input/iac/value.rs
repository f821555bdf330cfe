//! One representation of what infrastructure code says a property is, whatever its language: absent
//! (`None` where a property is read), known, or unknown with why.

/// A property's value as the deployment will create it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Every scalar (CloudFormation passes numbers and booleans as text, and a plan's are read so too).
    Text(String),
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
    /// `!GetAZs`: the region's AZs, whose names and number the template cannot know.
    Zones(String),
    /// What the references of an expression known only after apply name (Terraform): where one value is
    /// read, one of them (`var.x ? aws_vpc.a.id : aws_vpc.b.id` is unknown when there are several); where a
    /// list is read, all of them (`[aws_subnet.a.id, aws_subnet.b.id]`).
    Referenced(Vec<Value>),
    /// Known only at deployment (an account ID, a generated name, an import no template exports).
    Unknown(String),
}

/// A fact the code states: known, or `Err` with why it is known only at deployment.
pub type Fact<T> = Result<T, String>;

/// Why a value has not the shape a property needs.
pub enum Shape {
    Text,
    List,
}

impl Value {
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text),
            Value::Referenced(values) => match values.as_slice() {
                [one] => one.text(),
                _ => None,
            },
            _ => None,
        }
    }

    /// The first unknown inside, with why.
    pub fn unknown(&self) -> Option<&str> {
        match self {
            Value::Unknown(why) => Some(why),
            Value::List(items) | Value::Referenced(items) => items.iter().find_map(Value::unknown),
            Value::Map(entries) => entries.iter().find_map(|(_, v)| v.unknown()),
            Value::Text(_) | Value::Zones(_) => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            // A nested block: Terraform holds it as a list of one.
            Value::List(items) | Value::Referenced(items) => match items.as_slice() {
                [one @ Value::Map(_)] => one.get(key),
                _ => None,
            },
            _ => None,
        }
    }

    /// One text, or why it is unknown.
    pub fn fact(&self) -> Result<Fact<String>, Shape> {
        match self {
            Value::Text(text) => Ok(Ok(text.clone())),
            Value::Unknown(why) => Ok(Err(why.clone())),
            Value::Referenced(values) => match values.as_slice() {
                [one] => one.fact(),
                _ => {
                    let names: Vec<String> = values.iter().map(|v| v.text().map_or_else(|| format!("{v:?}"), str::to_string)).collect();
                    Ok(Err(format!("it is one of {}, known only after apply", names.join(", "))))
                }
            },
            Value::List(_) | Value::Map(_) | Value::Zones(_) => Err(Shape::Text),
        }
    }

    /// A list of texts, or why one of them is unknown.
    pub fn facts(&self) -> Result<Fact<Vec<String>>, Shape> {
        match self {
            Value::List(items) | Value::Referenced(items) => {
                let mut out = Vec::new();
                for item in items {
                    match item.fact() {
                        Ok(Ok(text)) => out.push(text),
                        Ok(Err(why)) => return Ok(Err(why)),
                        Err(_) => return Err(Shape::List),
                    }
                }
                Ok(Ok(out))
            }
            Value::Unknown(why) => Ok(Err(why.clone())),
            Value::Text(_) | Value::Map(_) | Value::Zones(_) => Err(Shape::List),
        }
    }

    /// The items of a list (a nested block's, or a property's), empty for any other value.
    pub fn items(&self) -> &[Value] {
        match self {
            Value::List(items) | Value::Referenced(items) => items,
            _ => &[],
        }
    }

    /// As JSON (a policy document): unknowns as their reason in text.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Text(text) => serde_json::Value::String(text.clone()),
            Value::List(items) | Value::Referenced(items) => serde_json::Value::Array(items.iter().map(Value::to_json).collect()),
            Value::Map(entries) => serde_json::Value::Object(entries.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            Value::Zones(region) => serde_json::Value::String(format!("GetAZs({region})")),
            Value::Unknown(why) => serde_json::Value::String(format!("<unknown: {why}>")),
        }
    }
}
