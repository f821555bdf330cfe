//! An EC2 answer is one XML document: a body cut short (a dropped connection that still matched its
//! Content-Length, a proxy) would be read as fewer subnets or rules and give a wrong verdict, so an answer
//! whose root element is not closed fails the call instead.

use aws_sdk_ec2::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_ec2::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ec2::error::BoxError;

#[derive(Debug)]
pub struct RejectIncompleteXml;

impl Intercept for RejectIncompleteXml {
    fn name(&self) -> &'static str {
        "RejectIncompleteXml"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match context.response().body().bytes() {
            Some(body) if !complete_xml(body) => Err(format!("the answer ends before its XML document does ({} bytes)", body.len()).into()),
            _ => Ok(()),
        }
    }
}

/// Whether `body` closes the element it opens first (after the XML declaration); an empty body passes
/// (calls that answer nothing).
fn complete_xml(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return true;
    }
    let rest = match text.strip_prefix("<?") {
        Some(after) => after.split_once("?>").map_or("", |(_, r)| r).trim_start(),
        None => text,
    };
    let Some(open) = rest.strip_prefix('<') else { return false };
    let name: String = open.chars().take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/').collect();
    !name.is_empty() && (text.ends_with(&format!("</{name}>")) || open.trim_end().ends_with("/>") && !open.contains("</"))
}

#[cfg(test)]
mod tests {
    use super::complete_xml;

    #[test]
    fn a_document_is_complete_when_its_root_closes() {
        let whole = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeSecurityGroupsResponse xmlns=\"x\"><securityGroupInfo/></DescribeSecurityGroupsResponse>\n";
        assert!(complete_xml(whole.as_bytes()));
        assert!(!complete_xml(&whole.as_bytes()[..whole.len() / 2]));
        assert!(!complete_xml(b"<html><body>proxy error"));
        assert!(complete_xml(b""));
    }
}
