//! Cognito's user import jobs (reference §5.13): the job's states, the CSV's header
//! (GetCSVHeader) and the reading of each row into a user to create.
//!
//! The CSV is Cognito's: a header row of attribute names in any order, then one user a row,
//! values trimmed, an empty value meaning none, a comma inside a value escaped with `\` (a
//! value in double quotes may also hold commas). `cognito:username` and `cognito:mfa_enabled`
//! are required; every other column must be an attribute of the pool. A job with a
//! `PasswordHashingAlgorithm` also reads `cognito:password_hash`: a hash in that family (as
//! `crypto::hash_formats` reads them); its users are CONFIRMED and sign in with their old
//! passwords. Without one, users are RESET_REQUIRED, as in Cognito.

use super::AuthError;
use super::pool::UserPool;
use crate::crypto::hash_formats::{self, Family, HashFormatError};
use std::collections::BTreeMap;

/// A job's status, as Cognito names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Created,
    Pending,
    InProgress,
    Stopping,
    Stopped,
    Succeeded,
    Failed,
    Expired,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Created => "Created",
            JobStatus::Pending => "Pending",
            JobStatus::InProgress => "InProgress",
            JobStatus::Stopping => "Stopping",
            JobStatus::Stopped => "Stopped",
            JobStatus::Succeeded => "Succeeded",
            JobStatus::Failed => "Failed",
            JobStatus::Expired => "Expired",
        }
    }

    pub fn parse(text: &str) -> Option<JobStatus> {
        [
            JobStatus::Created,
            JobStatus::Pending,
            JobStatus::InProgress,
            JobStatus::Stopping,
            JobStatus::Stopped,
            JobStatus::Succeeded,
            JobStatus::Failed,
            JobStatus::Expired,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Whether the job has ended (its CSV is gone).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobStatus::Stopped | JobStatus::Succeeded | JobStatus::Failed | JobStatus::Expired
        )
    }
}

/// `PasswordHashingAlgorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashingAlgorithm {
    Bcrypt,
    Scrypt,
    Argon2id,
    Pbkdf2Sha256,
}

impl HashingAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            HashingAlgorithm::Bcrypt => "BCRYPT",
            HashingAlgorithm::Scrypt => "SCRYPT",
            HashingAlgorithm::Argon2id => "ARGON2ID",
            HashingAlgorithm::Pbkdf2Sha256 => "PBKDF2_SHA256",
        }
    }

    pub fn parse(text: &str) -> Option<HashingAlgorithm> {
        [
            HashingAlgorithm::Bcrypt,
            HashingAlgorithm::Scrypt,
            HashingAlgorithm::Argon2id,
            HashingAlgorithm::Pbkdf2Sha256,
        ]
        .into_iter()
        .find(|a| a.as_str() == text)
    }

    fn family(self) -> Family {
        match self {
            HashingAlgorithm::Bcrypt => Family::Bcrypt,
            HashingAlgorithm::Scrypt => Family::Scrypt,
            HashingAlgorithm::Argon2id => Family::Argon2id,
            HashingAlgorithm::Pbkdf2Sha256 => Family::Pbkdf2Sha256,
        }
    }
}

/// A user import job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportJob {
    /// `import-` and 10 letters or digits.
    pub id: String,
    pub pool_id: String,
    pub name: String,
    pub role_arn: String,
    pub hashing_algorithm: Option<HashingAlgorithm>,
    pub status: JobStatus,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub completion_message: Option<String>,
    /// Until when the pre-signed URL takes the CSV (epoch milliseconds).
    pub upload_expires_at: i64,
    /// Data rows read so far (the next row to read is `rows_done + 1`).
    pub rows_done: i64,
    pub imported: i64,
    pub skipped: i64,
    pub failed: i64,
}

/// How long the pre-signed URL takes an upload.
pub const UPLOAD_MILLIS: i64 = 60 * 60 * 1000;
/// A job not started this long after its creation expires, as Cognito's after 24–48 hours.
pub const EXPIRY_MILLIS: i64 = 24 * 60 * 60 * 1000;
/// The largest CSV a job takes (Cognito's limit).
pub const MAX_CSV_BYTES: usize = 100 << 20;
/// The most rows a file may hold (Cognito's limit).
pub const MAX_ROWS: usize = 500_000;
/// The longest row (Cognito's limit, in characters).
pub const MAX_ROW_CHARS: usize = 16_000;

