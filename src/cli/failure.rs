//! Why the tool could not do its job: every such error exits 2.

use miette::Diagnostic;
use thiserror::Error;

use mwaa_preflight::config::ConfigError;
use mwaa_preflight::input::InputError;

#[derive(Debug, Error, Diagnostic)]
pub enum Failure {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Input(Box<InputError>),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(Box<ConfigError>),
    #[error("{message}")]
    #[diagnostic(code(mwaa_preflight::usage))]
    Usage {
        message: String,
        #[help]
        help: String,
    },
    #[error("cannot write {path}: {source}")]
    #[diagnostic(code(mwaa_preflight::output))]
    Output { path: String, source: std::io::Error },
}

impl From<InputError> for Failure {
    fn from(error: InputError) -> Self {
        Failure::Input(Box::new(error))
    }
}

impl From<Box<ConfigError>> for Failure {
    fn from(error: Box<ConfigError>) -> Self {
        Failure::Config(error)
    }
}

pub fn usage(message: impl Into<String>, help: impl Into<String>) -> Failure {
    Failure::Usage { message: message.into(), help: help.into() }
}
