//! Where the endpoint and the keys come from: flags first, then the environment (clap reads
//! both), with one error naming everything that is missing. Without a key by flag (or
//! `COS_SECRET_ID` / `COS_SECRET_KEY`), the keys come from `cos-credentials`' production chain.

use cos_batch_proto::Endpoint;
use cos_credentials::ChainProvider;
use cos_sign::Credentials;

use clap::ArgMatches;
use clap::parser::ValueSource;

use crate::cli::{Command, GlobalArgs};
use crate::failure::Failure;

impl GlobalArgs {
    /// Fill each setting not given by flag from its environment variable (`COS_UIN`, ...);
    /// a variable that is not UTF-8 counts as unset.
    pub fn read_environment(&mut self) {
        for (value, name) in [
            (&mut self.endpoint, "COS_BATCH_ENDPOINT"),
            (&mut self.uin, "COS_UIN"),
            (&mut self.region, "COS_REGION"),
            (&mut self.appid, "COS_APPID"),
            (&mut self.secret_id, "COS_SECRET_ID"),
            (&mut self.secret_key, "COS_SECRET_KEY"),
            (&mut self.session_token, "COS_SESSION_TOKEN"),
        ] {
            if value.is_none() {
                *value = std::env::var(name).ok();
            }
        }
    }
}

/// Where the keys come from.
#[derive(Debug)]
pub enum Keys {
    /// Given by flag (or `COS_SECRET_ID` / `COS_SECRET_KEY`, which clap reads for the flags).
    Given(Credentials),
    /// None given: the chain (environment, profile files, TKE web identity, CVM role).
    Chain,
}

impl Keys {
    /// How `whoami` names the given keys' source.
    pub const GIVEN_SOURCE: &'static str = "flags (--secret-id or COS_SECRET_ID)";

    /// The keys given by flag; none is [`Keys::Chain`]; an id without its key (or the other
    /// way round) is recorded in `missing`.
    fn resolve(global: &GlobalArgs, missing: &mut Vec<&'static str>) -> Option<Self> {
        match (trimmed(&global.secret_id), trimmed(&global.secret_key)) {
            (None, None) => Some(Self::Chain),
            (Some(id), Some(key)) => Some(Self::Given(given(id, key, global))),
            (Some(_), None) => {
                missing.push("--secret-key (COS_SECRET_KEY)");
                None
            }
            (None, Some(_)) => {
                missing.push("--secret-id (COS_SECRET_ID)");
                None
            }
        }
    }

    /// The keys alone, for `whoami`.
    pub fn from_args(global: &GlobalArgs) -> Result<Self, Failure> {
        let mut missing = Vec::new();
        Self::resolve(global, &mut missing)
            .ok_or_else(|| Failure::usage(format!("missing configuration: {}", missing.join(", "))))
    }
}

/// The production chain of `cos-credentials`, over its hyper client.
pub fn chain() -> Result<ChainProvider, Failure> {
    ChainProvider::standard_hyper()
        .map_err(|e| Failure::local(format!("cannot set up the credentials chain: {e}")))
}

/// The endpoint and keys of a command that talks to the service.
#[derive(Debug)]
pub struct Connection {
    /// Where requests go, and the APPID they carry.
    pub endpoint: Endpoint,
    /// Where the keys come from.
    pub keys: Keys,
}

impl Connection {
    /// Resolve the configuration, or say which flags / variables are missing.
    pub fn resolve(global: &GlobalArgs) -> Result<Self, Failure> {
        let mut missing = Vec::new();
        let appid = present(&global.appid, "--appid (COS_APPID)", &mut missing);
        let keys = Keys::resolve(global, &mut missing);
        let base = Base::resolve(global, &mut missing);
        let (Some(appid), Some(keys), Some(base)) = (appid, keys, base) else {
            return Err(missing_configuration(&missing));
        };
        Ok(Self {
            endpoint: base.endpoint(&appid)?,
            keys,
        })
    }
}

fn missing_configuration(missing: &[&str]) -> Failure {
    Failure::usage(format!(
        "missing configuration: {} (set the flags or the environment variables; \
         --endpoint / COS_BATCH_ENDPOINT replaces --uin and --region)",
        missing.join(", ")
    ))
}

