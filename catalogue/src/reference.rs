//! References to a project, client or tag: an id, or an exact name
//! (case-insensitive). A name that matches several gets `ambiguous`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{ErrorCode, ToolError};

/// An id (`12`) or an exact name (`"Website redesign"`, case-insensitive).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Ref {
    Id(i32),
    Name(String),
}

impl std::fmt::Display for Ref {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ref::Id(id) => write!(f, "with id {id}"),
            Ref::Name(name) => write!(f, "named {name:?}"),
        }
    }
}

/// Something an output names: its id and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Named {
    pub id: i32,
    pub name: String,
}

/// Pick the one candidate `reference` means, among the user's own `(id, name)`
/// rows of one `kind`. A string that is all digits and names nothing is read as
/// an id, since assistants often quote ids.
pub fn resolve<'a, T>(
    kind: &str,
    reference: &Ref,
    candidates: &'a [T],
    key: impl Fn(&T) -> (i32, &str),
) -> Result<&'a T, ToolError> {
    let by_id = |id: i32| candidates.iter().find(|c| key(c).0 == id);
    match reference {
        Ref::Id(id) => by_id(*id).ok_or_else(|| ToolError::not_found(kind, reference)),
        Ref::Name(name) => {
            let wanted = name.trim().to_lowercase();
            let mut matches: Vec<&T> = candidates
                .iter()
                .filter(|c| key(c).1.to_lowercase() == wanted)
                .collect();
            if let Some(by_number) = wanted.parse().ok().and_then(by_id)
                && !matches.iter().any(|m| key(m).0 == key(by_number).0)
            {
                matches.push(by_number);
            }
            match matches.as_slice() {
                [one] => Ok(one),
                [] => Err(ToolError::not_found(kind, reference).hint(format!(
                    "list the {kind}s to see their names, or create it first"
                ))),
                several => Err(ToolError::new(
                    ErrorCode::Ambiguous,
                    format!("{} {kind}s match {name:?}", several.len()),
                )
                .hint(format!("pass the {kind}'s id instead"))
                .detail(
                    "candidates",
                    several
                        .iter()
                        .map(|c| Named {
                            id: key(c).0,
                            name: key(c).1.to_owned(),
                        })
                        .collect::<Vec<_>>(),
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(r: Ref, rows: &[(i32, &'static str)]) -> Result<i32, ToolError> {
        resolve("project", &r, rows, |(id, name)| (*id, name)).map(|row| row.0)
    }

    #[test]
    fn ids_names_and_ambiguity() {
        let rows = [
            (1, "Website"),
            (2, "API"),
            (3, "Äpfel"),
            (4, "äpfel"),
            (5, "1999"),
        ];
        assert_eq!(pick(Ref::Id(2), &rows).unwrap(), 2);
        assert_eq!(pick(Ref::Name("website".into()), &rows).unwrap(), 1);
        assert_eq!(pick(Ref::Name(" API ".into()), &rows).unwrap(), 2);
        assert_eq!(pick(Ref::Name("2".into()), &rows).unwrap(), 2);
        assert_eq!(pick(Ref::Name("1999".into()), &rows).unwrap(), 5);
        let err = pick(Ref::Name("ÄPFEL".into()), &rows).unwrap_err();
        assert_eq!(err.code, ErrorCode::Ambiguous);
        assert_eq!(err.details["candidates"].as_array().unwrap().len(), 2);
        assert_eq!(
            pick(Ref::Id(9), &rows).unwrap_err().code,
            ErrorCode::NotFound
        );
        assert_eq!(
            pick(Ref::Name("Mobile".into()), &rows).unwrap_err().code,
            ErrorCode::NotFound
        );
    }
}
