//! CloudFormation's intrinsic functions, short and long forms, over one template: what each property will
//! be when the stack is created, or `Unknown` with why when only the deployment can tell.

use std::cell::RefCell;
use std::collections::HashMap;

use ipnet::Ipv4Net;

use super::yaml::{Node, Spot, Value as Yaml};
pub use crate::input::iac::Value;

/// Why a template cannot be evaluated (exit code 2), at the node that says so.
#[derive(Debug)]
pub struct EvalError {
    pub message: String,
    pub at: Spot,
}

/// What stacks give each other: exported values by export name (`Fn::ImportValue`), and every output by
/// stack and output name (`Fn::GetStackOutput`).
#[derive(Debug, Default, PartialEq)]
pub struct Outputs {
    pub exports: HashMap<String, Value>,
    pub by_stack: HashMap<(String, String), Value>,
}

pub fn error(at: Spot, message: impl Into<String>) -> EvalError {
    EvalError { message: message.into(), at }
}

/// What a resource's `Ref` and `GetAtt` give, decided by its type (resources.rs knows the types).
pub trait Resolver {
    /// `Ref` of a resource: its ID (the logical ID stands for it), or unknown.
    fn reference(&self, logical_id: &str) -> Option<Value>;
    /// `GetAtt`: `None` when the resource does not exist.
    fn attribute(&self, logical_id: &str, attribute: &str, at: Spot) -> Option<Result<Value, EvalError>>;
}

/// The deployment context of a template: region, pseudo parameters, parameter values, other templates'
/// exports.
pub struct Context<'a> {
    pub region: String,
    pub account_id: Option<String>,
    pub stack_name: String,
    pub parameters: HashMap<String, Value>,
    pub mappings: Option<&'a Node>,
    pub conditions: Option<&'a Node>,
    pub outputs: &'a Outputs,
    condition_values: RefCell<HashMap<String, Option<bool>>>,
    evaluating_conditions: RefCell<Vec<String>>,
    /// How deep evaluation is now (functions in functions, conditions naming conditions, references).
    depth: std::cell::Cell<usize>,
}

/// The deepest evaluation may go: far beyond any template's nesting, well within the stack.
const MAX_DEPTH: usize = 256;

/// Leaves one level of evaluation when dropped.
struct Level<'c>(&'c std::cell::Cell<usize>);

impl Drop for Level<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

const FUNCTIONS: [&str; 18] = [
    "Ref",
    "GetAtt",
    "Sub",
    "Join",
    "Select",
    "Split",
    "GetAZs",
    "If",
    "Equals",
    "And",
    "Or",
    "Not",
    "FindInMap",
    "ImportValue",
    "GetStackOutput",
    "Base64",
    "Cidr",
    "Condition",
];

impl<'a> Context<'a> {
    pub fn new(
        region: String,
        account_id: Option<String>,
        stack_name: String,
        parameters: HashMap<String, Value>,
        root: &'a Node,
        outputs: &'a Outputs,
    ) -> Self {
        Self {
            region,
            account_id,
            stack_name,
            parameters,
            mappings: root.get("Mappings"),
            conditions: root.get("Conditions"),
            outputs,
            condition_values: RefCell::default(),
            evaluating_conditions: RefCell::default(),
            depth: std::cell::Cell::new(0),
        }
    }

