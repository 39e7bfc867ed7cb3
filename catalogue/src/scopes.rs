//! OAuth scopes: what a connector signed in with OAuth may do. Every tool
//! names the one [`Scope`] it needs (`#[tool(scope = "…")]`, required: the
//! macro names the variant, so a scope this enum lacks fails to compile). A
//! personal API token holds every scope.

use serde::{Deserialize, Serialize};

/// One OAuth scope. Its serde name is what tokens, `_meta["teetrack/scope"]`
/// and `#[tool(scope = "…")]` say: lowercase words joined by `:`, the
/// variant's words (`TracksRead` is `tracks:read`), which is how the macro
/// finds the variant (a test below keeps every name in that shape).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "tracks:read")]
    TracksRead,
    #[serde(rename = "tracks:write")]
    TracksWrite,
    #[serde(rename = "invoices")]
    Invoices,
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    /// Every scope, in the order a consent page lists them.
    pub const ALL: [Scope; 4] = [
        Scope::TracksRead,
        Scope::TracksWrite,
        Scope::Invoices,
        Scope::Admin,
    ];

    /// Its name: the serde name, through the one enum-to-text mapping.
    pub fn as_str(self) -> &'static str {
        crate::names::name(self)
    }

    /// What it grants, in the words a user reads on the consent page.
    pub fn description(self) -> &'static str {
        match self {
            Scope::TracksRead => {
                "See your timers, tracks, projects, clients, tags, reports and settings"
            }
            Scope::TracksWrite => {
                "Start and stop timers; add, change and delete tracks, projects, clients and tags"
            }
            Scope::Invoices => "See, create, send and change your invoices",
            Scope::Admin => "Change your settings",
        }
    }

    pub fn from_name(name: &str) -> Option<Scope> {
        crate::names::parse(name)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

pub fn is_known(scope: &str) -> bool {
    Scope::from_name(scope).is_some()
}

pub fn describe(scope: &str) -> Option<&'static str> {
    Scope::from_name(scope).map(Scope::description)
}

/// Every scope, space-separated: what a client gets that asks for none.
pub fn all_joined() -> String {
    Scope::ALL.map(Scope::as_str).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `#[tool]` expects of a name: `"tracks:read"` is `TracksRead`.
    fn variant_of(name: &str) -> String {
        name.split(':')
            .map(|word| word[..1].to_uppercase() + &word[1..])
            .collect()
    }

    #[test]
    fn serde_names_are_the_names_and_spell_the_variants() {
        for scope in Scope::ALL {
            assert_eq!(serde_json::to_value(scope).unwrap(), scope.as_str());
            assert_eq!(Scope::from_name(scope.as_str()), Some(scope));
            assert!(
                scope
                    .as_str()
                    .split(':')
                    .all(|w| w.starts_with(|c: char| c.is_ascii_lowercase())
                        && w.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
                "{scope:?}: #[tool] reads lowercase words joined by `:`"
            );
            assert_eq!(variant_of(scope.as_str()), format!("{scope:?}"));
        }
        assert_eq!(all_joined(), "tracks:read tracks:write invoices admin");
    }

    #[test]
    fn read_only_tools_need_only_to_read() {
        for tool in crate::registry() {
            if tool.read_only && tool.area() != "invoices" {
                assert_eq!(tool.scope, Scope::TracksRead, "{} is read-only", tool.name);
            }
        }
    }
}
