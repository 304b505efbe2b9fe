//! The Cognito JSON API front door: `POST /` with `X-Amz-Target:
//! AWSCognitoIdentityProviderService.<Action>`, AWS JSON 1.1 in and out. It authenticates
//! (SigV4 for admin actions), parses the request, calls one service function and renders the
//! result or the error (`__type`). No rule of the user directory lives here.

pub mod actions;
pub mod dispatch;
pub mod error;
pub mod sigv4;
pub mod wire;

pub use dispatch::{ApiState, configure};