    pub fn partition(&self) -> &'static str {
        crate::model::partition(&self.region)
    }

    fn pseudo(&self, name: &str) -> Option<Value> {
        Some(match name {
            "AWS::Region" => Value::Text(self.region.clone()),
            "AWS::Partition" => Value::Text(self.partition().to_string()),
            "AWS::URLSuffix" => Value::Text(if self.region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" }.to_string()),
            "AWS::StackName" => Value::Text(self.stack_name.clone()),
            "AWS::AccountId" => match &self.account_id {
                Some(id) => Value::Text(id.clone()),
                None => Value::Text(crate::model::DEPLOYING_ACCOUNT.into()),
            },
            "AWS::StackId" => Value::Unknown("AWS::StackId (assigned at deployment)".into()),
            "AWS::NotificationARNs" => Value::List(Vec::new()),
            _ => return None,
        })
    }

    /// The function a node calls, if it is a call: a tag (`!Ref x`) or a one-key map (`{"Ref": x}`).
    fn call<'n>(node: &'n Node) -> Option<(&'n str, CallArg<'n>)> {
        if let Some(tag) = node.tag.as_deref() {
            return Some((tag, CallArg::Tagged(node)));
        }
        let entries = node.entries()?;
        let [(key, value)] = entries else { return None };
        let name = key.as_str()?;
        let name = if name == "Ref" || name == "Condition" { name } else { name.strip_prefix("Fn::")? };
        Some((name, CallArg::Node(value)))
    }

    /// One level deeper, or an error at `at` past MAX_DEPTH (a chain of 20,000 conditions, say).
    fn deeper(&self, at: Spot) -> Result<Level<'_>, EvalError> {
        if self.depth.get() >= MAX_DEPTH {
            return Err(error(at, format!("functions, conditions and references nest deeper than {MAX_DEPTH} levels here")));
        }
        self.depth.set(self.depth.get() + 1);
        Ok(Level(&self.depth))
    }

    /// A property's value. `NoValue` (AWS::NoValue) comes back as `None`.
    pub fn eval(&self, node: &Node, resolver: &dyn Resolver) -> Result<Option<Value>, EvalError> {
        let _level = self.deeper(node.at)?;
        if let Some((name, arg)) = Self::call(node) {
            return self.function(name, &arg.node(), node.at, resolver);
        }
        Ok(Some(match &node.value {
            Yaml::Scalar { text, .. } => Value::Text(text.clone()),
            Yaml::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.extend(self.eval(item, resolver)?);
                }
                Value::List(out)
            }
            Yaml::Map(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    let Some(key) = key.as_str() else { return Err(error(key.at, "a mapping key must be text")) };
                    if let Some(value) = self.eval(value, resolver)? {
                        out.push((key.to_string(), value));
                    }
                }
                Value::Map(out)
            }
        }))
    }

    fn eval_some(&self, node: &Node, resolver: &dyn Resolver, what: &str) -> Result<Value, EvalError> {
        self.eval(node, resolver)?.ok_or_else(|| error(node.at, format!("{what} cannot be AWS::NoValue")))
    }

    fn function(&self, name: &str, arg: &Node, at: Spot, resolver: &dyn Resolver) -> Result<Option<Value>, EvalError> {
        let text_of = |value: &Value, what: &str| -> Result<String, EvalError> {
            value.text().map(str::to_string).ok_or_else(|| error(at, format!("{what} must be text")))
        };
        let args = |count: usize| -> Result<Vec<&Node>, EvalError> {
            match &arg.value {
                Yaml::Seq(items) if items.len() == count && arg.tag.is_none() => Ok(items.iter().collect()),
                _ => Err(error(at, format!("Fn::{name} takes a list of {count}"))),
            }
        };
        Ok(Some(match name {
            "Ref" => {
                let target = arg.as_str().ok_or_else(|| error(at, "Ref takes a name"))?;
                if target == "AWS::NoValue" {
                    return Ok(None);
                }
                self.reference(target, at, resolver)?
            }
            "GetAtt" => {
                let (resource, attribute) = match (&arg.value, arg.as_str()) {
                    (_, Some(dotted)) => dotted.split_once('.').ok_or_else(|| error(at, "GetAtt takes Resource.Attribute"))?,
                    (Yaml::Seq(items), None) if items.len() == 2 => {
                        let resource = items[0].as_str().ok_or_else(|| error(at, "GetAtt's resource must be a logical ID"))?;
                        let attribute = match self.eval(&items[1], resolver)? {
                            Some(Value::Text(attribute)) => attribute,
                            _ => return Err(error(items[1].at, "GetAtt's attribute must be text")),
                        };
                        return self.get_att(resource, &attribute, at, resolver).map(Some);
                    }
                    _ => return Err(error(at, "GetAtt takes [Resource, Attribute] or Resource.Attribute")),
                };
                self.get_att(resource, attribute, at, resolver)?
            }
            "Sub" => self.sub(arg, at, resolver)?,
            "Join" => {
                let [separator, items] = args(2)?[..] else { return Err(error(at, "wrong number of arguments")) };
                let separator = separator.as_str().ok_or_else(|| error(separator.at, "Join's separator must be text"))?;
                match self.eval_some(items, resolver, "Join's list")? {
                    Value::List(values) => {
                        if let Some(why) = values.iter().find_map(Value::unknown) {
                            return Ok(Some(Value::Unknown(why.to_string())));
                        }
                        let parts: Result<Vec<String>, EvalError> = values.iter().map(|v| text_of(v, "each item Join joins")).collect();
                        Value::Text(parts?.join(separator))
                    }
                    Value::Unknown(why) => Value::Unknown(why),
                    _ => return Err(error(items.at, "Join's second argument must be a list")),
                }
            }
            "Select" => {
                let [index, list] = args(2)?[..] else { return Err(error(at, "wrong number of arguments")) };
                let index = self.eval_some(index, resolver, "Select's index")?;
                let Some(i) = index.text().and_then(|t| t.parse::<usize>().ok()) else {
                    return match index {
                        Value::Unknown(why) => Ok(Some(Value::Unknown(why))),
                        _ => Err(error(at, "Select's index must be a non-negative number")),
                    };
                };
                match self.eval_some(list, resolver, "Select's list")? {
                    Value::List(values) => values
                        .get(i)
                        .cloned()
                        .ok_or_else(|| error(at, format!("Select index {i} is past the list's {} item(s)", values.len())))?,
                    Value::Zones(region) => Value::Text(zone_label(&region, i)),
                    Value::Unknown(why) => Value::Unknown(why),
                    _ => return Err(error(list.at, "Select's second argument must be a list")),
                }
            }
            "Split" => {
                let [separator, source] = args(2)?[..] else { return Err(error(at, "wrong number of arguments")) };
                let separator = separator.as_str().ok_or_else(|| error(separator.at, "Split's separator must be text"))?;
                match self.eval_some(source, resolver, "Split's text")? {
                    Value::Text(text) => Value::List(text.split(separator).map(|s| Value::Text(s.to_string())).collect()),
                    Value::Unknown(why) => Value::Unknown(why),
                    _ => return Err(error(source.at, "Split's second argument must be text")),
                }
            }
            "GetAZs" => {
                let region = match self.eval_some(arg, resolver, "GetAZs' region")? {
                    Value::Text(region) if region.is_empty() => self.region.clone(),
                    Value::Text(region) => region,
                    _ => return Err(error(at, "GetAZs takes a region name or ''")),
                };
                Value::Zones(region)
            }
            "If" => {
                let [condition, then, otherwise] = args(3)?[..] else { return Err(error(at, "wrong number of arguments")) };
                let name = condition.as_str().ok_or_else(|| error(condition.at, "Fn::If's first argument is a condition name"))?;
                match self.condition(name, condition.at, resolver)? {
                    Some(true) => return self.eval(then, resolver),
                    Some(false) => return self.eval(otherwise, resolver),
                    None => Value::Unknown(format!("condition {name} depends on what only the deployment knows")),
                }
            }
            "Equals" | "And" | "Or" | "Not" | "Condition" => {
                return Ok(Some(match self.boolean(name, arg, at, resolver)? {
                    Some(b) => Value::Text(b.to_string()),
                    None => Value::Unknown(format!("Fn::{name} depends on what only the deployment knows")),
                }))
            }
            "FindInMap" => {
                let items = match &arg.value {
                    Yaml::Seq(items) if (3..=4).contains(&items.len()) && arg.tag.is_none() => items,
                    _ => return Err(error(at, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]")),
                };
                let mut keys = Vec::new();
                for item in &items[..3] {
                    match self.eval_some(item, resolver, "a FindInMap key")? {
                        Value::Text(key) => keys.push(key),
                        Value::Unknown(why) => return Ok(Some(Value::Unknown(why))),
                        _ => return Err(error(item.at, "FindInMap's keys must be text")),
                    }
                }
                let found = self.mappings.and_then(|m| m.get(&keys[0])).and_then(|m| m.get(&keys[1])).and_then(|m| m.get(&keys[2]));
                match found {
                    Some(node) => return self.eval(node, resolver),
                    None => return Err(error(at, format!("Mappings has no {}.{}.{}", keys[0], keys[1], keys[2]))),
                }
            }
            "ImportValue" => match self.eval_some(arg, resolver, "ImportValue's name")? {
                Value::Text(name) => match self.outputs.exports.get(&name) {
                    Some(value) => value.clone(),
                    None => Value::Unknown(format!("the export {name} (no template given exports it)")),
                },
                Value::Unknown(why) => Value::Unknown(why),
                _ => return Err(error(at, "ImportValue takes an export name")),
            },
            "GetStackOutput" => self.stack_output(arg, at, resolver)?,
            "Base64" => self.eval_some(arg, resolver, "Base64's text")?,
            "Cidr" => {
                let [block, count, bits] = args(3)?[..] else { return Err(error(at, "wrong number of arguments")) };
                let values = [
                    self.eval_some(block, resolver, "Cidr's block")?,
                    self.eval_some(count, resolver, "Cidr's count")?,
                    self.eval_some(bits, resolver, "Cidr's bits")?,
                ];
                if let Some(why) = values.iter().find_map(Value::unknown) {
                    return Ok(Some(Value::Unknown(why.to_string())));
                }
                cidrs(&values, at)?
            }
            // Macros and AWS::LanguageExtensions: what they give is known once CloudFormation runs them.
            "Transform" | "Length" | "ToJsonString" => Value::Unknown(format!("Fn::{name}, evaluated by CloudFormation at deployment")),
            other if other.starts_with("Fn::") || FUNCTIONS.contains(&other) => {
                return Err(error(at, format!("unsupported function {other}")))
            }
            other => {
                return Err(error(
                    at,
                    format!("unknown tag !{other}: CloudFormation's short forms are {}", FUNCTIONS.map(|f| format!("!{f}")).join(", ")),
                ))
            }
        }))
    }

    fn reference(&self, target: &str, at: Spot, resolver: &dyn Resolver) -> Result<Value, EvalError> {
        if let Some(value) = self.pseudo(target) {
            return Ok(value);
        }
        if let Some(value) = self.parameters.get(target) {
            return Ok(value.clone());
        }
        resolver.reference(target).ok_or_else(|| {
            error(at, format!("Ref to {target}, which is not a parameter, a resource or a pseudo parameter of the template"))
        })
    }

    fn get_att(&self, resource: &str, attribute: &str, at: Spot, resolver: &dyn Resolver) -> Result<Value, EvalError> {
        resolver
            .attribute(resource, attribute, at)
            .unwrap_or_else(|| Err(error(at, format!("GetAtt of {resource}, which is not a resource of the template"))))
    }

    fn sub(&self, arg: &Node, at: Spot, resolver: &dyn Resolver) -> Result<Value, EvalError> {
        let (template, variables) = match (&arg.value, arg.as_str()) {
            (_, Some(text)) => (text, None),
            (Yaml::Seq(items), None) if items.len() == 2 => {
                let text = items[0].as_str().ok_or_else(|| error(items[0].at, "Sub's first argument must be text"))?;
                (text, Some(&items[1]))
            }
            _ => return Err(error(at, "Sub takes text, or [text, {variables}]")),
        };
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            // `${!Literal}` is written as `${Literal}`.
            if let Some(literal) = after.strip_prefix('!') {
                out.push_str("${");
                rest = literal;
                continue;
            }
            let end = after.find('}').ok_or_else(|| error(at, format!("Sub has an unclosed ${{ in {template:?}")))?;
            let name = after[..end].trim();
            let value = match variables.and_then(|v| v.get(name)) {
                Some(node) => self.eval_some(node, resolver, "a Sub variable")?,
                None => match name.split_once('.') {
                    Some((resource, attribute)) if !name.starts_with("AWS::") => self.get_att(resource, attribute, at, resolver)?,
                    _ => self.reference(name, at, resolver)?,
                },
            };
            match value {
                Value::Text(text) => out.push_str(&text),
                Value::Unknown(why) => return Ok(Value::Unknown(why)),
                _ => return Err(error(at, format!("${{{name}}} in Sub is not text"))),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(Value::Text(out))
    }

    /// `Fn::GetStackOutput`: an output of another template given (its stack name is its file name's first
    /// part), exported or not, as the CDK's weak cross-stack references read it; unknown when no template
    /// given is that stack, or the stack is in another region.
    fn stack_output(&self, arg: &Node, at: Spot, resolver: &dyn Resolver) -> Result<Value, EvalError> {
        let text = |key: &str| -> Result<Option<Value>, EvalError> {
            match arg.get(key) {
                Some(node) => Ok(Some(self.eval_some(node, resolver, &format!("GetStackOutput's {key}"))?)),
                None => Ok(None),
            }
        };
        if arg.entries().is_none() {
            return Err(error(at, "GetStackOutput takes a mapping with StackName and OutputName"));
        }
        let (Some(stack), Some(output)) = (text("StackName")?, text("OutputName")?) else {
            return Err(error(at, "GetStackOutput needs StackName and OutputName"));
        };
        let (Value::Text(stack), Value::Text(output)) = (stack, output) else {
            return Ok(Value::Unknown("a GetStackOutput whose stack or output name is known only at deployment".into()));
        };
        if let Some(Value::Text(region)) = text("Region")? {
            if region != self.region {
                return Ok(Value::Unknown(format!("the output {output} of stack {stack} in {region}, another region")));
            }
        }
        Ok(match self.outputs.by_stack.get(&(stack.clone(), output.clone())) {
            Some(value) => value.clone(),
            None => {
                Value::Unknown(format!("the output {output} of stack {stack} (no template given is that stack, or it has no such output)"))
            }
        })
    }

    /// A named condition of the `Conditions` section; `None` when it depends on an unknown.
    pub fn condition(&self, name: &str, at: Spot, resolver: &dyn Resolver) -> Result<Option<bool>, EvalError> {
        if let Some(known) = self.condition_values.borrow().get(name) {
            return Ok(*known);
        }
        let node = self.conditions.and_then(|c| c.get(name)).ok_or_else(|| error(at, format!("condition {name} is not in Conditions")))?;
        let _level = self.deeper(node.at)?;
        if self.evaluating_conditions.borrow().iter().any(|n| n == name) {
            return Err(error(node.at, format!("condition {name} refers to itself (circular)")));
        }
        self.evaluating_conditions.borrow_mut().push(name.to_string());
        let value = match Self::call(node) {
            Some((function, arg)) if matches!(function, "Equals" | "And" | "Or" | "Not" | "Condition") => {
                self.boolean(function, &arg.node(), node.at, resolver)
            }
            _ => Err(error(node.at, format!("condition {name} is not Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition"))),
        };
        self.evaluating_conditions.borrow_mut().pop();
        let value = value?;
        self.condition_values.borrow_mut().insert(name.to_string(), value);
        Ok(value)
    }

    fn boolean(&self, function: &str, arg: &Node, at: Spot, resolver: &dyn Resolver) -> Result<Option<bool>, EvalError> {
        let operands = |arg: &Node| -> Result<Vec<Node>, EvalError> {
            match &arg.value {
                Yaml::Seq(items) if arg.tag.is_none() => Ok(items.clone()),
                _ => Err(error(at, format!("Fn::{function} takes a list"))),
            }
        };
        match function {
            "Condition" => {
                let name = arg.as_str().ok_or_else(|| error(at, "Condition takes a condition name"))?;
                self.condition(name, at, resolver)
            }
            "Equals" => {
                let items = operands(arg)?;
                let [a, b] = &items[..] else { return Err(error(at, "Fn::Equals takes two values")) };
                let (a, b) = (self.eval(a, resolver)?, self.eval(b, resolver)?);
                if a.as_ref().and_then(Value::unknown).is_some() || b.as_ref().and_then(Value::unknown).is_some() {
                    return Ok(None);
                }
                Ok(Some(a == b))
            }
            "Not" | "And" | "Or" => {
                let items = operands(arg)?;
                if function == "Not" && items.len() != 1 {
                    return Err(error(at, "Fn::Not takes one condition"));
                }
                let mut values = Vec::new();
                for item in &items {
                    values.push(self.operand(item, resolver)?);
                }
                Ok(match function {
                    "Not" => values[0].map(|v| !v),
                    "And" if values.contains(&Some(false)) => Some(false),
                    "Or" if values.contains(&Some(true)) => Some(true),
                    _ if values.contains(&None) => None,
                    "And" => Some(true),
                    _ => Some(false),
                })
            }
            _ => Err(error(at, format!("Fn::{function} is not a condition function"))),
        }
    }

    /// An operand of And/Or/Not: a condition function, or the text `true`/`false` one yields.
    fn operand(&self, node: &Node, resolver: &dyn Resolver) -> Result<Option<bool>, EvalError> {
        if let Some((function, arg)) = Self::call(node) {
            if matches!(function, "Equals" | "And" | "Or" | "Not" | "Condition") {
                return self.boolean(function, &arg.node(), node.at, resolver);
            }
        }
        match self.eval(node, resolver)? {
            Some(Value::Text(t)) if t == "true" => Ok(Some(true)),
            Some(Value::Text(t)) if t == "false" => Ok(Some(false)),
            Some(Value::Unknown(_)) => Ok(None),
            _ => Err(error(node.at, "a condition operand must be a condition (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition)")),
        }
    }
}

/// The argument of a call: a tagged node is its own argument (the tag taken off), a long form's is the value.
enum CallArg<'n> {
    Tagged(&'n Node),
    Node(&'n Node),
}

impl CallArg<'_> {
    fn node(&self) -> std::borrow::Cow<'_, Node> {
        match self {
            CallArg::Tagged(node) => std::borrow::Cow::Owned(Node { tag: None, ..(*node).clone() }),
            CallArg::Node(node) => std::borrow::Cow::Borrowed(node),
        }
    }
}

