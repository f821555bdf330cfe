//! The principal that will call CreateEnvironment (RULES.md v3 "DEP"): its permissions as
//! `iam:SimulatePrincipalPolicy` gives them (`EvaluationResults`, one result per action and resource), read only
//! before creation. The simulation covers identity policies and SCPs, not session policies.

use crate::model::snapshot::EvaluationResult;
use crate::model::{Member, Network};
use crate::target::Settings;

/// What the simulation says of one (action, resource).
pub enum Verdict<'n> {
    Allowed,
    /// `explicitDeny`, or `implicitDeny` with every context value given: denied.
    Denied(&'n EvaluationResult),
    /// Denied, but for want of context values the simulation did not have: not proof.
    Unproven(&'n EvaluationResult),
}

/// The deployer, as far as the input tells: its ARN (the flag, else the snapshot's `deployer_arn`) and its
/// simulated permissions.
pub struct Deployer<'n> {
    pub arn: Option<String>,
    results: &'n [EvaluationResult],
}

/// The deployer for the DEP rules, or why they cannot judge it.
pub fn deployer<'n>(network: &'n Network, settings: &Settings) -> Result<Deployer<'n>, String> {
    if settings.environment.is_some() {
        return Err("the environment exists: the principal that created it is not known".to_string());
    }
    let arn = settings.facts.deployer_arn.clone().or_else(|| network.snapshot.deployer_arn.clone());
    match &network.snapshot.evaluation_results {
        Some(results) => Ok(Deployer { arn, results }),
        None if settings.language != crate::target::Language::AwsCli && network.snapshot.deployer_arn.is_none() => {
            Err("the deploying principal is not in the template: pass --snapshot with its EvaluationResults".to_string())
        }
        None => Err(network.why_absent(Member::EvaluationResults)),
    }
}

impl<'n> Deployer<'n> {
    /// What findings call it.
    pub fn name(&self) -> &str {
        self.arn.as_deref().unwrap_or("the deploying principal")
    }

    /// The simulation's verdict on `action` for `resource` (`*` matches a result simulated without one), or
    /// why there is none.
    pub fn verdict(&self, action: &str, resource: &str) -> Result<Verdict<'n>, String> {
        let result = self
            .results
            .iter()
            .find(|r| r.eval_action_name.eq_ignore_ascii_case(action) && r.eval_resource_name.as_deref().unwrap_or("*") == resource)
            .ok_or_else(|| format!("EvaluationResults has no result for {action} on {resource}"))?;
        Ok(match result.eval_decision.as_str() {
            d if d.eq_ignore_ascii_case("allowed") => Verdict::Allowed,
            d if d.eq_ignore_ascii_case("implicitDeny") && !result.missing_context_values.is_empty() => Verdict::Unproven(result),
            _ => Verdict::Denied(result),
        })
    }
}
