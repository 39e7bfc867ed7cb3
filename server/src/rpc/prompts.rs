//! Prompts for the common workflows: a weekly report, end-of-month
//! invoicing and a budget check. Each is a user message that tells the
//! assistant which tools to call and in what order; the tools do the work.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Exposure, RpcError};

struct Prompt {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    arguments: &'static [Argument],
    /// Every tool the prompt asks for or completes from: the prompt is
    /// hidden when the server or request hides any of them.
    tools: &'static [&'static str],
    render: fn(&Args) -> String,
}

struct Argument {
    name: &'static str,
    description: &'static str,
    /// The closed set of values, or `None` for a free reference.
    choices: Option<&'static [&'static str]>,
    /// The values a completion draws on when `choices` is `None`.
    lookup: Option<Lookup>,
}

/// A reference completed from the user's own data, through the list tool
/// that an assistant would call (the registry is the only way to the data).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lookup {
    pub tool: &'static str,
    /// The array in the tool's result whose items have a `name`.
    pub list: &'static str,
}

const PROJECT: Lookup = Lookup {
    tool: "list_projects",
    list: "projects",
};
const CLIENT: Lookup = Lookup {
    tool: "list_clients",
    list: "clients",
};

const WEEKS: &[&str] = &["last_week", "this_week"];
const MONTHS: &[&str] = &["last_month", "this_month"];

struct Args<'a>(&'a BTreeMap<String, String>);

impl Args<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}

const PROMPTS: &[Prompt] = &[
    Prompt {
        name: "budget_check",
        title: "Budget check",
        description: "Check the budgets of the user's projects (or one project): which are in \
                      warning or exceeded, how much is left, and what to do about it.",
        arguments: &[Argument {
            name: "project",
            description: "One project to check (its name); all projects with a budget if omitted.",
            choices: None,
            lookup: Some(PROJECT),
        }],
        tools: &["get_context", "get_budget_status", "list_projects"],
        render: |args| {
            let scope = match args.get("project") {
                Some(project) => format!("the project \"{project}\""),
                None => "every project that has a budget".into(),
            };
            format!(
                "Check the budget of {scope} in Teetrack. Call `get_context` first, then \
                 `get_budget_status`. For each budget say its period, hours and amount used \
                 against the limit, the percentage, and its status (ok, warning, exceeded); \
                 point out running timers that count towards it. End with what needs attention: \
                 the budgets past their alert threshold, and how much room the others have left. \
                 Do not change anything."
            )
        },
    },
    Prompt {
        name: "month_end_invoicing",
        title: "Month-end invoicing",
        description: "Prepare the month's invoices: preview the unbilled billable time per \
                      client, create drafts on request, and send nothing without confirmation.",
        arguments: &[
            Argument {
                name: "month",
                description: "`last_month` (default) or `this_month`.",
                choices: Some(MONTHS),
                lookup: None,
            },
            Argument {
                name: "client",
                description: "Only this client (its name); every client with unbilled time if omitted.",
                choices: None,
                lookup: Some(CLIENT),
            },
        ],
        tools: &[
            "get_context",
            "list_clients",
            "preview_invoice",
            "generate_invoice",
            "mark_invoice_sent",
        ],
        render: |args| {
            let period = args.get("month").unwrap_or("last_month");
            let clients = match args.get("client") {
                Some(client) => format!("the client \"{client}\""),
                None => "each client (`list_clients`)".into(),
            };
            format!(
                "Help me with month-end invoicing in Teetrack for the period `{period}`. Call \
                 `get_context` first. For {clients}, call `preview_invoice` for that period and \
                 show the lines, hours and totals per currency. Point out stopped billable tracks \
                 without a project and running timers, which are not invoiced. Ask before you \
                 call `generate_invoice` to create a draft, and never call `mark_invoice_sent` \
                 unless I confirm that exact invoice."
            )
        },
    },
    Prompt {
        name: "weekly_report",
        title: "Weekly report",
        description: "Summarise a week of tracked time: totals per day and project, the top \
                      projects, and gaps, overlaps or forgotten timers to fix.",
        arguments: &[
            Argument {
                name: "week",
                description: "`last_week` (default) or `this_week`.",
                choices: Some(WEEKS),
                lookup: None,
            },
            Argument {
                name: "project",
                description: "Only this project (its name); all projects if omitted.",
                choices: None,
                lookup: Some(PROJECT),
            },
        ],
        tools: &[
            "get_context",
            "get_time_totals",
            "get_top_projects",
            "review_timesheet",
            "list_projects",
        ],
        render: |args| {
            let period = args.get("week").unwrap_or("last_week");
            let filter = match args.get("project") {
                Some(project) => format!(" Only count the project \"{project}\"."),
                None => String::new(),
            };
            format!(
                "Write my weekly time report from Teetrack for the period `{period}`.{filter} \
                 Call `get_context` first. Use `get_time_totals` by day and by project, \
                 `get_top_projects`, and `review_timesheet` for the same week. Report the total, \
                 a table of days and projects, the billable share, and list what to fix: gaps, \
                 overlaps, very long or still-running tracks, tracks without a project."
            )
        },
    },
];

