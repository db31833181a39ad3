//! The registration test: every line of the table of providers reaches `sessions --help` (with
//! its about line and environment), the words `usage_error` recognises, the values of
//! `sessions simulate`, a simulator that starts, and `sessions demo`. A provider missing from any
//! of them fails here.

use clap::{CommandFactory, ValueEnum};

use super::*;
#[cfg(feature = "demo")]
use crate::cli::SimulateArgs;
use crate::cli::{Cli, SimProvider};

#[test]
fn each_line_names_its_provider_in_the_tables_order() {
    assert_eq!(DECLARED_NAMES, Providers::NAMES);
    assert!(!Providers::NAMES.is_empty());
}

#[test]
fn every_provider_is_a_subcommand_with_its_about_and_environment() {
    let mut cli = Cli::command();
    let help = cli.render_help().to_string();
    let listed: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let mut expected: Vec<&str> = Providers::NAMES.to_vec();
    expected.extend(["demo", "simulate", "completions", "help"]);
    assert_eq!(listed, expected, "{help}");
    for name in Providers::NAMES {
        let sub = cli
            .find_subcommand(name)
            .unwrap_or_else(|| panic!("{name} is a subcommand"));
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        assert!(!about.is_empty(), "{name} has an about line");
        let after = sub
            .get_after_help()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(after.starts_with("Environment:"), "{name}: {after:?}");
        assert!(
            sub.get_subcommands().any(|c| c.get_name() == "status")
                && sub.get_subcommands().any(|c| c.get_name() == "profiles"),
            "{name} has the shared commands"
        );
    }
}

#[test]
fn usage_errors_recognise_every_provider() {
    let words: Vec<&str> = command_words().collect();
    for name in Providers::NAMES {
        assert_eq!(words.iter().filter(|w| *w == name).count(), 1, "{name}");
    }
    assert_eq!(words.len(), Providers::NAMES.len() + 3);
}

#[test]
fn every_provider_can_be_simulated() {
    let values: Vec<&str> = SimProvider::value_variants()
        .iter()
        .map(|v| v.name())
        .collect();
    assert_eq!(values, Providers::NAMES);
    for v in SimProvider::value_variants() {
        let value = v.to_possible_value().unwrap_or_else(|| panic!("{v:?}"));
        assert_eq!(value.get_name(), v.name());
        assert!(value.get_help().is_some(), "{v:?} has a help line");
    }
}

#[cfg(feature = "demo")]
#[tokio::test(flavor = "multi_thread")]
async fn every_simulator_starts_and_names_its_providers_variables() {
    for v in SimProvider::value_variants() {
        let args = SimulateArgs {
            provider: *v,
            port: None,
            account: None,
            flavor: None,
        };
        let sim = v
            .start(&args)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", v.name()));
        assert!(
            sim.base_url().starts_with("http://127.0.0.1:"),
            "{}: {}",
            v.name(),
            sim.base_url()
        );
        let prefix = format!("{}_", v.name().to_uppercase());
        assert!(!sim.variables().is_empty(), "{}", v.name());
        for (name, _) in sim.variables() {
            assert!(name.starts_with(&prefix), "{}: {name}", v.name());
        }
    }
}

#[cfg(feature = "demo")]
#[tokio::test(flavor = "multi_thread")]
async fn flavor_is_refused_for_every_simulator_but_cas() {
    for v in SimProvider::value_variants() {
        let args = SimulateArgs {
            provider: *v,
            port: None,
            account: None,
            flavor: Some(crate::cli::cas::CasFlavor::Apereo),
        };
        let started = v.start(&args).await;
        assert_eq!(started.is_ok(), v.name() == "cas", "{}", v.name());
    }
}

#[cfg(feature = "demo")]
#[test]
fn the_demo_runs_every_provider_in_the_tables_order() {
    let names: Vec<&str> = demos().iter().map(|(name, _)| *name).collect();
    assert_eq!(names, Providers::NAMES);
}
