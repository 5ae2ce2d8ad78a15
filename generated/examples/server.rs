//! A homeserver of just the 3PID endpoints, in memory.
//!
//! ```sh
//! cargo run -p matrix-client-server-api --features server --example server -- --listen 127.0.0.1:8448
//! ```
//!
//! It serves the API under both `/_matrix/client/r0` and `/_matrix/client/v3`, and accepts any
//! access token of the form `token-USER` as the user USER. The requestToken endpoints open a
//! validation session and answer with its `sid`; POST /account/3pid adds the session's address
//! when the `sid` starts with `valid` (else 403 `M_THREEPID_AUTH_FAILED`).

#[cfg(feature = "server")]
mod homeserver {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    use std::time::{SystemTime, UNIX_EPOCH};

    use matrix_client_server_api::operations::{
        delete_3pid_from_account, get_account_3pids, post_3pids, request_token_to_3pid_email,
        request_token_to_3pid_msisdn,
    };
    use matrix_client_server_api::server::{router_with_config, Api};
    use matrix_client_server_api::types::{Medium, ThirdPartyIdentifier};
    use matrix_client_server_api::{bind, serve, AccessToken, ErrorCode, MatrixError, RequestContext, ServerConfig};

    #[derive(Default)]
    pub struct Homeserver {
        threepids: Mutex<HashMap<String, Vec<ThirdPartyIdentifier>>>,
        /// Validation sessions by `sid`: the client secret, and the medium and address they
        /// validate.
        sessions: Mutex<HashMap<String, (String, Medium, String)>>,
    }

    fn now_ms() -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
    }

    fn user(token: &AccessToken) -> Result<String, MatrixError> {
        match token.as_str().strip_prefix("token-") {
            Some(user) if !user.is_empty() => Ok(user.to_owned()),
            _ => Err(MatrixError::unknown_token("Unrecognised access token.")),
        }
    }

    fn text(body: &serde_json::Map<String, serde_json::Value>, key: &str) -> Result<String, MatrixError> {
        body.get(key)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or_else(|| MatrixError::bad_json(format!("`{key}` must be a string")))
    }

    impl Homeserver {
        /// Opens a validation session, or finds the one this client secret already opened for
        /// this address (a client asking again gets the same `sid`, as the spec asks, and the
        /// sessions stay as many as the addresses being validated).
        fn open_session(
            &self,
            client_secret: String,
            medium: Medium,
            address: String,
        ) -> serde_json::Map<String, serde_json::Value> {
            let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
            let existing = sessions
                .iter()
                .find(|(_, s)| s.0 == client_secret && s.1 == medium && s.2 == address)
                .map(|(sid, _)| sid.clone());
            let sid = existing.unwrap_or_else(|| {
                let sid = format!("valid-{}", sessions.len() + 1);
                sessions.insert(sid.clone(), (client_secret, medium, address));
                sid
            });
            serde_json::Map::from_iter([("sid".to_owned(), serde_json::Value::String(sid))])
        }
    }

    impl Api for Homeserver {
        /// The user a token stands for.
        type Identity = String;

        async fn authenticate(&self, token: AccessToken, _: &RequestContext) -> Result<String, MatrixError> {
            user(&token)
        }

        async fn get_account_3pids(
            &self,
            user: String,
            _: RequestContext,
            _: get_account_3pids::Request,
        ) -> Result<get_account_3pids::Response, MatrixError> {
            let all = self.threepids.lock().unwrap_or_else(|e| e.into_inner());
            Ok(get_account_3pids::Response { threepids: Some(all.get(&user).cloned().unwrap_or_default()) })
        }

        async fn post_3pids(
            &self,
            user: String,
            _: RequestContext,
            request: post_3pids::Request,
        ) -> Result<post_3pids::Response, MatrixError> {
            let sid = &request.three_pid_creds.sid;
            if !sid.starts_with("valid") {
                return Err(MatrixError::new(
                    http::StatusCode::FORBIDDEN,
                    ErrorCode::ThreepidAuthFailed,
                    "The third party credentials could not be verified by the identity server.",
                ));
            }
            let session = self.sessions.lock().unwrap_or_else(|e| e.into_inner()).get(sid).cloned();
            let (medium, address) =
                session.map(|s| (s.1, s.2)).unwrap_or((Medium::Email, format!("{sid}@example.invalid")));
            let now = now_ms();
            let mut all = self.threepids.lock().unwrap_or_else(|e| e.into_inner());
            let list = all.entry(user).or_default();
            list.retain(|t| !(t.medium == medium && t.address == address));
            list.push(ThirdPartyIdentifier { medium, address, validated_at: now, added_at: now });
            Ok(post_3pids::Response::default())
        }

        async fn delete_3pid_from_account(
            &self,
            user: String,
            _: RequestContext,
            request: delete_3pid_from_account::Request,
        ) -> Result<delete_3pid_from_account::Response, MatrixError> {
            let mut all = self.threepids.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(list) = all.get_mut(&user) {
                list.retain(|t| !(t.medium == request.medium && t.address == request.address));
            }
            Ok(delete_3pid_from_account::Response::default())
        }

        async fn request_token_to_3pid_email(
            &self,
            _: RequestContext,
            request: request_token_to_3pid_email::Request,
        ) -> Result<request_token_to_3pid_email::Response, MatrixError> {
            let secret = text(&request.body, "client_secret")?;
            let email = text(&request.body, "email")?;
            Ok(request_token_to_3pid_email::Response { body: self.open_session(secret, Medium::Email, email) })
        }

        async fn request_token_to_3pid_msisdn(
            &self,
            _: RequestContext,
            request: request_token_to_3pid_msisdn::Request,
        ) -> Result<request_token_to_3pid_msisdn::Response, MatrixError> {
            let secret = text(&request.body, "client_secret")?;
            let country = text(&request.body, "country")?;
            let phone = text(&request.body, "phone_number")?;
            let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
            let msisdn = if country == "GB" { format!("44{}", digits.trim_start_matches('0')) } else { digits };
            Ok(request_token_to_3pid_msisdn::Response { body: self.open_session(secret, Medium::Msisdn, msisdn) })
        }
    }

    pub async fn main() -> Result<(), Box<dyn std::error::Error>> {
        let mut listen = "127.0.0.1:8448".to_owned();
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            match a.as_str() {
                "--listen" => listen = args.next().ok_or("--listen needs an address")?,
                other => return Err(format!("unknown argument `{other}`; usage: server [--listen ADDR]").into()),
            }
        }
        let config = ServerConfig::default().with_version("v3");
        let app = router_with_config(Arc::new(Homeserver::default()), config.clone());
        let addr: std::net::SocketAddr = listen.parse().map_err(|e| format!("--listen {listen}: {e}"))?;
        // binds with the listen queue (backlog) of the configuration
        let listener = bind(addr, &config)?;
        println!("listening on http://{}", listener.local_addr()?);
        // serves until Ctrl-C or SIGTERM, then lets the requests in flight finish
        serve(listener, app, &config, shutdown_signal()).await;
        Ok(())
    }

    async fn shutdown_signal() {
        let interrupt = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            () = interrupt => {}
            () = terminate => {}
        }
    }
}

#[cfg(feature = "server")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match homeserver::main().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "server"))]
fn main() {
    eprintln!("this example needs the `server` feature: cargo run --features server --example server");
    std::process::exit(2);
}
