//! A command-line client of the 3PID endpoints.
//!
//! ```sh
//! cargo run -p matrix-client-server-api --features client --example client -- \
//!     --base-url http://127.0.0.1:8448 --token token-alice get-account-3pids
//! ```
//!
//! Subcommands, one per operation:
//!
//! - `get-account-3pids`
//! - `post-3pids --sid SID --client-secret SECRET --id-server HOST [--bind]`
//! - `delete-3pid-from-account --medium email|msisdn --address ADDRESS`
//! - `request-token-to-3pid-email --email ADDRESS --client-secret SECRET [--send-attempt N]`
//! - `request-token-to-3pid-msisdn --country CC --phone-number NUMBER --client-secret SECRET [--send-attempt N]`
//!
//! Each prints the result as JSON, or the typed error and exits 1. `--version v3` calls
//! `/_matrix/client/v3` in place of the spec's `/_matrix/client/r0`; `--prefix PATH` replaces the
//! whole base path.

#[cfg(feature = "client")]
mod cli {
    use std::collections::HashMap;

    use matrix_client_server_api::operations::{
        delete_3pid_from_account, post_3pids, request_token_to_3pid_email, request_token_to_3pid_msisdn,
    };
    use matrix_client_server_api::types::{Medium, ThreePidCredentials};
    use matrix_client_server_api::{Client, ClientError};

    pub const USAGE: &str = "usage: client --base-url URL [--token TOKEN] [--version V] [--prefix PREFIX] SUBCOMMAND [OPTIONS]
subcommands:
  get-account-3pids
  post-3pids --sid SID --client-secret SECRET --id-server HOST [--bind]
  delete-3pid-from-account --medium email|msisdn --address ADDRESS
  request-token-to-3pid-email --email ADDRESS --client-secret SECRET [--send-attempt N]
  request-token-to-3pid-msisdn --country CC --phone-number NUMBER --client-secret SECRET [--send-attempt N]";

    pub enum Failure {
        Usage(String),
        Client(ClientError),
    }

    struct Args {
        options: HashMap<String, String>,
        flags: Vec<String>,
    }

    impl Args {
        fn get(&self, name: &str) -> Result<String, Failure> {
            self.options.get(name).cloned().ok_or_else(|| Failure::Usage(format!("missing --{name}")))
        }
    }

    fn parse(args: &[String]) -> Result<Args, Failure> {
        let mut options = HashMap::new();
        let mut flags = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let Some(name) = a.strip_prefix("--") else {
                return Err(Failure::Usage(format!("unexpected `{a}`")));
            };
            if name == "bind" {
                flags.push(name.to_owned());
                continue;
            }
            let value = it.next().ok_or_else(|| Failure::Usage(format!("--{name} needs a value")))?;
            options.insert(name.to_owned(), value.clone());
        }
        Ok(Args { options, flags })
    }

    fn json<T: serde::Serialize>(value: &T) -> String {
        serde_json::to_string_pretty(value).unwrap_or_default()
    }

    pub async fn run(argv: Vec<String>) -> Result<String, Failure> {
        // global options are `--name value` pairs; the subcommand follows them
        let mut sub = 0;
        while argv.get(sub).is_some_and(|a| a.starts_with("--")) {
            sub += 2;
        }
        if sub >= argv.len() {
            return Err(Failure::Usage("no subcommand".to_owned()));
        }
        let global = parse(&argv[..sub])?;
        let local = parse(&argv[sub + 1..])?;
        let mut client = Client::new(global.get("base-url")?).map_err(Failure::Client)?;
        if let Ok(token) = global.get("token") {
            client = client.with_access_token(token);
        }
        if let Ok(version) = global.get("version") {
            client = client.with_version(version);
        }
        if let Ok(prefix) = global.get("prefix") {
            client = client.with_path_prefix(prefix);
        }
        let attempt = |a: &Args| a.get("send-attempt").ok().and_then(|n| n.parse::<i64>().ok()).unwrap_or(1);
        match argv[sub].as_str() {
            "get-account-3pids" => Ok(json(&client.get_account_3pids().await.map_err(Failure::Client)?)),
            "post-3pids" => {
                let request = post_3pids::Request {
                    three_pid_creds: ThreePidCredentials {
                        client_secret: local.get("client-secret")?,
                        id_server: local.get("id-server")?,
                        sid: local.get("sid")?,
                    },
                    bind: local.flags.iter().any(|f| f == "bind").then_some(true),
                };
                client.post_3pids(request).await.map_err(Failure::Client)?;
                Ok("{}".to_owned())
            }
            "delete-3pid-from-account" => {
                let request = delete_3pid_from_account::Request {
                    medium: Medium::from(local.get("medium")?),
                    address: local.get("address")?,
                };
                client.delete_3pid_from_account(request).await.map_err(Failure::Client)?;
                Ok("{}".to_owned())
            }
            "request-token-to-3pid-email" => {
                let body = serde_json::json!({
                    "email": local.get("email")?,
                    "client_secret": local.get("client-secret")?,
                    "send_attempt": attempt(&local),
                });
                let request = request_token_to_3pid_email::Request { body: body.as_object().cloned().unwrap_or_default() };
                Ok(json(&client.request_token_to_3pid_email(request).await.map_err(Failure::Client)?.body))
            }
            "request-token-to-3pid-msisdn" => {
                let body = serde_json::json!({
                    "country": local.get("country")?,
                    "phone_number": local.get("phone-number")?,
                    "client_secret": local.get("client-secret")?,
                    "send_attempt": attempt(&local),
                });
                let request = request_token_to_3pid_msisdn::Request { body: body.as_object().cloned().unwrap_or_default() };
                Ok(json(&client.request_token_to_3pid_msisdn(request).await.map_err(Failure::Client)?.body))
            }
            other => Err(Failure::Usage(format!("unknown subcommand `{other}`"))),
        }
    }
}

#[cfg(feature = "client")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match cli::run(std::env::args().skip(1).collect()).await {
        Ok(out) => {
            println!("{out}");
            std::process::ExitCode::SUCCESS
        }
        Err(cli::Failure::Usage(m)) => {
            eprintln!("error: {m}\n{}", cli::USAGE);
            std::process::ExitCode::from(2)
        }
        Err(cli::Failure::Client(e)) => {
            match e.matrix_error() {
                Some(m) => eprintln!("error: {} {}: {}", m.status.as_u16(), m.errcode, m.error.as_deref().unwrap_or("")),
                None => eprintln!("error: {e}"),
            }
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "client"))]
fn main() {
    eprintln!("this example needs the `client` feature: cargo run --features client --example client");
    std::process::exit(2);
}
