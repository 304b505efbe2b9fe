//! A local SMS webhook receiver: Tessera POSTs `{to, message, pool_id, kind}` here when
//! `TESSERA_SMS_WEBHOOK_URL` points at it, and tests read the messages back.

use actix_web::{App, HttpResponse, HttpServer, web};
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub struct SmsSink {
    pub port: u16,
    messages: Arc<Mutex<Vec<serde_json::Value>>>,
    /// When true the receiver answers 500, to test delivery failures.
    failing: Arc<Mutex<bool>>,
}

impl SmsSink {
    pub fn start() -> SmsSink {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let sink = SmsSink {
            port,
            ..Default::default()
        };
        let state = sink.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                HttpServer::new(move || {
                    let state = state.clone();
                    App::new().route(
                        "/sms",
                        web::post().to(move |body: web::Json<serde_json::Value>| {
                            let state = state.clone();
                            async move {
                                if *state.failing.lock().unwrap() {
                                    return HttpResponse::InternalServerError().finish();
                                }
                                state.messages.lock().unwrap().push(body.into_inner());
                                HttpResponse::Ok().finish()
                            }
                        }),
                    )
                })
                .workers(1)
                .listen(listener)
                .unwrap()
                .run()
                .await
                .unwrap();
            });
        });
        sink
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/sms", self.port)
    }

    pub fn messages(&self) -> Vec<serde_json::Value> {
        self.messages.lock().unwrap().clone()
    }

    pub fn set_failing(&self, failing: bool) {
        *self.failing.lock().unwrap() = failing;
    }
}