/// "The i-th AZ of the region": distinct indices are distinct AZs, whose names the template does not give.
pub fn zone_label(region: &str, index: usize) -> String {
    format!("GetAZs({region})[{index}]")
}

/// `Fn::Cidr [block, count, bits]`: the first `count` subnets of `block` with `bits` host bits.
fn cidrs(values: &[Value; 3], at: Spot) -> Result<Value, EvalError> {
    let block: Ipv4Net = values[0].text().and_then(|t| t.parse().ok()).ok_or_else(|| error(at, "Fn::Cidr's block must be an IPv4 CIDR"))?;
    let count: usize = values[1]
        .text()
        .and_then(|t| t.parse().ok())
        .filter(|c| (1..=256).contains(c))
        .ok_or_else(|| error(at, "Fn::Cidr's count must be 1-256"))?;
    let bits: u8 = values[2]
        .text()
        .and_then(|t| t.parse().ok())
        .filter(|b| (1..=32).contains(b))
        .ok_or_else(|| error(at, "Fn::Cidr's bits must be 1-32"))?;
    let prefix = 32 - bits;
    if prefix < block.prefix_len() {
        return Err(error(at, format!("Fn::Cidr: /{prefix} subnets do not fit in {block}")));
    }
    let subnets = block.subnets(prefix).map_err(|e| error(at, format!("Fn::Cidr: {e}")))?;
    let list: Vec<Value> = subnets.take(count).map(|net| Value::Text(net.to_string())).collect();
    if list.len() < count {
        return Err(error(at, format!("Fn::Cidr: {block} holds fewer than {count} /{prefix} subnets")));
    }
    Ok(Value::List(list))
}