/// The endpoint `sign` signs a relative target against: none when neither `--endpoint` nor
/// `--uin` / `--region` is configured (flags or environment); with one, the APPID is needed
/// too, as the client sends it.
pub fn sign_endpoint(global: &GlobalArgs) -> Result<Option<Endpoint>, Failure> {
    if [&global.endpoint, &global.uin, &global.region]
        .iter()
        .all(|v| trimmed(v).is_none())
    {
        return Ok(None);
    }
    let mut missing = Vec::new();
    let appid = present(&global.appid, "--appid (COS_APPID)", &mut missing);
    let base = Base::resolve(global, &mut missing);
    let (Some(appid), Some(base)) = (appid, base) else {
        return Err(missing_configuration(&missing));
    };
    base.endpoint(&appid).map(Some)
}

/// The connection flags that `emulator` and `demo` do not use.
const CLIENT_FLAGS: [(&str, &str); 7] = [
    ("endpoint", "--endpoint"),
    ("uin", "--uin"),
    ("region", "--region"),
    ("appid", "--appid"),
    ("secret_id", "--secret-id"),
    ("secret_key", "--secret-key"),
    ("session_token", "--session-token"),
];

/// `emulator` and `demo` refuse the client's connection flags given on the command line
/// (the same settings in the environment are meant for the other commands, and ignored:
/// call this before [`GlobalArgs::read_environment`] or after, clap never sees them).
pub fn refuse_client_flags(command: &Command, matches: &ArgMatches) -> Result<(), Failure> {
    let instead = match command {
        Command::Emulator(_) => {
            "the emulator serves the accounts of --account UIN:APPID:SECRET_ID:SECRET_KEY \
             (repeatable) or --accounts-file, the demo account by default, and listens on --bind"
        }
        Command::Demo(_) => {
            "the demo runs its own emulator with the demo account; to use an account of your \
             own, start `cos-batch emulator --account ...` and point the other commands at it"
        }
        _ => return Ok(()),
    };
    let sub = matches.subcommand().map(|(_, m)| m);
    let given: Vec<&str> = CLIENT_FLAGS
        .iter()
        .filter(|(id, _)| {
            [Some(matches), sub].into_iter().flatten().any(|m| {
                m.try_get_raw(id).ok().flatten().is_some()
                    && m.value_source(id) == Some(ValueSource::CommandLine)
            })
        })
        .map(|(_, flag)| *flag)
        .collect();
    if given.is_empty() {
        return Ok(());
    }
    let name = command_name(command);
    Err(Failure::usage(format!(
        "`{name}` does not use {}: {instead}",
        given.join(", ")
    )))
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Emulator(_) => "emulator",
        _ => "demo",
    }
}

/// The API key alone, for `sign`.
pub fn credentials(global: &GlobalArgs) -> Result<Credentials, Failure> {
    let mut missing = Vec::new();
    let id = present(
        &global.secret_id,
        "--secret-id (COS_SECRET_ID)",
        &mut missing,
    );
    let key = present(
        &global.secret_key,
        "--secret-key (COS_SECRET_KEY)",
        &mut missing,
    );
    let (Some(id), Some(key)) = (id, key) else {
        return Err(Failure::usage(format!(
            "missing configuration: {}",
            missing.join(", ")
        )));
    };
    Ok(given(id, key, global))
}

/// The keys given by flag, with the session token if one is given.
fn given(id: String, key: String, global: &GlobalArgs) -> Credentials {
    let credentials = Credentials::new(id, key);
    match global.session_token.as_deref().filter(|t| !t.is_empty()) {
        Some(token) => credentials.with_session_token(token),
        None => credentials,
    }
}

enum Base {
    Url(String),
    UinRegion(String, String),
}

impl Base {
    /// `--endpoint`, or else `--uin` and `--region` (recorded in `missing` when absent).
    fn resolve(global: &GlobalArgs, missing: &mut Vec<&'static str>) -> Option<Self> {
        match trimmed(&global.endpoint) {
            Some(url) => Some(Self::Url(url)),
            None => {
                let uin = present(&global.uin, "--uin (COS_UIN)", missing);
                let region = present(&global.region, "--region (COS_REGION)", missing);
                uin.zip(region).map(|(u, r)| Self::UinRegion(u, r))
            }
        }
    }

