//! What CloudFormation checks of a parameter's value before it creates anything: its `Type` (Number, lists,
//! the AWS-specific ID types), `AllowedPattern`, `MinLength`/`MaxLength` and `MinValue`/`MaxValue`. A value
//! CloudFormation would refuse is refused here too, so a check never passes a stack that cannot deploy.

use super::yaml::Node;

/// The parameter types CloudFormation knows (the AWS-specific ones by family).
pub fn known_type(kind: &str) -> bool {
    let inner = kind.strip_prefix("List<").and_then(|k| k.strip_suffix('>')).unwrap_or(kind);
    matches!(kind, "String" | "Number" | "List<Number>" | "CommaDelimitedList" | "AWS::SSM::Parameter::Name")
        || kind.starts_with("AWS::SSM::Parameter::Value<")
        || inner.starts_with("AWS::EC2::")
        || inner.starts_with("AWS::Route53::")
}

/// The prefix of an AWS ID type's values (`vpc-`), for the types whose values have one.
fn id_prefix(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "AWS::EC2::VPC::Id" => "vpc-",
        "AWS::EC2::Subnet::Id" => "subnet-",
        "AWS::EC2::SecurityGroup::Id" => "sg-",
        "AWS::EC2::Instance::Id" => "i-",
        "AWS::EC2::Image::Id" => "ami-",
        "AWS::EC2::Volume::Id" => "vol-",
        _ => return None,
    })
}

/// Why CloudFormation refuses `value` for a parameter of type `kind` with these constraints, if it does.
pub fn refusal(name: &str, kind: &str, node: &Node, value: &str) -> Option<String> {
    let list = kind.starts_with("List<") || kind == "CommaDelimitedList";
    let items: Vec<&str> = if list { value.split(',').map(str::trim).collect() } else { vec![value] };
    let item_kind = kind.strip_prefix("List<").and_then(|k| k.strip_suffix('>')).unwrap_or(kind);
    for item in &items {
        if item_kind == "Number" && item.trim().parse::<f64>().is_err() {
            return Some(format!("parameter {name}: {item:?} is not a number ({kind})"));
        }
        if let Some(prefix) = id_prefix(item_kind) {
            let hex = item.strip_prefix(prefix).unwrap_or_default();
            if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Some(format!("parameter {name}: {item:?} is not an {item_kind} ({prefix}... in hexadecimal)"));
            }
        }
    }
    let number = |key: &str| node.get(key).and_then(Node::as_str).and_then(|v| v.trim().parse::<f64>().ok());
    if kind == "String" {
        let length = value.chars().count() as f64;
        if number("MinLength").is_some_and(|min| length < min) || number("MaxLength").is_some_and(|max| length > max) {
            return Some(format!("parameter {name}: {value:?} is outside its MinLength/MaxLength"));
        }
        if let Some(pattern) = node.get("AllowedPattern").and_then(Node::as_str) {
            // CloudFormation matches the whole value (Java's String.matches). A pattern this engine cannot
            // compile (lookaround, possessive quantifiers) is left to CloudFormation.
            let whole = regex_lite::RegexBuilder::new(&format!("^(?:{pattern})$")).size_limit(1 << 20).build().ok();
            if whole.is_some_and(|re| !re.is_match(value)) {
                return Some(format!("parameter {name}: {value:?} does not match its AllowedPattern {pattern:?}"));
            }
        }
    }
    if item_kind == "Number" {
        for item in &items {
            let Ok(n) = item.trim().parse::<f64>() else { continue };
            if number("MinValue").is_some_and(|min| n < min) || number("MaxValue").is_some_and(|max| n > max) {
                return Some(format!("parameter {name}: {item} is outside its MinValue/MaxValue"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(yaml: &str) -> Node {
        super::super::yaml::parse(yaml).expect("yaml").root
    }

    #[test]
    fn values_are_held_to_their_type_and_constraints() {
        let plain = node("Type: String");
        assert!(!known_type("Strnig") && known_type("List<AWS::EC2::Subnet::Id>") && known_type("AWS::SSM::Parameter::Value<String>"));
        assert!(refusal("P", "Number", &plain, "12.5").is_none());
        assert!(refusal("P", "Number", &plain, "twelve").is_some());
        assert!(refusal("P", "List<Number>", &plain, "1, 2,x").is_some());
        assert!(refusal("P", "AWS::EC2::VPC::Id", &plain, "vpc-0a1b2c3d").is_none());
        assert!(refusal("P", "AWS::EC2::VPC::Id", &plain, "subnet-0a1b2c3d").is_some());
        assert!(refusal("P", "List<AWS::EC2::Subnet::Id>", &plain, "subnet-0a1b2c3d,subnet-0e0f").is_none());
        assert!(refusal("P", "List<AWS::EC2::Subnet::Id>", &plain, "subnet-0a1b2c3d,PrivateSubnet2").is_some());
        assert!(refusal("P", "AWS::EC2::KeyPair::KeyName", &plain, "my key").is_none());
        let cidr = node("Type: String\nAllowedPattern: '(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})'\nMaxLength: 17");
        assert!(refusal("Cidr", "String", &cidr, "10.192.0.0/16").is_none());
        assert!(refusal("Cidr", "String", &cidr, "10.192.0.0/16 ").is_some(), "the whole value must match");
        assert!(refusal("Cidr", "String", &cidr, "100.100.100.100/24").is_some(), "MaxLength");
        let count = node("Type: Number\nMinValue: 1\nMaxValue: 25");
        assert!(refusal("Workers", "Number", &count, "26").is_some());
        assert!(refusal("Workers", "Number", &count, "10").is_none());
        let lookaround = node("Type: String\nAllowedPattern: '(?!x).*'");
        assert!(refusal("P", "String", &lookaround, "x").is_none(), "a pattern the engine cannot compile is CloudFormation's to judge");
    }
}
