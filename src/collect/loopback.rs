//! aws-sdk-mwaa prefixes the host of every operation (`api.`, `env.`), and S3 Control the account ID
//! (`111122223333.`), even with a custom endpoint. An emulator on 127.0.0.1 or localhost has no such names, so
//! for those hosts the prefix is taken off again.

use aws_sdk_mwaa::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_mwaa::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_mwaa::error::BoxError;

#[derive(Debug)]
pub struct UnprefixLoopbackHost;

impl Intercept for UnprefixLoopbackHost {
    fn name(&self) -> &'static str {
        "UnprefixLoopbackHost"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        if let Some(uri) = unprefixed(request.uri()) {
            request.set_uri(uri)?;
        }
        Ok(())
    }
}

/// `http://api.127.0.0.1:5000/x` -> `http://127.0.0.1:5000/x`; anything else (real AWS hosts) -> None.
pub fn unprefixed(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(host_end);
    let (prefix, host_and_port) = authority.split_once('.')?;
    let account = prefix.len() == 12 && prefix.chars().all(|c| c.is_ascii_digit());
    if !matches!(prefix, "api" | "env" | "ops") && !account {
        return None;
    }
    is_loopback_authority(host_and_port).then(|| format!("{scheme}://{host_and_port}{path}"))
}

/// Whether an endpoint URL's host is an IP address or `localhost` (an emulator's).
pub fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    is_loopback_authority(&rest[..rest.find(['/', '?']).unwrap_or(rest.len())])
}

fn is_loopback_authority(host_and_port: &str) -> bool {
    let host = match host_and_port.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => host_and_port,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::{is_loopback, unprefixed};

    #[test]
    fn strips_only_before_ip_or_localhost() {
        assert_eq!(unprefixed("http://api.127.0.0.1:5000/environments/x").as_deref(), Some("http://127.0.0.1:5000/environments/x"));
        assert_eq!(unprefixed("http://env.localhost:80/").as_deref(), Some("http://localhost:80/"));
        assert_eq!(unprefixed("http://api.[::1]:9/a?b").as_deref(), Some("http://[::1]:9/a?b"));
        assert_eq!(unprefixed("https://api.airflow.us-east-1.amazonaws.com/environments/x"), None);
        assert_eq!(unprefixed("http://127.0.0.1:5000/"), None);
        assert_eq!(
            unprefixed("http://123456789012.127.0.0.1:5000/v20180820/configuration/publicAccessBlock").as_deref(),
            Some("http://127.0.0.1:5000/v20180820/configuration/publicAccessBlock")
        );
        assert_eq!(unprefixed("https://123456789012.s3-control.us-east-1.amazonaws.com/v20180820/x"), None);
        assert!(is_loopback("http://127.0.0.1:5000") && is_loopback("http://localhost/") && !is_loopback("https://s3.amazonaws.com"));
    }
}
