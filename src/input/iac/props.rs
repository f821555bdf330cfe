//! What a front end gives the resource descriptions: one resource's properties by their CloudFormation
//! names, whatever the language, and where each is written. The descriptions read them through [`Props`],
//! which refuses a value of the wrong shape, located, in the code's own words.

use super::value::{Fact, Shape, Value};
use super::Located;

/// One resource as a front end reads it.
pub trait Resource {
    /// Its ID in the model: the logical ID, or the AWS ID (else the address) of a plan's instance.
    fn id(&self) -> &str;
    /// How the code names it: the logical ID, or a plan's address (which stays when the ID is AWS's).
    fn name(&self) -> &str;
    /// Its type as the code writes it (`AWS::EC2::Subnet`, `aws_subnet`).
    fn kind(&self) -> &str;
    /// A property by its CloudFormation name: `None` when absent, or left to AWS's default.
    fn value(&self, name: &str) -> Result<Option<Value>, Located>;
    /// A property's name as the code writes it (`CidrBlock`, `cidr_block`), for messages.
    fn written(&self, name: &str) -> String;
    /// An error at the property (at the resource when the property is not written).
    fn error(&self, name: &str, message: String) -> Located;
    /// The one resource a property refers to as written: its type as the code writes it, its ID, and the
    /// attribute referred to by its CloudFormation name (`None`: the resource itself, `Ref`).
    fn reference(&self, name: &str) -> Option<Reference>;
    /// Whether it exists already (a Terraform state's, or a plan's that only updates it).
    fn exists(&self) -> bool;
    /// The file it is in (by index) and the byte offset where it is written.
    fn at(&self) -> (usize, usize);
    /// Whose semantics the code has, where CloudFormation's and the provider's differ.
    fn dialect(&self) -> Dialect;
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    CloudFormation,
    Terraform,
}

/// A nested block (an inline route, a rule of a group) read as a resource of its own, its errors at
/// the property that holds it.
pub struct Block<'p> {
    parent: &'p dyn Resource,
    /// The property holding it, and its index there.
    name: &'p str,
    index: usize,
    value: Value,
}

impl Block<'_> {
    pub fn props(&self) -> Props<'_> {
        Props { resource: self }
    }
}

impl Resource for Block<'_> {
    fn id(&self) -> &str {
        self.parent.id()
    }

    fn name(&self) -> &str {
        self.parent.name()
    }

    fn kind(&self) -> &str {
        self.parent.kind()
    }

    fn value(&self, name: &str) -> Result<Option<Value>, Located> {
        Ok(self.value.get(name).cloned())
    }

    fn written(&self, name: &str) -> String {
        format!("{}[{}].{}", self.parent.written(self.name), self.index, self.parent.written(name))
    }

    fn error(&self, _: &str, message: String) -> Located {
        self.parent.error(self.name, message)
    }

    fn reference(&self, _: &str) -> Option<Reference> {
        None
    }

    fn exists(&self) -> bool {
        self.parent.exists()
    }

    fn at(&self) -> (usize, usize) {
        self.parent.at()
    }

    fn dialect(&self) -> Dialect {
        self.parent.dialect()
    }
}

pub struct Reference {
    pub kind: String,
    pub id: String,
    pub attribute: Option<String>,
}

/// Reads a resource's properties with typed answers: `Ok(None)` absent, `Ok(Some(Err(why)))` unknown,
/// `Err` a value the service would refuse.
pub struct Props<'r> {
    pub resource: &'r dyn Resource,
}

impl Props<'_> {
    pub fn id(&self) -> &str {
        self.resource.id()
    }

    pub fn kind(&self) -> &str {
        self.resource.kind()
    }

    pub fn dialect(&self) -> Dialect {
        self.resource.dialect()
    }

    pub fn value(&self, name: &str) -> Result<Option<Value>, Located> {
        self.resource.value(name)
    }

    /// An error at the property, its message starting with the resource and the property as written.
    pub fn refuse(&self, name: &str, why: impl std::fmt::Display) -> Located {
        self.resource.error(name, format!("{}.{} {why}", self.id(), self.resource.written(name)))
    }

    fn shape(&self, name: &str, shape: Shape) -> Located {
        self.refuse(
            name,
            match shape {
                Shape::Text => "must be text",
                Shape::List => "must be a list of text",
            },
        )
    }

    pub fn text(&self, name: &str) -> Result<Option<Fact<String>>, Located> {
        match self.value(name)? {
            None => Ok(None),
            Some(value) => value.fact().map(Some).map_err(|shape| self.shape(name, shape)),
        }
    }

    /// Text the resource cannot be without.
    pub fn required(&self, name: &str) -> Result<Fact<String>, Located> {
        self.text(name)?
            .ok_or_else(|| self.resource.error(name, format!("{} ({}) has no {}", self.id(), self.kind(), self.resource.written(name))))
    }

    /// A list of text (empty when absent).
    pub fn texts(&self, name: &str) -> Result<Fact<Vec<String>>, Located> {
        match self.value(name)? {
            None => Ok(Ok(Vec::new())),
            Some(value) => value.facts().map_err(|shape| self.shape(name, shape)),
        }
    }

    pub fn boolean(&self, name: &str) -> Result<Option<Fact<bool>>, Located> {
        Ok(match self.text(name)? {
            None => None,
            Some(Ok(text)) => match text.to_ascii_lowercase().as_str() {
                "true" => Some(Ok(true)),
                "false" => Some(Ok(false)),
                _ => return Err(self.refuse(name, format!("must be true or false, not {text:?}"))),
            },
            Some(Err(why)) => Some(Err(why)),
        })
    }

    /// Text parsed as `what` (a CIDR, a number).
    pub fn parsed<T: std::str::FromStr>(&self, name: &str, what: &str) -> Result<Option<Fact<T>>, Located> {
        Ok(match self.text(name)? {
            None => None,
            Some(Ok(text)) => Some(Ok(text.trim().parse().map_err(|_| self.refuse(name, format!("{text:?} is not {what}")))?)),
            Some(Err(why)) => Some(Err(why)),
        })
    }

    /// The blocks of a nested property (inline routes, rules), each read like a resource (through
    /// [`Block::props`]); `Err` with why
    /// when they are known only at deployment.
    pub fn blocks<'s>(&'s self, name: &'s str) -> Result<Fact<Vec<Block<'s>>>, Located> {
        let items = match self.value(name)? {
            None => Vec::new(),
            Some(Value::Unknown(why)) => return Ok(Err(why)),
            Some(Value::List(items)) => items,
            Some(_) => return Err(self.refuse(name, "must be a list")),
        };
        Ok(Ok(items.into_iter().enumerate().map(|(index, value)| Block { parent: self.resource, name, index, value }).collect()))
    }

    /// A known text, else nothing: a setting that takes its default when not stated or not known.
    pub fn plain(&self, name: &str) -> Result<Option<String>, Located> {
        Ok(self.text(name)?.and_then(Result::ok))
    }
}
