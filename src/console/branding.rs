//! A pool's branding: the CSS of its hosted pages (SetUICustomization's, checked by the same
//! service: Cognito's classes only, no URLs), saved and shown at once in a preview of the
//! sign-in page. The logo stays as the API or `tessera apply` set it.

use super::page::{Chrome, render};
use super::session::{Form, Operator};
use crate::services::branding;
use crate::ui::page::Layout;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "console/branding.html")]
struct View {
    chrome: Chrome,
    pool_id: String,
    css: String,
    has_logo: bool,
    version: i64,
}

/// `GET /admin/pools/{pool}/branding`.
pub async fn show(op: Operator, path: web::Path<String>) -> HttpResponse {
    let nav = match op.pool_nav(&path, "Branding").await {
        Ok(nav) => nav,
        Err(page) => return page,
    };
    let current = match branding::get(&op.svc, &nav.id, None).await {
        Ok(c) => c,
        Err(e) => return op.fault(&e),
    };
    let mut response = render(&View {
        pool_id: nav.id.clone(),
        chrome: op.chrome("Branding", Some(nav)),
        css: current
            .as_ref()
            .and_then(|c| c.css.clone())
            .unwrap_or_default(),
        has_logo: current.as_ref().is_some_and(|c| c.image_type.is_some()),
        version: current.map(|c| c.version).unwrap_or_default(),
    });
    // The preview is a frame of this console's own origin.
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// `POST /admin/pools/{pool}/branding`: saves the CSS (the logo kept).
pub async fn save(op: Operator, path: web::Path<String>, Form(form): Form) -> HttpResponse {
    let pool_id = path.into_inner();
    let back = format!("/admin/pools/{pool_id}/branding");
    let result = match branding::effective_logo(&op.svc, &pool_id, None).await {
        Ok(logo) => {
            let css = form.raw("css");
            let image = logo.as_ref().map(|l| l.bytes.as_slice());
            branding::set(&op.svc, &pool_id, None, Some(css.trim()), image).await
        }
        Err(e) => Err(e),
    };
    op.finish(
        &back,
        "SetUICustomization",
        Some(&pool_id),
        None,
        result,
        "Branding saved.",
    )
}

/// `GET /admin/pools/{pool}/branding/preview`: the pool's sign-in page with its saved
/// branding, framed by the branding page.
pub async fn preview(op: Operator, path: web::Path<String>) -> HttpResponse {
    let pool = match op.svc.require_pool(&path).await {
        Ok(pool) => pool,
        Err(e) => return op.fault(&e),
    };
    let mut layout = Layout::plain("Sign in");
    layout.app_name = pool.name.clone();
    match branding::get(&op.svc, &pool.id, None).await {
        Ok(Some(custom)) => {
            if custom.css.is_some() {
                layout.custom_css = Some(format!("/{}{}", pool.id, branding::css_path(&custom)));
            }
            if custom.image_type.is_some() {
                layout.logo = Some(format!("/{}{}", pool.id, branding::logo_path(&custom)));
            }
        }
        Ok(None) => {}
        Err(e) => return op.fault(&e),
    }
    let mut response = crate::ui::page::render(
        actix_web::http::StatusCode::OK,
        &crate::ui::login::preview(&pool, layout),
    );
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'self'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("SAMEORIGIN"),
    );
    response
}
