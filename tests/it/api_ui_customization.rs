//! SetUICustomization / GetUICustomization through the AWS SDK: pool-level and client-level
//! customizations, the client's own winning over the pool's, clearing a level, Cognito's errors,
//! the refusal of unsigned calls, and the CSS and logo served to the hosted pages by
//! `/{poolId}/ui/custom.css` and `/{poolId}/ui/logo`.

use crate::both_databases;
use crate::helpers::{Backend, TestApp, spawn_app};
use aws_sdk_cognitoidentityprovider::primitives::Blob;
use aws_sdk_cognitoidentityprovider::types::UiCustomizationType;
use base64::Engine;
use tessera::services::branding;

/// A real 1×1 PNG.
const PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGOQ9bsBAAHPAURf8l/aAAAAAElFTkSuQmCC";
const POOL_CSS: &str = ".banner-customizable { background-color: #1d4ed8; }";
const CLIENT_CSS: &str = "body { font-family: serif; }";

fn png() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(PNG_BASE64)
        .unwrap()
}

/// Starts with JPEG's magic bytes (all Tessera looks at).
fn jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend_from_slice(b"JFIF\0 not really a picture");
    bytes
}

async fn create_client(app: &TestApp, pool: &str, name: &str) -> String {
    app.cognito
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name(name)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap()
}

async fn set(
    app: &TestApp,
    pool: &str,
    client: Option<&str>,
    css: Option<&str>,
    image: Option<Vec<u8>>,
) -> UiCustomizationType {
    app.cognito
        .set_ui_customization()
        .user_pool_id(pool)
        .set_client_id(client.map(str::to_string))
        .set_css(css.map(str::to_string))
        .set_image_file(image.map(Blob::new))
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap()
}

async fn get(app: &TestApp, pool: &str, client: Option<&str>) -> UiCustomizationType {
    app.cognito
        .get_ui_customization()
        .user_pool_id(pool)
        .set_client_id(client.map(str::to_string))
        .send()
        .await
        .unwrap()
        .ui_customization
        .unwrap()
}

async fn pool_and_client_levels(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("brand").await;
    let a = create_client(&app, &pool, "a").await;
    let b = create_client(&app, &pool, "b").await;

    // Nothing set: the pool's empty customization.
    let none = get(&app, &pool, Some(&a)).await;
    assert_eq!(none.user_pool_id(), Some(pool.as_str()));
    assert_eq!(none.client_id(), Some("ALL"));
    assert_eq!(none.css(), None);
    assert_eq!(none.image_url(), None);

    let set_pool = set(&app, &pool, None, Some(POOL_CSS), Some(png())).await;
    assert_eq!(set_pool.user_pool_id(), Some(pool.as_str()));
    assert_eq!(set_pool.client_id(), Some("ALL"));
    assert_eq!(set_pool.css(), Some(POOL_CSS));
    let version = set_pool.css_version().unwrap().to_string();
    assert_eq!(
        set_pool.image_url(),
        Some(
            format!(
                "{}/{pool}/ui/logo?client_id=ALL&v={version}",
                app.services.public_url
            )
            .as_str()
        )
    );
    assert!(set_pool.creation_date().is_some() && set_pool.last_modified_date().is_some());
    assert_eq!(get(&app, &pool, None).await, set_pool);
    assert_eq!(get(&app, &pool, Some("ALL")).await, set_pool);

    // A client's own customization wins, as a whole; the other client gets the pool's.
    let set_a = set(&app, &pool, Some(&a), Some(CLIENT_CSS), None).await;
    assert_eq!(set_a.client_id(), Some(a.as_str()));
    assert_eq!(set_a.css(), Some(CLIENT_CSS));
    assert_eq!(set_a.image_url(), None);
    assert_eq!(get(&app, &pool, Some(&a)).await, set_a);
    assert_eq!(get(&app, &pool, Some(&b)).await, set_pool);
    let effective = |client: Option<&str>| {
        let services = app.services.clone();
        let (pool, client) = (pool.clone(), client.map(str::to_string));
        async move {
            branding::effective(&services, &pool, client.as_deref())
                .await
                .unwrap()
                .unwrap()
        }
    };
    assert_eq!(effective(Some(&a)).await.client_id, a);
    assert_eq!(effective(Some(&a)).await.css.as_deref(), Some(CLIENT_CSS));
    assert_eq!(effective(Some(&b)).await.client_id, "ALL");
    assert_eq!(effective(None).await.client_id, "ALL");
    assert_eq!(
        effective(None).await.image_type.as_deref(),
        Some("image/png")
    );

    // Every change gets a new version; the creation date stays.
    let again = set(&app, &pool, Some(&a), Some(POOL_CSS), Some(jpeg())).await;
    let old: i64 = set_a.css_version().unwrap().parse().unwrap();
    let new: i64 = again.css_version().unwrap().parse().unwrap();
    assert!(new > old, "{old} then {new}");
    assert_eq!(again.creation_date(), set_a.creation_date());
    assert!(
        again
            .image_url()
            .unwrap()
            .contains(&format!("client_id={a}&v={new}"))
    );

    // Neither CSS nor image: the level is cleared and the pool's applies again.
    let cleared = set(&app, &pool, Some(&a), None, None).await;
    assert_eq!(cleared.client_id(), Some(a.as_str()));
    assert_eq!(cleared.css(), None);
    assert_eq!(get(&app, &pool, Some(&a)).await, set_pool);

    // Deleting a client deletes its customization.
    set(&app, &pool, Some(&b), Some(CLIENT_CSS), None).await;
    app.cognito
        .delete_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&b)
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.services
            .store
            .get_ui_customization(&pool, &b)
            .await
            .unwrap(),
        None
    );
    assert!(
        app.services
            .store
            .get_ui_customization(&pool, "ALL")
            .await
            .unwrap()
            .is_some()
    );
}