pub const USERNAME: &str = "cognito:username";
pub const MFA_ENABLED: &str = "cognito:mfa_enabled";
pub const PASSWORD_HASH: &str = "cognito:password_hash";

/// Why a file cannot be imported at all (the job fails with this message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the CSV file is empty")]
    Empty,
    #[error("the CSV file is larger than 100 MB or holds more than 500,000 users")]
    TooLarge,
    #[error("the CSV header lacks the column {0}")]
    MissingColumn(&'static str),
    #[error("the CSV header's column {0} is no attribute of the user pool")]
    UnknownColumn(String),
    #[error("the CSV header names the column {0} twice")]
    DuplicateColumn(String),
    #[error(
        "the CSV file has a cognito:password_hash column but the job has no PasswordHashingAlgorithm"
    )]
    HashWithoutAlgorithm,
}

/// Why one row was not imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    #[error("the row has {found} values where the header has {expected}")]
    FieldCount { expected: usize, found: usize },
    #[error("the row is longer than 16,000 characters")]
    TooLong,
    #[error("cognito:username is empty")]
    NoUsername,
    #[error("cognito:mfa_enabled must be true or false")]
    MfaFlag,
    #[error("cognito:mfa_enabled is true but the user pool's MFA is off")]
    MfaOff,
    #[error("the user has no cognito:password_hash")]
    NoHash,
    #[error("cognito:password_hash is not a {0} hash")]
    WrongHashFamily(&'static str),
    #[error("cognito:password_hash: {0}")]
    Hash(HashFormatError),
    #[error("{0}")]
    Invalid(String),
}

/// GetCSVHeader: the columns a file for this pool may have, in Cognito's order (the pool's
/// standard attributes, then its custom ones, `cognito:mfa_enabled` and `cognito:username`).
pub fn csv_header(pool: &UserPool) -> Vec<String> {
    let mut out: Vec<String> = pool
        .settings
        .schema
        .iter()
        .filter_map(|a| a.name.clone())
        .filter(|n| n != "sub")
        .collect();
    out.push(MFA_ENABLED.into());
    out.push(USERNAME.into());
    out
}

/// A file's header, checked against the pool and the job.
#[derive(Debug, Clone)]
pub struct Header(Vec<String>);

impl Header {
    pub fn read(
        line: &str,
        pool: &UserPool,
        algorithm: Option<HashingAlgorithm>,
    ) -> Result<Header, FileError> {
        let names: Vec<String> = fields(line.trim_start_matches('\u{feff}'))
            .into_iter()
            .map(|n| n.trim().to_string())
            .collect();
        let allowed = csv_header(pool);
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err(FileError::DuplicateColumn(name.clone()));
            }
            if name == PASSWORD_HASH {
                if algorithm.is_none() {
                    return Err(FileError::HashWithoutAlgorithm);
                }
            } else if !allowed.contains(name) {
                return Err(FileError::UnknownColumn(name.clone()));
            }
        }
        for required in [USERNAME, MFA_ENABLED] {
            if !names.iter().any(|n| n == required) {
                return Err(FileError::MissingColumn(required));
            }
        }
        if algorithm.is_some() && !names.iter().any(|n| n == PASSWORD_HASH) {
            return Err(FileError::MissingColumn(PASSWORD_HASH));
        }
        Ok(Header(names))
    }
}

/// One row read: the user to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub username: String,
    pub attributes: BTreeMap<String, String>,
    /// The hash as given (checked), for jobs with a `PasswordHashingAlgorithm`.
    pub password_hash: Option<String>,
    pub mfa_enabled: bool,
}