/// The prompts whose tools `exposure` shows.
pub fn list(exposure: &Exposure) -> Value {
    let prompts: Vec<Value> = PROMPTS
        .iter()
        .filter(|p| exposure.allows_all(p.tools))
        .map(|p| {
            json!({
                "name": p.name,
                "title": p.title,
                "description": p.description,
                "arguments": p.arguments.iter().map(|a| json!({
                    "name": a.name,
                    "description": a.description,
                    "required": false,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({"prompts": prompts})
}

/// A prompt that needs a hidden tool is as unknown as one that does not exist.
fn find(name: &str, exposure: &Exposure) -> Result<&'static Prompt, RpcError> {
    PROMPTS
        .iter()
        .find(|p| p.name == name && exposure.allows_all(p.tools))
        .ok_or_else(|| RpcError::invalid_params(format!("unknown prompt {name:?}")))
}

pub fn get(
    name: &str,
    arguments: &BTreeMap<String, String>,
    exposure: &Exposure,
) -> Result<Value, RpcError> {
    let prompt = find(name, exposure)?;
    for (key, value) in arguments {
        let argument = prompt
            .arguments
            .iter()
            .find(|a| a.name == key)
            .ok_or_else(|| {
                RpcError::invalid_params(format!("prompt {name:?} has no argument {key:?}"))
            })?;
        if let Some(choices) = argument.choices
            && !value.is_empty()
            && !choices.contains(&value.as_str())
        {
            return Err(RpcError::invalid_params(format!(
                "{key} must be one of {}",
                choices.join(", ")
            )));
        }
    }
    Ok(json!({
        "description": prompt.description,
        "messages": [{
            "role": "user",
            "content": {"type": "text", "text": (prompt.render)(&Args(arguments))},
        }],
    }))
}

/// Where the completions of a prompt's argument come from.
#[derive(Debug, PartialEq)]
pub enum Completion {
    Values(Vec<&'static str>),
    Lookup(Lookup),
}

pub fn complete(
    prompt: &str,
    argument: &str,
    typed: &str,
    exposure: &Exposure,
) -> Result<Completion, RpcError> {
    let prompt = find(prompt, exposure)?;
    let argument = prompt
        .arguments
        .iter()
        .find(|a| a.name == argument)
        .ok_or_else(|| {
            RpcError::invalid_params(format!(
                "prompt {:?} has no argument {argument:?}",
                prompt.name
            ))
        })?;
    Ok(match (argument.choices, argument.lookup) {
        (Some(choices), _) => Completion::Values(
            choices
                .iter()
                .copied()
                .filter(|c| c.starts_with(typed))
                .collect(),
        ),
        (None, Some(lookup)) => Completion::Lookup(lookup),
        (None, None) => Completion::Values(Vec::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_three_workflows_are_listed_sorted_with_their_arguments() {
        let list = list(&Exposure::default());
        let names: Vec<_> = list["prompts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].clone())
            .collect();
        assert_eq!(
            names,
            [
                json!("budget_check"),
                json!("month_end_invoicing"),
                json!("weekly_report")
            ]
        );
        assert_eq!(list["prompts"][2]["arguments"][0]["name"], "week");
    }

    #[test]
    fn a_prompt_renders_its_arguments_and_refuses_unknown_ones() {
        let got = get(
            "weekly_report",
            &args(&[("week", "this_week"), ("project", "Website")]),
            &Exposure::default(),
        )
        .unwrap();
        let text = got["messages"][0]["content"]["text"].as_str().unwrap();
        assert!(
            text.contains("`this_week`") && text.contains("\"Website\""),
            "{text}"
        );
        let text =
            get("month_end_invoicing", &args(&[]), &Exposure::default()).unwrap()["messages"][0]["content"]["text"]
                .clone();
        assert!(text.as_str().unwrap().contains("`last_month`"));
        let all = Exposure::default();
        for bad in [
            get("weekly_report", &args(&[("week", "next_week")]), &all),
            get("weekly_report", &args(&[("colour", "red")]), &all),
            get("nope", &args(&[]), &all),
        ] {
            assert_eq!(bad.unwrap_err().code, RpcError::INVALID_PARAMS);
        }
    }

    #[test]
    fn choices_complete_by_prefix_and_references_from_the_data() {
        assert_eq!(
            complete("weekly_report", "week", "la", &Exposure::default()).unwrap(),
            Completion::Values(vec!["last_week"])
        );
        assert_eq!(
            complete("budget_check", "project", "W", &Exposure::default()).unwrap(),
            Completion::Lookup(PROJECT)
        );
        assert!(complete("budget_check", "colour", "", &Exposure::default()).is_err());
    }

    #[test]
    fn every_prompt_names_registered_tools_and_hides_with_any_of_them() {
        let all = Exposure::default();
        for prompt in PROMPTS {
            for tool in prompt.tools {
                assert!(
                    catalogue::find_tool(tool).is_some(),
                    "{}: {tool}",
                    prompt.name
                );
            }
            // The tools the text tells the assistant to call are listed.
            let text = (prompt.render)(&Args(&BTreeMap::new()));
            for tool in catalogue::registry() {
                if text.contains(&format!("`{}`", tool.name)) {
                    assert!(
                        prompt.tools.contains(&tool.name),
                        "{}: {}",
                        prompt.name,
                        tool.name
                    );
                }
            }
            for lookup in prompt.arguments.iter().filter_map(|a| a.lookup) {
                assert!(prompt.tools.contains(&lookup.tool), "{}", prompt.name);
            }
        }
        let listed = |e: &Exposure| -> Vec<String> {
            list(e)["prompts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(listed(&all).len(), PROMPTS.len());
        // Month-end invoicing creates drafts: hidden in read-only mode.
        let read_only = Exposure::new::<&str>(&[], true).unwrap();
        assert_eq!(listed(&read_only), ["budget_check", "weekly_report"]);
        let timers = Exposure::new(&["timers"], false).unwrap();
        assert!(listed(&timers).is_empty());
        assert_eq!(
            get("weekly_report", &args(&[]), &timers).unwrap_err().code,
            RpcError::INVALID_PARAMS
        );
        assert!(complete("weekly_report", "week", "", &timers).is_err());
        let reports = Exposure::new(&["reports", "tracks", "projects"], false).unwrap();
        assert_eq!(listed(&reports), ["budget_check", "weekly_report"]);
    }
}
