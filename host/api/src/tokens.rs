//! The tokens file: static tokens, each standing for a user, a project and
//! roles, as Keystone would issue them. Read again when it changes (see
//! [`crate::live_file`]). The format is in `docs/api.md`:
//!
//! ```toml
//! [tokens."3f8c1e0a9b7d..."]
//! user_id = "a2b4..."
//! project_id = "c6d8..."
//! roles = ["admin"]
//! user_name = "alice"        # optional
//! project_name = "ops"       # optional
//! ```
//!
//! Tokens are kept by their SHA-256 only, so looking one up takes the same
//! time whichever byte of a guess is wrong.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::identity::{AuthError, AuthFuture, Authenticator, Identity};
use crate::live_file::{LiveFile, line_column};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    tokens: BTreeMap<Spanned<String>, RawIdentity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIdentity {
    user_id: Spanned<String>,
    project_id: Spanned<String>,
    #[serde(default)]
    roles: Vec<String>,
    user_name: Option<String>,
    project_name: Option<String>,
}

/// The identities of a tokens file, by the SHA-256 of their token.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    by_digest: HashMap<[u8; 32], Identity>,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Tokens {
    /// Parses a tokens file; errors are `file:line:column: message`.
    pub(crate) fn parse(path: &Path, text: &str) -> Result<Tokens, String> {
        let at = |offset: usize| {
            let (line, column) = line_column(text, offset);
            format!("{}:{line}:{column}", path.display())
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let place = e.span().map_or_else(|| at(0), |s| at(s.start));
            format!("{place}: {}", e.message().trim())
        })?;
        let mut by_digest = HashMap::new();
        for (token, identity) in raw.tokens {
            if token.get_ref().trim().is_empty() {
                return Err(format!(
                    "{}: a token cannot be empty",
                    at(token.span().start)
                ));
            }
            // HTTP drops the spaces around a header's value, so such a
            // token could never match.
            if token.get_ref().trim() != token.get_ref()
                || token.get_ref().chars().any(char::is_control)
            {
                return Err(format!(
                    "{}: a token cannot begin or end with spaces or hold control characters",
                    at(token.span().start)
                ));
            }
            for (field, value) in [
                ("user_id", &identity.user_id),
                ("project_id", &identity.project_id),
            ] {
                if value.get_ref().trim().is_empty() {
                    return Err(format!(
                        "{}: {field} cannot be empty",
                        at(value.span().start)
                    ));
                }
            }
            by_digest.insert(
                digest(token.get_ref()),
                Identity {
                    user_id: identity.user_id.into_inner(),
                    project_id: identity.project_id.into_inner(),
                    roles: identity.roles,
                    user_name: identity.user_name,
                    project_name: identity.project_name,
                },
            );
        }
        Ok(Tokens { by_digest })
    }

    /// The identity of `token`.
    pub(crate) fn get(&self, token: &str) -> Option<&Identity> {
        self.by_digest.get(&digest(token))
    }

    /// How many tokens there are.
    pub(crate) fn len(&self) -> usize {
        self.by_digest.len()
    }
}

/// An [`Authenticator`] over a tokens file, read again when it changes; a
/// broken edit keeps the previous tokens (and is logged with file:line).
pub struct TokensFile {
    file: LiveFile<Tokens>,
}

impl TokensFile {
    /// Reads the tokens file at `path`; fails with `file:line:column: message`.
    pub fn open(path: &Path) -> Result<TokensFile, String> {
        let file = LiveFile::open(path, Tokens::parse)?;
        let count = file.current().len();
        if count == 0 {
            tracing::warn!(
                "{}: no tokens: every API request will get 401",
                path.display()
            );
        }
        Ok(TokensFile { file })
    }
}

impl Authenticator for TokensFile {
    fn authenticate<'a>(&'a self, token: &'a str) -> AuthFuture<'a> {
        let result = self
            .file
            .current()
            .get(token)
            .cloned()
            .ok_or(AuthError::InvalidToken);
        Box::pin(std::future::ready(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "[tokens.\"t-admin\"]\nuser_id = \"u1\"\nproject_id = \"p1\"\n\
                        roles = [\"admin\"]\nuser_name = \"alice\"\n\n\
                        [tokens.t2]\nuser_id = \"u2\"\nproject_id = \"p2\"\n";

    #[test]
    fn tokens_map_to_their_identity() {
        let tokens = Tokens::parse(Path::new("t.toml"), GOOD).expect("valid");
        assert_eq!(tokens.len(), 2);
        let admin = tokens.get("t-admin").expect("known");
        assert_eq!(admin.user_id, "u1");
        assert_eq!(admin.roles, ["admin"]);
        assert_eq!(admin.user_name.as_deref(), Some("alice"));
        let plain = tokens.get("t2").expect("known");
        assert!(plain.roles.is_empty());
        assert_eq!(plain.project_name, None);
        assert!(tokens.get("t-admin ").is_none());
        assert!(tokens.get("").is_none());
    }

    #[test]
    fn errors_name_the_file_line_and_column() {
        let cases = [
            (
                "[tokens.a]\nuser_id = \"u\"\n",
                "t.toml:1:1: missing field `project_id`",
            ),
            (
                "[tokens.a]\nuser_id = \"u\"\nproject_id = \"p\"\nrole = [\"x\"]\n",
                "t.toml:4:1: unknown field `role`",
            ),
            (
                "[tokens.a]\nuser_id = \"\"\nproject_id = \"p\"\n",
                "t.toml:2:11: user_id cannot be empty",
            ),
            (
                "[tokens.\"\"]\nuser_id = \"u\"\nproject_id = \"p\"\n",
                "t.toml:1:9: a token cannot be empty",
            ),
            (
                "[tokens.\" padded \"]\nuser_id = \"u\"\nproject_id = \"p\"\n",
                "t.toml:1:9: a token cannot begin or end with spaces",
            ),
            ("[tokens.a\n", "t.toml:1:10:"),
        ];
        for (text, expected) in cases {
            let error = Tokens::parse(Path::new("t.toml"), text).expect_err("refused");
            assert!(error.starts_with(expected), "{text:?}: {error}");
        }
    }
}