    fn endpoint(self, appid: &str) -> Result<Endpoint, Failure> {
        match self {
            Self::Url(url) => Endpoint::with_base_url(&url, appid),
            Self::UinRegion(uin, region) => Endpoint::new(&uin, &region, appid),
        }
        .map_err(|e| Failure::usage(format!("endpoint: {e}")))
    }
}

/// The value without surrounding blanks; a blank value counts as absent.
fn trimmed(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// [`trimmed`], recording `name` as missing when it is absent.
fn present(
    value: &Option<String>,
    name: &'static str,
    missing: &mut Vec<&'static str>,
) -> Option<String> {
    let value = trimmed(value);
    if value.is_none() {
        missing.push(name);
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::OutputFormat;

    fn args() -> GlobalArgs {
        GlobalArgs {
            output: OutputFormat::Table,
            endpoint: None,
            uin: None,
            region: None,
            appid: None,
            secret_id: None,
            secret_key: None,
            session_token: None,
        }
    }

    #[test]
    fn every_missing_setting_is_named() {
        let Err(Failure::Usage(message)) = Connection::resolve(&args()) else {
            panic!("expected a usage failure");
        };
        for name in ["COS_APPID", "COS_UIN", "COS_REGION"] {
            assert!(message.contains(name), "{message}");
        }
        // No key by flag is not missing: the chain supplies them.
        assert!(!message.contains("COS_SECRET"), "{message}");
    }

    #[test]
    fn no_key_means_the_chain_and_half_a_key_is_missing_the_other_half() {
        let mut g = args();
        g.endpoint = Some("http://127.0.0.1:9".into());
        g.appid = Some("1250000000".into());
        assert!(matches!(Connection::resolve(&g).unwrap().keys, Keys::Chain));

        g.session_token = Some("t".into());
        g.secret_id = Some("id".into());
        g.secret_key = Some("key".into());
        let Keys::Given(c) = Connection::resolve(&g).unwrap().keys else {
            panic!("expected the given keys");
        };
        assert_eq!(c.secret_id(), "id");
        assert_eq!(c.session_token().unwrap().expose(), "t");

        g.secret_id = None;
        let Err(Failure::Usage(message)) = Connection::resolve(&g) else {
            panic!("expected a usage failure");
        };
        assert!(message.contains("COS_SECRET_ID"), "{message}");
        g.secret_id = Some("id".into());
        g.secret_key = Some(" ".into());
        let Err(Failure::Usage(message)) = Keys::from_args(&g) else {
            panic!("expected a usage failure");
        };
        assert!(message.contains("COS_SECRET_KEY"), "{message}");
    }

    #[test]
    fn an_endpoint_url_replaces_uin_and_region() {
        let mut g = args();
        g.endpoint = Some("http://127.0.0.1:9".into());
        g.appid = Some("1250000000".into());
        g.secret_id = Some("id".into());
        g.secret_key = Some("key".into());
        let c = Connection::resolve(&g).unwrap();
        assert_eq!(c.endpoint.appid(), "1250000000");
        assert!(c.endpoint.base_url().starts_with("http://127.0.0.1:9"));
    }

    #[test]
    fn uin_and_region_build_the_service_endpoint() {
        let mut g = args();
        g.uin = Some("100000000001".into());
        g.region = Some("ap-guangzhou".into());
        g.appid = Some("1250000000".into());
        g.secret_id = Some("id".into());
        g.secret_key = Some("key".into());
        let c = Connection::resolve(&g).unwrap();
        assert_eq!(
            c.endpoint.authority(),
            "100000000001.cos-control.ap-guangzhou.myqcloud.com"
        );
    }

    #[test]
    fn a_blank_value_counts_as_missing() {
        let mut g = args();
        g.endpoint = Some("http://127.0.0.1:9".into());
        g.appid = Some("  ".into());
        g.secret_id = Some("id".into());
        g.secret_key = Some("key".into());
        let Err(Failure::Usage(message)) = Connection::resolve(&g) else {
            panic!("expected a usage failure");
        };
        assert!(
            message.contains("COS_APPID") && !message.contains("COS_SECRET_ID"),
            "{message}"
        );
    }
}
