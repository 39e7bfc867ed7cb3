//! Which tools a server exposes: the toolsets (`--toolsets timers,tracks`)
//! and the read-only mode (`--read-only`) of `teetrack mcp` and `serve`,
//! narrowed per HTTP request by `/api/mcp?toolsets=…&read_only=true`.
//!
//! The one place that decides whether a tool is visible: `tools/list`,
//! `tools/call`, prompts and resources all ask [`Exposure::allows`]. A
//! hidden tool is absent from the list and unknown to a call; a prompt or
//! resource that needs a hidden tool is hidden with it.

use std::collections::BTreeSet;

use catalogue::ToolDef;

/// A toolset is an area of the catalogue (`_meta["teetrack/area"]`). These
/// names stand for an area too.
pub const ALIASES: &[(&str, &str)] = &[("reports", "analytics")];

/// Always exposed: `get_context` is the first call every prompt and the
/// server's instructions ask for (the user, their time zone, "now").
pub const ALWAYS: &str = "context";

/// What this server (or this request) exposes. The default exposes every tool.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exposure {
    /// The areas exposed; `None` for every area.
    areas: Option<BTreeSet<&'static str>>,
    /// Only tools whose `readOnlyHint` is true.
    read_only: bool,
}

/// The areas of the registry, sorted.
fn areas() -> BTreeSet<&'static str> {
    catalogue::registry().iter().map(|t| t.area()).collect()
}

/// Every name `--toolsets` accepts, for help and errors.
pub fn toolset_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = areas().into_iter().collect();
    names.extend(ALIASES.iter().map(|(alias, _)| *alias));
    names
}

impl Exposure {
    /// From `--toolsets` (each item may itself be a comma-separated list;
    /// none given = every toolset) and `--read-only`. An unknown toolset is
    /// an error naming the valid ones.
    pub fn new<S: AsRef<str>>(toolsets: &[S], read_only: bool) -> Result<Exposure, String> {
        let known = areas();
        let mut chosen = BTreeSet::new();
        for name in toolsets
            .iter()
            .flat_map(|s| s.as_ref().split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let name = name.to_ascii_lowercase();
            let area = ALIASES
                .iter()
                .find(|(alias, _)| *alias == name)
                .map(|(_, area)| *area)
                .or_else(|| known.iter().copied().find(|a| *a == name));
            match area.filter(|a| known.contains(a)) {
                Some(area) => {
                    chosen.insert(area);
                }
                None => {
                    return Err(format!(
                        "unknown toolset {name:?}; the toolsets are {}",
                        toolset_names().join(", ")
                    ));
                }
            }
        }
        let areas = match chosen.is_empty() {
            true => None,
            false => {
                chosen.insert(ALWAYS);
                Some(chosen)
            }
        };
        Ok(Exposure { areas, read_only })
    }

    /// The one decision: is `tool` visible here?
    pub fn allows(&self, tool: &ToolDef) -> bool {
        (!self.read_only || tool.read_only)
            && self.areas.as_ref().is_none_or(|a| a.contains(tool.area()))
    }

    /// The registered tool of that name, if it is exposed.
    pub fn find(&self, name: &str) -> Option<&'static ToolDef> {
        catalogue::find_tool(name).filter(|t| self.allows(t))
    }

    /// Whether every one of `tools` (by name) is registered and exposed.
    pub fn allows_all(&self, tools: &[&str]) -> bool {
        tools.iter().all(|name| self.find(name).is_some())
    }

    /// What both expose: a request can narrow the server's set, never widen it.
    pub fn and(&self, other: &Exposure) -> Exposure {
        let areas = match (&self.areas, &other.areas) {
            (None, None) => None,
            (Some(a), None) | (None, Some(a)) => Some(a.clone()),
            (Some(a), Some(b)) => Some(a.intersection(b).copied().collect()),
        };
        Exposure {
            areas,
            read_only: self.read_only || other.read_only,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(exposure: &Exposure) -> Vec<&'static str> {
        catalogue::registry()
            .iter()
            .filter(|t| exposure.allows(t))
            .map(|t| t.name)
            .collect()
    }

    #[test]
    fn toolsets_are_the_registrys_areas_plus_context() {
        let exposure = Exposure::new(&["timers"], false).unwrap();
        let shown = names(&exposure);
        assert!(shown.contains(&"start_timer") && shown.contains(&"get_context"));
        assert!(!shown.contains(&"log_track") && !shown.contains(&"create_invoice"));
        for tool in catalogue::registry() {
            assert_eq!(
                exposure.allows(tool),
                ["timers", "context"].contains(&tool.area()),
                "{}",
                tool.name
            );
        }
        assert_eq!(
            names(&Exposure::default()).len(),
            catalogue::registry().len()
        );
        assert_eq!(
            Exposure::new::<&str>(&[], false).unwrap(),
            Exposure::default()
        );
    }

    #[test]
    fn lists_aliases_and_case_are_accepted() {
        let a = Exposure::new(&["Timers, reports", "tracks"], false).unwrap();
        let b = Exposure::new(&["analytics", "timers", "tracks"], false).unwrap();
        assert_eq!(a, b);
        assert!(names(&a).contains(&"get_time_totals"));
    }

    #[test]
    fn an_unknown_toolset_names_the_valid_ones() {
        let err = Exposure::new(&["timers", "billing"], false).unwrap_err();
        assert!(err.contains("\"billing\""), "{err}");
        for name in toolset_names() {
            assert!(err.contains(name), "{err}");
        }
        assert!(toolset_names().contains(&"invoices"));
    }

    #[test]
    fn read_only_keeps_only_read_only_tools() {
        let exposure = Exposure::new::<&str>(&[], true).unwrap();
        let shown = names(&exposure);
        assert!(shown.contains(&"list_tracks") && !shown.contains(&"start_timer"));
        assert!(
            catalogue::registry()
                .iter()
                .all(|t| exposure.allows(t) == t.read_only)
        );
        assert!(exposure.find("start_timer").is_none());
        assert!(exposure.find("get_context").is_some());
    }

    #[test]
    fn a_request_narrows_the_server_and_never_widens_it() {
        let server = Exposure::new(&["timers", "tracks"], false).unwrap();
        let request = Exposure::new(&["tracks", "invoices"], true).unwrap();
        let both = server.and(&request);
        assert_eq!(both, Exposure::new(&["tracks"], true).unwrap());
        assert_eq!(server.and(&Exposure::default()), server);
        assert!(both.find("create_invoice").is_none());
    }
}