async fn served_assets(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("brand").await;
    let a = create_client(&app, &pool, "a").await;
    let base = format!("{}/{pool}", app.address);
    let fetch = |path: String| {
        let http = app.http.clone();
        async move { http.get(path).send().await.unwrap() }
    };

    // Nothing set: both 404.
    assert_eq!(fetch(format!("{base}/ui/custom.css")).await.status(), 404);
    assert_eq!(fetch(format!("{base}/ui/logo")).await.status(), 404);

    let pool_level = set(&app, &pool, None, Some(POOL_CSS), Some(png())).await;
    set(&app, &pool, Some(&a), None, Some(jpeg())).await;

    let r = fetch(format!("{base}/ui/custom.css?client_id=ALL")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["cache-control"], "public, max-age=60");
    assert_eq!(r.text().await.unwrap(), POOL_CSS);

    // The logo at the ImageUrl, cacheable for long since the URL carries the version.
    let r = fetch(pool_level.image_url().unwrap().to_string()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), png());
    let r = fetch(format!("{base}/ui/logo")).await;
    assert_eq!(r.headers()["content-type"], "image/png");

    // Client a has its own (a logo, no CSS): it replaces the pool's as a whole.
    let r = fetch(format!("{base}/ui/logo?client_id={a}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.unwrap().to_vec(), jpeg());
    assert_eq!(
        fetch(format!("{base}/ui/custom.css?client_id={a}"))
            .await
            .status(),
        404
    );
    // A client without one (or an unknown id) gets the pool's.
    let r = fetch(format!("{base}/ui/custom.css?client_id=someotherclient")).await;
    assert_eq!(r.text().await.unwrap(), POOL_CSS);

    // Another pool has none.
    let other = app.create_pool("other").await;
    let r = fetch(format!("{}/{other}/ui/custom.css", app.address)).await;
    assert_eq!(r.status(), 404);
}

async fn refused_input(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("brand").await;
    let other_pool = app.create_pool("other").await;
    let foreign = create_client(&app, &other_pool, "x").await;

    let attempt = |client: Option<&str>, css: Option<&str>, image: Option<Vec<u8>>| {
        app.cognito
            .set_ui_customization()
            .user_pool_id(&pool)
            .set_client_id(client.map(str::to_string))
            .set_css(css.map(str::to_string))
            .set_image_file(image.map(Blob::new))
            .send()
    };
    let m = crate::assert_aws_error!(
        attempt(None, None, Some(b"GIF89a\x01\x00".to_vec())).await,
        "InvalidParameterException"
    );
    assert!(m.contains("PNG or JPEG"), "{m}");
    let mut big = png();
    big.resize(100 * 1024 + 1, 0);
    let m = crate::assert_aws_error!(
        attempt(None, None, Some(big)).await,
        "InvalidParameterException"
    );
    assert!(m.contains("100 KB"), "{m}");
    for (css, says) in [
        ("@import 'https://evil.example/x.css';", "@import"),
        ("a { background: url(https://evil.example/x.png) }", "url()"),
        ("a { width: expression(alert(1)) }", "expression("),
        ("</style><script>alert(1)</script>", "</"),
    ] {
        let m = crate::assert_aws_error!(
            attempt(None, Some(css), None).await,
            "InvalidParameterException"
        );
        assert!(m.contains(says), "{css}: {m}");
    }
    crate::assert_aws_error!(
        attempt(None, Some(&"a".repeat(131_073)), None).await,
        "InvalidParameterException"
    );
    // Nothing was stored by the refused calls.
    assert_eq!(get(&app, &pool, None).await.css(), None);

    crate::assert_aws_error!(
        attempt(Some(&foreign), Some(POOL_CSS), None).await,
        "ResourceNotFoundException"
    );
    crate::assert_aws_error!(
        attempt(Some("nosuchclient"), Some(POOL_CSS), None).await,
        "ResourceNotFoundException"
    );
    let unknown_pool = app
        .cognito
        .set_ui_customization()
        .user_pool_id("local_NoSuchPool")
        .css(POOL_CSS)
        .send()
        .await;
    crate::assert_aws_error!(unknown_pool, "ResourceNotFoundException");
    let unknown_pool = app
        .cognito
        .get_ui_customization()
        .user_pool_id("local_NoSuchPool")
        .send()
        .await;
    crate::assert_aws_error!(unknown_pool, "ResourceNotFoundException");
    let foreign_get = app
        .cognito
        .get_ui_customization()
        .user_pool_id(&pool)
        .client_id(&foreign)
        .send()
        .await;
    crate::assert_aws_error!(foreign_get, "ResourceNotFoundException");
}

async fn unsigned_calls_refused(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("brand").await;
    let body = format!(r#"{{"UserPoolId":"{pool}","CSS":"a {{ color: red }}"}}"#);
    let (status, reply) = app.raw("SetUICustomization", &body).await;
    assert_eq!(status, 400);
    assert_eq!(reply["__type"], "MissingAuthenticationTokenException");
    let (status, reply) = app
        .raw(
            "GetUICustomization",
            &format!(r#"{{"UserPoolId":"{pool}"}}"#),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(reply["__type"], "MissingAuthenticationTokenException");
    assert_eq!(get(&app, &pool, None).await.css(), None);
}

both_databases!(
    pool_and_client_levels,
    served_assets,
    refused_input,
    unsigned_calls_refused
);
