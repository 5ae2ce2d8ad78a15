//! How requests and types are built: `Default` only where every field may be left out (or is a
//! free-form object), `new(required...)` everywhere else, the optional fields left out.

use std::marker::PhantomData;

use matrix_client_server_api::operations::{delete_3pid_from_account, get_account_3pids, post_3pids};
use matrix_client_server_api::types::{Medium, ThirdPartyIdentifier, ThreePidCredentials};

/// Whether `T` implements `Default`, told at compile time by method resolution: the inherent
/// candidate wins when it applies, else auto-ref finds the fallback.
struct Probe<T>(PhantomData<T>);
trait HasDefault {
    fn has_default(&self) -> bool {
        true
    }
}
impl<T: Default> HasDefault for Probe<T> {}
trait NoDefault {
    fn has_default(&self) -> bool {
        false
    }
}
impl<T> NoDefault for &Probe<T> {}

macro_rules! has_default {
    ($t:ty) => {
        (&Probe::<$t>(PhantomData)).has_default()
    };
}

#[test]
fn default_only_where_every_field_may_be_left_out() {
    // nothing required, or only free-form objects
    assert!(has_default!(get_account_3pids::Request));
    assert!(has_default!(get_account_3pids::Response));
    assert!(has_default!(delete_3pid_from_account::Response));
    // a required field of another kind: no default that the spec would accept
    assert!(!has_default!(delete_3pid_from_account::Request));
    assert!(!has_default!(post_3pids::Request));
    assert!(!has_default!(ThirdPartyIdentifier));
    assert!(!has_default!(ThreePidCredentials));
}

#[test]
fn new_takes_the_required_fields_and_leaves_the_others_out() {
    let creds = ThreePidCredentials::new("secret".into(), "id.example.org".into(), "sid1".into());
    let request = post_3pids::Request::new(creds.clone());
    assert_eq!(request.three_pid_creds, creds);
    assert_eq!(request.bind, None);
    // and what is left out is not sent
    let json = serde_json::to_value(&request).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"three_pid_creds": {"client_secret": "secret", "id_server": "id.example.org", "sid": "sid1"}})
    );
    // with struct update syntax, an optional field set as well
    let binding = post_3pids::Request {
        bind: Some(true),
        ..post_3pids::Request::new(creds)
    };
    assert_eq!(binding.bind, Some(true));
    let delete = delete_3pid_from_account::Request::new(Medium::Email, "a@example.org".into());
    assert_eq!(delete.address, "a@example.org");
}