/// Reads one data row. The attributes are checked when the user is made
/// (`user::new_user`), as for every other way users are created.
pub fn read_row(
    header: &Header,
    line: &str,
    pool: &UserPool,
    algorithm: Option<HashingAlgorithm>,
) -> Result<ImportRow, RowError> {
    if line.chars().count() > MAX_ROW_CHARS {
        return Err(RowError::TooLong);
    }
    let values = fields(line);
    if values.len() != header.0.len() {
        return Err(RowError::FieldCount {
            expected: header.0.len(),
            found: values.len(),
        });
    }
    let mut row = ImportRow {
        username: String::new(),
        attributes: BTreeMap::new(),
        password_hash: None,
        mfa_enabled: false,
    };
    for (name, value) in header.0.iter().zip(values) {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match name.as_str() {
            USERNAME => row.username = value.to_string(),
            MFA_ENABLED => {
                row.mfa_enabled = match value.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(RowError::MfaFlag),
                }
            }
            PASSWORD_HASH => row.password_hash = Some(value.to_string()),
            _ => {
                row.attributes.insert(name.clone(), value.to_string());
            }
        }
    }
    if row.username.is_empty() {
        return Err(RowError::NoUsername);
    }
    if row.mfa_enabled && pool.settings.mfa_configuration == "OFF" {
        return Err(RowError::MfaOff);
    }
    if let Some(algorithm) = algorithm {
        let text = row.password_hash.as_deref().ok_or(RowError::NoHash)?;
        let hash = hash_formats::parse(text).map_err(RowError::Hash)?;
        if hash.family() != algorithm.family() {
            return Err(RowError::WrongHashFamily(algorithm.as_str()));
        }
    }
    Ok(row)
}

impl From<AuthError> for RowError {
    fn from(e: AuthError) -> Self {
        RowError::Invalid(e.to_string())
    }
}

/// A file split into its header line and its data rows (numbered from 1, blank lines
/// skipped).
pub struct Lines<'a> {
    pub header: &'a str,
    pub rows: Vec<(i64, &'a str)>,
}

/// Splits a file, refusing empty and oversized ones.
pub fn split(text: &str) -> Result<Lines<'_>, FileError> {
    if text.len() > MAX_CSV_BYTES {
        return Err(FileError::TooLarge);
    }
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().ok_or(FileError::Empty)?;
    let rows: Vec<(i64, &str)> = lines.enumerate().map(|(i, l)| (i as i64 + 1, l)).collect();
    if rows.len() > MAX_ROWS {
        return Err(FileError::TooLarge);
    }
    Ok(Lines { header, rows })
}

/// A line's values: split at commas not escaped by `\` and not inside double quotes (`""` is
/// a quote inside quotes).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                field.push(',');
                chars.next();
            }
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' if quoted => quoted = false,
            '"' if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            ',' if !quoted => out.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out.push(field);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_split_at_unescaped_commas() {
        assert_eq!(
            fields("a,b\\,c,,\"d, e\",\"say \"\"hi\"\"\""),
            ["a", "b,c", "", "d, e", "say \"hi\""]
        );
        assert_eq!(fields(""), [""]);
    }

    #[test]
    fn statuses_and_algorithms_round_trip() {
        for s in [
            "Created",
            "Pending",
            "InProgress",
            "Stopping",
            "Stopped",
            "Succeeded",
            "Failed",
            "Expired",
        ] {
            assert_eq!(JobStatus::parse(s).unwrap().as_str(), s);
        }
        for a in ["BCRYPT", "SCRYPT", "ARGON2ID", "PBKDF2_SHA256"] {
            assert_eq!(HashingAlgorithm::parse(a).unwrap().as_str(), a);
        }
        assert!(HashingAlgorithm::parse("MD5").is_none());
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// Values without quotes or backslashes, commas escaped as Cognito's files escape
            /// them, come back as they were.
            #[test]
            fn escaped_values_round_trip(values in prop::collection::vec("[^\\\\\"\\n\\r]{0,12}", 1..8)) {
                let line = values.iter().map(|v| v.replace(',', "\\,")).collect::<Vec<_>>().join(",");
                prop_assert_eq!(fields(&line), values);
            }

            /// Any line splits without a panic.
            #[test]
            fn any_line_splits(line in "\\PC{0,200}") {
                let _ = fields(&line);
            }
        }
    }
}
